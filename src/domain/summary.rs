//! The read-model row shape, derived purely from an `Order`; the projector and the
//! divergence check both compare against it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::event::OrderId;
use super::item::LineItem;
use super::money::Currency;
use super::order::{Order, OrderStatus};

/// One order as the read model shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// The order.
    pub order_id: OrderId,
    /// Who ordered.
    pub customer_id: String,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Currency of `total`.
    pub currency: Currency,
    /// Sum of the lines.
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
    /// Units over all lines.
    pub item_count: u64,
    /// Number of lines.
    pub line_count: u64,
    /// Carrier tracking number once shipped.
    pub tracking_number: Option<String>,
    /// The lines, in the order they were added.
    pub items: Vec<LineItem>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When the last event happened.
    pub updated_at: DateTime<Utc>,
    /// Stream version the row reflects.
    pub version: u64,
}

impl OrderSummary {
    /// The row for an order, or `None` when the order does not exist.
    pub fn from_order(order: &Order) -> Option<OrderSummary> {
        let status = order.status?;
        let created_at = order.created_at?;
        Some(OrderSummary {
            order_id: order.id,
            customer_id: order.customer_id.clone(),
            status,
            currency: order.currency,
            total: order.total(),
            item_count: order.items.iter().map(|i| u64::from(i.quantity)).sum(),
            line_count: order.items.len() as u64,
            tracking_number: order.tracking_number.clone(),
            items: order.items.clone(),
            created_at,
            updated_at: order.updated_at.unwrap_or(created_at),
            version: order.version,
        })
    }
}
