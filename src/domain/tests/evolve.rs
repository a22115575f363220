//! `evolve` on its own, exact totals, and `OrderSummary`.

use super::*;

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
            items: vec![item("BOOK-1", 3, "12.49"), item("PEN-7", 1, "0.02")],
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
