//! Commands and `decide`: the rules of design §2, pure and clock-free.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::event::{
    ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderDelivered, OrderEvent, OrderPaid,
    OrderShipped,
};
use super::item::{LineItem, Sku};
use super::limits::{MAX_QUANTITY, MAX_UNIT_PRICE, TextField};
use super::money::Currency;
use super::order::{Order, OrderStatus};

/// An intention to change one order; the order id travels beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command")]
pub enum OrderCommand {
    /// Open a new order.
    CreateOrder {
        /// Who orders.
        customer_id: String,
        /// At least one line.
        items: Vec<LineItem>,
        /// The order's currency.
        currency: Currency,
    },
    /// Add a line, or units of an existing line at the same price.
    AddItem {
        /// The line.
        item: LineItem,
    },
    /// Remove the whole line of a SKU.
    RemoveItem {
        /// The SKU.
        sku: Sku,
    },
    /// Pay the exact total.
    PayOrder {
        /// Payment method.
        method: String,
        /// Must equal the total.
        #[serde(with = "rust_decimal::serde::str")]
        amount: Decimal,
    },
    /// Hand to a carrier.
    ShipOrder {
        /// Non-empty tracking number.
        tracking_number: String,
    },
    /// Confirm delivery.
    DeliverOrder,
    /// Cancel while pending or paid.
    CancelOrder {
        /// Why.
        reason: String,
    },
}

impl OrderCommand {
    /// The command's name as in design §2.
    pub fn name(&self) -> &'static str {
        match self {
            OrderCommand::CreateOrder { .. } => "CreateOrder",
            OrderCommand::AddItem { .. } => "AddItem",
            OrderCommand::RemoveItem { .. } => "RemoveItem",
            OrderCommand::PayOrder { .. } => "PayOrder",
            OrderCommand::ShipOrder { .. } => "ShipOrder",
            OrderCommand::DeliverOrder => "DeliverOrder",
            OrderCommand::CancelOrder { .. } => "CancelOrder",
        }
    }
}

/// A rule said no; nothing is appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// `CreateOrder` on an order that exists.
    #[error("order already exists")]
    AlreadyExists,
    /// Any other command on an order that does not exist.
    #[error("order does not exist")]
    NotFound,
    /// `CreateOrder` without items.
    #[error("an order needs at least one item")]
    NoItems,
    /// Quantity below one.
    #[error("quantity of {0} must be at least 1")]
    InvalidQuantity(Sku),
    /// More units than `MAX_QUANTITY`, or a price above `MAX_UNIT_PRICE`.
    #[error("{0}: at most 1000000 units of a SKU, at a unit price of at most 1000000000000")]
    TooLarge(Sku),
    /// Unit price below zero.
    #[error("unit price of {0} must not be negative")]
    NegativePrice(Sku),
    /// The same SKU twice in one `CreateOrder`.
    #[error("SKU {0} is listed more than once")]
    DuplicateSku(Sku),
    /// `AddItem` of a SKU already in the order at another price.
    #[error("SKU {sku} is already in the order at {existing}; remove it first to change its price")]
    PriceChanged {
        /// The SKU.
        sku: Sku,
        /// Its current unit price.
        existing: Decimal,
    },
    /// `RemoveItem` of a SKU not in the order.
    #[error("SKU {0} is not in the order")]
    SkuNotInOrder(Sku),
    /// `RemoveItem` of the only line.
    #[error("cannot remove {0}: an order keeps at least one item")]
    LastItem(Sku),
    /// The command is not allowed in the order's status.
    #[error("cannot {action} an order that is {status}")]
    InvalidStatus {
        /// What was attempted, e.g. `pay`.
        action: &'static str,
        /// The order's status.
        status: OrderStatus,
    },
    /// The order's total does not fit a decimal (only events written behind the
    /// application's back can make such an order): it cannot be paid.
    #[error("the order's total is too large to compute")]
    TotalTooLarge,
    /// `PayOrder` with an amount other than the total.
    #[error("amount {amount} does not equal the order total {total}")]
    AmountMismatch {
        /// Offered.
        amount: Decimal,
        /// Owed.
        total: Decimal,
    },
    /// A required text field is blank, too long, or holds a control, invisible or bidi
    /// character.
    #[error(
        "{0} must be 1-{max} characters, none of them control, invisible or bidi characters",
        max = .0.max_len()
    )]
    BadText(TextField),
}

