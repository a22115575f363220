//! Order events: their stored names and schema versions, encoding, and upcasting of old shapes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::item::{LineItem, Sku};
use super::money::Currency;

/// An order's identity (a UUID); it is also the event stream's id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub Uuid);

impl OrderId {
    /// The id as a hyphenated lower-case UUID, the form stored as stream id.
    pub fn to_stream_id(&self) -> String {
        self.0.hyphenated().to_string()
    }
}

/// Why an order id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid order id (expected a UUID such as 3f2a5c1e-...)")]
pub struct InvalidOrderId(pub String);

impl FromStr for OrderId {
    type Err = InvalidOrderId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(OrderId)
            .map_err(|_| InvalidOrderId(super::money::quoted(s)))
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderId({})", self.0)
    }
}

/// `OrderCreated`, schema v2 (v1 had no currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    /// The new order.
    pub order_id: OrderId,
    /// Who ordered.
    pub customer_id: String,
    /// The initial lines.
    pub items: Vec<LineItem>,
    /// The order's currency.
    pub currency: Currency,
    /// When the command was decided.
    pub created_at: DateTime<Utc>,
}

/// `OrderCreated` as schema v1 stored it: no currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreatedV1 {
    /// The new order.
    pub order_id: OrderId,
    /// Who ordered.
    pub customer_id: String,
    /// The initial lines.
    pub items: Vec<LineItem>,
    /// When the command was decided.
    pub created_at: DateTime<Utc>,
}

/// `ItemAdded`: a line added, or more units of an existing line at the same price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAdded {
    /// The line added.
    pub item: LineItem,
    /// When.
    pub at: DateTime<Utc>,
}

/// `ItemRemoved`: the whole line for a SKU removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRemoved {
    /// The SKU removed.
    pub sku: Sku,
    /// When.
    pub at: DateTime<Utc>,
}

/// `OrderPaid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPaid {
    /// Payment method, e.g. `card`.
    pub method: String,
    /// Amount paid, equal to the total.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// When.
    pub at: DateTime<Utc>,
}

/// `OrderShipped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderShipped {
    /// Carrier tracking number.
    pub tracking_number: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// `OrderDelivered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDelivered {
    /// When.
    pub at: DateTime<Utc>,
}

/// `OrderCancelled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every fact that can happen to an order, in its current schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderEvent {
    /// See [`OrderCreated`].
    Created(OrderCreated),
    /// See [`ItemAdded`].
    ItemAdded(ItemAdded),
    /// See [`ItemRemoved`].
    ItemRemoved(ItemRemoved),
    /// See [`OrderPaid`].
    Paid(OrderPaid),
    /// See [`OrderShipped`].
    Shipped(OrderShipped),
    /// See [`OrderDelivered`].
    Delivered(OrderDelivered),
    /// See [`OrderCancelled`].
    Cancelled(OrderCancelled),
}

/// Every stored event type name, in lifecycle order.
pub const EVENT_TYPES: [&str; 7] = [
    "OrderCreated",
    "ItemAdded",
    "ItemRemoved",
    "OrderPaid",
    "OrderShipped",
    "OrderDelivered",
    "OrderCancelled",
];

/// What upcasters need from outside the stored event.
#[derive(Debug, Clone, Copy)]
pub struct UpcastContext {
    /// Currency given to `OrderCreated` v1 events, which predate currencies.
    pub default_currency: Currency,
}

impl Default for UpcastContext {
    fn default() -> Self {
        UpcastContext {
            default_currency: Currency::EUR,
        }
    }
}

/// Why a stored event could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The type name is not one this build knows.
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    /// The schema version is newer than this build, or never existed.
    #[error("unsupported schema version {version} for {event_type}")]
    UnknownVersion {
        /// The stored type name.
        event_type: String,
        /// The stored schema version.
        version: u32,
    },
    /// The stored row is no event at all (its store says why).
    #[error("stored row is unreadable: {0}")]
    Unreadable(String),
    /// The payload does not match the schema.
    #[error("payload of {event_type} v{version} does not decode: {reason}")]
    Payload {
        /// The stored type name.
        event_type: String,
        /// The stored schema version.
        version: u32,
        /// What serde said.
        reason: String,
    },
}

