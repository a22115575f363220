//! Given/when/then tests of `decide` and `evolve`, upcasting, and property tests of replay
//! and storage round trips.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;

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

// ---------------------------------------------------------------------------------------------
// CreateOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn create_on_empty_order_emits_created_at_now() {
    let items = vec![item("BOOK-1", 2, "12.49"), item("PEN-7", 1, "0.02")];
    let order = given(vec![])
        .when(OrderCommand::CreateOrder {
            customer_id: "alice".into(),
            items: items.clone(),
            currency: usd(),
        })
        .then(vec![created_full("alice", items.clone(), usd(), now())]);
    assert_eq!(order.status, Some(OrderStatus::Pending));
    assert_eq!(order.version, 1);
    assert_eq!(order.currency, usd());
    assert_eq!(order.items, items);
    assert_eq!(order.created_at, Some(now()));
    assert_eq!(order.updated_at, Some(now()));
}

#[test]
fn create_trims_the_customer_id() {
    let items = vec![item("BOOK-1", 1, "1")];
    given(vec![])
        .when(create_cmd("  alice\t", items.clone()))
        .then(vec![created_full("alice", items, Currency::EUR, now())]);
}

#[test]
fn create_accepts_a_free_item() {
    let items = vec![item("GIFT", 1, "0")];
    given(vec![])
        .when(create_cmd("alice", items.clone()))
        .then(vec![created_full("alice", items, Currency::EUR, now())]);
}

#[test]
fn create_on_existing_order_is_rejected() {
    for status in OrderStatus::ALL {
        given(history(status))
            .when(create_cmd("bob", vec![item("A", 1, "1")]))
            .then_err(DomainError::AlreadyExists);
    }
}

#[test]
fn create_without_items_is_rejected() {
    given(vec![])
        .when(create_cmd("alice", vec![]))
        .then_err(DomainError::NoItems);
}

#[test]
fn create_with_zero_quantity_is_rejected() {
    given(vec![])
        .when(create_cmd(
            "alice",
            vec![item("A", 1, "1"), item("B", 0, "1")],
        ))
        .then_err(DomainError::InvalidQuantity(sku("B")));
}

#[test]
fn create_with_negative_price_is_rejected() {
    given(vec![])
        .when(create_cmd("alice", vec![item("A", 1, "-0.01")]))
        .then_err(DomainError::NegativePrice(sku("A")));
}

#[test]
fn create_with_duplicate_sku_is_rejected() {
    given(vec![])
        .when(create_cmd(
            "alice",
            vec![item("A", 1, "1"), item("B", 1, "2"), item("A", 3, "1")],
        ))
        .then_err(DomainError::DuplicateSku(sku("A")));
}

#[test]
fn create_with_blank_customer_is_rejected() {
    for blank in ["", "   ", "\t\n"] {
        given(vec![])
            .when(create_cmd(blank, vec![item("A", 1, "1")]))
            .then_err(DomainError::BadText("customer id"));
    }
}

#[test]
fn create_with_too_long_customer_is_rejected() {
    given(vec![])
        .when(create_cmd(
            &"x".repeat(MAX_TEXT_LEN + 1),
            vec![item("A", 1, "1")],
        ))
        .then_err(DomainError::BadText("customer id"));
}

#[test]
fn customer_length_limit_counts_characters_not_bytes() {
    // 200 two-byte characters are 400 bytes but still within the limit.
    let longest = "é".repeat(MAX_TEXT_LEN);
    let items = vec![item("A", 1, "1")];
    given(vec![])
        .when(create_cmd(&longest, items.clone()))
        .then(vec![created_full(&longest, items, Currency::EUR, now())]);
}

// ---------------------------------------------------------------------------------------------
// AddItem
// ---------------------------------------------------------------------------------------------

#[test]
fn add_new_sku_on_pending_order() {
    let order = given(pending())
        .when(add_cmd(item("PEN-7", 3, "0.99")))
        .then(vec![added(item("PEN-7", 3, "0.99"), now())]);
    assert_eq!(
        order.items,
        vec![item("BOOK-1", 2, "12.49"), item("PEN-7", 3, "0.99")]
    );
    assert_eq!(order.total().to_string(), "27.95");
    assert_eq!(order.updated_at, Some(now()));
}

