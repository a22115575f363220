//! The read-model projection: how each event changes an `order_summary` row.
//!
//! Written the way a projection is written, field by field on the row, not by replaying the
//! domain: the divergence check exists to catch where the two disagree.

use rust_decimal::Decimal;

use crate::domain::OrderStatus;
use crate::domain::{DecodeError, LineItem, OrderEvent};
use crate::store::{Stored, StoredEvent, SummaryRow};

mod lines;

/// Widest tracking number the read model holds: the domain's own limit. The projection checks
/// it still, for events written before the limit or behind the application's back.
pub use crate::domain::limits::MAX_TRACKING_LEN;

/// Why an event could not be applied to the read model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// The stored payload no longer decodes.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// An event other than `OrderCreated` for an order without a row.
    #[error("no row for order {order_id}: {event_type} cannot come before OrderCreated")]
    NoRow {
        /// The order.
        order_id: String,
        /// The event.
        event_type: String,
    },
    /// `OrderCreated` for an order that has a row.
    #[error("order {0} already has a row")]
    RowExists(String),
    /// A tracking number wider than the read model's column.
    #[error(
        "tracking number of {0} characters does not fit the read model (at most {MAX_TRACKING_LEN})"
    )]
    TrackingTooLong(usize),
    /// The lines' total does not fit a decimal.
    #[error("the lines' total is too large to compute")]
    TotalTooLarge,
    /// The row's own lines JSON is unreadable.
    #[error("row lines do not decode: {0}")]
    BadLines(String),
}

/// An event a projection could not apply: why, and the row as it was before it (handed
/// back, so the projector moves rows through the projection instead of copying them).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// Why.
    pub error: ProjectionError,
    /// The row the projection was given, unchanged.
    pub row: Option<SummaryRow>,
}

impl Rejected {
    /// `error`, handing `row` back (boxed: failures are rare, rows are not small).
    pub fn new(error: ProjectionError, row: Option<SummaryRow>) -> Box<Self> {
        Box::new(Rejected { error, row })
    }
}

/// A projection function: the real one is [`project`]; tests plant buggy ones. It takes
/// the row by value and, when it fails, gives it back unchanged in the [`Rejected`].
pub type Projection =
    fn(Option<SummaryRow>, &StoredEvent, &OrderEvent) -> Result<SummaryRow, Box<Rejected>>;

/// A line as the read model keeps it (the JSON of a `LineItem`): the SKU was validated when
/// the event was decided and is not validated again on every event that touches the row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
    #[serde(with = "rust_decimal::serde::str")]
    unit_price: Decimal,
}

impl From<&LineItem> for Line {
    fn from(i: &LineItem) -> Self {
        Line {
            sku: i.sku.as_str().to_string(),
            quantity: i.quantity,
            unit_price: i.unit_price,
        }
    }
}

/// A row's lines as `SKU×QTY@PRICE` in stored order, for comparing with a replay's items,
/// or the parse error when the row's lines JSON does not read.
pub fn row_lines(row: &SummaryRow) -> Result<Vec<(String, u32, Decimal)>, String> {
    lines::read(&row.lines)
        .map(|ls| {
            ls.into_iter()
                .map(|l| (l.sku, l.quantity, l.unit_price))
                .collect()
        })
        .map_err(|e| e.to_string())
}

fn lines_of(row: &SummaryRow) -> Result<Vec<Line>, ProjectionError> {
    lines::read(&row.lines).map_err(|e| ProjectionError::BadLines(e.to_string()))
}

/// The row's lines and what follows from them; a total that does not fit a decimal is an
/// error (the event is dead-lettered), never a wrapped, saturated or panicking sum.
fn set_lines(row: &mut SummaryRow, lines: Vec<Line>) -> Result<(), ProjectionError> {
    let total = lines
        .iter()
        .try_fold(Decimal::ZERO, |acc, l| {
            Decimal::from(l.quantity)
                .checked_mul(l.unit_price)
                .and_then(|t| acc.checked_add(t))
        })
        .ok_or(ProjectionError::TotalTooLarge)?;
    row.total = Stored::Valid(total);
    row.item_count = lines.iter().map(|l| i64::from(l.quantity)).sum();
    row.line_count = lines.len() as i64;
    row.lines = lines::write(lines);
    Ok(())
}

