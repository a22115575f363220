//! The command service on real SQLite files: snapshots, idempotency, conflicts, corruption.

mod common;

use chronicle::app::config::Config;
use chronicle::app::read::ReadSide;
use chronicle::app::{AppError, At, Services};
use chronicle::domain::{
    DomainError, Order, OrderCommand, OrderEvent, STATE_SCHEMA_VERSION, UpcastContext,
};
use chronicle::store::{ImportStream, NewEvent, SnapshotRecord};
use common::{Db, add, create, loader, new_id, request, service, t0};

/// Replays every stored event from scratch: the reference the snapshot path must equal.
/// The read side over another handle on the same database, as the binary builds it.
async fn read_side(db: &Db) -> ReadSide {
    Services::new(db.open_store().await, &Config::default()).read
}

async fn full_replay(
    store: &std::sync::Arc<dyn chronicle::store::EventStore>,
    id: chronicle::domain::OrderId,
    up_to: u64,
) -> Order {
    let events = store
        .read_stream(&id.to_stream_id(), 1, up_to, u32::MAX)
        .await
        .unwrap();
    let decoded: Vec<OrderEvent> = events
        .iter()
        .map(|e| {
            OrderEvent::decode(
                &e.event_type,
                e.schema_version,
                &e.payload,
                &UpcastContext::default(),
            )
            .unwrap()
        })
        .collect();
    Order::replay(id, &decoded)
}

#[tokio::test]
async fn snapshots_every_n_events_and_any_version_equals_a_full_replay() {
    let db = Db::new();
    let store = db.open().await;
    let svc = service(&store, 10);
    let id = new_id();
    svc.execute(&request(id, create("c", &["A:1:1.10"])), t0())
        .await
        .unwrap();
    for i in 0..34 {
        svc.execute(
            &request(id, add(&format!("S{}:1:0.{}", i % 7, i % 7 + 1))),
            t0(),
        )
        .await
        .unwrap();
    }
    let version = store.stream_version(&id.to_stream_id()).await.unwrap();
    assert!(version > 25, "enough events were accepted: {version}");
    let snaps: Vec<u64> = {
        let mut v = Vec::new();
        for up_to in 1..=version {
            if let Some(s) = store
                .load(&id.to_stream_id(), Some(up_to))
                .await
                .unwrap()
                .snapshot
                && !v.contains(&s.version)
            {
                v.push(s.version);
            }
        }
        v
    };
    assert_eq!(
        snaps,
        (1..=version / 10).map(|k| k * 10).collect::<Vec<_>>(),
        "one snapshot per 10 events, all kept"
    );
    let queries = read_side(&db).await;
    for v in 1..=version {
        let via_snapshot = queries.state(id, At::Version(v)).await.unwrap();
        assert_eq!(
            via_snapshot,
            full_replay(&store, id, v).await,
            "version {v}"
        );
    }
}

#[tokio::test]
async fn a_stale_or_undecodable_snapshot_is_ignored_and_rewritten() {
    let db = Db::new();
    let store = db.open().await;
    let svc = service(&store, 5);
    let id = new_id();
    svc.execute(&request(id, create("c", &["A:1:1"])), t0())
        .await
        .unwrap();
    for i in 0..6 {
        svc.execute(&request(id, add(&format!("B{i}:1:2"))), t0())
            .await
            .unwrap();
    }
    let sid = id.to_stream_id();
    let expected = full_replay(&store, id, 7).await;
    for bad in [
        SnapshotRecord {
            stream_id: sid.clone(),
            version: 5,
            schema_version: STATE_SCHEMA_VERSION + 1,
            state: "{}".into(),
        },
        SnapshotRecord {
            stream_id: sid.clone(),
            version: 5,
            schema_version: STATE_SCHEMA_VERSION,
            state: "{not json".into(),
        },
    ] {
        store.put_snapshot(&bad).await.unwrap();
        let fresh_loader = loader(&store);
        assert_eq!(fresh_loader.load(id, None).await.unwrap(), expected);
        let rewritten = store.load(&sid, Some(5)).await.unwrap().snapshot.unwrap();
        assert_eq!(rewritten.schema_version, STATE_SCHEMA_VERSION);
        let state: Order = serde_json::from_str(&rewritten.state).unwrap();
        assert_eq!(state, full_replay(&store, id, 5).await);
    }
}

