//! The event store against real SQLite files: atomic appends, conflicts, batches, snapshots.

mod common;

use chronicle::store::{
    AppendRequest, IdempotencyRecord, ImportStream, SnapshotRecord, StoreError,
};
use common::{Db, event, t0};

fn req<'a>(
    stream: &'a str,
    expected: u64,
    events: &'a [chronicle::store::NewEvent],
) -> AppendRequest<'a> {
    AppendRequest {
        stream_id: stream,
        expected_version: expected,
        events,
        idempotency: None,
        idempotency_expired_before: None,
        snapshot: None,
    }
}

#[tokio::test]
async fn a_command_appends_all_its_events_with_contiguous_versions() {
    let db = Db::new();
    let store = db.open().await;
    let evs = [event(1), event(2), event(3)];
    let a = store.append(req("s1", 0, &evs)).await.unwrap();
    assert_eq!(a.version, 3);
    let read = store.read_stream("s1", 1, u64::MAX, 100).await.unwrap();
    assert_eq!(
        read.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(read[2].global_position, a.last_position);
    assert!(
        read.windows(2)
            .all(|w| w[0].global_position < w[1].global_position)
    );
    assert_eq!(read[1].payload, evs[1].payload);
    assert_eq!(read[1].recorded_at, evs[1].recorded_at);
}

#[tokio::test]
async fn wrong_expected_version_is_a_conflict_and_appends_nothing() {
    let db = Db::new();
    let store = db.open().await;
    store
        .append(req("s", 0, &[event(1), event(2)]))
        .await
        .unwrap();
    for expected in [0, 1, 3, 7] {
        let err = store
            .append(req("s", expected, &[event(9), event(10)]))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            StoreError::Conflict {
                stream_id: "s".into(),
                expected,
                actual: 2
            },
            "expected version {expected}"
        );
    }
    assert_eq!(store.stream_version("s").await.unwrap(), 2);
    assert_eq!(store.head_position().await.unwrap(), 2);
}

#[tokio::test]
async fn two_writers_at_the_same_version_exactly_one_wins() {
    let db = Db::new();
    let (a, b) = (db.open().await, db.open().await);
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
        let loser = if ra.is_ok() { rb } else { ra };
        assert!(matches!(loser, Err(StoreError::Conflict { actual, .. }) if actual == round + 1));
    }
    assert_eq!(a.stream_version("s").await.unwrap(), 20);
}

#[tokio::test]
async fn the_global_log_reads_in_batches_in_order() {
    let db = Db::new();
    let store = db.open().await;
    for i in 0..25u32 {
        let evs: Vec<_> = (0..10).map(|k| event(i * 10 + k)).collect();
        store
            .append(req(&format!("s{}", i % 3), u64::from(i / 3) * 10, &evs))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 40).await.unwrap();
        assert!(page.len() <= 40);
        let Some(last) = page.last() else { break };
        after = last.global_position;
        seen.extend(page);
    }
    assert_eq!(seen.len(), 250);
    assert!(
        seen.windows(2)
            .all(|w| w[0].global_position < w[1].global_position)
    );
    let part = store.read_stream("s0", 5, 12, 100).await.unwrap();
    assert_eq!(
        part.iter().map(|e| e.version).collect::<Vec<_>>(),
        (5..=12).collect::<Vec<_>>()
    );
    assert_eq!(
        store.read_stream("s0", 1, u64::MAX, 3).await.unwrap().len(),
        3
    );
}

#[tokio::test]
async fn load_takes_the_nearest_snapshot_at_or_below_and_the_tail() {
    let db = Db::new();
    let store = db.open().await;
    let evs: Vec<_> = (1..=250).map(event).collect();
    store.append(req("s", 0, &evs)).await.unwrap();
    for v in [100, 200] {
        store
            .put_snapshot(&SnapshotRecord {
                stream_id: "s".into(),
                version: v,
                schema_version: 1,
                state: format!("{{\"v\":{v}}}"),
            })
            .await
            .unwrap();
    }
    let at = |up_to| {
        let store = store.clone();
        async move { store.load("s", up_to).await.unwrap() }
    };
    let l = at(Some(150)).await;
    assert_eq!(l.snapshot.as_ref().map(|s| s.version), Some(100));
    assert_eq!(
        l.events.iter().map(|e| e.version).collect::<Vec<_>>(),
        (101..=150).collect::<Vec<_>>()
    );
    let l = at(None).await;
    assert_eq!(l.snapshot.as_ref().map(|s| s.version), Some(200));
    assert_eq!(l.events.len(), 50);
    let l = at(Some(99)).await;
    assert!(l.snapshot.is_none());
    assert_eq!(l.events.len(), 99);
    let l = at(Some(200)).await;
    assert_eq!(
        l.snapshot.as_ref().map(|s| s.state.as_str()),
        Some("{\"v\":200}")
    );
    assert!(l.events.is_empty());
    assert!(store.load("nothing", None).await.unwrap().events.is_empty());
}

