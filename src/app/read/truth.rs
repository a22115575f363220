//! What the order list is true to: the replayed state. A read-model row tells the truth
//! when it is in sync, so the list can be paged from the read model's indexes, as long as
//! every row that may lie is looked at apart: these are the *suspects*, replayed each time.
//!
//! A row may lie when its stream has events after the projector's checkpoint (lagging or
//! missing), when its order is parked behind a dead letter, or when a comparison found it out
//! of sync (a row changed behind the projector's back, a projection bug). The last kind is
//! only known once something compared it: every page, `]` and `check` record what they find
//! in [`Findings`], and a full check replaces them all.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::ReadSide;
use super::orders::OrderListing;
use crate::app::divergence::{CheckReport, Class, OrderCheck, classify, corrupt_event};
use crate::app::error::AppError;
use crate::domain::{OrderId, OrderSummary};
use crate::store::{OrderFilter, OrderSort, PageKey, Stored, SummaryRow};

/// Events after the checkpoint read to name the lagging orders; past this, the list falls
/// back to the read model's word for orders the projector has not reached.
const LAG_EVENTS: u64 = 2_000;
/// Suspects replayed per question at most, for the same reason.
const SUSPECTS: usize = 2_000;
/// Events read per statement while naming the lagging orders.
const LAG_BATCH: u32 = 500;

/// Where the list's values, filter and sort come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum ListSource {
    /// Every order as its events replay: rows that may lie were replayed and re-filtered.
    #[default]
    Replay,
    /// The projector is too far behind to replay every order it has not reached: those are
    /// filtered and sorted by what their rows say (the shown values are still replayed).
    ReadModel {
        /// Events after the projector's checkpoint.
        lag: u64,
    },
}

/// Orders found out of sync by the last comparisons, kept for the process's life.
#[derive(Debug, Default)]
pub struct Findings {
    known: Mutex<BTreeMap<String, Class>>,
}

