//! The checks of a log after commands were killed: every acknowledged command's event at
//! the version its answer named, once; every stream contiguous from its `OrderCreated`;
//! nothing no command was acknowledged for; snapshots that agree with the events.

use std::collections::{BTreeMap, HashMap, HashSet};

use chronicle::app::Loader;
use chronicle::domain::{Order, OrderEvent, OrderId, UpcastContext, evolve};
use chronicle::store::{self, Access};

use crate::shared::{Target, block_on, str_of};

/// An acknowledged command: its key, the order and version its answer named, and the
/// event it appends.
pub struct Ack {
    pub key: String,
    pub order: String,
    pub version: u64,
    pub event: &'static str,
}

/// Checks the whole log against the acknowledgements: (lost, partial). Lost: an
/// acknowledged command whose event is not at its version. Partial: a stream with a gap or
/// not starting at `OrderCreated`, a command applied twice, or an event no command was
/// acknowledged for (half of something).
pub fn verify_log(t: &Target, acks: &[Ack]) -> (usize, usize) {
    let log = t.export();
    let mut streams: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    let mut at: HashMap<(String, u64), (String, String)> = HashMap::new();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for e in &log {
        let (stream, version) = (str_of(e, "stream_id"), e["version"].as_u64().unwrap());
        let key = e["metadata"]["idempotency_key"]
            .as_str()
            .unwrap_or_default();
        *per_key.entry(key.to_string()).or_default() += 1;
        let kind = str_of(e, "event_type");
        streams
            .entry(stream.clone())
            .or_default()
            .push((version, kind.clone()));
        at.insert((stream, version), (key.to_string(), kind));
    }
    let lost = acks
        .iter()
        .filter(|a| {
            let found = at.get(&(a.order.clone(), a.version));
            found != Some(&(a.key.clone(), a.event.to_string()))
        })
        .inspect(|a| eprintln!("lost: {} at v{} ({})", a.order, a.version, a.key))
        .count();
    let mut partial = 0;
    for (stream, mut events) in streams {
        events.sort();
        let contiguous = events
            .iter()
            .enumerate()
            .all(|(i, (v, _))| *v == i as u64 + 1);
        if !contiguous || events[0].1 != "OrderCreated" {
            eprintln!("partial: stream {stream} is {events:?}");
            partial += 1;
        }
    }
    let acked: HashSet<&str> = acks.iter().map(|a| a.key.as_str()).collect();
    for (key, n) in &per_key {
        if *n != 1 || !acked.contains(key.as_str()) {
            eprintln!(
                "partial: key {key:?} has {n} events, acknowledged: {}",
                acked.contains(key.as_str())
            );
            partial += 1;
        }
    }
    (lost, partial)
}

/// Orders whose state loaded through the snapshots differs from a replay of every event.
pub fn snapshots_disagreeing(url: &str) -> usize {
    block_on(async {
        let store = store::open(url, Access::ReadWrite).await.expect("open");
        let (events, upcast) = (store.events(), UpcastContext::default());
        let loader = Loader::new(events.clone(), upcast);
        let mut disagreeing = 0;
        let mut after = 0;
        let mut ids = Vec::new();
        loop {
            let page = events.read_all(after, 2000).await.expect("read the log");
            let Some(last) = page.last() else { break };
            after = last.global_position;
            ids.extend(
                page.iter()
                    .filter(|e| e.version == 1)
                    .map(|e| e.stream_id.clone()),
            );
        }
        for stream in ids {
            let id: OrderId = stream.parse().expect("an order id");
            let stored = events
                .read_stream(&stream, 1, u64::MAX, 10_000)
                .await
                .unwrap();
            let replayed = stored.iter().fold(Order::empty(id), |order, e| {
                let event =
                    OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &upcast);
                evolve(order, &event.expect("decodes"))
            });
            if loader.load(id, None).await.expect("load") != replayed {
                eprintln!("partial: order {id}'s snapshot disagrees with its events");
                disagreeing += 1;
            }
        }
        store.close().await;
        disagreeing
    })
}
