//! Pages of orders, each with its divergence badge, true to the replayed state (see
//! [`super::truth`]); the orders of a class; the next out-of-sync order; the replayed order
//! list.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;

use super::ReadSide;
use super::truth::{Classified, ListSource, list_order};
use crate::app::divergence::{Class, CorruptEvent};
use crate::app::error::AppError;
use crate::domain::OrderSummary;
use crate::store::{OrderFilter, OrderPageQuery, OrderSort, PageKey};

/// One order of a page: the replayed state where there is one, else what the row says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderListing {
    /// The order.
    pub order_id: String,
    /// Replayed status (the row's for an order without events; `None` when corrupt).
    pub status: Option<String>,
    /// Who ordered.
    pub customer_id: String,
    /// Total (decimal string).
    pub total: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Stream version.
    pub version: u64,
    /// When its last event happened (replayed; the row's for an orphan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Read model vs replay.
    pub class: Class,
    /// Events the row is behind.
    pub behind: u64,
    /// The event that no longer decodes, when `class` is `corrupt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrupt: Option<CorruptEvent>,
}

/// A page of orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersPage {
    /// The orders.
    pub rows: Vec<OrderListing>,
    /// Where the next page starts, when this one was full.
    #[serde(skip)]
    pub next: Option<PageKey>,
    /// What the filter and sort were true to.
    #[serde(flatten)]
    pub source: ListSource,
}

/// Which classes a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassFilter {
    /// This one.
    Only(Class),
    /// Every class but in-sync.
    OutOfSync,
}

impl ClassFilter {
    /// Whether an order of class `c` is listed.
    pub fn admits(self, c: Class) -> bool {
        match self {
            ClassFilter::Only(only) => c == only,
            ClassFilter::OutOfSync => c != Class::InSync,
        }
    }

    /// Its name, as typed.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassFilter::Only(c) => c.as_str(),
            ClassFilter::OutOfSync => "out-of-sync",
        }
    }
}

impl FromStr for ClassFilter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        if matches!(s.as_str(), "out-of-sync" | "oos" | "any") {
            return Ok(ClassFilter::OutOfSync);
        }
        Class::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .map(ClassFilter::Only)
            .ok_or_else(|| {
                let names: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown class {:?}: use out-of-sync, {}",
                    crate::text::printable(&s.chars().take(40).collect::<String>()),
                    names.join(", ")
                )
            })
    }
}

/// Which way `]` and `[` go through the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Towards {
    /// Down the list (`]`).
    Next,
    /// Up the list (`[`).
    Previous,
}

/// Where `]` or `[` landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextOutOfSync {
    /// The order.
    pub order_id: String,
    /// Its class.
    pub class: Class,
    /// Reached by going round from the other end of the list.
    pub wrapped: bool,
    /// Out-of-sync orders there are.
    pub count: usize,
    /// What they were found in.
    pub source: ListSource,
}

/// One entry of the replayed order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ListEntry {
    /// The order's replayed summary.
    Order(OrderSummary),
    /// An order one of whose events no longer decodes.
    Corrupt {
        /// The order.
        order_id: String,
        /// The event.
        corrupt: CorruptEvent,
    },
}

impl ReadSide {
    /// A page of orders, each classified against its replay, filtered and sorted by its
    /// replayed values. The read model's indexes page the orders whose rows tell the truth;
    /// the rows that may lie (see [`super::truth`]) are replayed and placed by their truth.
    /// An order whose events no longer decode is listed with class `corrupt`.
    pub async fn orders_page(&self, query: &OrderPageQuery) -> Result<OrdersPage, AppError> {
        let listed = self.browse.list_orders(query).await?;
        let full = listed.len() >= query.limit as usize;
        let versions: BTreeMap<String, u64> = listed
            .iter()
            .map(|l| (l.order_id.clone(), l.stream_version))
            .collect();
        // By id over the log, every stream is listed from its events: nothing to add.
        let from_log = query.sort == OrderSort::Id
            && matches!(query.filter, OrderFilter::All | OrderFilter::IdPrefix(_));
        if from_log {
            let ids: Vec<String> = listed.iter().map(|l| l.order_id.clone()).collect();
            let parked = self.read_model.blocked_streams().await?;
            let rows = self.classify_all(&ids, &versions, &parked).await?;
            let next = full.then(|| listed.last().map(|l| l.key.clone())).flatten();
            return Ok(page(rows, next, ListSource::Replay));
        }
        let suspects = self.suspects().await?;
        // Suspects are placed apart, by their replayed key, only when they are all known.
        let apart = suspects.source == ListSource::Replay;
        let mut ids: Vec<String> = listed
            .iter()
            .map(|l| l.order_id.clone())
            .filter(|id| !(apart && suspects.ids.contains(id)))
            .collect();
        if apart {
            ids.extend(suspects.ids.iter().cloned());
        }
        // Candidates and suspects in one pass: one read of their rows.
        let mut rows = self.classify_all(&ids, &versions, &suspects.parked).await?;
        let upper = full.then(|| listed.last().map(|l| l.key.clone())).flatten();
        rows.retain(|c| {
            if !c.matches(&query.filter) {
                return false;
            }
            if !(apart && suspects.ids.contains(&c.listing.order_id)) {
                return true;
            }
            // A suspect joins this page when its key falls in the page's range.
            let key = c.key(query.sort);
            query
                .after
                .as_ref()
                .is_none_or(|a| list_order(a, &key).is_lt())
                && upper.as_ref().is_none_or(|u| list_order(&key, u).is_le())
        });
        Ok(sorted_page(rows, query, upper, suspects.source))
    }

