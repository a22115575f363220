//! The databases the debugger benchmarks open: one long order, and demo-shaped logs.

use std::path::Path;

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::demo::{DemoSpec, generate};
use chronicle::app::metadata::EventMetadata;
use chronicle::domain::{
    Currency, LineItem, Order, OrderCommand, OrderId, STATE_SCHEMA_VERSION, Sku, decide, evolve,
};
use chronicle::store::{self, Access, ImportStream, NewEvent, SnapshotRecord, Store};
use chrono::{TimeZone, Utc};
use uuid::Uuid;

/// Snapshot interval, the configured default (and the demo generator's).
const SNAPSHOT_EVERY: u64 = 100;

pub fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

pub async fn open(path: &Path, access: Access) -> Store {
    store::open(&url(path), access).await.unwrap()
}

fn item(sku: &str, price: &str) -> LineItem {
    LineItem {
        sku: Sku::new(sku).unwrap(),
        quantity: 1,
        unit_price: price.parse().unwrap(),
    }
}

/// One order of `events` events: `OrderCreated`, then `ItemAdded` / `ItemRemoved` of the
/// same SKU in turn. Every event comes out of `decide` (so the domain accepts the shape)
/// and is folded with `evolve`; a snapshot every 100 versions, as the service writes them.
pub fn long_stream(events: u64) -> ImportStream {
    let id = OrderId(Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0001));
    let stream_id = id.to_stream_id();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    let create = OrderCommand::CreateOrder {
        customer_id: "cust-long".into(),
        items: vec![item("BOOK-RUST", "39.90")],
        currency: Currency::EUR,
    };
    let add = OrderCommand::AddItem {
        item: item("MUG-BLUE", "12.50"),
    };
    let remove = OrderCommand::RemoveItem {
        sku: Sku::new("MUG-BLUE").unwrap(),
    };
    let correlation = Uuid::from_u128(7).to_string();
    let mut order = Order::empty(id);
    let (mut out, mut snapshots) = (Vec::new(), Vec::new());
    for i in 0..events {
        let now = t0 + chrono::Duration::seconds(i as i64);
        let cmd = match i {
            0 => &create,
            i if i % 2 == 1 => &add,
            _ => &remove,
        };
        let command_id = Uuid::from_u128(u128::from(i) << 1);
        for e in decide(&order, cmd, now).expect("the domain accepts every step") {
            order = evolve(order, &e);
            let meta = EventMetadata {
                event_id: Uuid::from_u128((u128::from(i) << 1) | 1),
                correlation_id: correlation.clone(),
                causation_id: command_id.to_string(),
                command_id,
                idempotency_key: None,
                actor: "bench".into(),
                source: "bench".into(),
                trace_id: None,
                span_id: None,
                recorded_at: now,
            };
            out.push(NewEvent {
                event_type: e.event_type().to_string(),
                schema_version: e.schema_version(),
                payload: e.payload_json(),
                metadata: serde_json::to_string(&meta).unwrap(),
                recorded_at: now,
            });
            if order.version.is_multiple_of(SNAPSHOT_EVERY) {
                snapshots.push(SnapshotRecord {
                    stream_id: stream_id.clone(),
                    version: order.version,
                    schema_version: STATE_SCHEMA_VERSION,
                    state: serde_json::to_string(&order).unwrap(),
                });
            }
        }
    }
    assert_eq!(order.version, events);
    ImportStream {
        stream_id,
        expected_version: 0,
        events: out,
        snapshots,
    }
}

/// A database holding only the long order; returns its id.
pub async fn seed_long(path: &Path, events: u64) -> String {
    let db = open(path, Access::CreateIfMissing).await;
    let stream = long_stream(events);
    let id = stream.stream_id.clone();
    for r in db.events().import(vec![stream]).await.unwrap() {
        assert_eq!(r.unwrap(), events);
    }
    db.close().await;
    id
}

/// What a demo-shaped database holds.
pub struct Seeded {
    pub events: usize,
    pub orders: usize,
    /// The order with the longest history (hundreds of events), to step through.
    pub long_order: String,
}

/// A demo-shaped log of about `events` events, written in slices of orders as
/// `benches/projector.rs` does, then projected (the read model the badges compare with;
/// the too-wide shipment of each slice is dead-lettered and its order parked, as in the demo).
pub async fn seed_demo(path: &Path, events: usize) -> Seeded {
    let db = open(path, Access::CreateIfMissing).await;
    let (mut written, mut orders, mut slice) = (0, 0, 0u64);
    let mut long = (0, String::new());
    while written < events {
        let want = ((events - written) / 7).clamp(1, 10_000);
        let streams = generate(DemoSpec {
            orders: want,
            seed: 1000 + slice,
            snapshot_every: SNAPSHOT_EVERY,
        });
        for s in &streams {
            if s.events.len() > long.0 {
                long = (s.events.len(), s.stream_id.clone());
            }
        }
        written += streams.iter().map(|s| s.events.len()).sum::<usize>();
        orders += streams.len();
        for r in db.events().import(streams).await.unwrap() {
            r.unwrap();
        }
        slice += 1;
    }
    // Seeding only, untimed: the poison events are dead-lettered at once instead of after
    // their retries; the read model ends the same.
    let config = Config {
        projector_max_retries: 0,
        projector_base_backoff_ms: 1,
        ..Config::default()
    };
    let services = Services::new(db.clone(), &config);
    services.projector.catch_up(|_| {}).await.unwrap();
    db.close().await;
    Seeded {
        events: written,
        orders,
        long_order: long.1,
    }
}
