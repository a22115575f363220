//! Pure helpers the worker and the views share: an order as named fields, what one event
//! changed, and a one-line summary of an event.

use super::format::{count, money};
use crate::domain::{Currency, Order, OrderEvent};

/// How a field differs from the version before the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Unchanged.
    Same,
    /// A new value.
    Changed,
    /// Did not exist before.
    Added,
    /// Existed before, gone now.
    Removed,
}

/// One line of the state pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    /// Field name (`status`, `item SKU-1`).
    pub name: String,
    /// Its value at the cursor (the old value when removed).
    pub value: String,
    /// Its value before the cursor's event, when it changed.
    pub old: Option<String>,
    /// What the cursor's event did to it.
    pub change: Change,
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// The order as `(name, value)` pairs; absent fields are left out.
pub fn order_fields(o: &Order) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            // Stored text may hold control characters: shown escaped, never sent raw.
            out.push((crate::text::printable(name), crate::text::printable(&v)));
        }
    };
    if !o.exists() {
        push("status", Some("(no order yet)".into()));
        return out;
    }
    let currency = Some(o.currency);
    push("status", o.status.map(|s| s.to_string()));
    push("customer", Some(o.customer_id.clone()));
    push(
        "total",
        Some(format!(
            "{} {}",
            money(o.total(), currency),
            o.currency.code()
        )),
    );
    let units: u64 = o.items.iter().map(|i| u64::from(i.quantity)).sum();
    let lines = count(o.items.len() as u64, "line");
    push("items", Some(format!("{units} in {lines}")));
    for i in &o.items {
        push(
            &format!("  {}", i.sku.as_str()),
            Some(format!(
                "×{} @ {} = {}",
                i.quantity,
                money(i.unit_price, currency),
                money(i.line_total(), currency)
            )),
        );
    }
    if let Some(p) = &o.payment {
        push(
            "paid",
            Some(format!("{} {}", p.method, money(p.amount, currency))),
        );
        push("paid_at", time(Some(p.paid_at)));
    }
    push("tracking", o.tracking_number.clone());
    push("shipped_at", time(o.shipped_at));
    push("delivered_at", time(o.delivered_at));
    push("cancelled", o.cancel_reason.clone());
    push("cancelled_at", time(o.cancelled_at));
    push("created_at", time(o.created_at));
    push("updated_at", time(o.updated_at));
    push("version", Some(o.version.to_string()));
    out
}

/// The state at the cursor, each field marked with what the cursor's event did to it.
/// Removed fields follow the fields at the cursor.
pub fn diff_fields(before: &Order, after: &Order) -> Vec<FieldRow> {
    let old = order_fields(before);
    let new = order_fields(after);
    let had_order = before.exists();
    let mut rows: Vec<FieldRow> = new
        .iter()
        .map(|(name, value)| {
            let prev = old.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            let (change, old) = match prev {
                // The version always moves; it is not news.
                _ if name == "version" => (Change::Same, None),
                Some(p) if p == value => (Change::Same, None),
                Some(p) if had_order => (Change::Changed, Some(p.clone())),
                _ => (Change::Added, None),
            };
            FieldRow {
                name: name.clone(),
                value: value.clone(),
                old,
                change,
            }
        })
        .collect();
    if had_order {
        for (name, value) in &old {
            if !new.iter().any(|(n, _)| n == name) {
                rows.push(FieldRow {
                    name: name.clone(),
                    value: value.clone(),
                    old: None,
                    change: Change::Removed,
                });
            }
        }
    }
    rows
}

/// A short description of an event for the stream list; amounts in `currency`, the
/// order's (an event after the first does not carry it), when it is known.
pub fn event_summary(e: &OrderEvent, currency: Option<Currency>) -> String {
    match e {
        OrderEvent::Created(c) => format!(
            "{} · {} · {}",
            c.customer_id,
            count(c.items.len() as u64, "line"),
            c.currency.code()
        ),
        OrderEvent::ItemAdded(a) => {
            format!(
                "{} ×{} @ {}",
                a.item.sku.as_str(),
                a.item.quantity,
                money(a.item.unit_price, currency)
            )
        }
        OrderEvent::ItemRemoved(r) => r.sku.as_str().to_string(),
        OrderEvent::Paid(p) => format!("{} {}", p.method, money(p.amount, currency)),
        OrderEvent::Shipped(s) => s.tracking_number.clone(),
        OrderEvent::Delivered(_) => String::new(),
        OrderEvent::Cancelled(c) => c.reason.clone(),
    }
}
