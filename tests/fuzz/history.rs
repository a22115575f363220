//! Import files as `export` writes them, from histories `decide` makes: each stream's
//! commands decided in turn (refused ones make no events), cut where the target's part ends,
//! interleaved with the other streams' lines.

use std::collections::{HashMap, HashSet};

use chronicle::app::transfer::event_line;
use chronicle::domain::{
    Currency, LineItem, Order, OrderCommand, OrderCreatedV1, OrderEvent, OrderId, Sku, decide,
    evolve,
};
use chronicle::store::StoredEvent;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

use super::strings::visible_word;
use super::values::{currency, order_id};

#[derive(Debug, Clone)]
pub enum Cmd {
    Add(LineItem),
    Remove(Sku),
    PayTotal(String),
    Pay(String, Decimal),
    Ship(String),
    Deliver,
    Cancel(String),
}

/// A stream: its history as commands, how much of it the target already holds (`cut`), what
/// the target says it holds, and whether its `OrderCreated` is written as schema v1.
#[derive(Debug, Clone)]
pub struct Stream {
    pub id: OrderId,
    pub customer: String,
    pub items: Vec<LineItem>,
    pub currency: Currency,
    pub at: DateTime<Utc>,
    pub cmds: Vec<Cmd>,
    pub cut: usize,
    pub target: Option<u64>,
    pub v1: bool,
}

fn item() -> BoxedStrategy<LineItem> {
    let sku = prop_oneof![
        select(vec!["A", "B", "MUG-1"]).prop_map(String::from),
        visible_word(12, false)
    ];
    (
        sku,
        1..=chronicle::domain::MAX_QUANTITY,
        0..=100_000_000_000i64,
        0..=4u32,
    )
        .prop_map(|(s, quantity, m, scale)| LineItem {
            sku: Sku::new(&s.chars().take(64).collect::<String>()).expect("a SKU"),
            quantity,
            unit_price: Decimal::new(m, scale),
        })
        .boxed()
}

pub fn stream() -> BoxedStrategy<Stream> {
    let words = proptest::collection::vec(visible_word(12, true), 1..4).prop_map(|w| w.join(" "));
    let cmd = prop_oneof![
        3 => item().prop_map(Cmd::Add),
        1 => item().prop_map(|i| Cmd::Remove(i.sku)),
        3 => visible_word(12, true).prop_map(Cmd::PayTotal),
        1 => (visible_word(12, true), 0..100i64).prop_map(|(m, a)| Cmd::Pay(m, Decimal::from(a))),
        2 => visible_word(20, true).prop_map(Cmd::Ship),
        2 => Just(Cmd::Deliver),
        1 => words.clone().prop_map(Cmd::Cancel),
    ];
    // Far enough from year 9999 that a few thousand seconds more still format as RFC 3339.
    let at = (-62_000_000_000i64..253_000_000_000, 0..1_000_000_000u32)
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).expect("in range"));
    let head = (
        order_id(),
        words,
        proptest::collection::vec(item(), 1..3),
        currency(),
        at,
    );
    let tail = (
        proptest::collection::vec(cmd, 0..7),
        prop_oneof![3 => Just(0usize), 1 => 1..6usize],
    );
    // `Some(u64::MAX)` stands for "exactly the cut": a continuation the target agrees with.
    let target =
        prop_oneof![3 => Just(Some(u64::MAX)), 2 => Just(None), 1 => (0..8u64).prop_map(Some)];
    (head, tail, target, any::<bool>())
        .prop_map(
            |((id, customer, mut items, currency, at), (cmds, cut), target, v1)| {
                let mut skus = HashSet::new();
                items.retain(|i| skus.insert(i.sku.clone()));
                Stream {
                    id,
                    customer,
                    items,
                    currency,
                    at,
                    cmds,
                    cut,
                    target,
                    v1,
                }
            },
        )
        .boxed()
}

