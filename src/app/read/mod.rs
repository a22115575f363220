//! The read side: every query an adapter needs, answered with typed views that serialise.
//! The CLI prints them (`--json` serialises them as they are), the debugger's worker
//! formats them, and the HTTP server will return them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

mod divergence;
mod find;
mod fork;
mod history;
mod orders;
mod replay;
mod stream;
mod truth;
mod views;

pub use divergence::{Lag, OrderDivergence};
pub use find::{EventSet, MAX_SEARCH, SetEvents, parse_search};
pub use fork::{FORK_TAIL, Fork, ForkChange, ForkStep, Origin};
pub use history::AsOf;
pub use orders::{ClassFilter, ListEntry, NextOutOfSync, OrderListing, OrdersPage, Towards};
pub use replay::At;
pub use stream::{Correlated, CorrelatedEvent, EventView, RawEvent, StreamWindow, Upcast};
pub use truth::ListSource;
pub use views::{OrderView, OutcomeView, PaymentView};

use super::divergence::{CheckReport, Class, Explanation};
use super::error::AppError;
use super::loader::Loader;
use super::projection::Projection;
use crate::domain::{LineItem, OrderId, OrderRef};
use crate::store::{BrowseStore, DeadLetter, ReadModel, Stored, SummaryRow};

/// Orders an ambiguous prefix's message counts up to (one query fetches one more).
const COUNTED_MATCHES: u32 = 100;

/// Ids an ambiguous prefix's message names.
const SHOWN_MATCHES: usize = 3;

/// The log's head, the projector's place and the dead letters: the debugger's header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Head {
    /// Newest global position.
    pub position: i64,
    /// The projector's checkpoint.
    pub projected: i64,
    /// Events after the checkpoint (positions may have gaps: this is a count).
    pub lag: u64,
    /// A transaction holding the log back, a standby's replay lag (PostgreSQL).
    pub server: crate::store::ServerStatus,
    /// Dead letters waiting.
    pub dead_letters: usize,
    /// The asked-for stream's version, when one was asked for.
    pub stream_head: Option<u64>,
}

/// One line of a read-model row, as `order show --source read-model` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowItem {
    /// The SKU.
    pub sku: String,
    /// Units.
    pub quantity: u32,
    /// Price of one unit (decimal string).
    pub unit_price: String,
    /// Quantity × unit price (decimal string).
    pub line_total: String,
}

impl From<&LineItem> for RowItem {
    fn from(i: &LineItem) -> Self {
        RowItem {
            sku: i.sku.as_str().to_string(),
            quantity: i.quantity,
            unit_price: i.unit_price.to_string(),
            line_total: i.line_total().to_string(),
        }
    }
}

/// An order as the read model holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadModelView {
    /// The order.
    pub order_id: String,
    /// Who ordered.
    pub customer_id: String,
    /// Status (the stored text when it does not read as one).
    pub status: String,
    /// Currency code.
    pub currency: String,
    /// Total (decimal string).
    pub total: String,
    /// The lines the projection keeps.
    pub items: Vec<RowItem>,
    /// Units over all lines.
    pub item_count: i64,
    /// Number of lines.
    pub line_count: i64,
    /// Tracking number once shipped.
    pub tracking_number: Option<String>,
    /// When created (RFC 3339, or the stored text when it does not read as a time).
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
    /// Stream version the row reflects.
    pub version: i64,
    /// Global position of the last event applied.
    pub last_position: i64,
    /// Always `read-model`.
    pub source: &'static str,
}

