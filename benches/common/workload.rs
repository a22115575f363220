//! The order workload the command benchmarks run: create → pay → ship, one command at a
//! time through the command service, at a fixed `now`. Its data is `flow_spec.rs`, which
//! the cqrs-es peer (`benches/peer`) runs too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, CommandService};
use chronicle::domain::{OrderCommand, OrderId};
use chrono::{DateTime, Utc};

// Each bench uses part of the shared spec (only the peer bench reads the long stream's).
#[allow(dead_code)]
#[path = "flow_spec.rs"]
pub mod flow_spec;

/// The three commands of one flow; `tag` makes its customer and tracking number its own.
pub fn flow(tag: &str) -> [OrderCommand; 3] {
    use flow_spec::{CURRENCY, PAY_AMOUNT, PAY_METHOD, QUANTITY, SKU, UNIT_PRICE};
    [
        OrderCommand::CreateOrder {
            customer_id: flow_spec::customer(tag),
            items: vec![format!("{SKU}:{QUANTITY}:{UNIT_PRICE}").parse().unwrap()],
            currency: CURRENCY.parse().unwrap(),
        },
        OrderCommand::PayOrder {
            method: PAY_METHOD.into(),
            amount: PAY_AMOUNT.parse().unwrap(),
        },
        OrderCommand::ShipOrder {
            tracking_number: flow_spec::tracking(tag),
        },
    ]
}

/// The fixed time the benchmarks' commands are decided at.
pub fn now() -> DateTime<Utc> {
    flow_spec::NOW.parse().unwrap()
}

/// Who the benchmarks' commands say they come from.
pub fn context() -> CommandContext {
    CommandContext {
        actor: flow_spec::ACTOR.into(),
        source: flow_spec::SOURCE.into(),
        ..CommandContext::default()
    }
}

/// One flow on a new order, each command waiting for the one before.
pub async fn run_flow(svc: &CommandService, tag: &str) {
    let now = now();
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

/// `flows` flows shared out among `clients` tasks, each running its share one command at a
/// time; how long until the last is done.
#[allow(dead_code, reason = "only the concurrent-client benches use it")]
pub async fn concurrent_flows(svc: &Arc<CommandService>, clients: usize, flows: usize) -> Duration {
    let each = flows / clients;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let svc = svc.clone();
            tokio::spawn(async move {
                for i in c * each..(c + 1) * each {
                    run_flow(&svc, &i.to_string()).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}
