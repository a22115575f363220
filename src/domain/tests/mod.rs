//! Given/when/then tests of `decide` and `evolve`, upcasting, and property tests of replay
//! and storage round trips.
//!
//! This module holds the harness and the event and command builders; the submodules hold
//! the tests, one per command or concern, and reach the builders through `use super::*`.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;

mod admit;
mod create;
mod evolve;
mod items;
mod lifecycle;
mod props;
mod upcast;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

const ID: OrderId = OrderId(Uuid::from_u128(0x0190_5a3c_7e21_7b44_8c1d_2f6e_9a0b_c3d4));

/// The instant every command under test is decided at; sub-second so that round trips of
/// the timestamps are not trivially exact.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_714_564_800, 123_456_789).unwrap()
}

/// When the given history happened. Distinct from `now()` so that a wrong timestamp in a
/// new event cannot pass by coincidence.
fn earlier() -> DateTime<Utc> {
    now() - TimeDelta::days(1)
}

struct Given {
    state: Order,
}

struct When {
    state: Order,
    cmd: OrderCommand,
    result: Result<Vec<OrderEvent>, DomainError>,
}

fn given(events: Vec<OrderEvent>) -> Given {
    Given {
        state: events
            .into_iter()
            .fold(Order::empty(ID), |o, e| evolve(o, &e)),
    }
}

impl Given {
    fn when(self, cmd: OrderCommand) -> When {
        let result = decide(&self.state, &cmd, now());
        When {
            state: self.state,
            cmd,
            result,
        }
    }
}

impl When {
    /// Asserts the exact events and hands back the state after applying them, so that a
    /// test can go on to check what `evolve` made of them.
    #[track_caller]
    fn then(self, expected: Vec<OrderEvent>) -> Order {
        let When { state, cmd, result } = self;
        assert_eq!(result, Ok(expected), "when {cmd:?}");
        result.unwrap().iter().fold(state, evolve)
    }

    #[track_caller]
    fn then_err(self, expected: DomainError) {
        let When { cmd, result, .. } = self;
        assert_eq!(result, Err(expected), "when {cmd:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sku(s: &str) -> Sku {
    Sku::new(s).unwrap()
}

fn item(s: &str, quantity: u32, price: &str) -> LineItem {
    LineItem {
        sku: sku(s),
        quantity,
        unit_price: dec(price),
    }
}

fn usd() -> Currency {
    "USD".parse().unwrap()
}

fn created_full(
    customer: &str,
    items: Vec<LineItem>,
    currency: Currency,
    at: DateTime<Utc>,
) -> OrderEvent {
    OrderEvent::Created(OrderCreated {
        order_id: ID,
        customer_id: customer.to_string(),
        items,
        currency,
        created_at: at,
    })
}

fn created(items: Vec<LineItem>) -> OrderEvent {
    created_full("alice", items, Currency::EUR, earlier())
}

fn added(item: LineItem, at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::ItemAdded(ItemAdded { item, at })
}

fn removed(s: &str, at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::ItemRemoved(ItemRemoved { sku: sku(s), at })
}

fn paid(method: &str, amount: &str, at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::Paid(OrderPaid {
        method: method.to_string(),
        amount: dec(amount),
        at,
    })
}

fn shipped(tracking: &str, at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::Shipped(OrderShipped {
        tracking_number: tracking.to_string(),
        at,
    })
}

fn delivered(at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::Delivered(OrderDelivered { at })
}

fn cancelled(reason: &str, at: DateTime<Utc>) -> OrderEvent {
    OrderEvent::Cancelled(OrderCancelled {
        reason: reason.to_string(),
        at,
    })
}

fn create_cmd(customer: &str, items: Vec<LineItem>) -> OrderCommand {
    OrderCommand::CreateOrder {
        customer_id: customer.to_string(),
        items,
        currency: Currency::EUR,
    }
}

fn add_cmd(item: LineItem) -> OrderCommand {
    OrderCommand::AddItem { item }
}

fn remove_cmd(s: &str) -> OrderCommand {
    OrderCommand::RemoveItem { sku: sku(s) }
}

fn pay_cmd(method: &str, amount: &str) -> OrderCommand {
    OrderCommand::PayOrder {
        method: method.to_string(),
        amount: dec(amount),
    }
}

fn ship_cmd(tracking: &str) -> OrderCommand {
    OrderCommand::ShipOrder {
        tracking_number: tracking.to_string(),
    }
}

fn cancel_cmd(reason: &str) -> OrderCommand {
    OrderCommand::CancelOrder {
        reason: reason.to_string(),
    }
}

/// One line of 2 × 12.49, so the total is 24.98.
fn pending() -> Vec<OrderEvent> {
    vec![created(vec![item("BOOK-1", 2, "12.49")])]
}

/// A history that leaves the order in `status`, built only from events `decide` would emit.
fn history(status: OrderStatus) -> Vec<OrderEvent> {
    let mut events = pending();
    match status {
        OrderStatus::Pending => {}
        OrderStatus::Paid => events.push(paid("card", "24.98", earlier())),
        OrderStatus::Shipped => events.extend([
            paid("card", "24.98", earlier()),
            shipped("TRK-1", earlier()),
        ]),
        OrderStatus::Delivered => events.extend([
            paid("card", "24.98", earlier()),
            shipped("TRK-1", earlier()),
            delivered(earlier()),
        ]),
        OrderStatus::Cancelled => events.push(cancelled("changed my mind", earlier())),
    }
    events
}

fn statuses_except(allowed: &[OrderStatus]) -> impl Iterator<Item = OrderStatus> {
    OrderStatus::ALL
        .into_iter()
        .filter(move |s| !allowed.contains(s))
}

fn invalid_status(action: &'static str, status: OrderStatus) -> DomainError {
    DomainError::InvalidStatus { action, status }
}

fn two_lines() -> Vec<OrderEvent> {
    vec![created(vec![
        item("BOOK-1", 2, "12.49"),
        item("PEN-7", 1, "0.02"),
    ])]
}