#[test]
fn add_existing_sku_at_same_price_merges_quantity() {
    let order = given(pending())
        .when(add_cmd(item("BOOK-1", 3, "12.49")))
        .then(vec![added(item("BOOK-1", 3, "12.49"), now())]);
    assert_eq!(order.items, vec![item("BOOK-1", 5, "12.49")]);
    assert_eq!(order.total().to_string(), "62.45");
}

#[test]
fn add_existing_sku_at_same_price_with_other_scale_is_the_same_price() {
    let order = given(vec![created(vec![item("A", 1, "12.5")])])
        .when(add_cmd(item("A", 1, "12.50")))
        .then(vec![added(item("A", 1, "12.50"), now())]);
    assert_eq!(order.items.len(), 1);
    assert_eq!(order.items[0].quantity, 2);
    assert_eq!(order.total(), dec("25"));
}

#[test]
fn add_existing_sku_at_other_price_is_rejected() {
    given(pending())
        .when(add_cmd(item("BOOK-1", 1, "9.99")))
        .then_err(DomainError::PriceChanged {
            sku: sku("BOOK-1"),
            existing: dec("12.49"),
        });
}

#[test]
fn add_with_zero_quantity_or_negative_price_is_rejected() {
    given(pending())
        .when(add_cmd(item("PEN-7", 0, "1")))
        .then_err(DomainError::InvalidQuantity(sku("PEN-7")));
    given(pending())
        .when(add_cmd(item("PEN-7", 1, "-1")))
        .then_err(DomainError::NegativePrice(sku("PEN-7")));
}

#[test]
fn add_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(add_cmd(item("PEN-7", 1, "1")))
            .then_err(invalid_status("add items to", status));
    }
}

#[test]
fn a_removed_sku_can_come_back_at_a_new_price() {
    // The PriceChanged message tells users to remove the line first; that must work.
    let order = given(vec![
        created(vec![item("A", 1, "1"), item("B", 1, "2")]),
        removed("A", earlier()),
    ])
    .when(add_cmd(item("A", 4, "1.50")))
    .then(vec![added(item("A", 4, "1.50"), now())]);
    assert_eq!(order.items, vec![item("B", 1, "2"), item("A", 4, "1.50")]);
    assert_eq!(order.total().to_string(), "8.00");
}

// ---------------------------------------------------------------------------------------------
// RemoveItem
// ---------------------------------------------------------------------------------------------

#[test]
fn remove_a_line_from_pending_order() {
    let order = given(two_lines())
        .when(remove_cmd("BOOK-1"))
        .then(vec![removed("BOOK-1", now())]);
    assert_eq!(order.items, vec![item("PEN-7", 1, "0.02")]);
    assert_eq!(order.total().to_string(), "0.02");
}

#[test]
fn remove_absent_sku_is_rejected() {
    given(two_lines())
        .when(remove_cmd("NOPE"))
        .then_err(DomainError::SkuNotInOrder(sku("NOPE")));
    // On a one-line order the absent SKU is still the reason, not the last-item rule.
    given(pending())
        .when(remove_cmd("NOPE"))
        .then_err(DomainError::SkuNotInOrder(sku("NOPE")));
}

#[test]
fn remove_last_item_is_rejected() {
    given(pending())
        .when(remove_cmd("BOOK-1"))
        .then_err(DomainError::LastItem(sku("BOOK-1")));
    given(two_lines())
        .when(remove_cmd("PEN-7"))
        .then(vec![removed("PEN-7", now())]);
    let mut events = two_lines();
    events.push(removed("PEN-7", earlier()));
    given(events)
        .when(remove_cmd("BOOK-1"))
        .then_err(DomainError::LastItem(sku("BOOK-1")));
}

#[test]
fn remove_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(remove_cmd("BOOK-1"))
            .then_err(invalid_status("remove items from", status));
    }
}

// ---------------------------------------------------------------------------------------------
// PayOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn pay_exact_total() {
    let order = given(two_lines())
        .when(pay_cmd("card", "25.00"))
        .then(vec![paid("card", "25.00", now())]);
    assert_eq!(order.status, Some(OrderStatus::Paid));
    assert_eq!(
        order.payment,
        Some(Payment {
            method: "card".into(),
            amount: dec("25.00"),
            paid_at: now(),
        })
    );
}

