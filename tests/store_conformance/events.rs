//! The event log on one handle: atomic appends, conflicts, batches, snapshots, idempotency
//! keys, import, and the log's head and counts.

use chronicle::store::{IdempotencyRecord, ImportStream, StoreError};

use crate::common::{event, t0};
use crate::support::{Factory, Fixture, assert_log_len, req, snapshot, versions, whole_log};

pub async fn a_command_appends_all_its_events_with_contiguous_versions<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let evs = [event(1), event(2), event(3)];
    let a = store.append(req("s1", 0, &evs)).await.unwrap();
    assert_eq!(a.version, 3);
    let read = store.read_stream("s1", 1, u64::MAX, 100).await.unwrap();
    assert_eq!(versions(&read), [1, 2, 3]);
    assert_eq!(read[2].global_position, a.last_position);
    assert!(
        read.windows(2)
            .all(|w| w[0].global_position < w[1].global_position)
    );
    for (stored, new) in read.iter().zip(&evs) {
        assert_eq!(stored.stream_id, "s1");
        assert_eq!(stored.event_type, new.event_type);
        assert_eq!(stored.schema_version, new.schema_version);
        assert_eq!(stored.payload, new.payload);
        assert_eq!(stored.metadata, new.metadata);
        assert_eq!(stored.recorded_at, new.recorded_at);
    }
    let next = store.append(req("s1", 3, &[event(4)])).await.unwrap();
    assert_eq!(next.version, 4);
    assert!(next.last_position > a.last_position);
}

pub async fn wrong_expected_version_is_a_conflict_and_appends_nothing<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
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
    // A stream that does not exist is at version 0.
    let err = store.append(req("new", 1, &[event(1)])).await.unwrap_err();
    assert_eq!(
        err,
        StoreError::Conflict {
            stream_id: "new".into(),
            expected: 1,
            actual: 0
        }
    );
    assert_eq!(store.stream_version("s").await.unwrap(), 2);
    assert_eq!(store.stream_version("new").await.unwrap(), 0);
    assert_log_len(&store, 2).await;
    assert_eq!(versions(&whole_log(&store, 100).await), [1, 2]);
}

/// A refused append (taken key, with a snapshot) leaves the events, the snapshot and the
/// key as they were.
pub async fn a_refused_append_writes_nothing_at_all<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let rec = IdempotencyRecord {
        key: "k".into(),
        command_hash: "first".into(),
        stream_id: "s".into(),
        version: 1,
        created_at: t0(),
    };
    let mut first = req("s", 0, &[]);
    let one = [event(1)];
    first.events = &one;
    first.idempotency = Some(&rec);
    store.append(first).await.unwrap();

    let other = IdempotencyRecord {
        command_hash: "second".into(),
        ..rec.clone()
    };
    let snap = snapshot("s", 4);
    let three = [event(2), event(3), event(4)];
    let mut second = req("s", 1, &three);
    second.idempotency = Some(&other);
    second.idempotency_expired_before = Some(t0() - chrono::Duration::hours(1));
    second.snapshot = Some(&snap);
    assert_eq!(
        store.append(second).await.unwrap_err(),
        StoreError::IdempotencyKeyTaken("k".into())
    );
    assert_eq!(store.stream_version("s").await.unwrap(), 1);
    assert_log_len(&store, 1).await;
    assert!(store.load("s", None).await.unwrap().snapshot.is_none());
    let kept = store.find_idempotency("k").await.unwrap().unwrap();
    assert_eq!(kept, rec);
}

