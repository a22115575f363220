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

/// An event named by its version, type and place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// Its version in its stream.
    pub version: u64,
    /// Its type.
    pub event_type: String,
    /// Its global position.
    pub global_position: i64,
}

/// Events of a lagging row [`Explanation::unapplied`] names at most (`behind` counts all).
pub const MAX_UNAPPLIED: u32 = 5;

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
    /// The stream's version.
    pub stream_version: u64,
    /// Events of the stream after the row's version (every event when there is no row).
    pub behind: u64,
    /// The first of those, oldest first (at most [`MAX_UNAPPLIED`]).
    pub unapplied: Vec<EventRef>,
}

/// Runs `projection` event by event beside the domain's replay and names the first event
/// where they disagree; if none, compares the stored row with the projection's own result.
/// Either way it says how far the row is behind its stream, naming the first events it
/// has not applied.
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
        stream_version: 0,
        behind: 0,
        unapplied: Vec::new(),
    };
    let at_row_version = walk(loader, projection, id, &mut out).await?;
    if out.events == 0 && stored_row.is_none() {
        return Err(AppError::NotFound(format!("order {id}")));
    }
    if let (None, Some(stored), Some(expected)) =
        (&out.first_divergence, &stored_row, &at_row_version)
    {
        out.row_changed_outside = diff_rows(stored, expected);
    }
    lag(loader, &mut out).await?;
    Ok(out)
}

/// Replays the stream into `out` until the projection and the domain part (or the end);
/// returns the projection's row at the stored row's version, when the walk got there.
async fn walk(
    loader: &Loader,
    projection: Projection,
    id: OrderId,
    out: &mut Explanation,
) -> Result<Option<SummaryRow>, AppError> {
    let stream = id.to_stream_id();
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
            let r = match projection(row.take(), e, &event) {
                Err(rejected) => {
                    let error = rejected.error.to_string();
                    out.first_divergence = Some(parting(vec![], Some(error)));
                    return Ok(at_row_version);
                }
                Ok(r) => r,
            };
            if let Some(s) = OrderSummary::from_order(&order) {
                let fields = diff(&r, &s);
                if !fields.is_empty() {
                    out.first_divergence = Some(parting(fields, None));
                    return Ok(at_row_version);
                }
            }
            if out.row_version == Some(r.version) {
                at_row_version = Some(r.clone());
            }
            row = Some(r);
        }
        match page.last() {
            Some(last) if page.len() == 2000 => next = last.version + 1,
            _ => return Ok(at_row_version),
        }
    }
}

/// The stream's version, how far the row is behind it, and the first events it lacks.
async fn lag(loader: &Loader, out: &mut Explanation) -> Result<(), AppError> {
    // A walk that went to the end read the whole stream; one that stopped early did not.
    out.stream_version = if out.first_divergence.is_none() {
        out.events
    } else {
        loader.store().stream_version(&out.order_id).await?
    };
    let applied = out.row_version.map_or(0, |v| v.max(0) as u64);
    out.behind = out.stream_version.saturating_sub(applied);
    if out.behind > 0 {
        out.unapplied = unapplied(loader, &out.order_id, applied).await?;
    }
    Ok(())
}

/// The first events of a stream after version `applied`, oldest first (at most
/// [`MAX_UNAPPLIED`]): what a row at that version has not applied yet.
pub async fn unapplied(
    loader: &Loader,
    stream: &str,
    applied: u64,
) -> Result<Vec<EventRef>, AppError> {
    let events = loader
        .store()
        .read_stream(stream, applied + 1, u64::MAX, MAX_UNAPPLIED)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| EventRef {
            version: e.version,
            event_type: e.event_type,
            global_position: e.global_position,
        })
        .collect())
}