#[test]
fn pay_compares_amounts_by_value_not_scale() {
    let history = vec![created(vec![item("A", 1, "12.50")])];
    given(history.clone())
        .when(pay_cmd("card", "12.5"))
        .then(vec![paid("card", "12.5", now())]);
    given(history)
        .when(pay_cmd("card", "12.500"))
        .then(vec![paid("card", "12.500", now())]);
}

#[test]
fn pay_trims_the_method() {
    given(pending())
        .when(pay_cmd("  cash ", "24.98"))
        .then(vec![paid("cash", "24.98", now())]);
}

#[test]
fn pay_wrong_amount_is_rejected() {
    for amount in ["24.97", "24.99", "0", "49.96"] {
        given(pending())
            .when(pay_cmd("card", amount))
            .then_err(DomainError::AmountMismatch {
                amount: dec(amount),
                total: dec("24.98"),
            });
    }
}

#[test]
fn pay_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(pay_cmd("card", "24.98"))
            .then_err(invalid_status("pay", status));
    }
}

#[test]
fn pay_with_blank_or_too_long_method_is_rejected() {
    for method in ["", "  ", &"m".repeat(MAX_TEXT_LEN + 1)] {
        given(pending())
            .when(pay_cmd(method, "24.98"))
            .then_err(DomainError::BadText("payment method"));
    }
}

// ---------------------------------------------------------------------------------------------
// ShipOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn ship_a_paid_order() {
    let order = given(history(OrderStatus::Paid))
        .when(ship_cmd(" TRK-42 "))
        .then(vec![shipped("TRK-42", now())]);
    assert_eq!(order.status, Some(OrderStatus::Shipped));
    assert_eq!(order.tracking_number.as_deref(), Some("TRK-42"));
    assert_eq!(order.shipped_at, Some(now()));
}

#[test]
fn ship_when_not_paid_is_rejected() {
    for status in statuses_except(&[OrderStatus::Paid]) {
        given(history(status))
            .when(ship_cmd("TRK-42"))
            .then_err(invalid_status("ship", status));
    }
}

#[test]
fn ship_with_blank_or_too_long_tracking_is_rejected() {
    for tracking in ["", " \t ", &"t".repeat(MAX_TEXT_LEN + 1)] {
        given(history(OrderStatus::Paid))
            .when(ship_cmd(tracking))
            .then_err(DomainError::BadText("tracking number"));
    }
}

// ---------------------------------------------------------------------------------------------
// DeliverOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn deliver_a_shipped_order() {
    let order = given(history(OrderStatus::Shipped))
        .when(OrderCommand::DeliverOrder)
        .then(vec![delivered(now())]);
    assert_eq!(order.status, Some(OrderStatus::Delivered));
    assert_eq!(order.delivered_at, Some(now()));
}

#[test]
fn deliver_when_not_shipped_is_rejected() {
    for status in statuses_except(&[OrderStatus::Shipped]) {
        given(history(status))
            .when(OrderCommand::DeliverOrder)
            .then_err(invalid_status("deliver", status));
    }
}

// ---------------------------------------------------------------------------------------------
// CancelOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_a_pending_or_paid_order() {
    for status in [OrderStatus::Pending, OrderStatus::Paid] {
        let order = given(history(status))
            .when(cancel_cmd(" out of stock "))
            .then(vec![cancelled("out of stock", now())]);
        assert_eq!(order.status, Some(OrderStatus::Cancelled));
        assert_eq!(order.cancel_reason.as_deref(), Some("out of stock"));
        assert_eq!(order.cancelled_at, Some(now()));
    }
}

#[test]
fn cancel_when_shipped_delivered_or_cancelled_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending, OrderStatus::Paid]) {
        given(history(status))
            .when(cancel_cmd("too late"))
            .then_err(invalid_status("cancel", status));
    }
}

#[test]
fn cancel_with_blank_or_too_long_reason_is_rejected() {
    for reason in ["", "   ", &"r".repeat(MAX_TEXT_LEN + 1)] {
        given(pending())
            .when(cancel_cmd(reason))
            .then_err(DomainError::BadText("cancel reason"));
    }
}

