//! The batch loop: one batch (`run_batch`), the pipelined catch-up, and `settle`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::retry::{self, Retries, Work};
use super::{AppError, Batch, BatchReport, HashMap, HashSet, Projector, decode};
use crate::store::{DeadLetter, ProjectorState, ReadModel, StoreError, StoredEvent, SummaryRow};

/// How a batch changed an order's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// The order had no row when the batch began: its row is inserted.
    New,
    /// Its row is replaced.
    Existing,
}

/// A batch applied in memory and not yet handed to its commit.
struct Applied {
    last: i64,
    dirty: HashMap<String, Change>,
    dead: Vec<DeadLetter>,
    resolved: Vec<i64>,
    report: BatchReport,
}

impl Applied {
    /// The batch's writes. Rows the next batch (`next`) reads are copied and stay in
    /// `rows` (its commit may not have landed when they are read); the others move out.
    fn writes(self, rows: &mut HashMap<String, SummaryRow>, next: &[StoredEvent]) -> Writes {
        let needed: HashSet<&str> = next.iter().map(|e| e.stream_id.as_str()).collect();
        let (mut new, mut replaced) = (Vec::new(), Vec::new());
        for (id, change) in &self.dirty {
            let row = if needed.contains(id.as_str()) {
                rows.get(id).cloned()
            } else {
                rows.remove(id)
            };
            if let Some(row) = row {
                match change {
                    Change::New => new.push(row),
                    Change::Existing => replaced.push(row),
                }
            }
        }
        rows.retain(|id, _| needed.contains(id.as_str()) && self.dirty.contains_key(id));
        // Key order writes neighbouring rows to the same pages.
        new.sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
        replaced.sort_unstable_by(|a, b| a.order_id.cmp(&b.order_id));
        Writes {
            new,
            replaced,
            dead: self.dead,
            resolved: self.resolved,
        }
    }
}

/// A commit in flight and the report it makes good.
type Pending = (
    tokio::task::JoinHandle<Result<bool, StoreError>>,
    BatchReport,
);

impl Projector {
    /// Applies `events` (after loading their rows) and the retries that are due.
    async fn apply_events(
        &self,
        events: &[StoredEvent],
        decoded: Option<&[super::Decoded]>,
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &mut HashSet<String>,
        retries: &mut Retries,
    ) -> Result<Applied, AppError> {
        self.load_rows(events, rows, blocked).await?;
        let now = Utc::now();
        let (mut dirty, mut dead, mut report) =
            self.apply_batch(events, decoded, rows, blocked, retries, now);
        let mut work = Work {
            rows,
            dirty: &mut dirty,
            dead: &mut dead,
            blocked,
        };
        let outcome = self.retry_due(retries, &mut work, now);
        report.recovered = outcome.recovered;
        Ok(Applied {
            last: events.last().map_or(0, |e| e.global_position),
            dirty,
            dead,
            resolved: outcome.resolved,
            report,
        })
    }

