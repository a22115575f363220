//! Commands that reach the writer together (group commit): each keeps its own version
//! check, its own idempotency record, its own snapshot and its own result, whatever its
//! neighbours in the batch do.

use std::collections::HashMap;
use std::sync::Arc;

use chronicle::store::{
    Appended, EventStore, IdempotencyRecord, NewEvent, SnapshotRecord, StoreError,
};
use tokio::task::JoinSet;

use crate::common::{event, t0};
use crate::support::Factory;
use crate::support::{Fixture, bounded, req, snapshot, whole_log};

/// What one command of a round asks and what it must get.
#[derive(Debug, Clone)]
struct Case {
    stream: String,
    expected: u64,
    events: Vec<NewEvent>,
    key: Option<IdempotencyRecord>,
    snapshot: Option<SnapshotRecord>,
    want: Want,
}

#[derive(Debug, Clone, PartialEq)]
enum Want {
    Lands,
    Conflict {
        actual: u64,
    },
    KeyTaken,
    /// Of the commands sharing a new key, exactly one lands.
    OneOfKey(String),
}

fn key(name: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        key: name.into(),
        command_hash: format!("hash-{name}"),
        stream_id: String::new(),
        version: 0,
        created_at: t0(),
    }
}

fn case(stream: String, expected: u64, events: usize, want: Want) -> Case {
    Case {
        stream,
        expected,
        events: (0..events).map(|i| event(i as u32)).collect(),
        key: None,
        snapshot: None,
        want,
    }
}

/// A key recorded long enough ago to have expired by the time the rounds run.
fn expired_key(r: usize) -> IdempotencyRecord {
    IdempotencyRecord {
        created_at: t0() - chrono::Duration::hours(2),
        ..key(&format!("expired-{r}"))
    }
}

/// One round's commands: plain ones of one and three events, stale ones (one of them with a
/// fresh key), one with a fresh key and a snapshot, one reusing a key held by an earlier
/// command, one renewing an expired key, two sharing a new key.
fn round(r: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    for i in 0..6 {
        let events = if i % 2 == 0 { 1 } else { 3 };
        cases.push(case(format!("r{r}-plain-{i}"), 0, events, Want::Lands));
    }
    for i in 0..2 {
        cases.push(case(
            format!("stale-{i}"),
            1,
            1,
            Want::Conflict { actual: 2 },
        ));
    }
    let mut stale_keyed = case("stale-2".into(), 1, 1, Want::Conflict { actual: 2 });
    stale_keyed.key = Some(key(&format!("stale-key-{r}")));
    cases.push(stale_keyed);
    let mut renew = case(format!("r{r}-renew"), 0, 1, Want::Lands);
    renew.key = Some(key(&format!("expired-{r}")));
    cases.push(renew);
    let mut keyed = case(format!("r{r}-keyed"), 0, 2, Want::Lands);
    keyed.key = Some(key(&format!("fresh-{r}")));
    keyed.snapshot = Some(snapshot(&keyed.stream, 2));
    cases.push(keyed);
    let mut reuse = case(format!("r{r}-reuse"), 0, 1, Want::KeyTaken);
    reuse.key = Some(key("held"));
    reuse.snapshot = Some(snapshot(&reuse.stream, 1));
    cases.push(reuse);
    for i in 0..2 {
        let name = format!("dup-{r}");
        let mut dup = case(format!("r{r}-dup-{i}"), 0, 1, Want::OneOfKey(name.clone()));
        dup.key = Some(key(&name));
        cases.push(dup);
    }
    cases
}

