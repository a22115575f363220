//! Field by field: a read-model row against the summary replayed from events.

use std::fmt::Display;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::OrderSummary;
use crate::store::{Stored, SummaryRow};

/// One field where two sides disagree (the read model and the replay, or a stored row and
/// the projection's own result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// The field.
    pub field: &'static str,
    /// What the row says.
    pub read_model: String,
    /// What the replay says.
    pub replay: String,
}

/// A compared field: its value, typed where the row holds a type.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    Count(i64),
    Status(Stored<crate::domain::OrderStatus>),
    Currency(Stored<crate::domain::Currency>),
    Money(Stored<rust_decimal::Decimal>),
    Time(Stored<DateTime<Utc>>),
    /// Lines as (SKU, quantity, unit price), sorted by SKU; `Err` holds why the row's lines
    /// JSON does not read.
    Lines(Result<Vec<(String, u32, rust_decimal::Decimal)>, String>),
}

fn shown<T: Display>(v: &Stored<T>, f: impl Fn(&T) -> String) -> String {
    match v {
        Stored::Valid(t) => f(t),
        // Shown as such: the stored text, quoted, and why it is not a value.
        Stored::Invalid(raw) => format!("{raw:?} (unreadable)"),
    }
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Count(n) => n.to_string(),
            Value::Status(s) => shown(s, ToString::to_string),
            Value::Currency(c) => shown(c, ToString::to_string),
            Value::Money(m) => shown(m, ToString::to_string),
            Value::Time(t) => shown(t, |t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            Value::Lines(Ok(lines)) => lines
                .iter()
                .map(|(sku, q, p)| format!("{sku}×{q}@{p}"))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Lines(Err(why)) => format!("unreadable ({why})"),
        }
    }
}

/// Lines compare as a set by SKU (the order lines were added in is not the row's to keep),
/// each by quantity and price value.
fn sorted(mut lines: Vec<(String, u32, rust_decimal::Decimal)>) -> Value {
    // Decimals compare by value, so 12.5 and 12.50 are the same price.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Lines(Ok(lines))
}

fn row_lines(row: &SummaryRow) -> Value {
    match crate::app::projection::row_lines(row) {
        Ok(lines) => sorted(lines),
        Err(why) => Value::Lines(Err(why)),
    }
}

/// Money compares by value (12.5 = 12.50), everything else exactly.
fn row_values(row: &SummaryRow) -> [(&'static str, Value); 10] {
    [
        ("customer_id", Value::Text(row.customer_id.clone())),
        ("status", Value::Status(row.status.clone())),
        ("currency", Value::Currency(row.currency.clone())),
        ("total", Value::Money(row.total.clone())),
        ("item_count", Value::Count(row.item_count)),
        ("line_count", Value::Count(row.line_count)),
        (
            "tracking_number",
            Value::Text(row.tracking_number.clone().unwrap_or_default()),
        ),
        ("created_at", Value::Time(row.created_at.clone())),
        ("updated_at", Value::Time(row.updated_at.clone())),
        ("lines", row_lines(row)),
    ]
}

fn summary_values(s: &OrderSummary) -> [(&'static str, Value); 10] {
    [
        ("customer_id", Value::Text(s.customer_id.clone())),
        ("status", Value::Status(s.status.into())),
        ("currency", Value::Currency(s.currency.into())),
        ("total", Value::Money(s.total.into())),
        ("item_count", Value::Count(s.item_count as i64)),
        ("line_count", Value::Count(s.line_count as i64)),
        (
            "tracking_number",
            Value::Text(s.tracking_number.clone().unwrap_or_default()),
        ),
        ("created_at", Value::Time(s.created_at.into())),
        ("updated_at", Value::Time(s.updated_at.into())),
        (
            "lines",
            sorted(
                s.items
                    .iter()
                    .map(|i| (i.sku.as_str().to_string(), i.quantity, i.unit_price))
                    .collect(),
            ),
        ),
    ]
}

fn differing(
    left: [(&'static str, Value); 10],
    right: [(&'static str, Value); 10],
) -> Vec<FieldDiff> {
    left.into_iter()
        .zip(right)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| FieldDiff {
            field,
            read_model: a.text(),
            replay: b.text(),
        })
        .collect()
}

/// Fields where the row and the replayed summary differ.
pub fn diff(row: &SummaryRow, replay: &OrderSummary) -> Vec<FieldDiff> {
    differing(row_values(row), summary_values(replay))
}

/// Fields where two rows differ (a stored row against the projection's own result).
pub fn diff_rows(stored: &SummaryRow, expected: &SummaryRow) -> Vec<FieldDiff> {
    differing(row_values(stored), row_values(expected))
}
