//! The projector: reads the global log from its checkpoint in batches, applies events to
//! the read model, and moves the checkpoint in the same transaction.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::AppError;
use super::projection::{Projection, ProjectionError, Rejected, project};
use crate::domain::{OrderEvent, UpcastContext};
use crate::store::{DeadLetter, EventStore, ReadModel, Stored, StoredEvent, SummaryRow};

/// The projector's maps and sets of order ids, on a fast hash: each id is hashed several
/// times per event, and SipHash was a tenth of the projector's own time.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

mod catch_up;
mod committer;
mod repair;
mod retry;
mod run;
mod trace;

use catch_up::Change;
pub use repair::{Resolve, Schedule};
use retry::Retries;
pub use run::RunNote;

/// How the projector works.
#[derive(Debug, Clone, Copy)]
pub struct ProjectorSettings {
    /// Events read and committed together.
    pub batch_size: u32,
    /// Retries of a failing event, beside the batches, before it waits for an operator.
    pub max_retries: u32,
    /// First retry delay; doubled for each further retry.
    pub base_backoff: Duration,
    /// Sleep between polls once caught up (`run`).
    pub poll_interval: Duration,
}

impl Default for ProjectorSettings {
    fn default() -> Self {
        ProjectorSettings {
            batch_size: 25_000,
            max_retries: 3,
            base_backoff: Duration::from_millis(50),
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Events applied to rows.
    pub applied: usize,
    /// Events held back behind a dead letter of their order.
    pub parked: usize,
    /// Events dead-lettered.
    pub dead_lettered: usize,
    /// Events applied by retries of parked orders (counted once more: they were counted
    /// as parked or dead-lettered when read).
    pub recovered: usize,
    /// Checkpoint after the batch.
    pub position: i64,
    /// True when there was nothing to read.
    pub caught_up: bool,
    /// The next retry of a parked order, when one is scheduled.
    pub next_retry_at: Option<DateTime<Utc>>,
}

impl BatchReport {
    fn add(&mut self, other: &BatchReport) {
        self.applied += other.applied;
        self.parked += other.parked;
        self.dead_lettered += other.dead_lettered;
        self.recovered += other.recovered;
        self.position = other.position;
        self.caught_up = other.caught_up;
        self.next_retry_at = other.next_retry_at;
    }
}

/// Where the projector stands against the log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProjectorStatus {
    /// Last position applied.
    pub checkpoint: i64,
    /// Newest position in the log.
    pub head: i64,
    /// Events not yet projected.
    pub lag_events: u64,
    /// Age of the oldest event not yet projected.
    pub lag_seconds: f64,
    /// Dead letters waiting for retry or skip.
    pub dead_letters: usize,
    /// Orders whose events are parked behind a dead letter.
    pub parked_orders: usize,
    /// What the server adds: a transaction holding the log back, the leading projector,
    /// a standby's replay lag.
    #[serde(flatten)]
    pub server: crate::store::ServerStatus,
}

/// Keeps the read model up to date.
pub struct Projector {
    store: Arc<dyn EventStore>,
    read_model: Arc<dyn ReadModel>,
    upcast: UpcastContext,
    settings: ProjectorSettings,
    projection: Projection,
}

impl Projector {
    /// A projector using the real projection.
    pub fn new(
        store: Arc<dyn EventStore>,
        read_model: Arc<dyn ReadModel>,
        upcast: UpcastContext,
        settings: ProjectorSettings,
    ) -> Self {
        Projector {
            store,
            read_model,
            upcast,
            settings,
            projection: project,
        }
    }

    /// The same projector with another projection function (tests plant bugs with it).
    #[must_use]
    pub fn with_projection(mut self, projection: Projection) -> Self {
        self.projection = projection;
        self
    }

    /// The projection in use.
    pub fn projection(&self) -> Projection {
        self.projection
    }

    /// Applies one event, once: a failure parks the order and its retries come later, beside
    /// the batches. The row moves through the projection and comes back in the `Rejected`
    /// on failure.
    fn apply(&self, row: Option<SummaryRow>, e: &StoredEvent) -> Result<SummaryRow, Box<Rejected>> {
        let span = trace::span(e);
        let _in_span = span.as_ref().map(tracing::Span::enter);
        match decode(e, self.upcast) {
            Ok(event) => (self.projection)(row, e, &event),
            Err(err) => Err(Rejected::new(ProjectionError::from(err), row)),
        }
    }

