//! A deterministic demo dataset, made by running real commands through `decide`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::metadata::EventMetadata;
use crate::domain::{
    Currency, LineItem, Order, OrderCommand, OrderCreatedV1, OrderEvent, OrderId, OrderShipped,
    OrderStatus, STATE_SCHEMA_VERSION, Sku, decide, evolve,
};
use crate::store::{EventStore, ImportStream, NewEvent, SnapshotRecord, StoreError};

mod faults;
pub use faults::{Faults, plant_faults};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    /// How many orders.
    pub orders: usize,
    /// Same seed, same dataset.
    pub seed: u64,
    /// Snapshot interval, as configured.
    pub snapshot_every: u64,
}

const CATALOG: &[(&str, &str)] = &[
    ("BOOK-RUST", "39.90"),
    ("BOOK-DDD", "45.00"),
    ("MUG-BLUE", "12.50"),
    ("PEN-4C", "2.99"),
    ("LAMP-DESK", "64.00"),
    ("CABLE-USB", "9.99"),
    ("CHAIR-ERG", "349.00"),
    ("NOTE-A5", "4.25"),
    ("SOCK-WOOL", "14.95"),
    ("TEA-EARL", "7.80"),
    ("HEAD-NC", "199.00"),
    ("KEY-MECH", "129.50"),
];
/// The order shipped under an earlier release's looser limit (see `older_release`).
const LEGACY_SHIPMENT_ORDER: usize = 3;
const CURRENCIES: &[&str] = &["EUR", "EUR", "EUR", "USD", "USD", "GBP", "JPY", "CHF"];

pub(super) struct Gen {
    pub(super) rng: fastrand::Rng,
    pub(super) clock: DateTime<Utc>,
    pub(super) snapshot_every: u64,
}

impl Gen {
    pub(super) fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.u128(..).to_le_bytes()).into_uuid()
    }

    fn item(&mut self) -> LineItem {
        let (sku, price) = CATALOG[self.rng.usize(..CATALOG.len())];
        LineItem {
            sku: Sku::new(sku).unwrap_or_else(|_| unreachable!("catalog SKUs are valid")),
            quantity: self.rng.u32(1..=4),
            unit_price: price.parse().unwrap_or(Decimal::ONE),
        }
    }

    pub(super) fn tick(&mut self) -> DateTime<Utc> {
        self.clock += Duration::seconds(self.rng.i64(5..3600));
        self.clock
    }
}

/// The streams today's `import` takes: all but the one order whose shipment was recorded
/// under an earlier release's looser limit (see `older_release`).
pub fn admissible(streams: Vec<ImportStream>) -> Vec<ImportStream> {
    streams
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != LEGACY_SHIPMENT_ORDER)
        .map(|(_, s)| s)
        .collect()
}

/// Builds the dataset: every lifecycle path, several currencies, long item histories,
/// and a few `OrderCreated` events stored in their v1 shape.
pub fn generate(spec: DemoSpec) -> Vec<ImportStream> {
    streams(spec).collect()
}

/// The same streams as [`generate`], one order at a time, so a large demo need not be held
/// in memory whole.
pub fn streams(spec: DemoSpec) -> impl Iterator<Item = ImportStream> {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(spec.seed),
        clock: Utc
            .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
            .single()
            .unwrap_or_default(),
        snapshot_every: spec.snapshot_every.max(1),
    };
    let mut previous = String::new();
    (0..spec.orders).map(move |i| {
        // Every tenth order comes from the same checkout request as the one before it:
        // one correlation id across two orders, for the debugger's `c` to find.
        let shared = (i % 10 == 1).then_some(previous.as_str());
        let (stream, correlation) = generate_order(&mut g, i, shared);
        previous = correlation;
        stream
    })
}

/// Orders imported per statement batch when seeding: bounds the memory a seed holds.
pub const SEED_CHUNK: usize = 5_000;

