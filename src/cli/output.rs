//! Human and JSON renderings of orders and events.

use std::fmt::Write as _;

use crate::app::CommandOutcome;
use crate::app::read::ListEntry;
use crate::domain::{Order, OrderSummary};
use crate::store::StoredEvent;

pub use crate::text::{human_duration, human_seconds, printable};

/// The order as a block of aligned lines.
pub fn order_text(o: &Order) -> String {
    let mut s = String::new();
    let status = o.status.map_or("-", |st| st.as_str());
    let _ = writeln!(s, "order     {}", o.id);
    let _ = writeln!(s, "version   {}", o.version);
    let _ = writeln!(s, "status    {status}");
    let _ = writeln!(s, "customer  {}", printable(&o.customer_id));
    let _ = writeln!(s, "total     {} {}", o.total(), o.currency);
    let _ = writeln!(s, "items");
    for i in &o.items {
        let _ = writeln!(
            s,
            "  {:<16} x{:<4} @ {:>10} = {:>12}",
            printable(i.sku.as_str()),
            i.quantity,
            i.unit_price,
            i.line_total()
        );
    }
    if let Some(p) = &o.payment {
        let _ = writeln!(
            s,
            "paid      {} {} by {} at {}",
            p.amount,
            o.currency,
            printable(&p.method),
            p.paid_at
        );
    }
    if let Some(t) = &o.tracking_number {
        let _ = writeln!(s, "tracking  {}", printable(t));
    }
    if let Some(r) = &o.cancel_reason {
        let _ = writeln!(s, "cancelled {}", printable(r));
    }
    if let Some(t) = o.created_at {
        let _ = writeln!(s, "created   {t}");
    }
    if let Some(t) = o.updated_at {
        let _ = writeln!(s, "updated   {t}");
    }
    s
}

/// A write's result in words.
pub fn outcome_text(verb: &str, o: &CommandOutcome) -> String {
    let status = o.order.status.map_or("-", |s| s.as_str());
    let again = if o.replayed {
        " (idempotent retry: first result returned, nothing appended)"
    } else {
        ""
    };
    format!(
        "{verb} order {} -> version {}, {status}, total {} {}{again}",
        o.order.id,
        o.order.version,
        o.order.total(),
        o.order.currency
    )
}

/// One event as a line of text.
pub fn event_text(e: &StoredEvent) -> String {
    format!(
        "v{:<6} #{:<8} {}  {} v{}  {}",
        e.version,
        e.global_position,
        e.recorded_at.format("%Y-%m-%d %H:%M:%S"),
        printable(&e.event_type),
        e.schema_version,
        printable(&e.payload)
    )
}

/// A list row in words.
pub fn summary_text(s: &OrderSummary) -> String {
    format!(
        "{}  {:<9}  {:>12} {}  v{:<6} {}",
        s.order_id,
        s.status.as_str(),
        s.total,
        s.currency,
        s.version,
        printable(&s.customer_id)
    )
}

/// A list entry in words: the summary, or the event that no longer decodes.
pub fn entry_text(e: &ListEntry) -> String {
    match e {
        ListEntry::Order(s) => summary_text(s),
        ListEntry::Corrupt { order_id, corrupt } => format!(
            "{order_id}  CORRUPT    event #{} does not decode: {}",
            corrupt.global_position,
            printable(&corrupt.error)
        ),
    }
}