pub async fn the_global_log_reads_in_batches_in_order<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let mut appended = Vec::new();
    for i in 0..25u32 {
        let evs: Vec<_> = (0..10).map(|k| event(i * 10 + k)).collect();
        let stream = format!("s{}", i % 3);
        store
            .append(req(&stream, u64::from(i / 3) * 10, &evs))
            .await
            .unwrap();
        appended.extend(evs.into_iter().map(|e| (stream.clone(), e.payload)));
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
    let got: Vec<_> = seen
        .iter()
        .map(|e| (e.stream_id.clone(), e.payload.clone()))
        .collect();
    assert_eq!(got, appended, "the log is in commit order");
    let part = store.read_stream("s0", 5, 12, 100).await.unwrap();
    assert_eq!(versions(&part), (5..=12).collect::<Vec<_>>());
    let first = store.read_stream("s0", 1, u64::MAX, 3).await.unwrap();
    assert_eq!(versions(&first), [1, 2, 3]);
    assert!(
        store
            .read_stream("s0", 91, u64::MAX, 3)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn load_takes_the_nearest_snapshot_at_or_below_and_the_tail<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let evs: Vec<_> = (1..=250).map(event).collect();
    store.append(req("s", 0, &evs)).await.unwrap();
    for v in [100, 200] {
        store.put_snapshot(&snapshot("s", v)).await.unwrap();
    }
    let l = store.load("s", Some(150)).await.unwrap();
    assert_eq!(l.snapshot, Some(snapshot("s", 100)));
    assert_eq!(versions(&l.events), (101..=150).collect::<Vec<_>>());
    let l = store.load("s", None).await.unwrap();
    assert_eq!(l.snapshot, Some(snapshot("s", 200)));
    assert_eq!(versions(&l.events), (201..=250).collect::<Vec<_>>());
    let l = store.load("s", Some(99)).await.unwrap();
    assert!(l.snapshot.is_none());
    assert_eq!(versions(&l.events), (1..=99).collect::<Vec<_>>());
    let l = store.load("s", Some(200)).await.unwrap();
    assert_eq!(
        l.snapshot.as_ref().map(|s| s.state.as_str()),
        Some("{\"v\":200}")
    );
    assert!(l.events.is_empty());
    // A snapshot is rewritten in place.
    let mut again = snapshot("s", 200);
    again.state = "{\"v\":\"again\"}".into();
    store.put_snapshot(&again).await.unwrap();
    assert_eq!(store.load("s", None).await.unwrap().snapshot, Some(again));
    let none = store.load("nothing", None).await.unwrap();
    assert!(none.snapshot.is_none() && none.events.is_empty());
}

pub async fn an_idempotency_key_is_recorded_with_the_events_or_not_at_all<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let rec = IdempotencyRecord {
        key: "k1".into(),
        command_hash: "h".into(),
        stream_id: "ignored".into(),
        version: 99,
        created_at: t0(),
    };
    let evs = [event(1)];
    let mut r = req("s", 0, &evs);
    r.idempotency = Some(&rec);
    store.append(r).await.unwrap();
    let found = store.find_idempotency("k1").await.unwrap().unwrap();
    let want = IdempotencyRecord {
        stream_id: "s".into(),
        version: 1,
        ..rec.clone()
    };
    assert_eq!(
        found, want,
        "the request's stream and version, whatever the record says"
    );
    assert_eq!(store.find_idempotency("k2").await.unwrap(), None);

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
    assert_log_len(&store, 1).await;

    // Once expired, the key can be used again.
    r2.idempotency_expired_before = Some(t0() + chrono::Duration::seconds(1));
    store.append(r2).await.unwrap();
    let found = store.find_idempotency("k1").await.unwrap().unwrap();
    assert_eq!((found.stream_id.as_str(), found.version), ("other", 1));
}

pub async fn a_conflicting_append_with_a_snapshot_writes_neither<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    store.append(req("s", 0, &[event(1)])).await.unwrap();
    let snap = snapshot("s", 1);
    let evs = [event(2)];
    let mut r = req("s", 0, &evs);
    r.snapshot = Some(&snap);
    assert!(matches!(
        store.append(r).await,
        Err(StoreError::Conflict {
            expected: 0,
            actual: 1,
            ..
        })
    ));
    assert!(store.load("s", None).await.unwrap().snapshot.is_none());
    assert_log_len(&store, 1).await;
    // The same append at the right version writes both.
    let snap = snapshot("s", 2);
    let mut r = req("s", 1, &evs);
    r.snapshot = Some(&snap);
    store.append(r).await.unwrap();
    assert_eq!(store.load("s", None).await.unwrap().snapshot, Some(snap));
}