/// The stream's events as `decide` makes them (commands it refuses make none), a second
/// apart; and the history cut where the target's part ends.
fn history(s: &Stream) -> (Vec<OrderEvent>, usize) {
    let create = OrderCommand::CreateOrder {
        customer_id: s.customer.clone(),
        items: s.items.clone(),
        currency: s.currency,
    };
    let mut order = Order::empty(s.id);
    let mut events = Vec::new();
    let mut at = s.at;
    for cmd in std::iter::once(None).chain(s.cmds.iter().map(Some)) {
        let command = match cmd {
            None => create.clone(),
            Some(Cmd::Add(item)) => OrderCommand::AddItem { item: item.clone() },
            Some(Cmd::Remove(sku)) => OrderCommand::RemoveItem { sku: sku.clone() },
            Some(Cmd::PayTotal(m)) => OrderCommand::PayOrder {
                method: m.clone(),
                amount: order.total(),
            },
            Some(Cmd::Pay(m, a)) => OrderCommand::PayOrder {
                method: m.clone(),
                amount: *a,
            },
            Some(Cmd::Ship(t)) => OrderCommand::ShipOrder {
                tracking_number: t.clone(),
            },
            Some(Cmd::Deliver) => OrderCommand::DeliverOrder,
            Some(Cmd::Cancel(r)) => OrderCommand::CancelOrder { reason: r.clone() },
        };
        at = at.checked_add_signed(Duration::seconds(1)).unwrap_or(at);
        for e in decide(&order, &command, at).unwrap_or_default() {
            order = evolve(order, &e);
            events.push(e);
        }
    }
    let cut = s.cut.min(events.len().saturating_sub(1));
    (events, cut)
}

fn stored(s: &Stream, e: &OrderEvent, version: u64, k: usize) -> StoredEvent {
    let (schema_version, payload) = match e {
        OrderEvent::Created(c) if s.v1 => {
            let v1 = OrderCreatedV1 {
                order_id: c.order_id,
                customer_id: c.customer_id.clone(),
                items: c.items.clone(),
                created_at: c.created_at,
            };
            (1, serde_json::to_string(&v1).expect("serialises"))
        }
        _ => (e.schema_version(), e.payload_json()),
    };
    let spelled = match k % 5 {
        0 => s.id.to_stream_id(),
        1 => s.id.to_stream_id().to_uppercase(),
        2 => s.id.0.simple().to_string(),
        3 => s.id.0.braced().to_string(),
        _ => s.id.0.urn().to_string(),
    };
    StoredEvent {
        global_position: k as i64 + 1,
        stream_id: spelled,
        version,
        event_type: e.event_type().to_string(),
        schema_version,
        payload,
        metadata: serde_json::json!({"correlation_id": format!("c-{k}"), "n": k}).to_string(),
        recorded_at: e.occurred_at(),
        fault: None,
    }
}

/// What the target holds, per stream: the history up to the cut.
pub struct Setup {
    pub lines: Vec<(usize, StoredEvent)>,
    pub targets: HashMap<String, u64>,
    pub held: HashMap<String, Vec<StoredEvent>>,
    /// Per stream, where the file's part begins; `None` when `decide` made no events.
    pub cuts: Vec<Option<usize>>,
}

/// The file's lines interleaved by `picks` (each with its stream's index) and the target.
pub fn setup(streams: &[Stream], picks: &[usize]) -> Setup {
    let (mut targets, mut held, mut cuts, mut rest) =
        (HashMap::new(), HashMap::new(), vec![], vec![]);
    for (i, s) in streams.iter().enumerate() {
        let (events, cut) = history(s);
        let id = s.id.to_stream_id();
        let prefix = events[..cut]
            .iter()
            .enumerate()
            .map(|(v, e)| stored(s, e, v as u64 + 1, v))
            .collect();
        held.insert(id.clone(), prefix);
        if let Some(t) = s.target {
            targets.insert(id, if t == u64::MAX { cut as u64 } else { t });
        }
        cuts.push((!events.is_empty()).then_some(cut));
        rest.push((
            i,
            events.into_iter().enumerate().skip(cut).collect::<Vec<_>>(),
        ));
    }
    let mut lines = Vec::new();
    let mut line = 0;
    rest.retain(|(_, left)| !left.is_empty());
    while !rest.is_empty() {
        let at = picks.get(line).copied().unwrap_or(line) % rest.len();
        let (stream, left) = &mut rest[at];
        let (index, event) = left.remove(0);
        let version = index as u64 + 1;
        lines.push((*stream, stored(&streams[*stream], &event, version, line)));
        if left.is_empty() {
            rest.remove(at);
        }
        line += 1;
    }
    Setup {
        lines,
        targets,
        held,
        cuts,
    }
}

/// The file: lines with `\n` or `\r\n`, blank lines between some, the last one maybe bare.
pub fn file(lines: &[(usize, StoredEvent)], endings: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    for (i, (_, e)) in lines.iter().enumerate() {
        out.push_str(&event_line(e).expect("a stored event has a line"));
        let how = usize::from(endings.get(i).copied().unwrap_or(0) % 4);
        if i + 1 < lines.len() || how != 3 {
            out.push_str(["\n", "\r\n", "\n \t\n", "\n"][how]);
        }
    }
    out.into_bytes()
}
