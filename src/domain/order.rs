//! The order aggregate's state and `evolve`, the only way it changes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::event::{OrderEvent, OrderId};
use super::item::LineItem;
use super::money::Currency;

/// Version of the serialised `Order` kept in snapshots; bump it when `Order` changes shape.
pub const STATE_SCHEMA_VERSION: u32 = 1;

/// Where an order is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Created, items may change.
    Pending,
    /// Paid in full.
    Paid,
    /// Handed to a carrier.
    Shipped,
    /// Received by the customer.
    Delivered,
    /// Cancelled while pending or paid.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    /// The status name as shown and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Paid => "Paid",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a status name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}: expected pending, paid, shipped, delivered or cancelled")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownStatus(super::money::quoted(s)))
    }
}

/// How an order was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Payment method.
    pub method: String,
    /// Amount paid.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// When.
    pub paid_at: DateTime<Utc>,
}

/// An order as replayed from its events; `version` is the number of events applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order (and stream) id.
    pub id: OrderId,
    /// Events applied so far; 0 means the order does not exist yet.
    pub version: u64,
    /// `None` until `OrderCreated`.
    pub status: Option<OrderStatus>,
    /// Who ordered.
    pub customer_id: String,
    /// The order's currency.
    pub currency: Currency,
    /// Lines in the order they were first added.
    pub items: Vec<LineItem>,
    /// Set by `OrderPaid`.
    pub payment: Option<Payment>,
    /// Set by `OrderShipped`.
    pub tracking_number: Option<String>,
    /// Set by `OrderCancelled`.
    pub cancel_reason: Option<String>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When the last event happened.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Order {
    /// The state before any event: the order does not exist.
    pub fn empty(id: OrderId) -> Self {
        Order {
            id,
            version: 0,
            status: None,
            customer_id: String::new(),
            currency: Currency::EUR,
            items: Vec::new(),
            payment: None,
            tracking_number: None,
            cancel_reason: None,
            created_at: None,
            updated_at: None,
            shipped_at: None,
            delivered_at: None,
            cancelled_at: None,
        }
    }

    /// Whether `OrderCreated` has been applied.
    pub fn exists(&self) -> bool {
        self.status.is_some()
    }

    /// Sum of the lines, exact, or `None` when it does not fit a decimal. The limits keep
    /// every order `decide` or `import` admitted far from that; only a state made from
    /// events written behind the application's back can get there. The rules use this.
    pub fn checked_total(&self) -> Option<Decimal> {
        self.items.iter().try_fold(Decimal::ZERO, |acc, i| {
            Decimal::from(i.quantity)
                .checked_mul(i.unit_price)
                .and_then(|l| acc.checked_add(l))
        })
    }

    /// [`Order::checked_total`] for showing: `Decimal::MAX` where it overflows (the rules
    /// never act on this value; `pay` refuses such an order).
    pub fn total(&self) -> Decimal {
        self.checked_total().unwrap_or(Decimal::MAX)
    }

    /// Replays events from the empty state.
    pub fn replay<'a>(id: OrderId, events: impl IntoIterator<Item = &'a OrderEvent>) -> Self {
        events.into_iter().fold(Order::empty(id), evolve)
    }
}

/// Applies one event. Never fails: events are facts, already validated by `decide`.
pub fn evolve(mut order: Order, event: &OrderEvent) -> Order {
    order.version += 1;
    order.updated_at = Some(event.occurred_at());
    match event {
        OrderEvent::Created(e) => {
            order.status = Some(OrderStatus::Pending);
            order.customer_id.clone_from(&e.customer_id);
            order.currency = e.currency;
            order.items.clone_from(&e.items);
            order.created_at = Some(e.created_at);
        }
        OrderEvent::ItemAdded(e) => match order.items.iter_mut().find(|i| i.sku == e.item.sku) {
            Some(line) => {
                line.quantity = line.quantity.saturating_add(e.item.quantity);
                line.unit_price = e.item.unit_price;
            }
            None => order.items.push(e.item.clone()),
        },
        OrderEvent::ItemRemoved(e) => order.items.retain(|i| i.sku != e.sku),
        OrderEvent::Paid(e) => {
            order.status = Some(OrderStatus::Paid);
            order.payment = Some(Payment {
                method: e.method.clone(),
                amount: e.amount,
                paid_at: e.at,
            });
        }
        OrderEvent::Shipped(e) => {
            order.status = Some(OrderStatus::Shipped);
            order.tracking_number = Some(e.tracking_number.clone());
            order.shipped_at = Some(e.at);
        }
        OrderEvent::Delivered(e) => {
            order.status = Some(OrderStatus::Delivered);
            order.delivered_at = Some(e.at);
        }
        OrderEvent::Cancelled(e) => {
            order.status = Some(OrderStatus::Cancelled);
            order.cancel_reason = Some(e.reason.clone());
            order.cancelled_at = Some(e.at);
        }
    }
    order
}