#[tokio::test]
async fn an_idempotency_key_is_recorded_with_the_events_or_not_at_all() {
    let db = Db::new();
    let store = db.open().await;
    let rec = IdempotencyRecord {
        key: "k1".into(),
        command_hash: "h".into(),
        stream_id: "s".into(),
        version: 1,
        created_at: t0(),
    };
    let mut r = req("s", 0, &[]);
    let evs = [event(1)];
    r.events = &evs;
    r.idempotency = Some(&rec);
    store.append(r).await.unwrap();
    let found = store.find_idempotency("k1").await.unwrap().unwrap();
    assert_eq!(
        (
            found.stream_id.as_str(),
            found.version,
            found.command_hash.as_str()
        ),
        ("s", 1, "h")
    );

    // The key is taken: the second append must roll its events back.
    let evs2 = [event(2)];
    let mut r2 = req("other", 0, &evs2);
    r2.idempotency = Some(&rec);
    r2.idempotency_expired_before = Some(t0() - chrono::Duration::hours(1));
    assert_eq!(
        store.append(r2).await.unwrap_err(),
        StoreError::IdempotencyKeyTaken("k1".into())
    );
    assert_eq!(store.stream_version("other").await.unwrap(), 0);
    assert_eq!(store.head_position().await.unwrap(), 1);

    // Once expired, the key can be used again.
    r2.idempotency_expired_before = Some(t0() + chrono::Duration::seconds(1));
    store.append(r2).await.unwrap();
    assert_eq!(
        store
            .find_idempotency("k1")
            .await
            .unwrap()
            .unwrap()
            .stream_id,
        "other"
    );
}

#[tokio::test]
async fn a_conflicting_append_with_a_snapshot_writes_neither() {
    let db = Db::new();
    let store = db.open().await;
    store.append(req("s", 0, &[event(1)])).await.unwrap();
    let snap = SnapshotRecord {
        stream_id: "s".into(),
        version: 1,
        schema_version: 1,
        state: "{}".into(),
    };
    let evs = [event(2)];
    let mut r = req("s", 0, &evs);
    r.snapshot = Some(&snap);
    assert!(matches!(
        store.append(r).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.load("s", None).await.unwrap().snapshot.is_none());
}

#[tokio::test]
async fn import_lands_each_stream_whole_and_refuses_conflicting_ones() {
    let db = Db::new();
    let store = db.open().await;
    store.append(req("taken", 0, &[event(1)])).await.unwrap();
    let stream = |id: &str, expected: u64, n: u32| ImportStream {
        stream_id: id.into(),
        expected_version: expected,
        events: (1..=n).map(event).collect(),
        snapshots: vec![],
    };
    let results = store
        .import(vec![
            stream("a", 0, 1500),
            stream("taken", 0, 3),
            stream("b", 0, 2),
            stream("taken", 1, 2),
        ])
        .await
        .unwrap();
    assert_eq!(results[0], Ok(1500));
    assert!(matches!(
        results[1],
        Err(StoreError::Conflict {
            expected: 0,
            actual: 1,
            ..
        })
    ));
    assert_eq!(results[2], Ok(2));
    assert_eq!(
        results[3],
        Ok(3),
        "a continuation at the right version is appended"
    );
    assert_eq!(store.stream_version("a").await.unwrap(), 1500);
    assert_eq!(store.stream_version("taken").await.unwrap(), 3);
    assert_eq!(store.head_position().await.unwrap(), 1 + 1500 + 2 + 2);
}

#[tokio::test]
async fn version_at_time_and_stream_listing() {
    let db = Db::new();
    let store = db.open().await;
    store
        .append(req("b", 0, &[event(1), event(5), event(9)]))
        .await
        .unwrap();
    store.append(req("a", 0, &[event(2)])).await.unwrap();
    assert_eq!(store.version_at_time("b", t0()).await.unwrap(), 0);
    assert_eq!(
        store
            .version_at_time("b", t0() + chrono::Duration::seconds(6))
            .await
            .unwrap(),
        2
    );
    let listed = store.list_streams(None, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| (s.stream_id.as_str(), s.version))
            .collect::<Vec<_>>(),
        [("a", 1), ("b", 3)]
    );
    assert_eq!(store.list_streams(Some("a"), 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_database_is_refused_for_reads_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    let err = chronicle::store::SqliteStore::open(
        &format!("sqlite://{}", path.display()),
        chronicle::store::OpenMode::MustExist,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Missing(p) if p.contains("absent.db")));
    assert!(!path.exists());
}

#[tokio::test]
async fn stored_events_can_be_neither_changed_nor_removed() {
    let db = Db::new();
    let store = db.open().await;
    store.append(req("s", 0, &[event(1)])).await.unwrap();
    // Whoever connects, with whatever tool: the schema itself refuses.
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    for sql in ["UPDATE events SET payload = '{}'", "DELETE FROM events"] {
        let err = sqlx::query(sql).execute(&raw).await.unwrap_err();
        assert!(
            err.to_string().contains("events are immutable"),
            "{sql}: {err}"
        );
    }
    raw.close().await;
    assert_eq!(
        store.read_stream("s", 1, 1, 1).await.unwrap()[0].payload,
        event(1).payload
    );
}