#[tokio::test]
async fn an_idempotent_retry_returns_the_first_result_and_appends_nothing() {
    let db = Db::new();
    let store = db.open().await;
    let svc = service(&store, 100);
    let id = new_id();
    svc.execute(&request(id, create("c", &["A:2:5"])), t0())
        .await
        .unwrap();
    let mut pay = request(
        id,
        OrderCommand::PayOrder {
            method: "card".into(),
            amount: "10".parse().unwrap(),
        },
    );
    pay.context.idempotency_key = Some("pay-1".into());
    let first = svc.execute(&pay, t0()).await.unwrap();
    assert!(!first.replayed);
    // A fresh service (as another process would be) must see the key too.
    let again = service(&store, 100).execute(&pay, t0()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.order, first.order);
    assert_eq!(store.stream_version(&id.to_stream_id()).await.unwrap(), 2);

    let mut other = request(id, OrderCommand::CancelOrder { reason: "x".into() });
    other.context.idempotency_key = Some("pay-1".into());
    assert!(matches!(svc.execute(&other, t0()).await, Err(AppError::KeyReused(k)) if k == "pay-1"));
    assert_eq!(store.stream_version(&id.to_stream_id()).await.unwrap(), 2);

    // After the key's lifetime it is free again.
    let later = t0() + chrono::Duration::hours(25);
    let done = svc.execute(&other, later).await.unwrap();
    assert!(!done.replayed);
    assert_eq!(done.order.version, 3);
}

#[tokio::test]
async fn a_generated_id_create_retried_with_its_key_is_the_same_command() {
    let db = Db::new();
    let store = db.open().await;
    let svc = service(&store, 100);
    let mut first = request(new_id(), create("c", &["A:1:1"]));
    first.id_generated = true;
    first.context.idempotency_key = Some("create-1".into());
    let mut retry = first.clone();
    retry.order_id = new_id();
    let a = svc.execute(&first, t0()).await.unwrap();
    let b = svc.execute(&retry, t0()).await.unwrap();
    assert!(b.replayed);
    assert_eq!(a.order.id, b.order.id);
    assert_eq!(store.head_position().await.unwrap(), 1);
}

#[tokio::test]
async fn two_tasks_at_the_same_expected_version_exactly_one_wins() {
    let db = Db::new();
    let (s1, s2) = (db.open().await, db.open().await);
    let (a, b) = (service(&s1, 100), service(&s2, 100));
    for round in 0..10 {
        let id = new_id();
        a.execute(&request(id, create("c", &["A:1:3"])), t0())
            .await
            .unwrap();
        let mut pay = request(
            id,
            OrderCommand::PayOrder {
                method: "card".into(),
                amount: "3".parse().unwrap(),
            },
        );
        pay.expected_version = Some(1);
        let mut cancel = request(
            id,
            OrderCommand::CancelOrder {
                reason: "changed mind".into(),
            },
        );
        cancel.expected_version = Some(1);
        let (ra, rb) = tokio::join!(a.execute(&pay, t0()), b.execute(&cancel, t0()));
        assert_eq!(
            usize::from(ra.is_ok()) + usize::from(rb.is_ok()),
            1,
            "round {round}: {ra:?} / {rb:?}"
        );
        let loser = if ra.is_ok() { rb } else { ra };
        assert!(
            matches!(
                loser,
                Err(AppError::Conflict {
                    expected: Some(1),
                    actual: 2,
                    ..
                })
            ),
            "{loser:?}"
        );
        assert_eq!(s1.stream_version(&id.to_stream_id()).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn without_an_expected_version_a_stale_writer_re_decides() {
    let db = Db::new();
    let (s1, s2) = (db.open().await, db.open().await);
    let (a, b) = (service(&s1, 100), service(&s2, 100));
    let id = new_id();
    a.execute(&request(id, create("c", &["A:1:3"])), t0())
        .await
        .unwrap();
    // b caches version 2; a moves the order on behind b's back.
    b.execute(&request(id, add("B:1:1")), t0()).await.unwrap();
    a.execute(&request(id, add("C:1:1")), t0()).await.unwrap();
    let r = b.execute(&request(id, add("D:1:1")), t0()).await.unwrap();
    assert_eq!(r.order.version, 4);
    assert_eq!(
        r.order.items.len(),
        4,
        "decided against the real state, not the cached one"
    );
    // A rule checked against a stale cache is confirmed against the store: the order is
    // Paid now, so b must see that rather than its cached Pending.
    a.execute(
        &request(
            id,
            OrderCommand::PayOrder {
                method: "m".into(),
                amount: "6".parse().unwrap(),
            },
        ),
        t0(),
    )
    .await
    .unwrap();
    let err = b
        .execute(&request(id, add("E:1:1")), t0())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Rejected(DomainError::InvalidStatus { .. })),
        "{err:?}"
    );
    assert_eq!(s1.stream_version(&id.to_stream_id()).await.unwrap(), 5);
}

#[tokio::test]
async fn creating_an_existing_order_is_a_rejection_not_an_overwrite() {
    let db = Db::new();
    let store = db.open().await;
    let id = new_id();
    service(&store, 100)
        .execute(&request(id, create("first", &["A:1:3"])), t0())
        .await
        .unwrap();
    let err = service(&store, 100)
        .execute(&request(id, create("second", &["B:1:3"])), t0())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Rejected(DomainError::AlreadyExists)),
        "{err:?}"
    );
    let state = read_side(&db).await.state(id, At::Latest).await.unwrap();
    assert_eq!(state.customer_id, "first");
}

