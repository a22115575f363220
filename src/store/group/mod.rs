//! Group commit. Every append goes to one writer task; while it commits a batch, the
//! appends that arrive queue, and it takes them all as the next batch: one statement for
//! all their events (each row keeps its own command's version check) and one commit, so
//! one flush and a handful of statements serve the whole batch. A lone command takes
//! the single-command path, so a sequential client waits for nobody.
//!
//! Each command keeps its own outcome: a conflicting command inserts nothing and gets its
//! `Conflict`, a taken idempotency key gets `IdempotencyKeyTaken`, and their neighbours land.
//! If the database refuses the batch as a whole (a constraint, a trigger, a full disk), it
//! is rolled back and every command in it runs again alone, each getting its own result; if
//! it is busy or unreachable, every command is told so at once. Every
//! reply is sent after the commit that made it durable, and the task is owned by no caller,
//! so a caller that gives up (a dropped request) cannot cut its neighbours' batch short.
//!
//! The queue and the forming of batches are the same on every backend; each backend says
//! how one command, and how a batch, is written ([`BatchWriter`]).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

mod pending;

pub(crate) use pending::{
    Claims, Outcome, Pending, conflicting, keyed, landed, outcomes, split_claims,
};

use crate::store::{Appended, StoreError};

/// How a backend writes what the committer hands it.
#[async_trait]
pub(crate) trait BatchWriter: Send + Sync + 'static {
    /// One command alone, with its own result.
    async fn append_one(&self, p: &Pending) -> Outcome;

    /// Several commands in one commit, each with its own result, in order. `Err` when the
    /// batch as a whole failed and nothing of it was written: retryable when the database
    /// was busy or unreachable, anything else makes each command run again alone.
    async fn append_together(&self, appends: &[&Pending]) -> Result<Vec<Outcome>, StoreError>;

    /// The backend's name, for the metrics.
    fn backend(&self) -> &'static str;
}

/// At most this many commands in one batch, and at most this many events (SQLite binds at
/// most 32,766 parameters in a statement; each event binds eight).
const MAX_COMMANDS: usize = 256;
const MAX_EVENTS: usize = 2_000;

#[derive(Debug)]
struct Job {
    append: Pending,
    reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// The handle appends are sent through; cloned with the store.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// Starts the writer task on the current runtime; it ends when the last handle is dropped.
    pub(crate) fn start(writer: impl BatchWriter) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(Arc::new(writer), queue));
        Committer { jobs }
    }

    /// Queues the append and waits for its batch to commit.
    pub(crate) async fn append(&self, append: Pending) -> Result<Appended, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable {
            message: "the database writer has stopped".into(),
            source: None,
        };
        self.jobs
            .send(Job { append, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// How long a batch may wait for the commands the last batch suggests are coming: no longer
/// than a commit takes, since waiting longer would cost more than the commit it saves.
const MAX_GATHER: Duration = Duration::from_millis(2);

async fn run(writer: Arc<dyn BatchWriter>, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut waiting: VecDeque<Job> = VecDeque::new();
    // What the last batch carried and how long it took to commit.
    let (mut expected, mut last_commit) = (1, Duration::ZERO);
    loop {
        if waiting.is_empty() {
            match queue.recv().await {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        drain(&mut queue, &mut waiting);
        if waiting.len() < expected {
            // Clients that were in the last batch are deciding their next command: give them
            // up to one commit's time to join, rather than commit one now and make them wait
            // a whole commit. A lone client (expected 1) never waits.
            gather(
                &mut queue,
                &mut waiting,
                expected,
                last_commit.min(MAX_GATHER),
            )
            .await;
        }
        let batch = take_batch(&mut waiting);
        let started = Instant::now();
        expected = batch.len();
        commit(writer.as_ref(), batch).await;
        last_commit = started.elapsed();
    }
}

fn drain(queue: &mut mpsc::UnboundedReceiver<Job>, waiting: &mut VecDeque<Job>) {
    while waiting.len() < MAX_COMMANDS * 4 {
        match queue.try_recv() {
            Ok(job) => waiting.push_back(job),
            Err(_) => break,
        }
    }
}

async fn gather(
    queue: &mut mpsc::UnboundedReceiver<Job>,
    waiting: &mut VecDeque<Job>,
    expected: usize,
    patience: Duration,
) {
    let deadline = tokio::time::Instant::now() + patience;
    while waiting.len() < expected {
        match tokio::time::timeout_at(deadline, queue.recv()).await {
            Ok(Some(job)) => waiting.push_back(job),
            Ok(None) | Err(_) => return,
        }
    }
}

/// The next batch, in arrival order: at most one command per stream and per idempotency key
/// (a later one waits for the next batch, so each sees the one before it committed), within
/// the size limits. The first waiting command always goes.
fn take_batch(waiting: &mut VecDeque<Job>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut left = VecDeque::new();
    let (mut streams, mut keys) = (HashSet::new(), HashSet::new());
    let mut events = 0;
    while let Some(job) = waiting.pop_front() {
        let p = &job.append;
        let key = p.idempotency.as_ref().map(|r| r.key.clone());
        let fits = batch.is_empty()
            || (batch.len() < MAX_COMMANDS && events + p.events.len() <= MAX_EVENTS);
        let clashes =
            streams.contains(&p.stream_id) || key.as_ref().is_some_and(|k| keys.contains(k));
        if fits && !clashes {
            events += p.events.len();
            streams.insert(p.stream_id.clone());
            keys.extend(key);
            batch.push(job);
        } else {
            left.push_back(job);
        }
    }
    *waiting = left;
    batch
}

async fn commit(writer: &dyn BatchWriter, batch: Vec<Job>) {
    // `_count` is the commits, `_sum` the commands they carried.
    metrics::histogram!("chronicle_append_batch_commands").record(batch.len() as f64);
    if let [job] = batch.as_slice() {
        let outcome = writer.append_one(&job.append).await;
        answer(batch, vec![outcome]);
        return;
    }
    let appends: Vec<&Pending> = batch.iter().map(|j| &j.append).collect();
    match writer.append_together(&appends).await {
        Ok(outcomes) => answer(batch, outcomes),
        // Busy or unreachable: every command alone would wait out the same lock or outage,
        // one after another. Each is told so, and nothing of the batch was written.
        Err(e) if e.is_retryable() => {
            let outcomes = vec![Err(e); batch.len()];
            answer(batch, outcomes);
        }
        // The database refused the batch: run each alone, so the refusal is its command's.
        Err(e) => {
            tracing::warn!(commands = appends.len(), error = %e,
                "the database refused a batch as a whole; running each command alone");
            metrics::counter!("chronicle_append_batch_reruns_total", "backend" => writer.backend())
                .increment(1);
            let mut outcomes = Vec::with_capacity(batch.len());
            for p in appends {
                outcomes.push(writer.append_one(p).await);
            }
            answer(batch, outcomes);
        }
    }
}

fn answer(batch: Vec<Job>, outcomes: Vec<Result<Appended, StoreError>>) {
    for (job, outcome) in batch.into_iter().zip(outcomes) {
        // A caller that stopped waiting has nobody to tell; its append stands.
        let _ = job.reply.send(outcome);
    }
}