fn stored_time(v: &Stored<DateTime<Utc>>) -> String {
    match v {
        Stored::Valid(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        Stored::Invalid(raw) => raw.clone(),
    }
}

impl From<&SummaryRow> for ReadModelView {
    fn from(row: &SummaryRow) -> Self {
        let items = serde_json::from_str::<Vec<LineItem>>(&row.lines)
            .unwrap_or_default()
            .iter()
            .map(RowItem::from)
            .collect();
        ReadModelView {
            order_id: row.order_id.clone(),
            customer_id: row.customer_id.clone(),
            status: row.status.to_string(),
            currency: row.currency.to_string(),
            total: row.total.to_string(),
            items,
            item_count: row.item_count,
            line_count: row.line_count,
            tracking_number: row.tracking_number.clone(),
            created_at: stored_time(&row.created_at),
            updated_at: stored_time(&row.updated_at),
            version: row.version,
            last_position: row.last_position,
            source: "read-model",
        }
    }
}

/// Every read use case, over one database.
#[derive(Clone)]
pub struct ReadSide {
    loader: Loader,
    read_model: Arc<dyn ReadModel>,
    browse: Arc<dyn BrowseStore>,
    projection: Projection,
    findings: Arc<truth::Findings>,
}

impl ReadSide {
    /// The read side over a loader (the event log), the read model and the browse queries;
    /// `projection` is the one explain replays.
    pub fn new(
        loader: Loader,
        read_model: Arc<dyn ReadModel>,
        browse: Arc<dyn BrowseStore>,
        projection: Projection,
    ) -> Self {
        ReadSide {
            loader,
            read_model,
            browse,
            projection,
            findings: Arc::default(),
        }
    }

    /// The loader it reads states with.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// The read model's row of one order.
    pub async fn read_model_row(&self, id: OrderId) -> Result<ReadModelView, AppError> {
        self.read_model
            .rows(&[id.to_stream_id()])
            .await?
            .first()
            .map(ReadModelView::from)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "order {id} has no read-model row (is the projector behind?)"
                ))
            })
    }

    /// The divergence check over one order or all.
    pub async fn check(
        &self,
        order: Option<OrderId>,
        progress: impl FnMut(usize),
    ) -> Result<CheckReport, AppError> {
        let report =
            super::divergence::check(&self.loader, self.read_model.as_ref(), order, progress)
                .await?;
        match order {
            None => self.findings.replace(&report),
            Some(id) => {
                let verdict = report.divergent.first().map_or(Class::InSync, |c| c.class);
                self.findings.note(&id.to_stream_id(), verdict);
            }
        }
        Ok(report)
    }

    /// Where the projection and the replay part for one order.
    pub async fn explain(&self, id: OrderId) -> Result<Explanation, AppError> {
        super::divergence::explain(&self.loader, self.read_model.as_ref(), self.projection, id)
            .await
    }

    /// The log head, the projector's checkpoint, dead letters, and one stream's head.
    pub async fn head(&self, order: Option<&str>) -> Result<Head, AppError> {
        let store = self.loader.store();
        let position = store.head_position().await?;
        let projected = self.read_model.projector_state().await?.position;
        let lag = store.count_after(projected).await?;
        let server = store.server_status().await?;
        let dead_letters = self.read_model.dead_letter_count().await?;
        let stream_head = match order {
            Some(o) => Some(store.stream_version(o).await?),
            None => None,
        };
        Ok(Head {
            position,
            projected,
            lag,
            server,
            dead_letters,
            stream_head,
        })
    }

    /// Every dead letter, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, AppError> {
        Ok(self.read_model.dead_letters().await?)
    }

    /// The one order whose id starts with `prefix` (any case).
    pub async fn resolve_id(&self, prefix: &str) -> Result<String, AppError> {
        self.only_match(&prefix.to_ascii_lowercase()).await
    }

    /// The order `order` names: a whole id as it is (the order may not exist yet: a write
    /// or a read says so itself), a prefix resolved to the one stored order it starts.
    pub async fn resolve(&self, order: &OrderRef) -> Result<OrderId, AppError> {
        match order {
            OrderRef::Id(id) => Ok(*id),
            OrderRef::Prefix(p) => parse_id(&self.only_match(p.as_str()).await?),
        }
    }

    /// The one stored order id starting with `prefix` (stored form): one bounded query,
    /// enough to say how many match when more than one does.
    async fn only_match(&self, prefix: &str) -> Result<String, AppError> {
        let mut found = self
            .browse
            .streams_with_prefix(prefix, COUNTED_MATCHES + 1)
            .await?;
        match found.len() {
            0 => Err(AppError::NotFound(format!(
                "no order id starts with {prefix}"
            ))),
            1 => Ok(found.remove(0)),
            n => {
                let count = if n > COUNTED_MATCHES as usize {
                    format!("more than {COUNTED_MATCHES}")
                } else {
                    n.to_string()
                };
                let shown = found.len().min(SHOWN_MATCHES);
                Err(AppError::BadInput(format!(
                    "{prefix} is ambiguous: {count} orders match ({}{}); type more of the id",
                    found[..shown].join(", "),
                    if n > shown { ", …" } else { "" }
                )))
            }
        }
    }

    /// Up to `limit` order ids starting with `prefix` (any case), in id order.
    pub async fn ids_with_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<String>, AppError> {
        Ok(self
            .browse
            .streams_with_prefix(&prefix.to_ascii_lowercase(), limit)
            .await?)
    }

    /// SKUs of the order `id_prefix` names that start with `prefix`.
    pub async fn skus(&self, id_prefix: &str, prefix: &str) -> Result<Vec<String>, AppError> {
        let id = parse_id(&self.resolve_id(id_prefix).await?)?;
        let order = self.loader.load(id, None).await?;
        Ok(order
            .items
            .iter()
            .map(|i| i.sku.as_str().to_string())
            .filter(|s| s.starts_with(prefix))
            .collect())
    }

    /// The nearest version after (`forward`) or before `from` whose type or payload contains
    /// `needle`, ignoring ASCII case.
    pub async fn find_in_stream(
        &self,
        order: &str,
        from: u64,
        needle: &str,
        forward: bool,
    ) -> Result<Option<u64>, AppError> {
        Ok(self
            .browse
            .find_in_stream(order, from, needle, forward)
            .await?)
    }

    /// The last version of an order at or before a time.
    pub async fn version_at(&self, order: &str, at: DateTime<Utc>) -> Result<u64, AppError> {
        let v = self.loader.store().version_at_time(order, at).await?;
        if v == 0 {
            return Err(AppError::NotFound(format!(
                "order {order} has no events at or before {}",
                at.format("%Y-%m-%d %H:%M:%S")
            )));
        }
        Ok(v)
    }

    /// The stream's current version (0 when it has no events).
    pub async fn stream_version(&self, order: &str) -> Result<u64, AppError> {
        Ok(self.loader.store().stream_version(order).await?)
    }
}

/// An order id, or bad input.
pub fn parse_id(s: &str) -> Result<OrderId, AppError> {
    s.parse()
        .map_err(|e: crate::domain::InvalidOrderId| AppError::BadInput(e.to_string()))
}
