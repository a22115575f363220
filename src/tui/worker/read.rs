//! The worker's reads: the read-side service's views, formatted for the panes.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::Deps;
use crate::app::AppError;
use crate::app::read::{ClassFilter, EventView, OrderListing, StreamWindow as Window, Towards};
use crate::domain::{Currency, OrderEvent};
use crate::store::{OrderFilter, OrderPageQuery, OrderSort};
use crate::text::printable;
use crate::tui::action::{
    Correlate, Direction, DivergenceView, Found, Hit, Loaded, OrdersPage, StreamWindow,
};
use crate::tui::fields::event_summary;
use crate::tui::format::money;
use crate::tui::prompt::AtTarget;
use crate::tui::state::{EventRow, HeadInfo, OrderRow, STREAM_WINDOW};

/// Correlated events shown at most.
const CORRELATED_LIMIT: u32 = 500;

/// A listed total in its currency's notation; as it came when it does not parse.
fn listed_total(total: &str, currency: &str) -> String {
    match (total.parse::<Decimal>(), currency.parse::<Currency>()) {
        (Ok(t), Ok(c)) => format!("{} {currency}", money(t, Some(c))),
        _ => format!("{total} {currency}"),
    }
}

fn order_row(o: OrderListing) -> OrderRow {
    let total = match (&o.total, &o.currency) {
        (Some(t), Some(c)) => listed_total(t, c),
        _ => String::new(),
    };
    OrderRow {
        status: o.status,
        total: printable(&total),
        customer: printable(&o.customer_id),
        version: o.version,
        updated: o.updated_at,
        class: o.class,
        behind: o.behind,
        id: o.order_id,
    }
}

/// A page of orders, each classified against its replay (of the classes asked for, when
/// asked). With a `lead` (a jump's order), the page starts at that order and goes on with
/// the query's orders after it in the query's sort, so the list shows where the jump
/// landed and the next move continues from there. The lead is listed even when the filter
/// would leave it out: it is what the operator is looking at.
pub(super) async fn orders(
    deps: &Deps,
    query: &OrderPageQuery,
    class: Option<ClassFilter>,
    lead: Option<&str>,
) -> Result<Loaded, AppError> {
    let read = &deps.services.read;
    let page_of = |q: OrderPageQuery| async move {
        match class {
            Some(c) => read.orders_of_class(c, &q).await,
            None => read.orders_page(&q).await,
        }
    };
    let mut rows = Vec::new();
    let mut query = query.clone();
    if let Some(id) = lead {
        let own = OrderPageQuery {
            filter: OrderFilter::IdPrefix(id.to_string()),
            after: None,
            limit: 1,
            ..query.clone()
        };
        // The lead's own row, whatever its class, and its key in the list's sort, which the
        // rest of the page starts after.
        let found = read.orders_page(&own).await?;
        if let Some(row) = found.rows.into_iter().find(|r| r.order_id == id) {
            query.after = Some(read.order_key(id, query.sort).await?);
            rows.push(order_row(row));
            query.limit = query.limit.saturating_sub(1).max(1);
        }
    }
    let page = page_of(query).await?;
    rows.extend(
        page.rows
            .into_iter()
            .filter(|r| Some(r.order_id.as_str()) != lead)
            .map(order_row),
    );
    Ok(Loaded::Orders(OrdersPage {
        rows,
        next: page.next,
        source: page.source,
    }))
}

/// `]` / `[`: the next out-of-sync order from `from` in the list's sort.
pub(super) async fn next_out_of_sync(
    deps: &Deps,
    sort: OrderSort,
    from: Option<&str>,
    towards: Towards,
) -> Result<Loaded, AppError> {
    let found = deps
        .services
        .read
        .next_out_of_sync(sort, from, towards)
        .await?;
    Ok(Loaded::OutOfSync(found, towards))
}