fn payload<T: for<'de> Deserialize<'de>>(
    event_type: &str,
    version: u32,
    json: &str,
) -> Result<T, DecodeError> {
    serde_json::from_str(json).map_err(|e| DecodeError::Payload {
        event_type: event_type.to_string(),
        version,
        reason: e.to_string(),
    })
}

impl OrderEvent {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            OrderEvent::Created(_) => EVENT_TYPES[0],
            OrderEvent::ItemAdded(_) => EVENT_TYPES[1],
            OrderEvent::ItemRemoved(_) => EVENT_TYPES[2],
            OrderEvent::Paid(_) => EVENT_TYPES[3],
            OrderEvent::Shipped(_) => EVENT_TYPES[4],
            OrderEvent::Delivered(_) => EVENT_TYPES[5],
            OrderEvent::Cancelled(_) => EVENT_TYPES[6],
        }
    }

    /// The schema version this build writes.
    pub fn schema_version(&self) -> u32 {
        match self {
            OrderEvent::Created(_) => 2,
            _ => 1,
        }
    }

    /// The payload as stored: JSON of the current schema.
    pub fn payload_json(&self) -> String {
        let r = match self {
            OrderEvent::Created(e) => serde_json::to_string(e),
            OrderEvent::ItemAdded(e) => serde_json::to_string(e),
            OrderEvent::ItemRemoved(e) => serde_json::to_string(e),
            OrderEvent::Paid(e) => serde_json::to_string(e),
            OrderEvent::Shipped(e) => serde_json::to_string(e),
            OrderEvent::Delivered(e) => serde_json::to_string(e),
            OrderEvent::Cancelled(e) => serde_json::to_string(e),
        };
        // These types hold only strings, numbers-as-strings and dates: serialising cannot fail.
        r.unwrap_or_else(|_| String::from("{}"))
    }

    /// When the event happened, as decided by the command.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            OrderEvent::Created(e) => e.created_at,
            OrderEvent::ItemAdded(e) => e.at,
            OrderEvent::ItemRemoved(e) => e.at,
            OrderEvent::Paid(e) => e.at,
            OrderEvent::Shipped(e) => e.at,
            OrderEvent::Delivered(e) => e.at,
            OrderEvent::Cancelled(e) => e.at,
        }
    }

    /// Reads a stored event, upcasting old schema versions to the current one.
    pub fn decode(
        event_type: &str,
        version: u32,
        json: &str,
        ctx: &UpcastContext,
    ) -> Result<OrderEvent, DecodeError> {
        let unknown_version = || DecodeError::UnknownVersion {
            event_type: event_type.to_string(),
            version,
        };
        Ok(match (event_type, version) {
            ("OrderCreated", 1) => {
                let v1: OrderCreatedV1 = payload(event_type, version, json)?;
                OrderEvent::Created(upcast_created_v1(v1, ctx))
            }
            ("OrderCreated", 2) => OrderEvent::Created(payload(event_type, version, json)?),
            ("ItemAdded", 1) => OrderEvent::ItemAdded(payload(event_type, version, json)?),
            ("ItemRemoved", 1) => OrderEvent::ItemRemoved(payload(event_type, version, json)?),
            ("OrderPaid", 1) => OrderEvent::Paid(payload(event_type, version, json)?),
            ("OrderShipped", 1) => OrderEvent::Shipped(payload(event_type, version, json)?),
            ("OrderDelivered", 1) => OrderEvent::Delivered(payload(event_type, version, json)?),
            ("OrderCancelled", 1) => OrderEvent::Cancelled(payload(event_type, version, json)?),
            (t, _) if EVENT_TYPES.contains(&t) => return Err(unknown_version()),
            (t, _) => return Err(DecodeError::UnknownType(super::money::quoted(t))),
        })
    }
}

/// `OrderCreated` v1 → v2: the configured default currency is filled in.
pub fn upcast_created_v1(v1: OrderCreatedV1, ctx: &UpcastContext) -> OrderCreated {
    OrderCreated {
        order_id: v1.order_id,
        customer_id: v1.customer_id,
        items: v1.items,
        currency: ctx.default_currency,
        created_at: v1.created_at,
    }
}