#[tokio::test]
async fn metadata_carries_correlation_causation_and_command_ids() {
    let db = Db::new();
    let store = db.open().await;
    let svc = service(&store, 100);
    let id = new_id();
    let mut r = request(id, create("c", &["A:1:3"]));
    r.context.correlation_id = Some("corr-7".into());
    svc.execute(&r, t0()).await.unwrap();
    svc.execute(&request(id, add("B:1:1")), t0()).await.unwrap();
    let events = store
        .read_stream(&id.to_stream_id(), 1, 2, 10)
        .await
        .unwrap();
    let meta: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::from_str(&e.metadata).unwrap())
        .collect();
    assert_eq!(meta[0]["correlation_id"], "corr-7");
    assert_eq!(meta[0]["causation_id"], meta[0]["command_id"]);
    assert_eq!(meta[0]["actor"], "tester@test");
    assert_eq!(meta[0]["source"], "test");
    assert_ne!(
        meta[1]["correlation_id"], "corr-7",
        "generated when not given"
    );
    assert!(uuid::Uuid::parse_str(meta[1]["correlation_id"].as_str().unwrap()).is_ok());
    assert_ne!(meta[0]["event_id"], meta[1]["event_id"]);
}

#[tokio::test]
async fn a_corrupt_payload_is_an_error_naming_its_position() {
    let db = Db::new();
    let store = db.open().await;
    let id = new_id();
    let stream = ImportStream {
        stream_id: id.to_stream_id(),
        expected_version: 0,
        events: vec![NewEvent {
            event_type: "OrderCreated".into(),
            schema_version: 2,
            payload: "{\"broken\":true}".into(),
            metadata: "{}".into(),
            recorded_at: t0(),
        }],
        snapshots: vec![],
    };
    assert_eq!(store.import(vec![stream]).await.unwrap()[0], Ok(1));
    let err = read_side(&db)
        .await
        .state(id, At::Latest)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Corrupt { position: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("global position 1"));
    let err = service(&store, 100)
        .execute(&request(id, add("B:1:1")), t0())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Corrupt { .. }), "{err:?}");
    assert_eq!(store.head_position().await.unwrap(), 1);
}

#[tokio::test]
async fn v1_order_created_is_upcast_with_the_configured_currency() {
    let db = Db::new();
    let store = db.open().await;
    let id = new_id();
    let v1 = format!(
        "{{\"order_id\":\"{id}\",\"customer_id\":\"old\",\"items\":[{{\"sku\":\"A\",\"quantity\":1,\"unit_price\":\"2.50\"}}],\"created_at\":\"2020-01-01T00:00:00Z\"}}"
    );
    let stream = ImportStream {
        stream_id: id.to_stream_id(),
        expected_version: 0,
        events: vec![NewEvent {
            event_type: "OrderCreated".into(),
            schema_version: 1,
            payload: v1,
            metadata: "{}".into(),
            recorded_at: t0(),
        }],
        snapshots: vec![],
    };
    store.import(vec![stream]).await.unwrap()[0]
        .clone()
        .unwrap();
    let usd = chronicle::app::Loader::new(
        store.clone(),
        UpcastContext {
            default_currency: "USD".parse().unwrap(),
        },
    );
    let order = usd.load(id, None).await.unwrap();
    assert_eq!(order.currency.code(), "USD");
    assert_eq!(order.total().to_string(), "2.50");
    // Old events stay as stored.
    assert_eq!(
        store
            .read_stream(&id.to_stream_id(), 1, 1, 1)
            .await
            .unwrap()[0]
            .schema_version,
        1
    );
}
