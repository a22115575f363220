//! What a write would do, before it is real: the pure `decide` run on the state the
//! operator confirms against, its events folded with `evolve`. Nothing is stored; the
//! confirmation shows it, and `y` then runs the command for real through the service
//! (which decides again, on the state it finds then).

use chrono::{DateTime, Utc};

use super::fields::{Change, FieldRow, diff_fields, event_summary};
use crate::domain::{Order, OrderCommand, decide, evolve};
use crate::text::printable;

/// One event the command would append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WouldAppend {
    /// Its version in the stream.
    pub version: u64,
    /// Its type.
    pub event_type: String,
    /// Its one-line summary, as the stream pane would show it.
    pub summary: String,
}

/// The outcome of a command run on a copy of the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhatIf {
    /// It would append these events and change these fields.
    Appends {
        /// The events, in order.
        events: Vec<WouldAppend>,
        /// The fields that would change, with the same marks as the state pane.
        changes: Vec<FieldRow>,
    },
    /// A rule would refuse it; nothing would be appended.
    Rejected(String),
}

/// Runs `command` on `order` (the state at the version the write will expect) as of `now`.
pub fn preview(order: &Order, command: &OrderCommand, now: DateTime<Utc>) -> WhatIf {
    match decide(order, command, now) {
        Err(e) => WhatIf::Rejected(printable(&e.to_string())),
        Ok(events) => {
            let currency = match command {
                OrderCommand::CreateOrder { currency, .. } => Some(*currency),
                _ if order.exists() => Some(order.currency),
                _ => None,
            };
            let mut after = order.clone();
            let mut appended = Vec::with_capacity(events.len());
            for e in &events {
                after = evolve(after, e);
                appended.push(WouldAppend {
                    version: after.version,
                    event_type: e.event_type().to_string(),
                    summary: printable(&event_summary(e, currency)),
                });
            }
            let changes = diff_fields(order, &after)
                .into_iter()
                .filter(|f| f.change != Change::Same && !f.name.ends_with("_at"))
                .collect();
            WhatIf::Appends {
                events: appended,
                changes,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, LineItem, OrderId, Sku};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn created() -> Order {
        let id = OrderId(uuid::Uuid::from_u128(1));
        let cmd = OrderCommand::CreateOrder {
            customer_id: "c-1".into(),
            items: vec![LineItem {
                sku: Sku::new("MUG").unwrap(),
                quantity: 2,
                unit_price: "12.50".parse().unwrap(),
            }],
            currency: Currency::EUR,
        };
        decide(&Order::empty(id), &cmd, now())
            .unwrap()
            .iter()
            .fold(Order::empty(id), evolve)
    }

    #[test]
    fn a_payment_would_append_one_event_and_change_the_status() {
        let order = created();
        let pay = OrderCommand::PayOrder {
            method: "card".into(),
            amount: "25.00".parse().unwrap(),
        };
        let WhatIf::Appends { events, changes } = preview(&order, &pay, now()) else {
            panic!("a payment of the total is accepted");
        };
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].version, 2);
        assert_eq!(events[0].event_type, "OrderPaid");
        assert!(events[0].summary.contains("card 25.00"), "{events:?}");
        let status = changes.iter().find(|f| f.name == "status").unwrap();
        assert_eq!(status.change, Change::Changed);
        assert_eq!(status.value, "Paid");
        assert_eq!(status.old.as_deref(), Some("Pending"));
        assert!(
            changes
                .iter()
                .any(|f| f.name == "paid" && f.change == Change::Added)
        );
        assert!(!changes.iter().any(|f| f.name == "customer"), "{changes:?}");
        // The state itself is not touched.
        assert_eq!(order.version, 1);
    }

    #[test]
    fn a_command_a_rule_refuses_says_why() {
        let order = created();
        let ship = OrderCommand::ShipOrder {
            tracking_number: "TRK-1".into(),
        };
        let WhatIf::Rejected(why) = preview(&order, &ship, now()) else {
            panic!("shipping an unpaid order is refused");
        };
        assert!(!why.is_empty());
        let short = OrderCommand::PayOrder {
            method: "card".into(),
            amount: "1.00".parse().unwrap(),
        };
        assert!(matches!(
            preview(&order, &short, now()),
            WhatIf::Rejected(_)
        ));
    }
}
