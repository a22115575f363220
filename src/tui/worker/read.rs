//! The worker's reads: the read-side service's views, formatted for the panes.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Deps;
use crate::app::AppError;
use crate::app::read::{EventView, OrderListing};
use crate::store::OrderPageQuery;
use crate::text::printable;
use crate::tui::action::{DivergenceView, Loaded, OrdersPage, StreamWindow};
use crate::tui::fields::event_summary;
use crate::tui::state::{EventRow, HeadInfo, OrderRow, STREAM_WINDOW};

/// Correlated events shown at most.
const CORRELATED_LIMIT: u32 = 500;

fn order_row(o: OrderListing) -> OrderRow {
    let total = match (&o.total, &o.currency) {
        (Some(t), Some(c)) => format!("{t} {c}"),
        _ => String::new(),
    };
    OrderRow {
        status: o.status,
        total: printable(&total),
        customer: printable(&o.customer_id),
        version: o.version,
        class: o.class,
        behind: o.behind,
        id: o.order_id,
    }
}

/// A page of orders, each classified against its replay.
pub(super) async fn orders(deps: &Deps, query: &OrderPageQuery) -> Result<Loaded, AppError> {
    let page = deps.services.read.orders_page(query).await?;
    Ok(Loaded::Orders(OrdersPage {
        rows: page.rows.into_iter().map(order_row).collect(),
        next: page.next,
    }))
}

fn event_row(e: &EventView) -> EventRow {
    let summary = match (&e.event, &e.error) {
        (Some(ev), _) => printable(&event_summary(ev)),
        // A corrupt event shows its error and the row as stored.
        (None, error) => printable(&format!(
            "⚠ {} · stored: {}",
            error.as_deref().unwrap_or("does not decode"),
            e.payload
        )),
    };
    EventRow {
        version: e.version,
        position: e.global_position,
        event_type: printable(&e.event_type),
        summary,
        recorded_at: e.recorded_at,
    }
}

/// A window of `STREAM_WINDOW` events around `around` (the head when `None`).
pub(super) async fn stream(
    deps: &Deps,
    order: &str,
    around: Option<u64>,
) -> Result<Loaded, AppError> {
    let w = deps
        .services
        .read
        .stream_window(order, around, STREAM_WINDOW)
        .await?;
    Ok(Loaded::Stream(StreamWindow {
        order: w.order_id,
        head: w.head,
        rows: w.events.iter().map(event_row).collect(),
        cursor: w.cursor,
    }))
}

/// Read model vs replay for one order, with explain's verdict as lines.
pub(super) async fn divergence(deps: &Deps, order: &str) -> Result<Loaded, AppError> {
    let d = deps.services.read.divergence(order).await?;
    let mut lines = Vec::new();
    let mut parted_at = None;
    if let Some(c) = &d.corrupt {
        lines.push(format!("event #{} does not decode:", c.global_position));
        lines.push(printable(&c.error));
    }
    if let Some(e) = &d.explanation {
        if let Some(p) = &e.first_divergence {
            parted_at = Some(p.version);
            lines.push(format!(
                "parted at v{} {} #{}",
                p.version,
                printable(&p.event_type),
                p.global_position
            ));
            if let Some(err) = &p.error {
                lines.push(format!("projection failed: {}", printable(err)));
            }
            for f in &p.fields {
                lines.push(format!(
                    "  {}: projection {} ≠ replay {}",
                    f.field,
                    printable(&f.read_model),
                    printable(&f.replay)
                ));
            }
        } else if !e.row_changed_outside.is_empty() {
            lines.push("projection and replay agree at every event:".into());
            lines.push("the row was changed outside the projector".into());
        } else {
            lines.push("projection and replay agree at every event".into());
        }
    }
    Ok(Loaded::Divergence(Box::new(DivergenceView {
        order: d.order_id,
        class: d.class,
        behind: d.behind,
        row_version: d.row_version,
        fields: d
            .fields
            .into_iter()
            .map(|mut f| {
                f.read_model = printable(&f.read_model);
                f.replay = printable(&f.replay);
                f
            })
            .collect(),
        explain: lines,
        parted_at,
    })))
}

/// The log head, the projector's checkpoint, dead letters, and the open stream's head.
pub(super) async fn poll(deps: &Deps, order: Option<&str>) -> Result<Loaded, AppError> {
    let h = deps.services.read.head(order).await?;
    Ok(Loaded::Head {
        info: HeadInfo::from_head(&h),
        stream_head: h.stream_head,
    })
}

fn pretty(text: &str) -> Vec<String> {
    let shown = match serde_json::from_str::<Value>(text) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string()),
        Err(e) => format!("(not JSON: {e})\n{text}"),
    };
    // serde_json escapes control characters inside strings; raw text is escaped here.
    shown
        .lines()
        .map(|l| format!("  {}", printable(l)))
        .collect()
}

/// The W3C trace id in an event's metadata as stored; `—` when it carries none (or the
/// metadata does not parse: the metadata section below says why). A value someone stored
/// by hand that is not a string is shown as its JSON.
fn trace_id(metadata: &str) -> String {
    match serde_json::from_str::<Value>(metadata)
        .ok()
        .and_then(|v| v.get("trace_id").cloned())
    {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) => printable(&s),
        Some(other) => printable(&other.to_string()),
    }
}

/// The stored event: as stored, as upcast to the current schema, and its metadata.
pub(super) async fn raw(deps: &Deps, order: &str, version: u64) -> Result<Loaded, AppError> {
    let e = deps.services.read.raw_event(order, version).await?;
    let mut lines = vec![
        format!(
            "event #{} · {} v{} · {} (schema v{})",
            e.global_position,
            e.order_id,
            e.version,
            printable(&e.event_type),
            e.schema_version
        ),
        format!("recorded {}", e.recorded_at.to_rfc3339()),
        format!("trace {}", trace_id(&e.metadata)),
        String::new(),
        "as stored:".into(),
    ];
    lines.extend(pretty(&e.payload));
    lines.push(String::new());
    match (&e.upcast, &e.error) {
        (Some(u), _) => {
            lines.push(format!(
                "as upcast ({} schema v{}):",
                u.event_type, u.schema_version
            ));
            lines.extend(pretty(&u.payload));
        }
        (None, err) => lines.push(format!(
            "does not decode: {}",
            printable(err.as_deref().unwrap_or("unknown error"))
        )),
    }
    lines.push(String::new());
    lines.push("metadata:".into());
    lines.extend(pretty(&e.metadata));
    Ok(Loaded::Raw(lines))
}

/// Events sharing the correlation id of one event, across orders.
pub(super) async fn correlated(deps: &Deps, order: &str, version: u64) -> Result<Loaded, AppError> {
    let c = deps
        .services
        .read
        .correlated(order, version, CORRELATED_LIMIT)
        .await?;
    Ok(Loaded::Correlated {
        correlation_id: printable(&c.correlation_id),
        rows: c
            .events
            .into_iter()
            .map(|e| {
                (
                    e.order_id,
                    e.version,
                    printable(&e.event_type),
                    e.recorded_at,
                )
            })
            .collect(),
    })
}

/// The last version at or before a time.
pub(super) async fn version_at(
    deps: &Deps,
    order: &str,
    at: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    let v = deps.services.read.version_at(order, at).await?;
    Ok(Loaded::Jump(Some(v)))
}