fn event_row(e: &EventView, currency: Option<Currency>) -> EventRow {
    let summary = match (&e.event, &e.error) {
        (Some(ev), _) => printable(&event_summary(ev, currency)),
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

/// A window of `STREAM_WINDOW` events around `around` (the head when `None`), of the
/// stream as of `as_of` when historical.
pub(super) async fn stream_window(
    deps: &Deps,
    order: &str,
    around: Option<u64>,
    as_of: Option<i64>,
) -> Result<Window, AppError> {
    deps.services
        .read
        .stream_window_at(order, around, STREAM_WINDOW, as_of)
        .await
}

/// The currency of the order a window shows, when the window holds its creation.
pub(super) fn created_currency(w: &Window) -> Option<Currency> {
    w.events.iter().find_map(|e| match &e.event {
        Some(OrderEvent::Created(c)) => Some(c.currency),
        _ => None,
    })
}

/// A window as the stream pane's rows, amounts in the order's currency.
pub(super) fn stream(w: Window, currency: Option<Currency>) -> Loaded {
    Loaded::Stream(StreamWindow {
        rows: w.events.iter().map(|e| event_row(e, currency)).collect(),
        order: w.order_id,
        head: w.head,
        cursor: w.cursor,
    })
}

/// The next event matching `needle` from `from` in `direction`; when none is left that
/// way, the search goes on from the other end of the stream, so `n` past the last match
/// comes round to the first instead of finding nothing.
pub(super) async fn search(
    deps: &Deps,
    order: &str,
    from: u64,
    needle: &str,
    direction: Direction,
) -> Result<Loaded, AppError> {
    let read = &deps.services.read;
    let forward = direction == Direction::Forward;
    let hit = if let Some(v) = read.find_in_stream(order, from, needle, forward).await? {
        Hit::Next(v)
    } else {
        // After version 0 going forward, before any version going back.
        let other_end = if forward { 0 } else { u64::MAX };
        match read
            .find_in_stream(order, other_end, needle, forward)
            .await?
        {
            Some(v) => Hit::Wrapped(v),
            None => Hit::Nothing,
        }
    };
    Ok(Loaded::Found(Found {
        order: order.to_string(),
        needle: needle.to_string(),
        from,
        direction,
        hit,
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
    // A lagging row is compared as of its own version: against the head, every event it has
    // not applied yet would read as a field it got wrong.
    let (fields, compared_at, unapplied) = match d.lag {
        Some(lag) => (lag.fields, Some(lag.compared_at), lag.unapplied),
        None => (d.fields, None, Vec::new()),
    };
    Ok(Loaded::Divergence(Box::new(DivergenceView {
        order: d.order_id,
        class: d.class,
        behind: d.behind,
        row_version: d.row_version,
        stream_version: d.stream_version,
        compared_at,
        unapplied: unapplied
            .into_iter()
            .map(|mut e| {
                e.event_type = printable(&e.event_type);
                e
            })
            .collect(),
        fields: fields
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
pub(super) async fn poll(
    deps: &Deps,
    order: Option<&str>,
    as_of: Option<i64>,
) -> Result<Loaded, AppError> {
    let read = &deps.services.read;
    let h = read.head(order).await?;
    // A historical view's stream ends where the log did then, however it grew since.
    let stream_head = match (order, as_of) {
        (Some(o), Some(p)) => Some(read.version_at_position(o, p).await?),
        _ => h.stream_head,
    };
    Ok(Loaded::Head {
        info: HeadInfo::from_head(&h),
        stream_head,
    })
}

/// The point `:at` names: a position, or the last one recorded by a time.
pub(super) async fn resolve_at(deps: &Deps, target: AtTarget) -> Result<Loaded, AppError> {
    let read = &deps.services.read;
    let at = match target {
        AtTarget::Position(p) => read.as_of_position(p).await?,
        AtTarget::Time(t) => read.as_of_time(t).await?,
        AtTarget::Now => {
            return Err(AppError::BadInput("`at now` needs no lookup".into()));
        }
    };
    Ok(Loaded::AsOf(at))
}

/// A page of the log as of `position`, in id order: the filter applies to the states
/// then; classes are refused (the read model keeps no past to compare with).
pub(super) async fn orders_at(
    deps: &Deps,
    position: i64,
    query: &OrderPageQuery,
    class: Option<ClassFilter>,
) -> Result<Loaded, AppError> {
    if class.is_some() {
        return Err(AppError::BadInput(
            "class: compares with the read model, which keeps no past (:at now returns)".into(),
        ));
    }
    let prefix = match &query.filter {
        OrderFilter::IdPrefix(p) => p.as_str(),
        _ => "",
    };
    let after = query.after.as_ref().map(|k| k.order_id().to_string());
    let page = deps
        .services
        .read
        .orders_at(position, prefix, after.as_deref(), query.limit)
        .await?;
    let keep = |r: &OrderListing| match &query.filter {
        OrderFilter::All | OrderFilter::IdPrefix(_) => true,
        OrderFilter::Customer(c) => r.customer_id.starts_with(c.as_str()),
        OrderFilter::Status(s) => r.status.as_deref() == Some(&s.to_string()),
    };
    Ok(Loaded::Orders(OrdersPage {
        rows: page.rows.into_iter().filter(keep).map(order_row).collect(),
        next: page.next,
        source: page.source,
    }))
}

/// JSON pretty-printed, for the upcast payload, which the program wrote itself: its keys
/// come out sorted.
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

/// Stored text exactly as stored, a line per stored line, escaped for the terminal. It is
/// never parsed and written again: that would sort its keys and respace it, and how the
/// event was stored is what this view is for. The overlay splits long lines at its edge.
fn as_stored(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        lines.push(format!("  (not JSON: {})", printable(&e.to_string())));
    }
    lines.extend(text.split('\n').map(|l| format!("  {}", printable(l))));
    lines
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
    lines.extend(as_stored(&e.payload));
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
    lines.push("metadata as stored:".into());
    lines.extend(as_stored(&e.metadata));
    Ok(Loaded::Raw(lines))
}

/// The stored event at a version as one JSON object, for the clipboard.
pub(super) async fn raw_copy(deps: &Deps, order: &str, version: u64) -> Result<Loaded, AppError> {
    let e = deps.services.read.raw_event(order, version).await?;
    Ok(Loaded::ToCopy(
        crate::tui::clipboard::stored_event(&e.payload, &e.metadata),
        format!("event #{} as stored", e.global_position),
    ))
}

/// Events sharing the correlation id of one event, across orders.
pub(super) async fn correlated(
    deps: &Deps,
    order: &str,
    version: u64,
    purpose: Correlate,
) -> Result<Loaded, AppError> {
    let c = deps
        .services
        .read
        .correlated(order, version, CORRELATED_LIMIT)
        .await?;
    Ok(Loaded::Correlated {
        // As stored: the overlay's title escapes it, and `:export` reads the set by it.
        correlation_id: c.correlation_id,
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
        from: (order.to_string(), version),
        purpose,
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
