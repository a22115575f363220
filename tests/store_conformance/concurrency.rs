//! Many handles at once, as many processes would open them: the version check decides
//! every race, and a reader following the log sees each committed event exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chronicle::store::{
    Access, EventStore, ImportRow, ProjectorState, Store, StoreError, StoredEvent,
};
use tokio::task::JoinSet;

use crate::common::event;
use crate::support::{Factory, Fixture, bounded, req, versions, whole_log};

const WRITERS: usize = 8;
const APPENDS: u64 = 50;
/// Events per append: a reader must never see part of one.
const PER_APPEND: u64 = 2;
const STREAMS_PER_WRITER: u64 = 5;

pub async fn two_writers_at_the_same_version_exactly_one_wins<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let (a, b) = (
        fx.handle(Access::ReadWrite).await,
        fx.handle(Access::ReadWrite).await,
    );
    let (a, b) = (a.events(), b.events());
    a.append(req("s", 0, &[event(1)])).await.unwrap();
    for round in 1..20u64 {
        let ea = [event(100)];
        let eb = [event(200)];
        let (ra, rb) = tokio::join!(
            a.append(req("s", round, &ea)),
            b.append(req("s", round, &eb))
        );
        let wins = usize::from(ra.is_ok()) + usize::from(rb.is_ok());
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        let (winner, loser) = if ra.is_ok() { (ra, rb) } else { (rb, ra) };
        assert_eq!(winner.unwrap().version, round + 1);
        assert_eq!(
            loser.unwrap_err(),
            StoreError::Conflict {
                stream_id: "s".into(),
                expected: round,
                actual: round + 1
            }
        );
    }
    assert_eq!(a.stream_version("s").await.unwrap(), 20);
    assert_eq!(
        versions(&whole_log(&a, 100).await),
        (1..=20).collect::<Vec<_>>()
    );
}

/// Eight tasks append at the same version, on their own handles and then on one shared
/// handle: one wins each round, the others are told the winner's version.
pub async fn eight_writers_at_the_same_version_exactly_one_wins<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let mut own = Vec::new();
    for _ in 0..WRITERS {
        own.push(fx.handle(Access::ReadWrite).await);
    }
    let shared = vec![fx.store.clone(); WRITERS];
    bounded(60, "racing appends", async {
        for (stream, handles) in [("own", &own), ("shared", &shared)] {
            for round in 0..5u64 {
                let expected = round * 3;
                let mut tasks = JoinSet::new();
                for (i, h) in handles.iter().enumerate() {
                    let store = h.events();
                    tasks.spawn(async move {
                        let evs = [event(i as u32), event(100), event(200)];
                        (i, store.append(req(stream, expected, &evs)).await)
                    });
                }
                let results = tasks.join_all().await;
                let winners: Vec<usize> = results
                    .iter()
                    .filter(|(_, r)| r.is_ok())
                    .map(|(i, _)| *i)
                    .collect();
                assert_eq!(winners.len(), 1, "{stream} round {round}: {results:?}");
                for (_, r) in results.into_iter().filter(|(_, r)| r.is_err()) {
                    let want = StoreError::Conflict {
                        stream_id: stream.into(),
                        expected,
                        actual: expected + 3,
                    };
                    assert_eq!(r.unwrap_err(), want);
                }
                let top = fx
                    .events()
                    .read_stream(stream, expected + 1, u64::MAX, 10)
                    .await;
                assert_eq!(top.unwrap()[0].payload, event(winners[0] as u32).payload);
            }
            assert_eq!(fx.events().stream_version(stream).await.unwrap(), 15);
        }
    })
    .await;
}

pub async fn a_follower_sees_every_event_once_while_eight_handles_append<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let mut handles = Vec::new();
    for _ in 0..WRITERS {
        handles.push(fx.handle(Access::ReadWrite).await);
    }
    let follower = fx.handle(Access::ReadOnly).await;
    bounded(
        60,
        "concurrent appends",
        follow_while_appending::<F>(handles, follower),
    )
    .await;
}

pub async fn a_follower_sees_every_event_once_while_one_shared_handle_appends<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let handles = vec![fx.store.clone(); WRITERS];
    let follower = fx.store.clone();
    bounded(
        60,
        "concurrent appends",
        follow_while_appending::<F>(handles, follower),
    )
    .await;
}

