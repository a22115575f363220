//! Faults planted in a caught-up read model, so that `check` measures what its row names:
//! every class it reports, field diffs computed, not a log that is all in sync.

use std::collections::HashSet;

use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, Services};
use chronicle::domain::{OrderCommand, OrderId, OrderStatus};
use chronicle::store::{AppendRequest, NewEvent, Store, Stored, SummaryRow};

/// An `ItemAdded` whose payload no longer decodes.
const BAD_PAYLOAD: &str = r#"{"sku": 7}"#;

/// Every row of the read model, in order-id order.
async fn rows(db: &Store) -> Vec<SummaryRow> {
    let rm = db.read_model();
    let mut out: Vec<SummaryRow> = Vec::new();
    loop {
        let after = out.last().map(|r| r.order_id.clone()).unwrap_or_default();
        let page = rm.rows_after(&after, 5_000).await.unwrap();
        let done = page.len() < 5_000;
        out.extend(page);
        if done {
            return out;
        }
    }
}

/// Plants `each` orders of every class `check` can only find by comparing (diverged,
/// missing, orphan, lagging, corrupt), spread over the whole log; the seeded poison events
/// already park a few, which are left out.
pub async fn plant(db: &Store, services: &Services, each: usize) {
    let parked = db.read_model().blocked_streams().await.unwrap();
    let mut all = rows(db).await;
    all.retain(|r| !parked.contains(&r.order_id));
    let stride = all.len() / (each * 4 + 1);
    assert!(
        stride > 1,
        "too few orders to plant {each} faults of each class"
    );
    let picked: Vec<&SummaryRow> = all.iter().step_by(stride).skip(1).take(each * 4).collect();
    let taken: HashSet<&str> = picked.iter().map(|r| r.order_id.as_str()).collect();
    // Only an open order takes another command; a closed one would need a forged event.
    let open: Vec<&SummaryRow> = all
        .iter()
        .filter(|r| !taken.contains(r.order_id.as_str()))
        .filter(|r| {
            matches!(
                r.status,
                Stored::Valid(OrderStatus::Pending | OrderStatus::Paid | OrderStatus::Shipped)
            )
        })
        .collect();
    let lagging: Vec<&SummaryRow> = open
        .iter()
        .step_by((open.len() / each).max(1))
        .take(each)
        .copied()
        .collect();
    assert_eq!(
        lagging.len(),
        each,
        "too few open orders to plant {each} lagging ones"
    );
    let mut tx = db.read_model().begin_projection().await.unwrap();
    let mut changed = Vec::new();
    for (i, row) in picked.iter().enumerate() {
        match i % 4 {
            // Diverged: same version, other fields.
            0 => {
                let mut r = (*row).clone();
                r.status = Stored::Valid(OrderStatus::Delivered);
                r.tracking_number = Some("PLANTED".into());
                r.item_count += 1;
                changed.push(r);
            }
            // Missing: a stream without its row.
            1 => tx.delete_rows(Some(&row.order_id)).await.unwrap(),
            // Orphan: a row without a stream.
            2 => {
                let mut r = (*row).clone();
                r.order_id = OrderId(uuid::Uuid::new_v4()).to_stream_id();
                changed.push(r);
            }
            // Corrupt: a stored event of the order no longer decodes (below).
            _ => {}
        }
    }
    tx.upsert_rows(&changed).await.unwrap();
    tx.commit().await.unwrap();
    for row in picked.iter().skip(3).step_by(4) {
        corrupt(db, row).await;
    }
    // Lagging: a command lands while the projector is not running.
    for row in lagging {
        lag(services, row).await;
    }
}

async fn lag(services: &Services, row: &SummaryRow) {
    let command = match row.status {
        Stored::Valid(OrderStatus::Shipped) => OrderCommand::DeliverOrder,
        _ => OrderCommand::CancelOrder {
            reason: "planted".into(),
        },
    };
    let req = CommandRequest {
        order_id: row.order_id.parse().unwrap(),
        command,
        expected_version: Some(row.version as u64),
        id_generated: false,
        context: CommandContext::default(),
    };
    services
        .commands
        .execute(&req, chrono::Utc::now())
        .await
        .unwrap();
}

async fn corrupt(db: &Store, row: &SummaryRow) {
    db.events()
        .append(AppendRequest {
            stream_id: &row.order_id,
            expected_version: row.version as u64,
            events: &[NewEvent {
                event_type: "ItemAdded".into(),
                schema_version: 1,
                payload: BAD_PAYLOAD.into(),
                metadata: "{}".into(),
                recorded_at: chrono::Utc::now(),
            }],
            idempotency: None,
            idempotency_expired_before: None,
            snapshot: None,
        })
        .await
        .unwrap();
}
