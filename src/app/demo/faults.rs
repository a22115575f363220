//! The faults the demo plants after seeding, each the way it happens to a real system: the
//! earlier release's shipment the read model cannot hold (dead-lettered, its order parked), a
//! read-model row edited behind the projector's back, and events the projector has not seen
//! yet.

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::{Gen, stored};
use crate::app::projector::Projector;
use crate::app::{AppError, Loader};
use crate::domain::{LineItem, OrderCommand, OrderId, OrderStatus, Sku, decide, evolve};
use crate::store::{AppendRequest, NewEvent, ReadModel, Stored, SummaryRow};

/// The labelled faults a demo database carries, for the debugger to find.
#[derive(Debug, Clone)]
pub struct Faults {
    /// A read-model row changed behind the projector's back.
    pub tampered_order: String,
    /// The event the projection cannot apply (dead-lettered) and its order (parked).
    pub dead_letter_position: i64,
    /// The order parked behind it.
    pub parked_order: String,
    /// An order with events appended after the projector's last run.
    pub lagging_order: String,
    /// How many.
    pub lag_events: u64,
}

/// The rows the faults are planted on: a paid one and a pending one.
struct Targets {
    paid: SummaryRow,
    late: OrderId,
}

async fn targets(read_model: &dyn ReadModel) -> Result<Targets, AppError> {
    let (mut paid, mut late) = (None, None);
    let mut after = String::new();
    while paid.is_none() || late.is_none() {
        let page = read_model.rows_after(&after, 200).await?;
        let Some(last) = page.last() else { break };
        after.clone_from(&last.order_id);
        for r in page {
            if paid.is_none() && r.status == Stored::Valid(OrderStatus::Paid) {
                paid = Some(r);
            } else if late.is_none() && r.status == Stored::Valid(OrderStatus::Pending) {
                late = Some(r.order_id);
            }
        }
    }
    let paid =
        paid.ok_or_else(|| AppError::BadInput("demo needs a paid order; seed more orders".into()))?;
    let late = late
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| AppError::BadInput("demo needs a pending order; seed more orders".into()))?;
    Ok(Targets { paid, late })
}

/// Decides and appends `cmds` on `id`, as the command service would (one append each).
async fn append_all(
    loader: &Loader,
    g: &mut Gen,
    id: OrderId,
    cmds: &[OrderCommand],
) -> Result<(), AppError> {
    let correlation = g.uuid().to_string();
    let mut order = loader.load(id, None).await?;
    for cmd in cmds {
        let now = g.tick();
        let events = decide(&order, cmd, now)?;
        let stored: Vec<NewEvent> = events
            .iter()
            .map(|e| stored(g, e, &correlation, now, false))
            .collect();
        loader
            .store()
            .append(AppendRequest {
                stream_id: &id.to_stream_id(),
                expected_version: order.version,
                events: &stored,
                idempotency: None,
                idempotency_expired_before: None,
                snapshot: None,
            })
            .await?;
        order = events.iter().fold(order, evolve);
    }
    Ok(())
}

fn late_item() -> OrderCommand {
    OrderCommand::AddItem {
        item: LineItem {
            sku: Sku::new("LATE-ADD").unwrap_or_else(|_| unreachable!("a valid SKU")),
            quantity: 1,
            unit_price: Decimal::ONE,
        },
    }
}

/// Plants the faults, deterministically: projects everything (the earlier release's
/// shipment is dead-lettered and its order parked), edits one row behind the projector's
/// back, then appends events the projector has not seen yet.
pub async fn plant_faults(
    loader: &Loader,
    projector: &Projector,
    read_model: &dyn ReadModel,
    seed: u64,
) -> Result<Faults, AppError> {
    projector.settle(|_| {}).await?;
    let dead = read_model.dead_letters().await?.into_iter().next();
    let (dead_letter_position, parked_order) =
        dead.map_or((0, String::new()), |d| (d.global_position, d.stream_id));
    let Targets { mut paid, late } = targets(read_model).await?;
    paid.status = Stored::Valid(OrderStatus::Shipped);
    let mut tx = read_model.begin_projection().await?;
    tx.upsert_rows(std::slice::from_ref(&paid)).await?;
    tx.commit().await?;

    let mut g = Gen {
        rng: fastrand::Rng::with_seed(seed ^ 0x5eed_fa17),
        clock: Utc
            .with_ymd_and_hms(2026, 9, 1, 9, 0, 0)
            .single()
            .unwrap_or_default(),
        snapshot_every: 100,
    };
    let cmds = [
        late_item(),
        late_item(),
        OrderCommand::CancelOrder {
            reason: "changed mind".into(),
        },
    ];
    append_all(loader, &mut g, late, &cmds).await?;
    Ok(Faults {
        tampered_order: paid.order_id,
        lagging_order: late.to_stream_id(),
        lag_events: cmds.len() as u64,
        dead_letter_position,
        parked_order,
    })
}