impl DomainError {
    /// True when the command's input has the wrong shape (a blank, over-long or
    /// control-character text field): bad input, not a lifecycle rule.
    pub fn is_malformed_input(&self) -> bool {
        matches!(self, DomainError::BadText(_))
    }
}

fn text(field: TextField, value: &str) -> Result<String, DomainError> {
    field.admit(value).ok_or(DomainError::BadText(field))
}

fn check_item(item: &LineItem) -> Result<(), DomainError> {
    if item.quantity < 1 {
        return Err(DomainError::InvalidQuantity(item.sku.clone()));
    }
    if item.quantity > MAX_QUANTITY || item.unit_price > MAX_UNIT_PRICE {
        return Err(DomainError::TooLarge(item.sku.clone()));
    }
    if item.unit_price.is_sign_negative() && !item.unit_price.is_zero() {
        return Err(DomainError::NegativePrice(item.sku.clone()));
    }
    Ok(())
}

fn require(
    order: &Order,
    action: &'static str,
    allowed: &[OrderStatus],
) -> Result<(), DomainError> {
    let status = order.status.ok_or(DomainError::NotFound)?;
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(DomainError::InvalidStatus { action, status })
    }
}

/// Decides what happens when `cmd` meets `order` at time `now`.
pub fn decide(
    order: &Order,
    cmd: &OrderCommand,
    now: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, DomainError> {
    use OrderStatus::{Paid, Pending, Shipped};
    let event = match cmd {
        OrderCommand::CreateOrder {
            customer_id,
            items,
            currency,
        } => {
            if order.exists() {
                return Err(DomainError::AlreadyExists);
            }
            let customer_id = text(TextField::CustomerId, customer_id)?;
            if items.is_empty() {
                return Err(DomainError::NoItems);
            }
            for (i, item) in items.iter().enumerate() {
                check_item(item)?;
                if items[..i].iter().any(|prev| prev.sku == item.sku) {
                    return Err(DomainError::DuplicateSku(item.sku.clone()));
                }
            }
            OrderEvent::Created(OrderCreated {
                order_id: order.id,
                customer_id,
                items: items.clone(),
                currency: *currency,
                created_at: now,
            })
        }
        OrderCommand::AddItem { item } => {
            require(order, "add items to", &[Pending])?;
            check_item(item)?;
            if let Some(line) = order.items.iter().find(|l| l.sku == item.sku) {
                if line.unit_price != item.unit_price {
                    return Err(DomainError::PriceChanged {
                        sku: item.sku.clone(),
                        existing: line.unit_price,
                    });
                }
                if line.quantity.saturating_add(item.quantity) > MAX_QUANTITY {
                    return Err(DomainError::TooLarge(item.sku.clone()));
                }
            }
            OrderEvent::ItemAdded(ItemAdded {
                item: item.clone(),
                at: now,
            })
        }
        OrderCommand::RemoveItem { sku } => {
            require(order, "remove items from", &[Pending])?;
            if !order.items.iter().any(|l| &l.sku == sku) {
                return Err(DomainError::SkuNotInOrder(sku.clone()));
            }
            if order.items.len() == 1 {
                return Err(DomainError::LastItem(sku.clone()));
            }
            OrderEvent::ItemRemoved(ItemRemoved {
                sku: sku.clone(),
                at: now,
            })
        }
        OrderCommand::PayOrder { method, amount } => {
            require(order, "pay", &[Pending])?;
            let method = text(TextField::PaymentMethod, method)?;
            let total = order.checked_total().ok_or(DomainError::TotalTooLarge)?;
            if *amount != total {
                return Err(DomainError::AmountMismatch {
                    amount: *amount,
                    total,
                });
            }
            OrderEvent::Paid(OrderPaid {
                method,
                amount: *amount,
                at: now,
            })
        }
        OrderCommand::ShipOrder { tracking_number } => {
            require(order, "ship", &[Paid])?;
            OrderEvent::Shipped(OrderShipped {
                tracking_number: text(TextField::TrackingNumber, tracking_number)?,
                at: now,
            })
        }
        OrderCommand::DeliverOrder => {
            require(order, "deliver", &[Shipped])?;
            OrderEvent::Delivered(OrderDelivered { at: now })
        }
        OrderCommand::CancelOrder { reason } => {
            require(order, "cancel", &[Pending, Paid])?;
            OrderEvent::Cancelled(OrderCancelled {
                reason: text(TextField::CancelReason, reason)?,
                at: now,
            })
        }
    };
    Ok(vec![event])
}
