//! The worker's reads: pages, windows, divergence, the head, raw events.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Deps, parse_id};
use crate::app::AppError;
use crate::app::divergence::{Class, classify, explain};
use crate::app::metadata::EventMetadata;
use crate::domain::{OrderId, OrderSummary};
use crate::store::{OrderPageQuery, StoredEvent};
use crate::text::printable;
use crate::tui::action::{DivergenceView, Loaded, OrdersPage, StreamWindow};
use crate::tui::fields::event_summary;
use crate::tui::state::{EventRow, HeadInfo, OrderRow, STREAM_WINDOW};

/// Correlated events shown at most.
const CORRELATED_LIMIT: u32 = 500;

/// A page of orders, each classified against its replay (snapshot + tail per order).
pub(super) async fn orders(deps: &Deps, query: &OrderPageQuery) -> Result<Loaded, AppError> {
    let listed = deps.browse.list_orders(query).await?;
    let ids: Vec<String> = listed.iter().map(|l| l.order_id.clone()).collect();
    let rows = deps.read_model.rows(&ids).await?;
    let parked = deps.read_model.blocked_streams().await?;
    let mut out = Vec::with_capacity(listed.len());
    for l in &listed {
        let row = rows.iter().find(|r| r.order_id == l.order_id);
        let order = match l.order_id.parse::<OrderId>() {
            Ok(id) if l.stream_version > 0 => Some(deps.loader.load(id, None).await?),
            _ => None,
        };
        let summary = order.as_ref().and_then(OrderSummary::from_order);
        let check = classify(
            &l.order_id,
            summary.as_ref(),
            l.stream_version,
            row,
            parked.contains(&l.order_id),
        );
        out.push(OrderRow {
            id: l.order_id.clone(),
            status: summary
                .as_ref()
                .map(|s| s.status.to_string())
                .or_else(|| row.map(|r| r.status.clone())),
            total: summary.as_ref().map_or_else(
                || {
                    row.map(|r| format!("{} {}", r.total, r.currency))
                        .unwrap_or_default()
                },
                |s| format!("{} {}", s.total, s.currency.code()),
            ),
            customer: printable(
                &summary
                    .as_ref()
                    .map(|s| s.customer_id.clone())
                    .or_else(|| row.map(|r| r.customer_id.clone()))
                    .unwrap_or_default(),
            ),
            version: l.stream_version,
            class: check.class,
            behind: check.behind,
        });
    }
    let next = (listed.len() >= query.limit as usize)
        .then(|| listed.last().map(|l| l.key.clone()))
        .flatten();
    Ok(Loaded::Orders(OrdersPage { rows: out, next }))
}