/// Applies one event to an order's row (`None` when it has none yet).
pub fn project(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    let mut row = match (row, event) {
        (Some(row), OrderEvent::Created(_)) => {
            let error = ProjectionError::RowExists(stored.stream_id.clone());
            return Err(Rejected::new(error, Some(row)));
        }
        (None, OrderEvent::Created(c)) => {
            let mut row = SummaryRow {
                order_id: stored.stream_id.clone(),
                customer_id: c.customer_id.clone(),
                status: Stored::Valid(OrderStatus::Pending),
                currency: Stored::Valid(c.currency),
                total: Stored::Valid(Decimal::ZERO),
                item_count: 0,
                line_count: 0,
                tracking_number: None,
                created_at: Stored::Valid(c.created_at),
                updated_at: Stored::Valid(c.created_at),
                lines: String::new(),
                version: 0,
                last_position: 0,
            };
            if let Err(error) = set_lines(&mut row, c.items.iter().map(Line::from).collect()) {
                return Err(Rejected::new(error, None));
            }
            row
        }
        (None, other) => {
            let error = ProjectionError::NoRow {
                order_id: stored.stream_id.clone(),
                event_type: other.event_type().to_string(),
            };
            return Err(Rejected::new(error, None));
        }
        (Some(row), _) => row,
    };
    // Every check comes before the first change: a failing event leaves the row as it was.
    if let Err(error) = change(&mut row, event) {
        return Err(Rejected::new(error, Some(row)));
    }
    row.updated_at = Stored::Valid(event.occurred_at());
    row.version = stored.version as i64;
    row.last_position = stored.global_position;
    Ok(row)
}

/// The event's own change to the row's fields.
fn change(row: &mut SummaryRow, event: &OrderEvent) -> Result<(), ProjectionError> {
    match event {
        OrderEvent::Created(_) => {}
        OrderEvent::ItemAdded(e) => {
            let mut lines = lines_of(row)?;
            match lines.iter_mut().find(|l| l.sku == e.item.sku.as_str()) {
                Some(l) => {
                    l.quantity = l.quantity.saturating_add(e.item.quantity);
                    l.unit_price = e.item.unit_price;
                }
                None => lines.push(Line::from(&e.item)),
            }
            set_lines(row, lines)?;
        }
        OrderEvent::ItemRemoved(e) => {
            let mut lines = lines_of(row)?;
            lines.retain(|l| l.sku != e.sku.as_str());
            set_lines(row, lines)?;
        }
        OrderEvent::Paid(_) => row.status = Stored::Valid(OrderStatus::Paid),
        OrderEvent::Shipped(e) => {
            let len = e.tracking_number.chars().count();
            if len > MAX_TRACKING_LEN {
                return Err(ProjectionError::TrackingTooLong(len));
            }
            row.status = Stored::Valid(OrderStatus::Shipped);
            row.tracking_number = Some(e.tracking_number.clone());
        }
        OrderEvent::Delivered(_) => row.status = Stored::Valid(OrderStatus::Delivered),
        OrderEvent::Cancelled(_) => row.status = Stored::Valid(OrderStatus::Cancelled),
    }
    Ok(())
}

#[cfg(test)]
mod overflow {
    use super::*;
    use crate::domain::{Currency, OrderCreated, OrderId, Sku};

    #[test]
    fn lines_whose_total_does_not_fit_are_refused_not_summed() {
        let event = OrderEvent::Created(OrderCreated {
            order_id: OrderId(uuid::Uuid::from_u128(9)),
            customer_id: "c".into(),
            items: vec![
                LineItem {
                    sku: Sku::new("A").unwrap(),
                    quantity: u32::MAX,
                    unit_price: Decimal::MAX,
                },
                LineItem {
                    sku: Sku::new("B").unwrap(),
                    quantity: 1,
                    unit_price: Decimal::MAX,
                },
            ],
            currency: Currency::EUR,
            created_at: chrono::DateTime::UNIX_EPOCH,
        });
        let stored = StoredEvent {
            global_position: 1,
            stream_id: "s".into(),
            version: 1,
            event_type: event.event_type().into(),
            schema_version: event.schema_version(),
            payload: event.payload_json(),
            metadata: "{}".into(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            fault: None,
        };
        let rejected = project(None, &stored, &event).unwrap_err();
        assert_eq!(rejected.error, ProjectionError::TotalTooLarge);
    }
}