// ---------------------------------------------------------------------------------------------
// Commands on an order that does not exist
// ---------------------------------------------------------------------------------------------

#[test]
fn every_non_create_command_on_empty_order_is_not_found() {
    // Inputs are deliberately invalid too: existence is checked before anything else.
    let commands = [
        add_cmd(item("A", 0, "-1")),
        remove_cmd("A"),
        pay_cmd("", "0"),
        ship_cmd(""),
        OrderCommand::DeliverOrder,
        cancel_cmd(""),
    ];
    for cmd in commands {
        given(vec![]).when(cmd).then_err(DomainError::NotFound);
    }
}

#[test]
fn status_is_checked_before_text_fields() {
    given(pending())
        .when(ship_cmd(""))
        .then_err(invalid_status("ship", OrderStatus::Pending));
    given(history(OrderStatus::Delivered))
        .when(cancel_cmd(""))
        .then_err(invalid_status("cancel", OrderStatus::Delivered));
    given(history(OrderStatus::Paid))
        .when(pay_cmd("", "0"))
        .then_err(invalid_status("pay", OrderStatus::Paid));
}

// ---------------------------------------------------------------------------------------------
// evolve and OrderSummary
// ---------------------------------------------------------------------------------------------

#[test]
fn evolve_walks_the_happy_path() {
    let t = |h: i64| earlier() + TimeDelta::hours(h);
    let events = [
        created_full("alice", vec![item("A", 2, "12.49")], usd(), t(0)),
        paid("card", "24.98", t(1)),
        shipped("TRK-1", t(2)),
        delivered(t(3)),
    ];
    let expected_status = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
    ];
    let mut order = Order::empty(ID);
    assert!(!order.exists());
    for (i, (event, status)) in events.iter().zip(expected_status).enumerate() {
        order = evolve(order, event);
        assert_eq!(order.status, Some(status));
        assert_eq!(order.version, i as u64 + 1);
        assert_eq!(order.updated_at, Some(t(i as i64)));
        assert_eq!(order.created_at, Some(t(0)));
    }
    assert_eq!(order.customer_id, "alice");
    assert_eq!(order.currency, usd());
    assert_eq!(order.payment.as_ref().map(|p| p.paid_at), Some(t(1)));
    assert_eq!(order.tracking_number.as_deref(), Some("TRK-1"));
    assert_eq!(order.shipped_at, Some(t(2)));
    assert_eq!(order.delivered_at, Some(t(3)));
    assert_eq!(order.cancel_reason, None);
    assert_eq!(order.cancelled_at, None);
    assert_eq!(order, Order::replay(ID, &events));
}

#[test]
fn totals_are_exact_decimals() {
    let order = Order::replay(ID, &[created(vec![item("A", 2, "12.49")])]);
    assert_eq!(order.total().to_string(), "24.98");

    // In binary floating point 0.1 + 0.2 is not 0.3.
    let order = Order::replay(
        ID,
        &[created(vec![
            item("A", 1, "0.1"),
            item("B", 1, "0.2"),
            item("C", 3, "0.10"),
        ])],
    );
    assert_eq!(order.total(), dec("0.6"));
    assert_eq!(order.total().to_string(), "0.60");

    assert_eq!(Order::empty(ID).total(), Decimal::ZERO);
}

#[test]
fn summary_reflects_the_order() {
    let mut events = two_lines();
    events.extend([
        added(item("BOOK-1", 1, "12.49"), earlier()),
        paid("card", "37.49", earlier()),
        shipped("TRK-9", now()),
    ]);
    let order = Order::replay(ID, &events);
    let summary = OrderSummary::from_order(&order).unwrap();
    assert_eq!(
        summary,
        OrderSummary {
            order_id: ID,
            customer_id: "alice".into(),
            status: OrderStatus::Shipped,
            currency: Currency::EUR,
            total: dec("37.49"),
            item_count: 4,
            line_count: 2,
            tracking_number: Some("TRK-9".into()),
            created_at: earlier(),
            updated_at: now(),
            version: 4,
        }
    );
    assert_eq!(summary.total.to_string(), "37.49");
}

