//! `explain`: the projection run event by event beside the domain's replay.

use serde::Serialize;

use super::diff::{FieldDiff, diff, diff_rows};
use crate::app::error::AppError;
use crate::app::loader::Loader;
use crate::app::projection::Projection;
use crate::domain::{Order, OrderId, OrderSummary, evolve};
use crate::store::{ReadModel, SummaryRow};

/// Where the projection and the domain first disagree for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parting {
    /// The event's version.
    pub version: u64,
    /// Its type.
    pub event_type: String,
    /// Its global position.
    pub global_position: i64,
    /// Fields that differ after it (empty when the projection failed).
    pub fields: Vec<FieldDiff>,
    /// The projection's error, when it could not apply the event.
    pub error: Option<String>,
}

/// What `explain` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The order.
    pub order_id: String,
    /// Events replayed.
    pub events: u64,
    /// The first event where the projection and the replay disagree, if any.
    pub first_divergence: Option<Parting>,
    /// The stored row's version, if it has a row.
    pub row_version: Option<i64>,
    /// Where the stored row differs from the projection's own result at the row's version
    /// (non-empty while they agree throughout: the row was changed outside the projector).
    pub row_changed_outside: Vec<FieldDiff>,
}

/// Runs `projection` event by event beside the domain's replay and names the first event
/// where they disagree; if none, compares the stored row with the projection's own result.
pub async fn explain(
    loader: &Loader,
    read_model: &dyn ReadModel,
    projection: Projection,
    id: OrderId,
) -> Result<Explanation, AppError> {
    let stream = id.to_stream_id();
    let stored_row = read_model
        .rows(std::slice::from_ref(&stream))
        .await?
        .into_iter()
        .next();
    let mut out = Explanation {
        order_id: stream.clone(),
        events: 0,
        first_divergence: None,
        row_version: stored_row.as_ref().map(|r| r.version),
        row_changed_outside: Vec::new(),
    };
    let mut order = Order::empty(id);
    let mut row: Option<SummaryRow> = None;
    let mut at_row_version: Option<SummaryRow> = None;
    let mut next = 1;
    loop {
        let page = loader
            .store()
            .read_stream(&stream, next, u64::MAX, 2000)
            .await?;
        for e in &page {
            let event = loader.decode(e)?;
            order = evolve(order, &event);
            out.events += 1;
            let parting = |fields, error| Parting {
                version: e.version,
                event_type: e.event_type.clone(),
                global_position: e.global_position,
                fields,
                error,
            };
            match projection(row.take(), e, &event) {
                Err(rejected) => {
                    let error = rejected.error.to_string();
                    out.first_divergence = Some(parting(vec![], Some(error)));
                    return Ok(out);
                }
                Ok(r) => {
                    if let Some(s) = OrderSummary::from_order(&order) {
                        let fields = diff(&r, &s);
                        if !fields.is_empty() {
                            out.first_divergence = Some(parting(fields, None));
                            return Ok(out);
                        }
                    }
                    if out.row_version == Some(r.version) {
                        at_row_version = Some(r.clone());
                    }
                    row = Some(r);
                }
            }
        }
        match page.last() {
            Some(last) if page.len() == 2000 => next = last.version + 1,
            _ => break,
        }
    }
    if out.events == 0 && stored_row.is_none() {
        return Err(AppError::NotFound(format!("order {id}")));
    }
    if let (Some(stored), Some(expected)) = (&stored_row, &at_row_version) {
        out.row_changed_outside = diff_rows(stored, expected);
    }
    Ok(out)
}
