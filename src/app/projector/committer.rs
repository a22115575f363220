//! The catch-up's commit stage: batches' writes are committed one after another on their own
//! task, so applying the next batch waits for a commit only when it must read a row from the
//! store that a commit still in flight could be writing.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::catch_up::{Writes, commit};
use super::{AppError, BatchReport};
use crate::store::{ProjectorState, ReadModel, StoreError};

/// One batch's commit: its writes, the checkpoint it moves from and to, and its report.
pub(super) struct Job {
    pub(super) expected: ProjectorState,
    pub(super) after: ProjectorState,
    pub(super) writes: Writes,
    pub(super) report: BatchReport,
}

/// What became of a job.
pub(super) enum Landed {
    /// Committed: its report counts.
    Committed(BatchReport),
    /// Not applied: the projector had moved (another projector, a rebuild, a dead-letter
    /// retry). The stage stops here; the catch-up starts again from what is stored.
    Moved,
}

/// Jobs queued beside the one being committed, at most: the applying side runs at most
/// this far ahead of the store.
const QUEUED: usize = 1;

/// The commit stage of one catch-up.
pub(super) struct Committer {
    jobs: mpsc::Sender<Job>,
    results: mpsc::UnboundedReceiver<Result<Landed, StoreError>>,
    /// The checkpoint of the last commit that landed.
    landed: watch::Receiver<i64>,
    task: tokio::task::JoinHandle<()>,
    /// Where the last job sent starts: every commit before it has to land before a row
    /// that is not in memory may be read.
    last_start: i64,
}

impl Committer {
    /// A stage committing after checkpoint `from`.
    pub(super) fn start(read_model: Arc<dyn ReadModel>, from: i64) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUED);
        let (done, results) = mpsc::unbounded_channel();
        let (landed_tx, landed) = watch::channel(from);
        let task = tokio::spawn(async move {
            while let Some(job) = queue.recv().await {
                let outcome = commit(read_model.clone(), job.expected, job.after, job.writes)
                    .await
                    .map(|ok| {
                        if ok {
                            Landed::Committed(job.report)
                        } else {
                            Landed::Moved
                        }
                    });
                let go_on = matches!(outcome, Ok(Landed::Committed(_)));
                if go_on {
                    landed_tx.send_replace(job.after.position);
                }
                if done.send(outcome).is_err() || !go_on {
                    return;
                }
            }
        });
        Committer {
            jobs,
            results,
            landed,
            task,
            last_start: from,
        }
    }

    /// Queues a job (waiting while the queue is full). A stage that has stopped drops it:
    /// its results say why.
    pub(super) async fn send(&mut self, job: Job) {
        self.last_start = job.expected.position;
        let _ = self.jobs.send(job).await;
    }

    /// The results that have come in, without waiting.
    pub(super) fn landed(&mut self) -> Vec<Result<Landed, AppError>> {
        drain(&mut self.results)
    }

    /// Waits until every commit before the last one sent has landed; false when the stage
    /// stopped first (its results say why).
    pub(super) async fn all_but_last(&mut self) -> bool {
        let start = self.last_start;
        self.landed.wait_for(|p| *p >= start).await.is_ok()
    }

    /// Waits for every job sent; the results not yet taken (a commit task that failed
    /// outright is one more error).
    pub(super) async fn finish(self) -> Vec<Result<Landed, AppError>> {
        let Committer {
            jobs,
            mut results,
            task,
            ..
        } = self;
        drop(jobs);
        let failed = task.await.err();
        let mut out = drain(&mut results);
        if let Some(e) = failed {
            out.push(Err(AppError::Internal(format!(
                "projector commit task failed: {e}"
            ))));
        }
        out
    }
}

/// The results waiting in `results`, without waiting for more.
fn drain(
    results: &mut mpsc::UnboundedReceiver<Result<Landed, StoreError>>,
) -> Vec<Result<Landed, AppError>> {
    std::iter::from_fn(|| results.try_recv().ok())
        .map(|r| r.map_err(AppError::from))
        .collect()
}