/// Seeds the demo's streams into `store` in one import session, a chunk of orders at a
/// time: memory stays bounded by a chunk at any size, and nothing is visible until all of
/// it is (a failure leaves the database as it was). Returns the events written.
pub async fn seed(store: &dyn EventStore, spec: DemoSpec) -> Result<usize, StoreError> {
    let mut session = store.begin_import().await?;
    let mut all = streams(spec);
    let mut events = 0;
    loop {
        let chunk: Vec<ImportStream> = all.by_ref().take(SEED_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        events += chunk.iter().map(|s| s.events.len()).sum::<usize>();
        for r in crate::store::import_into(session.as_mut(), chunk).await? {
            r?;
        }
    }
    session.commit().await?;
    Ok(events)
}

fn generate_order(g: &mut Gen, i: usize, shared: Option<&str>) -> (ImportStream, String) {
    let id = OrderId(g.uuid());
    let own = g.uuid().to_string();
    let correlation = shared.map_or(own, ToString::to_string);
    let legacy_v1 = i % 97 == 5;
    let currency: Currency = if legacy_v1 {
        Currency::EUR
    } else {
        CURRENCIES[g.rng.usize(..CURRENCIES.len())]
            .parse()
            .unwrap_or(Currency::EUR)
    };
    let mut items: Vec<LineItem> = Vec::new();
    for _ in 0..g.rng.usize(1..=3) {
        let it = g.item();
        if !items.iter().any(|x| x.sku == it.sku) {
            items.push(it);
        }
    }
    let mut cmds = vec![OrderCommand::CreateOrder {
        customer_id: format!("cust-{:04}", g.rng.u32(1..400)),
        items,
        currency,
    }];
    // Long histories: an operator's worst case when stepping through time.
    let edits = if i % 250 == 17 {
        500 + g.rng.usize(..200)
    } else {
        g.rng.usize(..4)
    };
    for _ in 0..edits {
        cmds.push(OrderCommand::AddItem { item: g.item() });
    }
    let path = g.rng.u8(..10);
    let mut order = Order::empty(id);
    let mut events = Vec::new();
    let mut snapshots = Vec::new();
    let legacy_shipment = i == LEGACY_SHIPMENT_ORDER;
    let mut apply = |g: &mut Gen, order: &mut Order, cmd: &OrderCommand| {
        let now = g.tick();
        let decided = decide(order, cmd, now).ok().or_else(|| {
            legacy_shipment
                .then(|| older_release(order, cmd, now))
                .flatten()
        });
        if let Some(evs) = decided {
            for e in evs {
                *order = evolve(order.clone(), &e);
                events.push(stored(g, &e, &correlation, now, legacy_v1));
                if order.version.is_multiple_of(g.snapshot_every) {
                    snapshots.push(SnapshotRecord {
                        stream_id: id.to_stream_id(),
                        version: order.version,
                        schema_version: STATE_SCHEMA_VERSION,
                        state: serde_json::to_string(&*order).unwrap_or_default(),
                    });
                }
            }
        }
    };
    for cmd in &cmds {
        apply(g, &mut order, cmd);
        // Some added SKUs are removed again, so histories go back and forth.
        if order.items.len() > 2 && g.rng.u8(..3) == 0 {
            let sku = order.items[g.rng.usize(..order.items.len())].sku.clone();
            apply(g, &mut order, &OrderCommand::RemoveItem { sku });
        }
    }
    let pay = OrderCommand::PayOrder {
        method: ["card", "paypal", "invoice"][g.rng.usize(..3)].to_string(),
        amount: order.total(),
    };
    let ship = OrderCommand::ShipOrder {
        tracking_number: if legacy_shipment {
            format!("INTL-{}", "0123456789".repeat(8))
        } else {
            format!("TRK{:010}", g.rng.u64(..10_000_000_000))
        },
    };
    let cancel = OrderCommand::CancelOrder {
        reason: ["customer request", "out of stock", "payment review"][g.rng.usize(..3)]
            .to_string(),
    };
    let path = if legacy_shipment { 5 } else { path };
    let tail: Vec<&OrderCommand> = match path {
        0 | 1 => vec![],
        2 => vec![&pay],
        3 | 4 => vec![&pay, &ship],
        5..=7 => vec![&pay, &ship, &OrderCommand::DeliverOrder],
        8 => vec![&cancel],
        _ => vec![&pay, &cancel],
    };
    for cmd in tail {
        apply(g, &mut order, cmd);
    }
    let stream = ImportStream {
        stream_id: id.to_stream_id(),
        expected_version: 0,
        events,
        snapshots,
    };
    (stream, correlation)
}

/// What an earlier release decided for a shipment: it allowed tracking numbers of up to 200
/// characters, where the read model's column (and today's rule) holds 64. The log keeps
/// what was decided then; the projector cannot hold it, dead-letters it and parks the order,
/// and the debugger shows the event where projection and replay part. Today's `import`
/// refuses such an event, naming its line.
fn older_release(order: &Order, cmd: &OrderCommand, now: DateTime<Utc>) -> Option<Vec<OrderEvent>> {
    let OrderCommand::ShipOrder { tracking_number } = cmd else {
        return None;
    };
    let fits = tracking_number.chars().count() <= crate::domain::MAX_TEXT_LEN;
    (order.status == Some(OrderStatus::Paid) && fits).then(|| {
        vec![OrderEvent::Shipped(OrderShipped {
            tracking_number: tracking_number.clone(),
            at: now,
        })]
    })
}

pub(super) fn stored(
    g: &mut Gen,
    e: &OrderEvent,
    correlation: &str,
    now: DateTime<Utc>,
    legacy_v1: bool,
) -> NewEvent {
    let command_id = g.uuid();
    let meta = EventMetadata {
        event_id: g.uuid(),
        correlation_id: correlation.to_string(),
        causation_id: command_id.to_string(),
        command_id,
        idempotency_key: None,
        actor: "demo".into(),
        source: "demo".into(),
        trace_id: None,
        span_id: None,
        recorded_at: now,
    };
    let (schema_version, payload) = match e {
        OrderEvent::Created(c) if legacy_v1 => (
            1,
            serde_json::to_string(&OrderCreatedV1 {
                order_id: c.order_id,
                customer_id: c.customer_id.clone(),
                items: c.items.clone(),
                created_at: c.created_at,
            })
            .unwrap_or_default(),
        ),
        _ => (e.schema_version(), e.payload_json()),
    };
    NewEvent {
        event_type: e.event_type().to_string(),
        schema_version,
        payload,
        metadata: serde_json::to_string(&meta).unwrap_or_default(),
        recorded_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{UpcastContext, admit};

    /// Every event of every admissible stream is one today's rules make; the one left out
    /// is the earlier release's shipment, which they refuse.
    #[test]
    fn admissible_streams_pass_the_rules_and_only_the_legacy_shipment_is_left_out() {
        let spec = DemoSpec {
            orders: 40,
            seed: 42,
            snapshot_every: 100,
        };
        let refused = |s: &ImportStream| {
            let id: OrderId = s.stream_id.parse().unwrap();
            let mut order = Order::empty(id);
            for e in &s.events {
                let event = OrderEvent::decode(
                    &e.event_type,
                    e.schema_version,
                    &e.payload,
                    &UpcastContext::default(),
                )
                .unwrap();
                if admit(&order, &event).is_err() {
                    return true;
                }
                order = evolve(order, &event);
            }
            false
        };
        let all = generate(spec);
        let kept = admissible(all.clone());
        assert_eq!(kept.len(), all.len() - 1);
        assert!(kept.iter().all(|s| !refused(s)));
        assert!(refused(&all[LEGACY_SHIPMENT_ORDER]));
    }
}
