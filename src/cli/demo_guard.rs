//! What `demo` checks before it writes anything: `--fresh` replaces only a database the demo
//! made (or nothing), unless `--force`; the seed plants every fault it promises.

use crate::app::demo::{DemoSpec, streams};
use crate::domain::limits::MAX_TRACKING_LEN;
use crate::store::{self, Access, ImportStream, StoreError};

use super::ctx::Failure;

/// Events read per statement while checking who made a database's events.
const BATCH: u32 = 5_000;

/// Refuses to destroy `url` unless it is missing or holds only the demo's own events (the
/// `source` in their metadata); a file that is no database is refused too.
pub(super) async fn only_demo_data(url: &str, shown: &str) -> Result<(), Failure> {
    let db = match store::open(url, Access::ReadOnly).await {
        Ok(db) => db,
        Err(StoreError::Missing(_)) => return Ok(()),
        Err(e) => {
            return Err(Failure::usage(format!(
                "demo --fresh would replace {shown}, which does not open as a Chronicle \
                 database ({}); --force replaces it anyway",
                crate::text::printable(&e.to_string())
            )));
        }
    };
    let events = db.events();
    let mut after = 0;
    let found = loop {
        let batch = events.read_all(after, BATCH).await?;
        let Some(last) = batch.last() else { break None };
        after = last.global_position;
        if let Some(e) = batch.iter().find(|e| !made_by_demo(&e.metadata)) {
            break Some(e.global_position);
        }
    };
    db.close().await;
    match found {
        None => Ok(()),
        Some(position) => Err(Failure::usage(format!(
            "demo --fresh would replace {shown}, which holds events the demo did not make \
             (the first at #{position}); --force replaces it anyway"
        ))),
    }
}

/// Whether `url` opens and holds events (what `demo` then shows as it is).
pub(super) async fn holds_events(url: &str) -> bool {
    let Ok(db) = store::open(url, Access::ReadOnly).await else {
        return false;
    };
    let held = db.events().count_after(0).await.is_ok_and(|n| n > 0);
    db.close().await;
    held
}

fn made_by_demo(metadata: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(metadata)
        .ok()
        .and_then(|m| {
            m.get("source")
                .and_then(|s| s.as_str().map(|s| s == "demo"))
        })
        .unwrap_or(false)
}

/// Refuses, before anything is written, a demo whose streams cannot carry every planted
/// fault: a paid order (its row is edited), a pending one (it moves on unseen) and the
/// earlier release's too-wide shipment (its order is parked). The streams are generated one
/// at a time and not kept, and the scan stops once all three are seen.
pub(super) fn seedable(orders: usize, seed: u64, snapshot_every: u64) -> Result<(), Failure> {
    let last = |s: &ImportStream| {
        s.events
            .last()
            .map(|e| e.event_type.clone())
            .unwrap_or_default()
    };
    // The earlier release's shipment the read model cannot hold: the projector parks its order.
    let too_wide = |payload: &str| {
        serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|p| {
                p.get("tracking_number")
                    .and_then(|t| t.as_str().map(str::len))
            })
            .is_some_and(|n| n > MAX_TRACKING_LEN)
    };
    let (mut paid, mut pending, mut parked) = (false, false, false);
    for s in streams(DemoSpec {
        orders,
        seed,
        snapshot_every,
    }) {
        let last = last(&s);
        paid |= last == "OrderPaid";
        pending |= matches!(last.as_str(), "OrderCreated" | "ItemAdded" | "ItemRemoved");
        // Payloads are parsed only until the parked order is found.
        parked = parked
            || s.events
                .iter()
                .any(|e| e.event_type == "OrderShipped" && too_wide(&e.payload));
        if paid && pending && parked {
            return Ok(());
        }
    }
    Err(Failure::usage(format!(
        "{orders} orders with seed {seed} cannot carry the demo's planted faults (a paid, a \
         pending and a parked order); use --orders 20 or more"
    )))
}