/// Each handle's task appends `APPENDS` commands of `PER_APPEND` events over its own
/// streams while `follower` reads the log from its last position until all are in.
async fn follow_while_appending<F: Factory>(handles: Vec<Store>, follower: Store) {
    let mut writers = JoinSet::new();
    for (w, h) in handles.into_iter().enumerate() {
        let store = h.events();
        writers.spawn(async move {
            for i in 0..APPENDS {
                let stream = format!("w{w}-{}", i % STREAMS_PER_WRITER);
                let expected = i / STREAMS_PER_WRITER * PER_APPEND;
                let evs = [event(i as u32), event(i as u32 + 1000)];
                store.append(req(&stream, expected, &evs)).await.unwrap();
            }
        });
    }
    let total = WRITERS as u64 * APPENDS * PER_APPEND;
    let reader = follower.events();
    let seen = tokio::spawn(async move { follow::<F>(&reader, total).await });
    writers.join_all().await;
    let seen = seen.await.unwrap();
    let store = follower.events();
    let log = whole_log(&store, 1000).await;
    assert_eq!(log.len() as u64, total);
    // Nothing landed behind the follower: what it saw is the whole log, in order.
    assert_eq!(seen, log);
    assert!(
        store
            .read_all(log[log.len() - 1].global_position, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.head_position().await.unwrap(),
        log[log.len() - 1].global_position
    );
}

/// Reads the log after the last event it saw until `total` events are in: no event twice,
/// positions strictly increasing where the log is in position order, each stream's
/// versions contiguous, and at the end of each read no append seen in part.
async fn follow<F: Factory>(store: &Arc<dyn EventStore>, total: u64) -> Vec<StoredEvent> {
    const PAGE: u32 = 37;
    let mut seen: Vec<StoredEvent> = Vec::new();
    let mut positions = std::collections::HashSet::new();
    let mut heads: HashMap<String, u64> = HashMap::new();
    while (seen.len() as u64) < total {
        let after = seen.last().map_or(0, |e| e.global_position);
        let page = store.read_all(after, PAGE).await.unwrap();
        for e in &page {
            let last = seen.last().map_or(0, |l| l.global_position);
            assert!(
                !F::POSITION_ORDER || e.global_position > last,
                "position {} after {last}",
                e.global_position
            );
            assert!(
                positions.insert(e.global_position),
                "position {} seen twice",
                e.global_position
            );
            let head = heads.entry(e.stream_id.clone()).or_insert(0);
            assert_eq!(
                e.version,
                *head + 1,
                "{} skipped or repeated a version",
                e.stream_id
            );
            *head = e.version;
            seen.push(e.clone());
        }
        if page.len() < PAGE as usize {
            // The end of the log as this read saw it: only whole appends.
            for (stream, v) in &heads {
                assert_eq!(v % PER_APPEND, 0, "{stream} seen at version {v}");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    seen
}

/// An import session holds its streams: an append to one of them while it is open either
/// waits and conflicts, or makes the import fail. Never both land.
pub async fn an_import_session_and_an_append_to_its_stream_do_not_both_land<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let (a, b) = (
        fx.handle(Access::ReadWrite).await,
        fx.handle(Access::ReadWrite).await,
    );
    let (a, b) = (a.events(), b.events());
    let mut session = a.begin_import().await.unwrap();
    assert!(session.versions(&["s".into()]).await.unwrap().is_empty());
    let rows: Vec<ImportRow> = (1..=3)
        .map(|v| ImportRow {
            stream_id: "s".into(),
            version: v,
            event: event(v as u32),
        })
        .collect();
    session.append(&rows, &[]).await.unwrap();
    assert_eq!(
        b.stream_version("s").await.unwrap(),
        0,
        "invisible before commit"
    );
    assert!(b.read_all(0, 10).await.unwrap().is_empty());
    let racer = tokio::spawn(async move { b.append(req("s", 0, &[event(99)])).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (imported, appended) = bounded(60, "import against append", async {
        (session.commit().await, racer.await.unwrap())
    })
    .await;
    let log = whole_log(&a, 10).await;
    match (imported, appended) {
        (Ok(()), Err(e)) => {
            let want = StoreError::Conflict {
                stream_id: "s".into(),
                expected: 0,
                actual: 3,
            };
            assert_eq!(e, want);
            let payloads: Vec<_> = log.iter().map(|e| e.payload.clone()).collect();
            assert_eq!(
                payloads,
                (1..=3).map(|n| event(n).payload).collect::<Vec<_>>()
            );
        }
        (Err(_), Ok(appended)) => {
            assert_eq!(appended.version, 1);
            assert_eq!(log.len(), 1);
            assert_eq!(log[0].payload, event(99).payload);
        }
        (i, r) => panic!("exactly one must land: import {i:?}, append {r:?}"),
    }
}

/// Projection transactions on separate handles are serialised: each reads the state and
/// writes it plus one, and no increment is lost (a commit may fail, never be overwritten).
pub async fn projection_transactions_do_not_interleave<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let mut tasks = JoinSet::new();
    for _ in 0..4 {
        let read_model = fx.handle(Access::ReadWrite).await.read_model();
        tasks.spawn(async move {
            let mut tx = read_model.begin_projection().await?;
            let s = tx.state().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.set_state(ProjectorState {
                position: s.position + 1,
                generation: s.generation + 10,
            })
            .await?;
            tx.commit().await
        });
    }
    let results = bounded(60, "projection transactions", tasks.join_all()).await;
    let committed = results.iter().filter(|r| r.is_ok()).count() as i64;
    assert!(committed >= 1, "{results:?}");
    let state = fx.read_model().projector_state().await.unwrap();
    assert_eq!(
        state,
        ProjectorState {
            position: committed,
            generation: committed * 10
        }
    );
}
