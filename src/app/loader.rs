//! Loading an order's state at any version: nearest snapshot at or below it, plus the tail.

use std::sync::Arc;

use super::error::AppError;
use crate::domain::{
    DecodeError, Order, OrderEvent, OrderId, STATE_SCHEMA_VERSION, UpcastContext, evolve,
};
use crate::store::{EventStore, SnapshotRecord, StoredEvent};

/// Reads states and decodes stored events (upcasting old shapes).
#[derive(Clone)]
pub struct Loader {
    store: Arc<dyn EventStore>,
    upcast: UpcastContext,
}

impl Loader {
    /// A loader over `store`.
    pub fn new(store: Arc<dyn EventStore>, upcast: UpcastContext) -> Self {
        Loader { store, upcast }
    }

    /// The store it reads.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The upcasting context.
    pub fn upcast(&self) -> &UpcastContext {
        &self.upcast
    }

    /// Decodes one stored event; a payload that no longer decodes names its position.
    pub fn decode(&self, e: &StoredEvent) -> Result<OrderEvent, AppError> {
        decode_stored(e, self.upcast).map_err(|reason| AppError::Corrupt {
            position: e.global_position,
            reason,
        })
    }

    /// Folds stored events onto a state.
    pub fn fold(&self, mut order: Order, events: &[StoredEvent]) -> Result<Order, AppError> {
        for e in events {
            order = evolve(order, &self.decode(e)?);
        }
        Ok(order)
    }

    /// Every state from the nearest snapshot at or below `up_to` through `up_to`, oldest
    /// first: the same reads as `load`, keeping the states on the way (a debugger stepping
    /// back finds them cached). Empty when the order has no events.
    pub async fn load_trail(&self, id: OrderId, up_to: u64) -> Result<Vec<Order>, AppError> {
        let stream_id = id.to_stream_id();
        let loaded = self.store.load(&stream_id, Some(up_to)).await?;
        let mut order = self.base(id, loaded.snapshot.as_ref()).await?;
        let mut trail = Vec::with_capacity(loaded.events.len() + 1);
        if order.version > 0 {
            trail.push(order.clone());
        }
        for e in &loaded.events {
            order = evolve(order, &self.decode(e)?);
            trail.push(order.clone());
        }
        Ok(trail)
    }

    /// The state at `up_to` (the latest when `None`); version 0 means no such order.
    pub async fn load(&self, id: OrderId, up_to: Option<u64>) -> Result<Order, AppError> {
        let stream_id = id.to_stream_id();
        let loaded = self.store.load(&stream_id, up_to).await?;
        let base = self.base(id, loaded.snapshot.as_ref()).await?;
        self.fold(base, &loaded.events)
    }

    /// The state a load starts from: the snapshot's, rebuilt when it is stale.
    async fn base(
        &self,
        id: OrderId,
        snapshot: Option<&SnapshotRecord>,
    ) -> Result<Order, AppError> {
        match snapshot {
            Some(s) => match usable(s, id) {
                Some(order) => Ok(order),
                None => self.rebuild_snapshot(id, s).await,
            },
            None => Ok(Order::empty(id)),
        }
    }

    /// A snapshot of an older state shape, or one that no longer decodes, is ignored: the
    /// state is replayed from the events and the snapshot rewritten in the current shape.
    async fn rebuild_snapshot(
        &self,
        id: OrderId,
        stale: &SnapshotRecord,
    ) -> Result<Order, AppError> {
        let events = self
            .store
            .read_stream(&stale.stream_id, 1, stale.version, u32::MAX)
            .await?;
        let order = self.fold(Order::empty(id), &events)?;
        if let Ok(state) = serde_json::to_string(&order) {
            // Best effort: a read-only database still answers, it just stays slow.
            let _ = self
                .store
                .put_snapshot(&SnapshotRecord {
                    stream_id: stale.stream_id.clone(),
                    version: order.version,
                    schema_version: STATE_SCHEMA_VERSION,
                    state,
                })
                .await;
        }
        Ok(order)
    }
}

fn usable(s: &SnapshotRecord, id: OrderId) -> Option<Order> {
    if s.schema_version != STATE_SCHEMA_VERSION {
        return None;
    }
    let order: Order = serde_json::from_str(&s.state).ok()?;
    (order.id == id && order.version == s.version).then_some(order)
}

/// The one decode of a stored event: a row its store could not read is refused first.
pub fn decode_stored(e: &StoredEvent, upcast: UpcastContext) -> Result<OrderEvent, DecodeError> {
    if let Some(fault) = &e.fault {
        return Err(DecodeError::Unreadable(fault.clone()));
    }
    OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &upcast)
}