/// Held by the checks that read the batch metrics, so one's reruns are not another's.
pub static BATCH_METRICS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How many batches of `backend` the database refused as a whole (each command then ran
/// again alone), from the process's metrics.
pub fn reruns(backend: &str) -> u64 {
    let text = chronicle::http::metrics::handle()
        .expect("the metrics recorder")
        .render();
    let name = format!("chronicle_append_batch_reruns_total{{backend=\"{backend}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(name.as_str()))
        .map_or(0, |v| v.parse().unwrap())
}

/// Events only: fresh streams and stale ones, nothing beside them.
fn plain_round(r: usize) -> Vec<Case> {
    let mut cases: Vec<Case> = (0..10)
        .map(|i| case(format!("r{r}-only-{i}"), 0, 1 + i % 3, Want::Lands))
        .collect();
    cases.push(case("stale-0".into(), 0, 1, Want::Conflict { actual: 2 }));
    cases
}

async fn send(store: Arc<dyn EventStore>, c: Case) -> Result<Appended, StoreError> {
    let mut r = req(&c.stream, c.expected, &c.events);
    r.idempotency = c.key.as_ref();
    r.idempotency_expired_before = Some(t0() - chrono::Duration::hours(1));
    r.snapshot = c.snapshot.as_ref();
    store.append(r).await
}

/// Fourteen commands at once on one handle, twenty rounds: every outcome is the one the
/// command would have had alone, and the log holds exactly the events of those that landed.
/// The batches commit as batches: none is refused and run again command by command (which
/// would give the same outcomes, and hide a batch path that never works).
pub async fn commands_sent_together_each_keep_their_own_outcome<F: Factory>() {
    let _serial = BATCH_METRICS.lock().await;
    let reruns_before = reruns(F::BACKEND);
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    for i in 0..3 {
        let s = format!("stale-{i}");
        store
            .append(req(&s, 0, &[event(1), event(2)]))
            .await
            .unwrap();
    }
    let one = [event(1)];
    for r in 0..20 {
        let (old, stream) = (expired_key(r), format!("old-{r}"));
        let mut first = req(&stream, 0, &one);
        first.idempotency = Some(&old);
        store.append(first).await.unwrap();
    }
    let held = key("held");
    let mut first = req("holder", 0, &one);
    first.idempotency = Some(&held);
    store.append(first).await.unwrap();

    let mut landed: HashMap<String, (usize, Appended)> = HashMap::new();
    bounded(120, "rounds of commands sent together", async {
        for r in 0..24 {
            // The last rounds write events only (the batch path without a transaction).
            let cases = if r < 20 { round(r) } else { plain_round(r) };
            let mut tasks = JoinSet::new();
            for c in cases {
                let s = store.clone();
                tasks.spawn(async move { (c.clone(), send(s, c).await) });
            }
            let results = tasks.join_all().await;
            check_round(&store, &results).await;
            for (c, outcome) in results {
                if let Ok(a) = outcome {
                    landed.insert(c.stream, (c.events.len(), a));
                }
            }
        }
    })
    .await;

    let log = whole_log(&store, 500).await;
    let mut by_stream: HashMap<&str, Vec<&chronicle::store::StoredEvent>> = HashMap::new();
    for e in &log {
        by_stream.entry(e.stream_id.as_str()).or_default().push(e);
    }
    for (stream, (n, a)) in &landed {
        let events = &by_stream[stream.as_str()];
        assert_eq!(events.len(), *n, "{stream}: exactly its own events");
        let last = events.last().unwrap();
        assert_eq!(
            (last.version, last.global_position),
            (a.version, a.last_position)
        );
    }
    // Stale, taken and losing commands wrote nothing: only the setup and the landed remain.
    let setup = 3 * 2 + 20 + 1;
    let expected: usize = landed.values().map(|(n, _)| n).sum();
    assert_eq!(log.len(), setup + expected, "{landed:?}");
    assert_eq!(
        reruns(F::BACKEND),
        reruns_before,
        "a batch was refused as a whole"
    );
}

async fn check_round(
    store: &Arc<dyn EventStore>,
    results: &[(Case, Result<Appended, StoreError>)],
) {
    let mut winners_of: HashMap<String, usize> = HashMap::new();
    for (c, outcome) in results {
        match (&c.want, outcome) {
            (Want::Lands, Ok(a)) => assert_eq!(a.version, c.expected + c.events.len() as u64),
            (Want::Conflict { actual }, Err(e)) => assert_eq!(
                e,
                &StoreError::Conflict {
                    stream_id: c.stream.clone(),
                    expected: c.expected,
                    actual: *actual
                }
            ),
            (Want::KeyTaken, Err(StoreError::IdempotencyKeyTaken(k))) => {
                assert_eq!(k, &c.key.as_ref().unwrap().key);
            }
            (Want::OneOfKey(k), Ok(_)) => *winners_of.entry(k.clone()).or_default() += 1,
            (Want::OneOfKey(k), Err(StoreError::IdempotencyKeyTaken(taken))) => {
                assert_eq!(taken, k);
                winners_of.entry(k.clone()).or_default();
            }
            (want, got) => panic!("{}: wanted {want:?}, got {got:?}", c.stream),
        }
        if let (Some(rec), Err(StoreError::Conflict { .. })) = (&c.key, outcome) {
            let found = store.find_idempotency(&rec.key).await.unwrap();
            assert_eq!(
                found, None,
                "{}: a conflicting command holds no key",
                c.stream
            );
        }
        if outcome.is_err() {
            let v = store.stream_version(&c.stream).await.unwrap();
            let before = if c.stream.starts_with("stale") { 2 } else { 0 };
            assert_eq!(v, before, "{}: a refused command wrote nothing", c.stream);
        }
        if let (Some(rec), Ok(a)) = (&c.key, outcome) {
            let found = store.find_idempotency(&rec.key).await.unwrap().unwrap();
            assert_eq!(
                (found.stream_id.as_str(), found.version),
                (c.stream.as_str(), a.version)
            );
        }
        if let (Some(s), Ok(_)) = (&c.snapshot, outcome) {
            let loaded = store.load(&c.stream, None).await.unwrap();
            assert_eq!(
                loaded.snapshot.as_ref(),
                Some(s),
                "{}: its snapshot",
                c.stream
            );
        }
        if let (Some(_), Err(_)) = (&c.snapshot, outcome) {
            let loaded = store.load(&c.stream, None).await.unwrap();
            assert_eq!(
                loaded.snapshot, None,
                "{}: no snapshot without events",
                c.stream
            );
        }
    }
    for (k, winners) in winners_of {
        assert_eq!(winners, 1, "key {k}: exactly one command holds it");
    }
}
