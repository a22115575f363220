//! Pages of orders, each with its divergence badge, and the replayed order list.

use serde::Serialize;

use super::ReadSide;
use crate::app::divergence::{Class, CorruptEvent, OrderCheck, classify, corrupt_event};
use crate::app::error::AppError;
use crate::domain::{OrderId, OrderSummary};
use crate::store::{OrderPageQuery, PageKey};

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
    /// A page of orders, each classified against its replay (snapshot + tail per order).
    /// An order whose events no longer decode is listed with class `corrupt`.
    pub async fn orders_page(&self, query: &OrderPageQuery) -> Result<OrdersPage, AppError> {
        let listed = self.browse.list_orders(query).await?;
        let ids: Vec<String> = listed.iter().map(|l| l.order_id.clone()).collect();
        let rows = self.read_model.rows(&ids).await?;
        let parked = self.read_model.blocked_streams().await?;
        let mut out = Vec::with_capacity(listed.len());
        for l in &listed {
            let row = rows.iter().find(|r| r.order_id == l.order_id);
            let loaded = match l.order_id.parse::<OrderId>() {
                Ok(id) if l.stream_version > 0 => Some(self.loader.load(id, None).await),
                _ => None,
            };
            let order = match loaded.transpose() {
                Ok(order) => order,
                Err(e) => {
                    let Some(event) = corrupt_event(&e) else {
                        return Err(e);
                    };
                    let check = OrderCheck::corrupt(&l.order_id, event);
                    out.push(OrderListing {
                        order_id: l.order_id.clone(),
                        status: None,
                        customer_id: row.map(|r| r.customer_id.clone()).unwrap_or_default(),
                        total: None,
                        currency: None,
                        version: l.stream_version,
                        class: check.class,
                        behind: 0,
                        corrupt: check.corrupt,
                    });
                    continue;
                }
            };
            let summary = order.as_ref().and_then(OrderSummary::from_order);
            let check = classify(
                &l.order_id,
                summary.as_ref(),
                l.stream_version,
                row,
                parked.contains(&l.order_id),
            );
            let (status, customer_id, total, currency) = match (&summary, row) {
                (Some(s), _) => (
                    Some(s.status.to_string()),
                    s.customer_id.clone(),
                    Some(s.total.to_string()),
                    Some(s.currency.code().to_string()),
                ),
                (None, Some(r)) => (
                    Some(r.status.to_string()),
                    r.customer_id.clone(),
                    Some(r.total.to_string()),
                    Some(r.currency.to_string()),
                ),
                (None, None) => (None, String::new(), None, None),
            };
            out.push(OrderListing {
                order_id: l.order_id.clone(),
                status,
                customer_id,
                total,
                currency,
                version: l.stream_version,
                class: check.class,
                behind: check.behind,
                corrupt: None,
            });
        }
        let next = (listed.len() >= query.limit as usize)
            .then(|| listed.last().map(|l| l.key.clone()))
            .flatten();
        Ok(OrdersPage { rows: out, next })
    }
}