#[test]
fn summary_of_a_just_created_order() {
    let order = Order::replay(ID, &pending());
    let summary = OrderSummary::from_order(&order).unwrap();
    assert_eq!(summary.status, OrderStatus::Pending);
    assert_eq!(summary.total.to_string(), "24.98");
    assert_eq!(summary.item_count, 2);
    assert_eq!(summary.line_count, 1);
    assert_eq!(summary.version, 1);
    assert_eq!(summary.tracking_number, None);
    assert_eq!(summary.updated_at, summary.created_at);
}

#[test]
fn summary_of_an_empty_order_is_none() {
    assert_eq!(OrderSummary::from_order(&Order::empty(ID)), None);
}

// ---------------------------------------------------------------------------------------------
// Decoding and upcasting
// ---------------------------------------------------------------------------------------------

const CREATED_V1: &str = r#"{
    "order_id": "01905a3c-7e21-7b44-8c1d-2f6e9a0bc3d4",
    "customer_id": "alice",
    "items": [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.49"}],
    "created_at": "2024-05-01T12:00:00Z"
}"#;

#[test]
fn created_v1_upcasts_with_the_configured_currency() {
    let ctx = UpcastContext {
        default_currency: "USD".parse().unwrap(),
    };
    let event = OrderEvent::decode("OrderCreated", 1, CREATED_V1, &ctx).unwrap();
    let expected = OrderEvent::Created(OrderCreated {
        order_id: ID,
        customer_id: "alice".into(),
        items: vec![item("BOOK-1", 2, "12.49")],
        currency: usd(),
        created_at: DateTime::from_timestamp(1_714_564_800, 0).unwrap(),
    });
    assert_eq!(event, expected);
    // Once upcast it is written back as the current schema.
    assert_eq!(event.schema_version(), 2);
    assert_eq!(event.event_type(), "OrderCreated");
}

#[test]
fn created_v1_defaults_to_eur_without_configuration() {
    let event =
        OrderEvent::decode("OrderCreated", 1, CREATED_V1, &UpcastContext::default()).unwrap();
    let OrderEvent::Created(created) = event else {
        panic!("expected OrderCreated, got {event:?}");
    };
    assert_eq!(created.currency, Currency::EUR);
}

#[test]
fn created_v2_keeps_its_own_currency_whatever_the_default() {
    let event = created_full("alice", vec![item("A", 1, "1")], usd(), now());
    let ctx = UpcastContext {
        default_currency: "JPY".parse().unwrap(),
    };
    assert_eq!(
        OrderEvent::decode("OrderCreated", 2, &event.payload_json(), &ctx),
        Ok(event)
    );
}

#[test]
fn unknown_event_type_is_an_error() {
    let ctx = UpcastContext::default();
    assert_eq!(
        OrderEvent::decode("OrderExploded", 1, "{}", &ctx),
        Err(DecodeError::UnknownType("OrderExploded".into()))
    );
    // Type names are exact; a case variant is a different, unknown type.
    assert_eq!(
        OrderEvent::decode("orderpaid", 1, "{}", &ctx),
        Err(DecodeError::UnknownType("orderpaid".into()))
    );
}

#[test]
fn unknown_schema_version_is_an_error() {
    let ctx = UpcastContext::default();
    let payload = paid("card", "1", now()).payload_json();
    assert_eq!(
        OrderEvent::decode("OrderPaid", 9, &payload, &ctx),
        Err(DecodeError::UnknownVersion {
            event_type: "OrderPaid".into(),
            version: 9,
        })
    );
    for (event_type, version) in [("OrderCreated", 0), ("OrderCreated", 3), ("ItemAdded", 2)] {
        assert_eq!(
            OrderEvent::decode(event_type, version, "{}", &ctx),
            Err(DecodeError::UnknownVersion {
                event_type: event_type.into(),
                version,
            })
        );
    }
}