pub async fn import_lands_each_stream_whole_and_refuses_conflicting_ones<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    store.append(req("taken", 0, &[event(1)])).await.unwrap();
    let stream = |id: &str, expected: u64, n: u32| ImportStream {
        stream_id: id.into(),
        expected_version: expected,
        events: (1..=n).map(event).collect(),
        snapshots: vec![],
    };
    let mut b = stream("b", 0, 2);
    b.snapshots = vec![snapshot("b", 2)];
    let results = store
        .import(vec![
            stream("a", 0, 1500),
            stream("taken", 0, 3),
            b,
            stream("taken", 1, 2),
        ])
        .await
        .unwrap();
    assert_eq!(results[0], Ok(1500));
    assert_eq!(
        results[1],
        Err(StoreError::Conflict {
            stream_id: "taken".into(),
            expected: 0,
            actual: 1,
        })
    );
    assert_eq!(results[2], Ok(2));
    assert_eq!(
        results[3],
        Ok(3),
        "a continuation at the right version is appended"
    );
    assert_eq!(store.stream_version("a").await.unwrap(), 1500);
    assert_eq!(store.stream_version("taken").await.unwrap(), 3);
    assert_eq!(
        store.load("b", None).await.unwrap().snapshot,
        Some(snapshot("b", 2))
    );
    assert_log_len(&store, 1 + 1500 + 2 + 2).await;
    let a = store.read_stream("a", 1, u64::MAX, 2000).await.unwrap();
    assert_eq!(versions(&a), (1..=1500).collect::<Vec<_>>());
    assert_eq!(a[1499].payload, event(1500).payload);
}

pub async fn version_at_time_and_stream_listing<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    store
        .append(req("b", 0, &[event(1), event(5), event(9)]))
        .await
        .unwrap();
    store.append(req("a", 0, &[event(2)])).await.unwrap();
    let secs = |s| t0() + chrono::Duration::seconds(s);
    for (at, want) in [(0, 0), (1, 1), (4, 1), (5, 2), (6, 2), (9, 3), (100, 3)] {
        assert_eq!(
            store.version_at_time("b", secs(at)).await.unwrap(),
            want,
            "at +{at}s"
        );
    }
    assert_eq!(store.version_at_time("none", secs(100)).await.unwrap(), 0);
    let listed = store.list_streams(None, 10).await.unwrap();
    let pairs = |l: &[chronicle::store::StreamInfo]| {
        l.iter()
            .map(|s| (s.stream_id.clone(), s.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(pairs(&listed), [("a".into(), 1), ("b".into(), 3)]);
    let after_a = store.list_streams(Some("a"), 10).await.unwrap();
    assert_eq!(pairs(&after_a), [("b".into(), 3)]);
    assert_eq!(
        pairs(&store.list_streams(None, 1).await.unwrap()),
        [("a".into(), 1)]
    );
    assert!(store.list_streams(Some("b"), 10).await.unwrap().is_empty());
}

pub async fn head_position_and_count_after_follow_the_log<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    assert_eq!(store.head_position().await.unwrap(), 0);
    assert_eq!(store.count_after(0).await.unwrap(), 0);
    let first = store
        .append(req("x", 0, &[event(1), event(2)]))
        .await
        .unwrap();
    let second = store.append(req("y", 0, &[event(3)])).await.unwrap();
    let third = store
        .append(req("x", 2, &[event(4), event(5)]))
        .await
        .unwrap();
    assert_eq!(store.head_position().await.unwrap(), third.last_position);
    let log = whole_log(&store, 100).await;
    assert_eq!(log.len(), 5);
    assert!(log[0].global_position > 0, "positions start above 0");
    assert_eq!(log[1].global_position, first.last_position);
    assert_eq!(log[2].global_position, second.last_position);
    assert_eq!(store.count_after(0).await.unwrap(), 5);
    for (i, e) in log.iter().enumerate() {
        assert_eq!(
            store.count_after(e.global_position).await.unwrap(),
            4 - i as u64
        );
    }
    assert_eq!(
        store.count_after(third.last_position + 100).await.unwrap(),
        0
    );
}
