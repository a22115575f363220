//! A fork of an order's history, never stored: at version N, skip the event there or
//! apply a hypothetical command after it, then replay the real events that followed on the
//! changed state. Each step carries the fork's state and what the read-model projection
//! would make of the fork's events, so the alternative timeline can be stepped through
//! beside the real one.

use chrono::{DateTime, Utc};

use super::{ReadSide, parse_id};
use crate::app::divergence::{FieldDiff, diff};
use crate::app::error::AppError;
use crate::app::projection::project;
use crate::domain::{Order, OrderCommand, OrderEvent, OrderSummary, decide, evolve};
use crate::store::{StoredEvent, SummaryRow};

/// Real events replayed after the fork point at most: a fork is for looking, not bulk.
pub const FORK_TAIL: u32 = 500;

/// What the fork changes at its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForkChange {
    /// Leave out the event at the fork's version.
    Skip,
    /// Apply this command after the fork's version.
    Apply(OrderCommand),
}

/// Where a step of the fork came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A stored event, replayed on the fork's state.
    Real,
    /// An event the hypothetical command would append.
    Hypothetical,
}

/// One step of the fork's timeline.
#[derive(Debug, Clone)]
pub struct ForkStep {
    /// Its version in the fork.
    pub version: u64,
    /// The real version it replays (`None` for a hypothetical event).
    pub real_version: Option<u64>,
    /// Where it came from.
    pub origin: Origin,
    /// The event.
    pub event: OrderEvent,
    /// The fork's state after it.
    pub state: Order,
    /// The projection's row after it, or why the projection would refuse it.
    pub row: Result<SummaryRow, String>,
}

/// The whole fork.
#[derive(Debug, Clone)]
pub struct Fork {
    /// The order.
    pub order_id: String,
    /// The version it forks at.
    pub at: u64,
    /// What it changes there.
    pub change: ForkChange,
    /// The state the first step starts from (the real state at `at`, or before it when the
    /// event there is skipped).
    pub base: Order,
    /// The steps, in fork order.
    pub steps: Vec<ForkStep>,
    /// Real events left out past [`FORK_TAIL`].
    pub cut: bool,
    /// When the hypothetical command was refused: why (the fork then only replays).
    pub refused: Option<String>,
}

impl Fork {
    /// The fields where the projection of the fork's events and the fork's own replay
    /// differ after step `i` (the fork's read model against its truth).
    pub fn divergence(&self, i: usize) -> Result<Vec<FieldDiff>, String> {
        let step = &self.steps[i];
        let row = step.row.as_ref().map_err(Clone::clone)?;
        Ok(OrderSummary::from_order(&step.state)
            .map(|s| diff(row, &s))
            .unwrap_or_default())
    }
}

impl ReadSide {
    /// Forks `order` at version `at` with `change`, as of `now` for a hypothetical command.
    pub async fn fork(
        &self,
        order: &str,
        at: u64,
        change: ForkChange,
        now: DateTime<Utc>,
    ) -> Result<Fork, AppError> {
        let id = parse_id(order)?;
        let store = self.loader.store();
        let head = store.stream_version(order).await?;
        if at == 0 || at > head {
            return Err(AppError::BadInput(format!(
                "order {order} has no version {at} to fork at"
            )));
        }
        let base_version = if change == ForkChange::Skip {
            at - 1
        } else {
            at
        };
        let base = match base_version {
            0 => Order::empty(id),
            v => self.loader.load(id, Some(v)).await?,
        };
        let stored = store
            .read_stream(order, 1, head.min(at + u64::from(FORK_TAIL)), u32::MAX)
            .await?;
        let mut fork = Fork {
            order_id: order.to_string(),
            at,
            change: change.clone(),
            base: base.clone(),
            steps: Vec::new(),
            cut: head > at + u64::from(FORK_TAIL),
            refused: None,
        };
        let mut state = base;
        let mut row = None;
        // The projection's row before the fork: the real events up to its base.
        for e in stored.iter().filter(|e| e.version <= base_version) {
            row = project(row, e, &self.loader.decode(e)?).ok();
        }
        let mut hypothetical = Vec::new();
        if let ForkChange::Apply(cmd) = &change {
            match decide(&state, cmd, now) {
                Ok(events) => hypothetical = events,
                Err(e) => fork.refused = Some(e.to_string()),
            }
        }
        let mut version = base_version;
        let mut push = |event: OrderEvent, real: Option<&StoredEvent>, fork: &mut Fork| {
            version += 1;
            state = evolve(state.clone(), &event);
            let as_stored = real
                .cloned()
                .unwrap_or_else(|| stored_like(order, version, &event));
            let projected = project(row.clone(), &as_stored, &event);
            row = projected.as_ref().ok().cloned();
            fork.steps.push(ForkStep {
                version,
                real_version: real.map(|e| e.version),
                origin: if real.is_some() {
                    Origin::Real
                } else {
                    Origin::Hypothetical
                },
                event,
                state: state.clone(),
                row: projected.map_err(|r| r.error.to_string()),
            });
        };
        for event in hypothetical {
            push(event, None, &mut fork);
        }
        for e in stored.iter().filter(|e| e.version > at) {
            push(self.loader.decode(e)?, Some(e), &mut fork);
        }
        Ok(fork)
    }
}

/// A hypothetical event as the projection takes it: stored nowhere, so at no position.
fn stored_like(order: &str, version: u64, event: &OrderEvent) -> StoredEvent {
    StoredEvent {
        global_position: 0,
        stream_id: order.to_string(),
        version,
        event_type: event.event_type().to_string(),
        schema_version: event.schema_version(),
        payload: event.payload_json(),
        metadata: "{}".into(),
        recorded_at: event.occurred_at(),
        fault: None,
    }
}