#[test]
fn corrupt_payloads_are_errors() {
    let ctx = UpcastContext::default();
    let truncated = &CREATED_V1[..CREATED_V1.len() / 2];
    let cases: [(&str, u32, &str); 6] = [
        ("OrderCreated", 1, truncated),
        ("OrderCreated", 2, CREATED_V1), // v2 needs a currency
        ("OrderPaid", 1, "not json"),
        (
            "OrderPaid",
            1,
            r#"{"method":"card","amount":12.5,"at":"2024-05-01T12:00:00Z"}"#,
        ),
        (
            "ItemRemoved",
            1,
            r#"{"sku":"has space","at":"2024-05-01T12:00:00Z"}"#,
        ),
        ("OrderDelivered", 1, ""),
    ];
    for (event_type, version, json) in cases {
        match OrderEvent::decode(event_type, version, json, &ctx) {
            Err(DecodeError::Payload {
                event_type: t,
                version: v,
                reason,
            }) => {
                assert_eq!((t.as_str(), v), (event_type, version));
                assert!(!reason.is_empty());
            }
            other => panic!("{event_type} v{version} {json:?}: expected Payload, got {other:?}"),
        }
    }
}

#[test]
fn event_type_names_are_the_stored_names() {
    let events = [
        created(vec![item("A", 1, "1")]),
        added(item("A", 1, "1"), now()),
        removed("A", now()),
        paid("card", "1", now()),
        shipped("T", now()),
        delivered(now()),
        cancelled("r", now()),
    ];
    let names: Vec<&str> = events.iter().map(OrderEvent::event_type).collect();
    assert_eq!(names, EVENT_TYPES);
    for event in events {
        assert_eq!(
            OrderEvent::decode(
                event.event_type(),
                event.schema_version(),
                &event.payload_json(),
                &UpcastContext::default(),
            ),
            Ok(event)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// A command as generated. Paying the exact total needs the state the command meets, which
/// a strategy cannot see, so that one is resolved at apply time.
#[derive(Debug, Clone)]
enum Step {
    Command(OrderCommand),
    PayTotal { method: String, normalized: bool },
}

impl Step {
    fn resolve(&self, order: &Order) -> OrderCommand {
        match self {
            Step::Command(cmd) => cmd.clone(),
            Step::PayTotal { method, normalized } => {
                let total = order.total();
                OrderCommand::PayOrder {
                    method: method.clone(),
                    // Paying 12.5 for 12.50 must be accepted and must round-trip.
                    amount: if *normalized {
                        total.normalize()
                    } else {
                        total
                    },
                }
            }
        }
    }
}

fn sku_strategy() -> impl Strategy<Value = Sku> {
    prop::sample::select(vec!["A", "B", "C", "BOOK-1", "ÜBER-2"]).prop_map(sku)
}

fn price_strategy() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        prop::sample::select(vec!["0", "0.01", "12.49", "12.5", "12.50", "199.99", "3"])
            .prop_map(dec),
        (0_i64..1_000_000, 0_u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

fn item_strategy() -> impl Strategy<Value = LineItem> {
    (sku_strategy(), 1_u32..=5, price_strategy()).prop_map(|(sku, quantity, unit_price)| LineItem {
        sku,
        quantity,
        unit_price,
    })
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Mostly valid, with padding to trim and the odd blank that must be refused.
    prop::sample::select(vec!["card", " cash ", "TRK-1", "Zoë", "x y z", "", "  "])
        .prop_map(str::to_string)
}

fn create_strategy() -> impl Strategy<Value = OrderCommand> {
    (
        text_strategy(),
        prop::collection::vec(item_strategy(), 1..4),
        prop::sample::select(vec!["EUR", "USD", "JPY"]),
    )
        .prop_map(|(customer_id, items, currency)| OrderCommand::CreateOrder {
            customer_id,
            items,
            currency: currency.parse().unwrap(),
        })
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => create_strategy().prop_map(Step::Command),
        4 => item_strategy().prop_map(|item| Step::Command(OrderCommand::AddItem { item })),
        2 => sku_strategy().prop_map(|sku| Step::Command(OrderCommand::RemoveItem { sku })),
        3 => (text_strategy(), any::<bool>())
            .prop_map(|(method, normalized)| Step::PayTotal { method, normalized }),
        1 => (text_strategy(), price_strategy())
            .prop_map(|(method, amount)| Step::Command(OrderCommand::PayOrder { method, amount })),
        2 => text_strategy().prop_map(|tracking_number| {
            Step::Command(OrderCommand::ShipOrder { tracking_number })
        }),
        2 => Just(Step::Command(OrderCommand::DeliverOrder)),
        1 => text_strategy().prop_map(|reason| Step::Command(OrderCommand::CancelOrder { reason })),
    ]
}

/// Several creates up front so that most runs do get an order to work on.
fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::collection::vec(create_strategy().prop_map(Step::Command), 2..5),
        prop::collection::vec(step_strategy(), 0..30),
    )
        .prop_map(|(mut creates, rest)| {
            creates.extend(rest);
            creates
        })
}

/// Applies the steps, each decided one second after the previous one (never a clock read),
/// and returns the accepted events with the state after each of them (`states[0]` is empty).
fn run(steps: &[Step]) -> (Vec<OrderEvent>, Vec<Order>) {
    let mut events = Vec::new();
    let mut states = vec![Order::empty(ID)];
    for (i, step) in steps.iter().enumerate() {
        let at = now() + TimeDelta::seconds(i as i64);
        let state = states.last().unwrap().clone();
        let cmd = step.resolve(&state);
        let outcome = decide(&state, &cmd, at);
        assert_eq!(outcome, decide(&state, &cmd, at), "decide is deterministic");
        if let Ok(new) = outcome {
            for event in new {
                states.push(evolve(states.last().unwrap().clone(), &event));
                events.push(event);
            }
        }
    }
    (events, states)
}

fn assert_invariants(order: &Order) {
    let Some(status) = order.status else {
        assert_eq!(order.version, 0);
        return;
    };
    assert!(!order.items.is_empty(), "an order keeps at least one line");
    for (i, line) in order.items.iter().enumerate() {
        assert!(line.quantity >= 1);
        assert!(!line.unit_price.is_sign_negative() || line.unit_price.is_zero());
        assert!(
            order.items[..i].iter().all(|l| l.sku != line.sku),
            "SKUs are unique"
        );
    }
    match status {
        OrderStatus::Pending => assert!(order.payment.is_none()),
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered => {
            assert!(order.payment.is_some());
        }
        // Cancelling is allowed before and after paying.
        OrderStatus::Cancelled => {}
    }
    if let Some(payment) = &order.payment {
        assert_eq!(
            payment.amount,
            order.total(),
            "items cannot change once paid"
        );
    }
    let summary = OrderSummary::from_order(order).unwrap();
    assert_eq!(summary.version, order.version);
    assert_eq!(summary.line_count, order.items.len() as u64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn folding_a_prefix_equals_the_incremental_state(steps in steps_strategy()) {
        let (events, states) = run(&steps);
        prop_assert_eq!(states.len(), events.len() + 1);
        for (n, state) in states.iter().enumerate() {
            prop_assert_eq!(state.version, n as u64);
            prop_assert_eq!(&Order::replay(ID, &events[..n]), state);
            assert_invariants(state);
        }
    }

    #[test]
    fn every_event_survives_a_stored_round_trip(steps in steps_strategy()) {
        let (events, _) = run(&steps);
        for event in events {
            let decoded = OrderEvent::decode(
                event.event_type(),
                event.schema_version(),
                &event.payload_json(),
                &UpcastContext::default(),
            );
            prop_assert_eq!(decoded, Ok(event));
        }
    }

    #[test]
    fn every_state_survives_a_snapshot_round_trip(steps in steps_strategy()) {
        let (_, states) = run(&steps);
        for state in states {
            let json = serde_json::to_string(&state).unwrap();
            let back: Order = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, state);
        }
    }

    #[test]
    fn decode_never_panics_on_garbage(
        event_type in prop::sample::select(vec![
            "OrderCreated", "ItemAdded", "ItemRemoved", "OrderPaid",
            "OrderShipped", "OrderDelivered", "OrderCancelled", "Nope", "",
        ]),
        version in 0_u32..4,
        json in any::<String>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let ctx = UpcastContext::default();
        let _ = OrderEvent::decode(event_type, version, &json, &ctx);
        // Truncated real payloads are the likelier corruption.
        let cut_at = cut.index(CREATED_V1.len() + 1);
        let _ = OrderEvent::decode(event_type, version, &CREATED_V1[..cut_at], &ctx);
    }
}
