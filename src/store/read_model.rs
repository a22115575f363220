//! The read model's storage: rows, the projector's place, dead letters.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{StoreError, StoredEvent};
use crate::domain::{Currency, OrderStatus};

/// A stored value that should read as a `T`. A row changed behind the projector's back
/// may hold anything: it still reads back, keeping the text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored<T> {
    /// The value parsed.
    Valid(T),
    /// The stored text, which does not parse as a `T`.
    Invalid(String),
}

impl<T> Stored<T> {
    /// The value, when it parsed.
    pub fn valid(&self) -> Option<&T> {
        match self {
            Stored::Valid(v) => Some(v),
            Stored::Invalid(_) => None,
        }
    }
}

impl<T: std::str::FromStr> Stored<T> {
    /// Parses stored text with `T`'s own parser.
    pub fn parse(raw: &str) -> Stored<T> {
        raw.parse()
            .map_or_else(|_| Stored::Invalid(raw.to_string()), Stored::Valid)
    }
}

/// The value, or the stored text that does not parse.
impl<T: std::fmt::Display> std::fmt::Display for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::Valid(v) => v.fmt(f),
            Stored::Invalid(raw) => f.write_str(raw),
        }
    }
}

impl<T> From<T> for Stored<T> {
    fn from(v: T) -> Self {
        Stored::Valid(v)
    }
}

/// One `order_summary` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The order (stream) id.
    pub order_id: String,
    /// Who ordered.
    pub customer_id: String,
    /// Status.
    pub status: Stored<OrderStatus>,
    /// Currency.
    pub currency: Stored<Currency>,
    /// Total of all lines.
    pub total: Stored<Decimal>,
    /// Units over all lines.
    pub item_count: i64,
    /// Number of lines.
    pub line_count: i64,
    /// Tracking number once shipped.
    pub tracking_number: Option<String>,
    /// When created.
    pub created_at: Stored<DateTime<Utc>>,
    /// When last changed.
    pub updated_at: Stored<DateTime<Utc>>,
    /// The projection's working state: lines as JSON.
    pub lines: String,
    /// Stream version the row reflects.
    pub version: i64,
    /// Global position of the last event applied.
    pub last_position: i64,
}

/// Where the projector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectorState {
    /// The last event the projector has passed (applied, parked or dead-lettered): it and
    /// everything before it in the log's order (see [`super::EventStore::read_all`]).
    pub position: i64,
    /// Bumped by anything but a batch that rewrites the read model.
    pub generation: i64,
}

/// An event the projection could not apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    /// The event's position.
    pub global_position: i64,
    /// Its stream.
    #[serde(rename = "order_id")]
    pub stream_id: String,
    /// Its version.
    pub version: u64,
    /// Its type.
    pub event_type: String,
    /// The last error.
    pub error: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it first failed.
    pub first_failed_at: DateTime<Utc>,
    /// When it last failed.
    pub last_failed_at: DateTime<Utc>,
    /// When the projector tries it again on its own; `None` once its retries are spent
    /// and it waits for an operator (`dlq retry` or `dlq skip`).
    pub next_retry_at: Option<DateTime<Utc>>,
}

/// Reads of the read model, and transactions that change it.
#[async_trait]
pub trait ReadModel: Send + Sync {
    /// The projector's place.
    async fn projector_state(&self) -> Result<ProjectorState, StoreError>;

    /// Rows of these orders (absent ones are left out).
    async fn rows(&self, order_ids: &[String]) -> Result<Vec<SummaryRow>, StoreError>;

    /// Rows in id order after `after`, at most `limit`.
    async fn rows_after(&self, after: &str, limit: u32) -> Result<Vec<SummaryRow>, StoreError>;

    /// Every dead letter, oldest first.
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError>;

    /// How many dead letters there are.
    async fn dead_letter_count(&self) -> Result<usize, StoreError>;

    /// Streams that have a dead letter (their later events are parked).
    async fn blocked_streams(&self) -> Result<HashSet<String>, StoreError>;

    /// Starts a transaction over the read model (holding the write lock).
    async fn begin_projection(&self) -> Result<Box<dyn ProjectionTx>, StoreError>;

    /// Tries once to become the one projector that runs batches: `None` while another
    /// holds the claim. A backend without a shared lock grants it at once.
    async fn try_lead(&self) -> Result<Option<Box<dyn super::Lease>>, StoreError> {
        Ok(Some(Box::new(super::Unshared)))
    }
}

/// One read-model transaction; dropped without `commit`, it leaves no trace.
#[async_trait]
pub trait ProjectionTx: Send {
    /// The projector's place, as of this transaction.
    async fn state(&mut self) -> Result<ProjectorState, StoreError>;
    /// Moves the projector's place.
    async fn set_state(&mut self, state: ProjectorState) -> Result<(), StoreError>;
    /// Events of a stream with version > `after_version` and position <= `up_to_position`.
    async fn stream_events(
        &mut self,
        stream_id: &str,
        after_version: u64,
        up_to_position: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// The row of one order.
    async fn row(&mut self, order_id: &str) -> Result<Option<SummaryRow>, StoreError>;
    /// Inserts or replaces rows.
    async fn upsert_rows(&mut self, rows: &[SummaryRow]) -> Result<(), StoreError>;
    /// Rows of orders that had none when their batch began (each once): inserted the
    /// cheapest way the backend has, and the same as `upsert_rows` if one exists after all.
    async fn insert_new_rows(&mut self, rows: &[SummaryRow]) -> Result<(), StoreError> {
        self.upsert_rows(rows).await
    }
    /// Deletes one order's row, or every row.
    async fn delete_rows(&mut self, order_id: Option<&str>) -> Result<(), StoreError>;
    /// Dead letters of one stream, or all.
    async fn dead_letters(
        &mut self,
        stream_id: Option<&str>,
    ) -> Result<Vec<DeadLetter>, StoreError>;
    /// Inserts or replaces dead letters.
    async fn put_dead_letters(&mut self, letters: &[DeadLetter]) -> Result<(), StoreError>;
    /// Deletes one dead letter, or every dead letter of a stream, or all.
    async fn delete_dead_letters(
        &mut self,
        position: Option<i64>,
        stream_id: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Makes it all visible at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