    /// Reads one batch after the checkpoint and commits its effect with the new checkpoint.
    /// A batch computed while something else changed the read model is dropped, not applied.
    pub async fn run_batch(&self, now: DateTime<Utc>) -> Result<BatchReport, AppError> {
        let letters = self.retry_stored(now).await?;
        let state = self.read_model.projector_state().await?;
        let events = self
            .store
            .read_all(state.position, self.settings.batch_size)
            .await?;
        if events.is_empty() {
            return Ok(BatchReport {
                position: state.position,
                caught_up: true,
                next_retry_at: retry::next_of(&letters),
                ..BatchReport::default()
            });
        }
        let mut blocked = letters.iter().map(|d| d.stream_id.clone()).collect();
        let (mut rows, mut retries) = (HashMap::default(), Retries::default());
        let applied = self
            .apply_events(&events, None, &mut rows, &mut blocked, &mut retries)
            .await?;
        let mut report = applied.report;
        report.next_retry_at = retry::earliest(retry::next_of(&letters), retries.next_due());
        let next = ProjectorState {
            position: applied.last,
            generation: state.generation,
        };
        let writes = applied.writes(&mut rows, &[]);
        if commit(self.read_model.clone(), state, next, writes).await? {
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
    ///
    /// A failing event parks its order at once; its retries run beside the batches when
    /// their backoff has passed (those due when this starts first, from the store), and
    /// the report says when the next one is due.
    pub async fn catch_up(
        &self,
        mut progress: impl FnMut(&BatchReport),
    ) -> Result<BatchReport, AppError> {
        let mut total = BatchReport::default();
        'restart: loop {
            let letters = self.retry_stored(Utc::now()).await?;
            let mut blocked: HashSet<String> =
                letters.iter().map(|d| d.stream_id.clone()).collect();
            let mut retries = Retries::default();
            let mut state = self.read_model.projector_state().await?;
            // Rows the last batch changed that the next one reads.
            let mut rows: HashMap<String, SummaryRow> = HashMap::default();
            let (mut applied, mut pending): (Option<Applied>, Option<Pending>) = (None, None);
            let mut next = Some(self.spawn_read(state.position));
            loop {
                let (events, decoded) = match next.take() {
                    Some(read) => read.await.map_err(|e| task_failed("reader", &e))??,
                    None => (Vec::new(), Vec::new()),
                };
                if let Some(last) = events.last() {
                    next = Some(self.spawn_read(last.global_position));
                }
                // The batch before goes to its commit, once the one before it has landed.
                if let Some(a) = applied.take() {
                    let (last, report) = (a.last, a.report);
                    let writes = a.writes(&mut rows, &events);
                    if !settle_commit(pending.take(), &mut total, &mut progress).await? {
                        continue 'restart;
                    }
                    let after = ProjectorState {
                        position: last,
                        generation: state.generation,
                    };
                    let handle =
                        tokio::spawn(commit(self.read_model.clone(), state, after, writes));
                    pending = Some((handle, report));
                    state = after;
                }
                if events.is_empty() {
                    if !settle_commit(pending.take(), &mut total, &mut progress).await? {
                        continue 'restart;
                    }
                    total.caught_up = true;
                    total.position = state.position;
                    total.next_retry_at =
                        retry::earliest(retry::next_of(&letters), retries.next_due());
                    progress(&total);
                    return Ok(total);
                }
                let batch = self
                    .apply_events(
                        &events,
                        Some(&decoded),
                        &mut rows,
                        &mut blocked,
                        &mut retries,
                    )
                    .await?;
                applied = Some(batch);
            }
        }
    }

    /// Catches up, then waits out the retries scheduled for parked orders and catches up
    /// again, until none is left to come: what `projector run --once` does.
    pub async fn settle(
        &self,
        mut progress: impl FnMut(&BatchReport),
    ) -> Result<BatchReport, AppError> {
        let mut total = BatchReport::default();
        loop {
            let b = self.catch_up(&mut progress).await?;
            total.add(&b);
            let Some(at) = b.next_retry_at else {
                return Ok(total);
            };
            tokio::time::sleep(retry::wait_until(at)).await;
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

/// Waits for the commit in flight, if any, and counts it: false when it found the
/// projector moved (the loop starts again from what is stored).
async fn settle_commit(
    pending: Option<Pending>,
    total: &mut BatchReport,
    progress: &mut impl FnMut(&BatchReport),
) -> Result<bool, AppError> {
    let Some((handle, report)) = pending else {
        return Ok(true);
    };
    let landed = handle.await.map_err(|e| task_failed("commit", &e))??;
    if landed {
        total.add(&report);
        progress(total);
    }
    Ok(landed)
}

/// What one batch writes beside its checkpoint.
struct Writes {
    /// Rows of orders that had none.
    new: Vec<SummaryRow>,
    /// Rows replaced.
    replaced: Vec<SummaryRow>,
    dead: Vec<DeadLetter>,
    /// Letters its retries resolved or moved on from.
    resolved: Vec<i64>,
}

/// Commits one batch if the projector is still at `expected`; false when it has moved.
async fn commit(
    read_model: Arc<dyn ReadModel>,
    expected: ProjectorState,
    after: ProjectorState,
    writes: Writes,
) -> Result<bool, StoreError> {
    let mut tx = read_model.begin_projection().await?;
    if tx.state().await? != expected {
        return Ok(false);
    }
    tx.insert_new_rows(&writes.new).await?;
    tx.upsert_rows(&writes.replaced).await?;
    for position in writes.resolved {
        tx.delete_dead_letters(Some(position), None).await?;
    }
    tx.put_dead_letters(&writes.dead).await?;
    tx.set_state(after).await?;
    tx.commit().await?;
    Ok(true)
}

fn task_failed(what: &str, e: &tokio::task::JoinError) -> AppError {
    AppError::Internal(format!("projector {what} task failed: {e}"))
}
