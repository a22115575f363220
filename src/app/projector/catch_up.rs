//! The batch loop: one batch (`run_batch`), the pipelined catch-up, and `settle`.

use std::sync::Arc;

use tokio::sync::mpsc;

use chrono::{DateTime, Utc};

use super::committer::{Committer, Job, Landed};
use super::retry::{self, Retries, Work};
use super::{AppError, BatchReport, HashMap, HashSet, Projector};
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

impl Projector {
    /// Applies `events` (after loading their rows) and the retries that are due.
    async fn apply_events(
        &self,
        events: &[StoredEvent],
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &mut HashSet<String>,
        retries: &mut Retries,
    ) -> Result<Applied, AppError> {
        self.load_rows(events, rows, blocked).await?;
        Ok(self.apply_loaded(events, rows, blocked, retries))
    }

    /// Applies `events`, whose rows `rows` holds, and the retries that are due.
    fn apply_loaded(
        &self,
        events: &[StoredEvent],
        rows: &mut HashMap<String, SummaryRow>,
        blocked: &mut HashSet<String>,
        retries: &mut Retries,
    ) -> Applied {
        let now = Utc::now();
        let (mut dirty, mut dead, mut report) =
            self.apply_batch(events, rows, blocked, retries, now);
        let mut work = Work {
            rows,
            dirty: &mut dirty,
            dead: &mut dead,
            blocked,
        };
        let outcome = self.retry_due(retries, &mut work, now);
        report.recovered = outcome.recovered;
        Applied {
            last: events.last().map_or(0, |e| e.global_position),
            dirty,
            dead,
            resolved: outcome.resolved,
            report,
        }
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
            .apply_events(&events, &mut rows, &mut blocked, &mut retries)
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
    /// Three stages at once: the log is read ahead on a reader connection, the batch in
    /// hand is applied in memory, and the batches before it are committed one after another
    /// on the writer ([`Committer`]). Each commit checks that the projector is where its
    /// batch began, so when one finds the projector moved, the loop starts again from what
    /// is stored. A batch that must read rows from the store first waits for every commit
    /// but the last (whose rows it holds in memory).
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
            let mut applied: Option<Applied> = None;
            let mut reader = self.read_ahead(state.position);
            let mut committer = Committer::start(self.read_model.clone(), state.position);
            loop {
                let Some(events) = reader.recv().await else {
                    return Err(AppError::Internal("projector reader stopped".into()));
                };
                let events = events?;
                if let Some(a) = applied.take() {
                    let after = ProjectorState {
                        position: a.last,
                        generation: state.generation,
                    };
                    let report = a.report;
                    let writes = a.writes(&mut rows, &events);
                    let job = Job {
                        expected: state,
                        after,
                        writes,
                        report,
                    };
                    committer.send(job).await;
                    state = after;
                }
                if !count(committer.landed(), &mut total, &mut progress)? {
                    committer.finish().await;
                    continue 'restart;
                }
                if events.is_empty() {
                    if !count(committer.finish().await, &mut total, &mut progress)? {
                        continue 'restart;
                    }
                    total.caught_up = true;
                    total.position = state.position;
                    total.next_retry_at =
                        retry::earliest(retry::next_of(&letters), retries.next_due());
                    progress(&total);
                    return Ok(total);
                }
                let missing = super::missing_rows(&events, &rows, &blocked);
                if !missing.is_empty() && !committer.all_but_last().await {
                    // The stage stopped: its results say whether to start again or fail.
                    count(committer.finish().await, &mut total, &mut progress)?;
                    continue 'restart;
                }
                self.load_missing(missing, &mut rows).await?;
                applied = Some(self.apply_loaded(&events, &mut rows, &mut blocked, &mut retries));
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

    /// Reads the log from `after` on another task, batch after batch, up to
    /// `READ_AHEAD` batches ahead of the one being applied, and ends after the first empty
    /// batch (or an error). Dropping the receiver stops it. Reading is the longest stage of
    /// a catch-up, so it never waits for the projection of a batch it has handed over, and
    /// the events are decoded where they are applied.
    fn read_ahead(&self, after: i64) -> mpsc::Receiver<Result<Vec<StoredEvent>, StoreError>> {
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        let store = self.store.clone();
        let limit = self.settings.batch_size;
        tokio::spawn(async move {
            let mut after = after;
            loop {
                let read = store.read_all(after, limit).await;
                let next = match &read {
                    Ok(events) => events.last().map(|e| e.global_position),
                    Err(_) => None,
                };
                if tx.send(read).await.is_err() {
                    return;
                }
                match next {
                    Some(position) => after = position,
                    None => return,
                }
            }
        });
        rx
    }
}

/// Batches read and not yet applied, at most.
const READ_AHEAD: usize = 2;

/// Counts the commits that landed: false when one found the projector moved (the loop
/// starts again from what is stored).
fn count(
    landed: Vec<Result<Landed, AppError>>,
    total: &mut BatchReport,
    progress: &mut impl FnMut(&BatchReport),
) -> Result<bool, AppError> {
    for outcome in landed {
        match outcome? {
            Landed::Committed(report) => {
                total.add(&report);
                progress(total);
            }
            Landed::Moved => return Ok(false),
        }
    }
    Ok(true)
}

/// What one batch writes beside its checkpoint.
pub(super) struct Writes {
    /// Rows of orders that had none.
    new: Vec<SummaryRow>,
    /// Rows replaced.
    replaced: Vec<SummaryRow>,
    dead: Vec<DeadLetter>,
    /// Letters its retries resolved or moved on from.
    resolved: Vec<i64>,
}

/// Commits one batch if the projector is still at `expected`; false when it has moved.
pub(super) async fn commit(
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
