//! Whether an event from outside (an imported file) is one the rules could have made: the
//! command it records is decided again against the state before it, at the event's own
//! time, and must yield exactly that event. One set of rules, so an import can carry nothing
//! a command could not.

use super::command::{DomainError, OrderCommand, decide};
use super::event::OrderEvent;
use super::order::Order;

/// Why an event is not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inadmissible {
    /// The rules refuse the command the event records.
    #[error("{event_type} breaks the rules at version {version}: {error}")]
    Rejected {
        /// The event's type.
        event_type: &'static str,
        /// The version it would have.
        version: u64,
        /// What the rules said.
        error: DomainError,
    },
    /// `OrderCreated` names another order than its stream.
    #[error("its order_id is not the stream's id")]
    OtherOrder,
    /// The rules accept the command but record it otherwise (text not trimmed, say).
    #[error("{0} is not in the form the rules record it (a text field with spaces around it?)")]
    Unlike(&'static str),
}

/// The command that records `event` when decided.
pub fn command_of(event: &OrderEvent) -> OrderCommand {
    match event {
        OrderEvent::Created(c) => OrderCommand::CreateOrder {
            customer_id: c.customer_id.clone(),
            items: c.items.clone(),
            currency: c.currency,
        },
        OrderEvent::ItemAdded(e) => OrderCommand::AddItem {
            item: e.item.clone(),
        },
        OrderEvent::ItemRemoved(e) => OrderCommand::RemoveItem { sku: e.sku.clone() },
        OrderEvent::Paid(e) => OrderCommand::PayOrder {
            method: e.method.clone(),
            amount: e.amount,
        },
        OrderEvent::Shipped(e) => OrderCommand::ShipOrder {
            tracking_number: e.tracking_number.clone(),
        },
        OrderEvent::Delivered(_) => OrderCommand::DeliverOrder,
        OrderEvent::Cancelled(e) => OrderCommand::CancelOrder {
            reason: e.reason.clone(),
        },
    }
}

/// `Ok` when `decide` on `order` makes exactly `event`.
pub fn admit(order: &Order, event: &OrderEvent) -> Result<(), Inadmissible> {
    if let OrderEvent::Created(c) = event
        && c.order_id != order.id
    {
        return Err(Inadmissible::OtherOrder);
    }
    let decided = decide(order, &command_of(event), event.occurred_at()).map_err(|error| {
        Inadmissible::Rejected {
            event_type: event.event_type(),
            version: order.version + 1,
            error,
        }
    })?;
    if decided.as_slice() == std::slice::from_ref(event) {
        Ok(())
    } else {
        Err(Inadmissible::Unlike(event.event_type()))
    }
}
