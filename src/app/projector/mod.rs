//! The projector: reads the global log from its checkpoint in batches, applies events to
//! the read model, and moves the checkpoint in the same transaction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::AppError;
use super::projection::{Projection, ProjectionError, project};
use crate::domain::{OrderEvent, UpcastContext};
use crate::store::{
    DeadLetter, EventStore, ProjectorState, ReadModel, StoreError, StoredEvent, SummaryRow,
};

mod repair;
mod run;

pub use run::RunNote;

/// How the projector works.
#[derive(Debug, Clone, Copy)]
pub struct ProjectorSettings {
    /// Events read and committed together.
    pub batch_size: u32,
    /// Retries of a failing event before it is dead-lettered.
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
    /// Checkpoint after the batch.
    pub position: i64,
    /// True when there was nothing to read.
    pub caught_up: bool,
}

impl BatchReport {
    fn add(&mut self, other: &BatchReport) {
        self.applied += other.applied;
        self.parked += other.parked;
        self.dead_lettered += other.dead_lettered;
        self.position = other.position;
        self.caught_up = other.caught_up;
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

    /// Applies one event, retrying with exponential backoff; the error and attempts on failure.
    /// `decoded`, when given, is the event already decoded (off this task, while reading).
    async fn apply(
        &self,
        row: Option<&SummaryRow>,
        e: &StoredEvent,
        decoded: Option<&Decoded>,
    ) -> Result<SummaryRow, (ProjectionError, u32)> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            // The read-ahead's decoding is borrowed, not copied: this runs once per event.
            let fresh;
            let event = match decoded {
                Some(d) if attempts == 1 => d,
                _ => {
                    fresh = decode(e, self.upcast);
                    &fresh
                }
            };
            let result = match event {
                Ok(event) => (self.projection)(row.cloned(), e, event),
                Err(err) => Err(ProjectionError::from(err.clone())),
            };
            match result {
                Ok(r) => return Ok(r),
                Err(err) if attempts > self.settings.max_retries => return Err((err, attempts)),
                Err(_) => {
                    let delay = self.settings.base_backoff * 2u32.saturating_pow(attempts - 1);
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    fn dead_letter(
        e: &StoredEvent,
        err: &ProjectionError,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> DeadLetter {
        DeadLetter {
            global_position: e.global_position,
            stream_id: e.stream_id.clone(),
            version: e.version,
            event_type: e.event_type.clone(),
            error: err.to_string(),
            attempts,
            first_failed_at: now,
            last_failed_at: now,
        }
    }

    /// Applies a batch to `rows` (the rows of its orders, updated in place): returns the
    /// changed rows' ids, the dead letters and the counts. Orders in `blocked` are parked.
    async fn apply_batch(
        &self,
        events: &[StoredEvent],
        decoded: Option<&[Decoded]>,
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &mut HashSet<String>,
        now: DateTime<Utc>,
    ) -> (HashSet<String>, Vec<DeadLetter>, BatchReport) {
        let mut dirty = HashSet::new();
        let mut dead = Vec::new();
        let mut report = BatchReport {
            position: events.last().map_or(0, |e| e.global_position),
            ..BatchReport::default()
        };
        for (i, e) in events.iter().enumerate() {
            if blocked.contains(&e.stream_id) {
                report.parked += 1;
                continue;
            }
            let row = rows.get(&e.stream_id);
            // Exactly once: a row that already reflects this position is left alone.
            if row.is_some_and(|r| r.last_position >= e.global_position) {
                continue;
            }
            match self.apply(row, e, decoded.and_then(|d| d.get(i))).await {
                Ok(r) => {
                    // Per event: reuse the map slots rather than allocating keys again.
                    match rows.get_mut(&e.stream_id) {
                        Some(slot) => *slot = r,
                        None => {
                            rows.insert(e.stream_id.clone(), r);
                        }
                    }
                    if !dirty.contains(&e.stream_id) {
                        dirty.insert(e.stream_id.clone());
                    }
                    report.applied += 1;
                }
                Err((err, attempts)) => {
                    dead.push(Self::dead_letter(e, &err, attempts, now));
                    blocked.insert(e.stream_id.clone());
                    report.dead_lettered += 1;
                }
            }
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
        // A stream whose first event here is its version 1 has no row to read: rows move
        // with the checkpoint, so none reflects an event after it. (A rebuild, or a log
        // written stream by stream, reads almost no rows at all.)
        let mut seen = HashSet::new();
        let mut missing: Vec<String> = events
            .iter()
            .filter(|e| seen.insert(e.stream_id.as_str()) && e.version > 1)
            .filter(|e| !blocked.contains(&e.stream_id) && !rows.contains_key(&e.stream_id))
            .map(|e| e.stream_id.clone())
            .collect();
        missing.sort_unstable();
        for r in self.read_model.rows(&missing).await? {
            rows.insert(r.order_id.clone(), r);
        }
        Ok(())
    }

    /// Reads one batch after the checkpoint and commits its effect with the new checkpoint.
    /// A batch computed while something else changed the read model is dropped, not applied.
    pub async fn run_batch(&self, now: DateTime<Utc>) -> Result<BatchReport, AppError> {
        let state = self.read_model.projector_state().await?;
        let events = self
            .store
            .read_all(state.position, self.settings.batch_size)
            .await?;
        let Some(last) = events.last() else {
            return Ok(BatchReport {
                position: state.position,
                caught_up: true,
                ..BatchReport::default()
            });
        };
        let last_position = last.global_position;
        let mut blocked = self.read_model.blocked_streams().await?;
        let mut rows = HashMap::new();
        self.load_rows(&events, &mut rows, &blocked).await?;
        let (dirty, dead, report) = self
            .apply_batch(&events, None, &mut rows, &mut blocked, now)
            .await;
        let changed: Vec<SummaryRow> = dirty
            .into_iter()
            .filter_map(|id| rows.remove(&id))
            .collect();
        let next = ProjectorState {
            position: last_position,
            generation: state.generation,
        };
        if commit(self.read_model.clone(), state, next, changed, dead).await? {
            Ok(report)
        } else {
            // Another projector, a rebuild or a dead-letter retry got there first.
            Ok(BatchReport {
                position: state.position,
                ..BatchReport::default()
            })
        }
    }

    /// Runs batches until the log is exhausted; `progress` sees the running totals.
    ///
    /// Pipelined: the next batch is read (on a reader connection) and the previous one
    /// committed (on the writer) while this one is applied in memory. Each commit checks
    /// that the projector is where its batch began, so a batch built on a predecessor that
    /// failed to commit fails too, and the loop starts again from what is stored.
    pub async fn catch_up(
        &self,
        mut progress: impl FnMut(&BatchReport),
    ) -> Result<BatchReport, AppError> {
        let mut total = BatchReport::default();
        'restart: loop {
            let mut state = self.read_model.projector_state().await?;
            let mut blocked = self.read_model.blocked_streams().await?;
            // Rows touched by the last batch: the only ones a pending commit may change.
            let mut rows: HashMap<String, SummaryRow> = HashMap::new();
            // The batch being committed, counted only once its commit lands.
            let mut pending: Option<(
                tokio::task::JoinHandle<Result<bool, StoreError>>,
                BatchReport,
            )> = None;
            let mut next = Some(self.spawn_read(state.position));
            loop {
                let (events, decoded) = match next.take() {
                    Some(read) => read.await.map_err(|e| task_failed("reader", &e))??,
                    None => (Vec::new(), Vec::new()),
                };
                let last = events.last().map(|e| e.global_position);
                let mut batch = None;
                if let Some(last) = last {
                    next = Some(self.spawn_read(last));
                    self.load_rows(&events, &mut rows, &blocked).await?;
                    let (dirty, dead, report) = self
                        .apply_batch(&events, Some(&decoded), &mut rows, &mut blocked, Utc::now())
                        .await;
                    // Key order writes neighbouring rows to the same pages.
                    let mut changed: Vec<SummaryRow> = dirty
                        .iter()
                        .filter_map(|id| rows.get(id).cloned())
                        .collect();
                    changed.sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
                    rows.retain(|id, _| dirty.contains(id));
                    batch = Some((last, changed, dead, report));
                }
                if let Some((handle, report)) = pending.take() {
                    if !joined(handle).await? {
                        continue 'restart;
                    }
                    total.add(&report);
                    progress(&total);
                }
                let Some((last, changed, dead, report)) = batch else {
                    total.caught_up = true;
                    total.position = state.position;
                    progress(&total);
                    return Ok(total);
                };
                let after = ProjectorState {
                    position: last,
                    generation: state.generation,
                };
                let handle =
                    tokio::spawn(commit(self.read_model.clone(), state, after, changed, dead));
                pending = Some((handle, report));
                state = after;
            }
        }
    }

    /// Reads and decodes the next batch on another task: on a multi-threaded runtime the
    /// decoding runs beside the projection of the current batch.
    fn spawn_read(&self, after: i64) -> tokio::task::JoinHandle<Result<Batch, StoreError>> {
        let store = self.store.clone();
        let limit = self.settings.batch_size;
        let upcast = self.upcast;
        tokio::spawn(async move {
            let events = store.read_all(after, limit).await?;
            let decoded = events.iter().map(|e| decode(e, upcast)).collect();
            Ok((events, decoded))
        })
    }
}

/// A stored event decoded (or why it does not decode).
type Decoded = Result<OrderEvent, crate::domain::DecodeError>;

/// A batch as read: the events and their decoded forms, index for index.
type Batch = (Vec<StoredEvent>, Vec<Decoded>);

fn decode(e: &StoredEvent, upcast: UpcastContext) -> Decoded {
    OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &upcast)
}

/// Commits one batch if the projector is still at `expected`; false when it has moved.
async fn commit(
    read_model: Arc<dyn ReadModel>,
    expected: ProjectorState,
    after: ProjectorState,
    rows: Vec<SummaryRow>,
    dead: Vec<DeadLetter>,
) -> Result<bool, StoreError> {
    let mut tx = read_model.begin_projection().await?;
    if tx.state().await? != expected {
        return Ok(false);
    }
    tx.upsert_rows(&rows).await?;
    tx.put_dead_letters(&dead).await?;
    tx.set_state(after).await?;
    tx.commit().await?;
    Ok(true)
}

async fn joined(
    handle: tokio::task::JoinHandle<Result<bool, StoreError>>,
) -> Result<bool, AppError> {
    Ok(handle.await.map_err(|e| task_failed("commit", &e))??)
}

fn task_failed(what: &str, e: &tokio::task::JoinError) -> AppError {
    AppError::Internal(format!("projector {what} task failed: {e}"))
}
