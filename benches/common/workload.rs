//! The order workload the command benchmarks run: create → pay → ship, one command at a
//! time through the command service, at a fixed `now`.

use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, CommandService};
use chronicle::domain::{OrderCommand, OrderId};
use chrono::{TimeZone as _, Utc};

/// The three commands of one flow; `tag` makes its customer and tracking number its own.
pub fn flow(tag: &str) -> [OrderCommand; 3] {
    [
        OrderCommand::CreateOrder {
            customer_id: format!("cust-{tag}"),
            items: vec!["BOOK-1:2:12.49".parse().unwrap()],
            currency: "EUR".parse().unwrap(),
        },
        OrderCommand::PayOrder {
            method: "card".into(),
            amount: "24.98".parse().unwrap(),
        },
        OrderCommand::ShipOrder {
            tracking_number: format!("TRK{tag}"),
        },
    ]
}

/// Who the benchmarks' commands say they come from.
pub fn context() -> CommandContext {
    CommandContext {
        actor: "bench@local".into(),
        source: "bench".into(),
        ..CommandContext::default()
    }
}

/// One flow on a new order, each command waiting for the one before.
pub async fn run_flow(svc: &CommandService, tag: &str) {
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let order_id = OrderId(uuid::Uuid::new_v4());
    for command in flow(tag) {
        let req = CommandRequest {
            order_id,
            command,
            expected_version: None,
            id_generated: false,
            context: context(),
        };
        svc.execute(&req, now).await.unwrap();
    }
}