fn event_row(deps: &Deps, e: &StoredEvent) -> EventRow {
    let summary = match deps.loader.decode(e) {
        Ok(ev) => printable(&event_summary(&ev)),
        Err(err) => printable(&format!("⚠ {err}")),
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
    let store = deps.loader.store();
    let head = store.stream_version(order).await?;
    if head == 0 {
        return Err(AppError::NotFound(format!("order {order} has no events")));
    }
    let centre = around.unwrap_or(head).clamp(1, head);
    let window = u64::from(STREAM_WINDOW);
    let from = centre
        .saturating_sub(window / 2)
        .min(head.saturating_sub(window - 1))
        .max(1);
    let events = store
        .read_stream(order, from, u64::MAX, STREAM_WINDOW)
        .await?;
    Ok(Loaded::Stream(StreamWindow {
        order: order.to_string(),
        head,
        rows: events.iter().map(|e| event_row(deps, e)).collect(),
        cursor: centre,
    }))
}

/// Read model vs replay for one order, with explain's verdict when they disagree.
pub(super) async fn divergence(deps: &Deps, order: &str) -> Result<Loaded, AppError> {
    let id = parse_id(order)?;
    let state = deps.loader.load(id, None).await?;
    let rows = deps.read_model.rows(&[order.to_string()]).await?;
    let parked = deps.read_model.blocked_streams().await?.contains(order);
    let summary = OrderSummary::from_order(&state);
    let mut check = classify(order, summary.as_ref(), state.version, rows.first(), parked);
    // A lagging or parked row is compared too: the diff shows what it has not caught up on.
    if check.fields.is_empty()
        && let (Some(row), Some(s)) = (rows.first(), summary.as_ref())
    {
        check.fields = crate::app::projection::diff(row, s);
    }
    let mut lines = Vec::new();
    let mut parted_at = None;
    if matches!(check.class, Class::Diverged | Class::Parked) {
        let e = explain(
            &deps.loader,
            deps.read_model.as_ref(),
            deps.projector.projection(),
            id,
        )
        .await?;
        if let Some(p) = &e.first_divergence {
            parted_at = Some(p.version);
            lines.push(format!(
                "parted at v{} {} #{}",
                p.version, p.event_type, p.global_position
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
        order: order.to_string(),
        class: check.class,
        behind: check.behind,
        row_version: rows.first().map(|r| r.version),
        fields: check
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
    let store = deps.loader.store();
    let position = store.head_position().await?;
    let projected = deps.read_model.projector_state().await?.position;
    let dead_letters = deps.read_model.dead_letter_count().await?;
    let stream_head = match order {
        Some(o) => Some(store.stream_version(o).await?),
        None => None,
    };
    Ok(Loaded::Head {
        info: HeadInfo {
            position,
            projected,
            dead_letters,
        },
        stream_head,
    })
}

async fn one_event(deps: &Deps, order: &str, version: u64) -> Result<StoredEvent, AppError> {
    deps.loader
        .store()
        .read_stream(order, version, version, 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(format!("order {order} has no version {version}")))
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

/// The stored event: as stored, as upcast to the current schema, and its metadata.
pub(super) async fn raw(deps: &Deps, order: &str, version: u64) -> Result<Loaded, AppError> {
    let e = one_event(deps, order, version).await?;
    let mut lines = vec![
        format!(
            "event #{} · {} v{} · {} (schema v{})",
            e.global_position,
            e.stream_id,
            e.version,
            printable(&e.event_type),
            e.schema_version
        ),
        format!("recorded {}", e.recorded_at.to_rfc3339()),
        String::new(),
        "as stored:".into(),
    ];
    lines.extend(pretty(&e.payload));
    lines.push(String::new());
    match deps.loader.decode(&e) {
        Ok(ev) => {
            lines.push(format!(
                "as upcast ({} schema v{}):",
                ev.event_type(),
                ev.schema_version()
            ));
            lines.extend(pretty(&ev.payload_json()));
        }
        Err(err) => lines.push(format!("does not decode: {}", printable(&err.to_string()))),
    }
    lines.push(String::new());
    lines.push("metadata:".into());
    lines.extend(pretty(&e.metadata));
    Ok(Loaded::Raw(lines))
}

/// Events sharing the correlation id of one event, across orders.
pub(super) async fn correlated(deps: &Deps, order: &str, version: u64) -> Result<Loaded, AppError> {
    let e = one_event(deps, order, version).await?;
    let meta: EventMetadata = serde_json::from_str(&e.metadata).map_err(|err| {
        AppError::BadInput(format!(
            "event #{} has no readable metadata: {err}",
            e.global_position
        ))
    })?;
    let events = deps
        .browse
        .correlated(&meta.correlation_id, CORRELATED_LIMIT)
        .await?;
    Ok(Loaded::Correlated {
        correlation_id: printable(&meta.correlation_id),
        rows: events
            .into_iter()
            .map(|e| {
                (
                    e.stream_id,
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
    let v = deps.loader.store().version_at_time(order, at).await?;
    if v == 0 {
        return Err(AppError::NotFound(format!(
            "order {order} has no events at or before {}",
            at.format("%Y-%m-%d %H:%M:%S")
        )));
    }
    Ok(Loaded::Jump(Some(v)))
}