    /// A page of the orders of some classes, by the same sort and filter. Out-of-sync
    /// orders are found among the suspects (see [`super::truth`]): rows a comparison found
    /// out of sync, parked orders, orders with events after the projector's checkpoint.
    pub async fn orders_of_class(
        &self,
        class: ClassFilter,
        query: &OrderPageQuery,
    ) -> Result<OrdersPage, AppError> {
        if class == ClassFilter::Only(Class::InSync) {
            let mut page = self.orders_page(query).await?;
            page.rows.retain(|r| r.class == Class::InSync);
            return Ok(page);
        }
        let suspects = self.suspects().await?;
        let ids: Vec<String> = suspects.ids.iter().cloned().collect();
        let mut rows = self
            .classify_all(&ids, &BTreeMap::new(), &suspects.parked)
            .await?;
        rows.retain(|c| {
            class.admits(c.listing.class)
                && c.matches(&query.filter)
                && query
                    .after
                    .as_ref()
                    .is_none_or(|a| list_order(a, &c.key(query.sort)).is_lt())
        });
        Ok(sorted_page(rows, query, None, suspects.source))
    }

    /// Where an order stands in a sort, by its replayed values: the key a page that goes on
    /// after it starts from.
    pub async fn order_key(&self, id: &str, sort: OrderSort) -> Result<PageKey, AppError> {
        let parked = self.read_model.blocked_streams().await?;
        let c = self
            .classify_all(&[id.to_string()], &BTreeMap::new(), &parked)
            .await?;
        Ok(c.first().map_or_else(
            || PageKey::Id {
                order_id: id.to_string(),
            },
            |c| c.key(sort),
        ))
    }

    /// The out-of-sync order after (or before) `from` in a sort, across every order, going
    /// round at the end; `None` when every order is in sync.
    pub async fn next_out_of_sync(
        &self,
        sort: OrderSort,
        from: Option<&str>,
        towards: Towards,
    ) -> Result<Option<NextOutOfSync>, AppError> {
        let suspects = self.suspects().await?;
        let ids: Vec<String> = suspects.ids.iter().cloned().collect();
        let mut all = self
            .classify_all(&ids, &BTreeMap::new(), &suspects.parked)
            .await?;
        let here = match from {
            None => None,
            Some(id) => match all.iter().find(|c| c.listing.order_id == id) {
                Some(c) => Some(c.key(sort)),
                None => self
                    .classify_all(&[id.to_string()], &BTreeMap::new(), &suspects.parked)
                    .await?
                    .first()
                    .map(|c| c.key(sort)),
            },
        };
        all.retain(|c| c.listing.class != Class::InSync);
        all.sort_by(|a, b| list_order(&a.key(sort), &b.key(sort)));
        let count = all.len();
        let beyond = |c: &&Classified| {
            here.as_ref().is_none_or(|h| {
                let o = list_order(h, &c.key(sort));
                if towards == Towards::Next {
                    o.is_lt()
                } else {
                    o.is_gt()
                }
            })
        };
        let (found, wrapped) = match towards {
            Towards::Next => match all.iter().find(beyond) {
                Some(c) => (Some(c), false),
                None => (all.first(), here.is_some()),
            },
            Towards::Previous => match all.iter().rev().find(beyond) {
                Some(c) => (Some(c), false),
                None => (all.last(), here.is_some()),
            },
        };
        Ok(found.map(|c| NextOutOfSync {
            order_id: c.listing.order_id.clone(),
            class: c.listing.class,
            wrapped: wrapped && from != Some(c.listing.order_id.as_str()),
            count,
            source: suspects.source,
        }))
    }
}

fn page(rows: Vec<Classified>, next: Option<PageKey>, source: ListSource) -> OrdersPage {
    OrdersPage {
        rows: rows.into_iter().map(|c| c.listing).collect(),
        next,
        source,
    }
}

/// Rows in the query's order, cut to its limit. The next page starts after the last row
/// kept, or after `upper` (the last key the read model's page reached) when none was cut.
fn sorted_page(
    mut rows: Vec<Classified>,
    query: &OrderPageQuery,
    upper: Option<PageKey>,
    source: ListSource,
) -> OrdersPage {
    rows.sort_by(|a, b| list_order(&a.key(query.sort), &b.key(query.sort)));
    let limit = query.limit.max(1) as usize;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|c| c.key(query.sort))
    } else {
        upper
    };
    page(rows, next, source)
}
