//! The order domain: pure, no IO, no clock. Time comes in as an argument.

mod admit;
mod command;
mod event;
mod item;
pub mod limits;
mod money;
mod order;
mod order_ref;
mod summary;
#[cfg(test)]
mod tests;

pub use admit::{Inadmissible, admit, command_of};
pub use command::{DomainError, OrderCommand, decide};
pub use event::{
    DecodeError, EVENT_TYPES, InvalidOrderId, ItemAdded, ItemRemoved, OrderCancelled, OrderCreated,
    OrderCreatedV1, OrderDelivered, OrderEvent, OrderId, OrderPaid, OrderShipped, UpcastContext,
    upcast_created_v1,
};
pub use item::{ItemSpecError, LineItem, Sku, parse_quantity};
pub use limits::{MAX_QUANTITY, MAX_TEXT_LEN, MAX_UNIT_PRICE, TextField};
pub use money::{AmountError, Currency, UnknownCurrency, parse_amount, quoted};
pub use order::{Order, OrderStatus, Payment, STATE_SCHEMA_VERSION, UnknownStatus, evolve};
pub use order_ref::{IdPrefix, InvalidOrderRef, MIN_PREFIX_DIGITS, OrderRef};
pub use summary::OrderSummary;