    /// The letter of an event that failed its `attempts`-th time `now`, with its next retry.
    fn dead_letter(
        &self,
        e: &StoredEvent,
        err: &ProjectionError,
        attempts: u32,
        first_failed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> DeadLetter {
        // To the microsecond, as both stores keep it: the letter in memory is the stored one
        // (the first failure's time too: a retry from memory carries it over as it is).
        let now = chrono::SubsecRound::trunc_subsecs(now, 6);
        let first_failed_at = chrono::SubsecRound::trunc_subsecs(first_failed_at, 6);
        DeadLetter {
            global_position: e.global_position,
            stream_id: e.stream_id.clone(),
            version: e.version,
            event_type: e.event_type.clone(),
            error: err.to_string(),
            attempts,
            first_failed_at,
            last_failed_at: now,
            next_retry_at: self.settings.next_retry(attempts, now),
        }
    }

    /// Applies a batch to `rows` (the rows of its orders, updated in place): returns the
    /// changed rows' ids, the dead letters and the counts. Orders in `blocked` are parked,
    /// and those `retries` holds keep their events for the retry.
    fn apply_batch(
        &self,
        events: &[StoredEvent],
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &mut HashSet<String>,
        retries: &mut Retries,
        now: DateTime<Utc>,
    ) -> (HashMap<String, Change>, Vec<DeadLetter>, BatchReport) {
        let mut dirty = HashMap::default();
        let mut dead = Vec::new();
        let mut report = BatchReport {
            position: events.last().map_or(0, |e| e.global_position),
            ..BatchReport::default()
        };
        for e in events {
            if blocked.contains(&e.stream_id) {
                retries.hold(e);
                report.parked += 1;
                continue;
            }
            // Exactly once: a row that already reflects this position is left alone. The row
            // moves through the projection and back into its slot: no copy, one lookup.
            let failed = if let Some(slot) = rows.get_mut(e.stream_id.as_str()) {
                if slot.last_position >= e.global_position {
                    continue;
                }
                let row = std::mem::replace(slot, vacant());
                match self.apply(Some(row), e) {
                    Ok(r) => {
                        *slot = r;
                        if !dirty.contains_key(&e.stream_id) {
                            dirty.insert(e.stream_id.clone(), Change::Existing);
                        }
                        None
                    }
                    Err(rejected) => {
                        let Rejected { error, row } = *rejected;
                        // Unchanged, and still to be written if an earlier event changed it.
                        match row {
                            Some(r) => *slot = r,
                            None => {
                                rows.remove(e.stream_id.as_str());
                            }
                        }
                        Some(error)
                    }
                }
            } else {
                let (row, failed) = match self.apply(None, e) {
                    Ok(r) => {
                        dirty.insert(e.stream_id.clone(), Change::New);
                        (Some(r), None)
                    }
                    Err(rejected) => (rejected.row, Some(rejected.error)),
                };
                if let Some(r) = row {
                    rows.insert(e.stream_id.clone(), r);
                }
                failed
            };
            let Some(error) = failed else {
                report.applied += 1;
                continue;
            };
            let letter = self.dead_letter(e, &error, 1, now, now);
            retries.watch(&letter, e, rows.get(e.stream_id.as_str()));
            dead.push(letter);
            blocked.insert(e.stream_id.clone());
            report.dead_lettered += 1;
        }
        (dirty, dead, report)
    }

    /// Rows of the batch's orders that `rows` does not hold yet.
    async fn load_rows(
        &self,
        events: &[StoredEvent],
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &HashSet<String>,
    ) -> Result<(), AppError> {
        let missing = missing_rows(events, rows, blocked);
        self.load_missing(missing, rows).await
    }

    /// Reads the rows of `missing` (sorted ids) into `rows`.
    async fn load_missing(
        &self,
        missing: Vec<String>,
        rows: &mut HashMap<String, SummaryRow>,
    ) -> Result<(), AppError> {
        if missing.is_empty() {
            return Ok(());
        }
        for r in self.read_model.rows(&missing).await? {
            rows.insert(r.order_id.clone(), r);
        }
        Ok(())
    }
}

/// The orders of a batch whose rows are to be read from the store, sorted.
///
/// A stream whose first event here is its version 1 has no row to read: rows move with
/// the checkpoint, so none reflects an event after it. (A rebuild, or a log written stream
/// by stream, reads almost no rows at all.)
fn missing_rows(
    events: &[StoredEvent],
    rows: &HashMap<String, SummaryRow>,
    blocked: &HashSet<String>,
) -> Vec<String> {
    let mut seen = HashSet::default();
    let mut missing: Vec<String> = events
        .iter()
        .filter(|e| seen.insert(e.stream_id.as_str()) && e.version > 1)
        .filter(|e| !blocked.contains(&e.stream_id) && !rows.contains_key(&e.stream_id))
        .map(|e| e.stream_id.clone())
        .collect();
    missing.sort_unstable();
    missing
}

/// What a row's slot holds while its row is in the projection: nothing allocated.
fn vacant() -> SummaryRow {
    SummaryRow {
        order_id: String::new(),
        customer_id: String::new(),
        status: Stored::Invalid(String::new()),
        currency: Stored::Invalid(String::new()),
        total: Stored::Invalid(String::new()),
        item_count: 0,
        line_count: 0,
        tracking_number: None,
        created_at: Stored::Invalid(String::new()),
        updated_at: Stored::Invalid(String::new()),
        lines: String::new(),
        version: 0,
        last_position: 0,
    }
}

/// A stored event decoded (or why it does not decode).
type Decoded = Result<OrderEvent, crate::domain::DecodeError>;

fn decode(e: &StoredEvent, upcast: UpcastContext) -> Decoded {
    crate::app::loader::decode_stored(e, upcast)
}