impl Findings {
    fn ids(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Records a verdict: out-of-sync orders are remembered, in-sync ones forgotten.
    pub(super) fn note(&self, order_id: &str, class: Class) {
        let mut known = self.lock();
        if class == Class::InSync {
            known.remove(order_id);
        } else {
            known.insert(order_id.to_string(), class);
        }
    }

    /// A whole check: its findings replace every earlier one.
    pub(super) fn replace(&self, report: &CheckReport) {
        *self.lock() = report
            .divergent
            .iter()
            .map(|c| (c.order_id.clone(), c.class))
            .collect();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Class>> {
        // A panic elsewhere while holding it leaves a map that is still a valid map.
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The orders whose rows may lie.
pub(super) struct Suspects {
    /// Their ids.
    pub ids: BTreeSet<String>,
    /// The parked orders among them, read once for every classification of the question.
    pub parked: HashSet<String>,
    /// Whether they are all of them.
    pub source: ListSource,
}

/// One order as replayed and classified, with what the sorts sort it by.
#[derive(Debug, Clone)]
pub(super) struct Classified {
    /// As listed.
    pub listing: OrderListing,
    status: Option<crate::domain::OrderStatus>,
    updated_at: Option<DateTime<Utc>>,
    total: Option<Decimal>,
}

impl Classified {
    /// The key of this order in a sort, from its replayed values.
    pub fn key(&self, sort: OrderSort) -> PageKey {
        let order_id = self.listing.order_id.clone();
        match sort {
            OrderSort::Id => PageKey::Id { order_id },
            OrderSort::Recent => PageKey::Recent {
                updated_at: self
                    .updated_at
                    .map_or_else(|| Stored::Invalid(String::new()), Stored::Valid),
                order_id,
            },
            OrderSort::Total => PageKey::Total {
                total: self
                    .total
                    .map_or_else(|| Stored::Invalid(String::new()), Stored::Valid),
                order_id,
            },
        }
    }

    /// Whether its replayed values pass a filter.
    pub fn matches(&self, filter: &OrderFilter) -> bool {
        match filter {
            OrderFilter::All => true,
            OrderFilter::IdPrefix(p) => self.listing.order_id.starts_with(p.as_str()),
            OrderFilter::Customer(p) => self.listing.customer_id.starts_with(p.as_str()),
            OrderFilter::Status(s) => self.status == Some(*s),
        }
    }
}

/// A stored value as the sorts order it: one that does not parse sorts below every other.
fn sort_value<T: Ord + Clone>(v: &Stored<T>) -> Option<T> {
    v.valid().cloned()
}

/// How two keys of one sort compare in list order (`Less`: `a` is listed first).
pub fn list_order(a: &PageKey, b: &PageKey) -> Ordering {
    match (a, b) {
        (PageKey::Recent { updated_at: x, .. }, PageKey::Recent { updated_at: y, .. }) => {
            sort_value(y)
                .cmp(&sort_value(x))
                .then_with(|| b.order_id().cmp(a.order_id()))
        }
        (PageKey::Total { total: x, .. }, PageKey::Total { total: y, .. }) => sort_value(y)
            .cmp(&sort_value(x))
            .then_with(|| b.order_id().cmp(a.order_id())),
        _ => a.order_id().cmp(b.order_id()),
    }
}

impl ReadSide {
    /// The orders whose rows may not tell their replayed truth.
    pub(super) async fn suspects(&self) -> Result<Suspects, AppError> {
        let store = self.loader.store();
        let projected = self.read_model.projector_state().await?.position;
        let lag = store.count_after(projected).await?;
        let parked = self.read_model.blocked_streams().await?;
        let mut ids: BTreeSet<String> = parked.iter().cloned().collect();
        ids.extend(self.findings.ids());
        if lag > LAG_EVENTS {
            return Ok(Suspects {
                ids,
                parked,
                source: ListSource::ReadModel { lag },
            });
        }
        let mut after = projected;
        loop {
            let events = store.read_all(after, LAG_BATCH).await?;
            let Some(last) = events.last() else { break };
            after = last.global_position;
            let full = events.len() >= LAG_BATCH as usize;
            ids.extend(events.into_iter().map(|e| e.stream_id));
            if !full {
                break;
            }
        }
        let source = if ids.len() > SUSPECTS {
            ListSource::ReadModel { lag }
        } else {
            ListSource::Replay
        };
        Ok(Suspects {
            ids,
            parked,
            source,
        })
    }

    /// Replays and classifies orders, each against its row (one read for all of them);
    /// `versions` gives the stream versions already known (an order listed from the log),
    /// others are read; `parked` is the parked orders. Every verdict is recorded in the
    /// findings.
    pub(super) async fn classify_all(
        &self,
        ids: &[String],
        versions: &BTreeMap<String, u64>,
        parked: &HashSet<String>,
    ) -> Result<Vec<Classified>, AppError> {
        let rows: HashMap<String, SummaryRow> = self
            .read_model
            .rows(ids)
            .await?
            .into_iter()
            .map(|r| (r.order_id.clone(), r))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = rows.get(id);
            let c = self
                .classify_one(id, versions.get(id).copied(), row, parked.contains(id))
                .await?;
            self.findings.note(id, c.listing.class);
            out.push(c);
        }
        Ok(out)
    }

    async fn classify_one(
        &self,
        id: &str,
        version: Option<u64>,
        row: Option<&SummaryRow>,
        parked: bool,
    ) -> Result<Classified, AppError> {
        let order_id = id.parse::<OrderId>().ok();
        let loaded = match order_id {
            Some(oid) if version != Some(0) => Some(self.loader.load(oid, None).await),
            _ => None,
        };
        match loaded.transpose() {
            Ok(order) => {
                let version = order.as_ref().map_or(version.unwrap_or(0), |o| o.version);
                let summary = order.as_ref().and_then(OrderSummary::from_order);
                let check = classify(id, summary.as_ref(), version, row, parked);
                Ok(listed(id, version, summary.as_ref(), row, &check))
            }
            Err(e) => {
                let Some(event) = corrupt_event(&e) else {
                    return Err(e);
                };
                let version = match version {
                    Some(v) => v,
                    None => self.loader.store().stream_version(id).await?,
                };
                Ok(listed(
                    id,
                    version,
                    None,
                    row,
                    &OrderCheck::corrupt(id, event),
                ))
            }
        }
    }
}

/// The listing of a classified order: its replayed values, else its row's (an orphan, an
/// order whose creation the row has but the log lacks). A corrupt order has no values to
/// show but its row's customer.
fn listed(
    id: &str,
    version: u64,
    summary: Option<&OrderSummary>,
    row: Option<&SummaryRow>,
    check: &OrderCheck,
) -> Classified {
    let corrupt = check.class == Class::Corrupt;
    let by_row = row.filter(|_| summary.is_none() && !corrupt);
    let customer_id = match (summary, row) {
        (Some(s), _) => s.customer_id.clone(),
        (None, Some(r)) => r.customer_id.clone(),
        (None, None) => String::new(),
    };
    Classified {
        listing: OrderListing {
            order_id: id.to_string(),
            status: summary
                .map(|s| s.status.to_string())
                .or_else(|| by_row.map(|r| r.status.to_string())),
            customer_id,
            total: summary
                .map(|s| s.total.to_string())
                .or_else(|| by_row.map(|r| r.total.to_string())),
            currency: summary
                .map(|s| s.currency.code().to_string())
                .or_else(|| by_row.map(|r| r.currency.to_string())),
            version,
            updated_at: summary
                .map(|s| s.updated_at)
                .or_else(|| by_row.and_then(|r| r.updated_at.valid().copied())),
            class: check.class,
            behind: check.behind,
            corrupt: check.corrupt.clone(),
        },
        status: summary
            .map(|s| s.status)
            .or_else(|| by_row.and_then(|r| r.status.valid().copied())),
        updated_at: summary
            .map(|s| s.updated_at)
            .or_else(|| by_row.and_then(|r| r.updated_at.valid().copied())),
        total: summary
            .map(|s| s.total)
            .or_else(|| by_row.and_then(|r| r.total.valid().copied())),
    }
}
