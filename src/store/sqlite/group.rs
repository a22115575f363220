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

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::append::{Pending, append_one};
use super::batch::commit_together;
use crate::store::{Appended, StoreError};

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
pub(super) struct Committer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// Starts the writer task on the current runtime; it ends when the last handle is dropped.
    pub(super) fn start(pool: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, queue));
        Committer { jobs }
    }

    /// Queues the append and waits for its batch to commit.
    pub(super) async fn append(&self, append: Pending) -> Result<Appended, StoreError> {
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

async fn run(pool: SqlitePool, mut queue: mpsc::UnboundedReceiver<Job>) {
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
        commit(&pool, batch).await;
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

async fn commit(pool: &SqlitePool, batch: Vec<Job>) {
    // `_count` is the commits, `_sum` the commands they carried.
    metrics::histogram!("chronicle_append_batch_commands").record(batch.len() as f64);
    if let [job] = batch.as_slice() {
        let outcome = append_one(pool, &job.append).await;
        answer(batch, vec![outcome]);
        return;
    }
    let appends: Vec<&Pending> = batch.iter().map(|j| &j.append).collect();
    match commit_together(pool, &appends).await {
        Ok(outcomes) => answer(batch, outcomes),
        // Busy or unreachable: every command alone would wait out the same lock or outage,
        // one after another. Each is told so, and nothing of the batch was written.
        Err(e) if e.is_retryable() => {
            let outcomes = vec![Err(e); batch.len()];
            answer(batch, outcomes);
        }
        // The database refused the batch: run each alone, so the refusal is its command's.
        Err(_) => {
            let mut outcomes = Vec::with_capacity(batch.len());
            for p in appends {
                outcomes.push(append_one(pool, p).await);
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
