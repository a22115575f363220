//! Views of an order's replayed state and of a command's result, as adapters show them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::RowItem;
use crate::app::CommandOutcome;
use crate::domain::{Order, OrderEvent, OrderStatus};

/// How an order was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentView {
    /// Payment method.
    pub method: String,
    /// Amount (decimal string).
    pub amount: String,
    /// When.
    pub paid_at: DateTime<Utc>,
}

/// An order's state (at a version), replayed from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderView {
    /// The order.
    pub order_id: String,
    /// Who ordered.
    pub customer_id: String,
    /// Status (`None` before it was created).
    pub status: Option<&'static str>,
    /// Currency code.
    pub currency: String,
    /// Total (decimal string).
    pub total: String,
    /// The lines.
    pub items: Vec<RowItem>,
    /// The payment, once paid.
    pub payment: Option<PaymentView>,
    /// Tracking number, once shipped.
    pub tracking_number: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// When created.
    pub created_at: Option<DateTime<Utc>>,
    /// When last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// When shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// When delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The version this state is at.
    pub version: u64,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        OrderView {
            order_id: o.id.to_string(),
            customer_id: o.customer_id.clone(),
            status: o.status.map(OrderStatus::as_str),
            currency: o.currency.code().to_string(),
            total: o.total().to_string(),
            items: o.items.iter().map(RowItem::from).collect(),
            payment: o.payment.as_ref().map(|p| PaymentView {
                method: p.method.clone(),
                amount: p.amount.to_string(),
                paid_at: p.paid_at,
            }),
            tracking_number: o.tracking_number.clone(),
            cancel_reason: o.cancel_reason.clone(),
            created_at: o.created_at,
            updated_at: o.updated_at,
            shipped_at: o.shipped_at,
            delivered_at: o.delivered_at,
            cancelled_at: o.cancelled_at,
            version: o.version,
        }
    }
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeView {
    /// The order.
    pub order_id: String,
    /// Its version after the command.
    pub version: u64,
    /// Its status after the command.
    pub status: Option<&'static str>,
    /// Its total after the command (decimal string).
    pub total: String,
    /// Types of the events appended (none for an idempotent replay).
    pub events: Vec<&'static str>,
    /// True when an idempotency key returned the first result.
    pub replayed: bool,
}

impl From<&CommandOutcome> for OutcomeView {
    fn from(o: &CommandOutcome) -> Self {
        OutcomeView {
            order_id: o.order.id.to_string(),
            version: o.order.version,
            status: o.order.status.map(OrderStatus::as_str),
            total: o.order.total().to_string(),
            events: o.events.iter().map(OrderEvent::event_type).collect(),
            replayed: o.replayed,
        }
    }
}
