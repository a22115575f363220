//! Valid domain values, for the round trips: format (or serialise) one, parse it back, get
//! the same value.

use chronicle::domain::{
    Currency, ItemAdded, ItemRemoved, LineItem, OrderCancelled, OrderCreated, OrderDelivered,
    OrderEvent, OrderId, OrderPaid, OrderShipped, Sku,
};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

use super::strings::{arbitrary, nasty, visible_word};

/// ISO 4217 codes, those with 0, 2 and 3 minor units among them.
pub const CURRENCIES: &[&str] = &[
    "EUR", "USD", "GBP", "JPY", "KWD", "CHF", "BHD", "CLP", "ISK", "SEK", "XOF", "ZWG", "AED",
];

pub fn currency() -> BoxedStrategy<Currency> {
    select(CURRENCIES)
        .prop_map(|c| c.parse().expect("a known code"))
        .boxed()
}

/// Any decimal: small ones with a few places, and the whole 96-bit range at every scale.
pub fn decimal(negative: bool) -> BoxedStrategy<Decimal> {
    let neg = if negative {
        any::<bool>().boxed()
    } else {
        Just(false).boxed()
    };
    prop_oneof![
        (any::<u32>(), 0..=4u32, neg.clone())
            .prop_map(|(m, s, n)| Decimal::from_parts(m, 0, 0, n, s)),
        (any::<u32>(), any::<u32>(), any::<u32>(), neg, 0..=28u32)
            .prop_map(|(lo, mid, hi, n, s)| Decimal::from_parts(lo, mid, hi, n, s)),
    ]
    .boxed()
}

pub fn sku() -> BoxedStrategy<Sku> {
    // A word that began with `-` gained a letter: 65 characters at most.
    visible_word(64, false)
        .prop_map(|s| {
            let s: String = s.chars().take(64).collect();
            Sku::new(&s).expect("a visible word is a SKU")
        })
        .boxed()
}

/// A line the spec grammar can write: quantity at least one, price never negative.
pub fn line_item() -> BoxedStrategy<LineItem> {
    (sku(), 1..=u32::MAX, decimal(false))
        .prop_map(|(sku, quantity, unit_price)| LineItem {
            sku,
            quantity,
            unit_price,
        })
        .boxed()
}

pub fn order_id() -> BoxedStrategy<OrderId> {
    any::<u128>()
        .prop_map(|n| OrderId(uuid::Uuid::from_u128(n)))
        .boxed()
}

/// A time between year 0 and 9999, to the nanosecond.
pub fn time() -> impl Strategy<Value = DateTime<Utc>> {
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
    (-62_167_219_200i64..=253_402_300_799, 0..1_000_000_000u32)
        .prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).expect("in chrono's range"))
}

/// Free text as events store it: anything at all, the checks are `decide`'s.
fn text() -> BoxedStrategy<String> {
    prop_oneof![nasty(24), arbitrary(24)].boxed()
}

/// A line as stored: any quantity, any price (stored events are not re-validated).
fn stored_item() -> BoxedStrategy<LineItem> {
    (sku(), any::<u32>(), decimal(true))
        .prop_map(|(sku, quantity, unit_price)| LineItem {
            sku,
            quantity,
            unit_price,
        })
        .boxed()
}

/// An `OrderCreated` of the current schema, whatever its texts hold.
pub fn created() -> BoxedStrategy<OrderCreated> {
    (
        order_id(),
        text(),
        proptest::collection::vec(stored_item(), 0..4),
        currency(),
        time(),
    )
        .prop_map(
            |(order_id, customer_id, items, currency, created_at)| OrderCreated {
                order_id,
                customer_id,
                items,
                currency,
                created_at,
            },
        )
        .boxed()
}

/// Any event but `OrderCreated`.
pub fn later_event() -> BoxedStrategy<OrderEvent> {
    prop_oneof![
        (stored_item(), time())
            .prop_map(|(item, at)| OrderEvent::ItemAdded(ItemAdded { item, at })),
        (sku(), time()).prop_map(|(sku, at)| OrderEvent::ItemRemoved(ItemRemoved { sku, at })),
        (text(), decimal(true), time())
            .prop_map(|(method, amount, at)| OrderEvent::Paid(OrderPaid { method, amount, at })),
        (text(), time()).prop_map(|(tracking_number, at)| OrderEvent::Shipped(OrderShipped {
            tracking_number,
            at
        })),
        time().prop_map(|at| OrderEvent::Delivered(OrderDelivered { at })),
        (text(), time())
            .prop_map(|(reason, at)| OrderEvent::Cancelled(OrderCancelled { reason, at })),
    ]
    .boxed()
}

/// Any event of the current schema, whatever its texts hold (stored events are not
/// re-validated on decode, so neither are these).
pub fn event() -> BoxedStrategy<OrderEvent> {
    prop_oneof![1 => created().prop_map(OrderEvent::Created), 6 => later_event()].boxed()
}
