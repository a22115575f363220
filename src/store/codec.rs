//! How typed values are written as text and read back, by every backend that keeps a
//! read-model field as text. The format is a storage decision (fixed-width UTC with
//! microseconds, so text order is time order), not something the rest of the program sees.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;

use crate::domain::{Currency, OrderStatus};
use crate::store::browse::{OrderSort, PageKey};
use crate::store::{StoreError, Stored, SummaryRow};

/// Formats a timestamp so that text order is time order (fixed width, UTC, microseconds).
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp.
pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    if let Some(t) = parse_stored_time(s) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::backend(format!("bad stored timestamp {s:?}: {e}")))
}

/// The fast path for what `format_time` writes (`2026-01-05T08:00:00.000000Z`): every event
/// read pays for this parse, and chrono's general RFC 3339 parser costs several times more.
fn parse_stored_time(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
        num(20..26)?,
    )?;
    Some(date.and_time(time).and_utc())
}

/// A stored timestamp, or its text when it does not parse.
pub(crate) fn read_time(raw: String) -> Stored<DateTime<Utc>> {
    match parse_time(&raw) {
        Ok(t) => Stored::Valid(t),
        Err(_) => Stored::Invalid(raw),
    }
}

pub(crate) fn write_time(v: &Stored<DateTime<Utc>>) -> String {
    match v {
        Stored::Valid(t) => format_time(*t),
        Stored::Invalid(raw) => raw.clone(),
    }
}

/// A status is valid only as the exact name the projection writes.
pub(crate) fn read_status(raw: String) -> Stored<OrderStatus> {
    match OrderStatus::ALL.into_iter().find(|s| s.as_str() == raw) {
        Some(s) => Stored::Valid(s),
        None => Stored::Invalid(raw),
    }
}

pub(crate) fn write_status(v: &Stored<OrderStatus>) -> &str {
    match v {
        Stored::Valid(s) => s.as_str(),
        Stored::Invalid(raw) => raw,
    }
}

/// A currency is valid only as its exact ISO code.
pub(crate) fn read_currency(raw: String) -> Stored<Currency> {
    match raw.parse::<Currency>() {
        Ok(c) if c.code() == raw => Stored::Valid(c),
        _ => Stored::Invalid(raw),
    }
}

pub(crate) fn write_currency(v: &Stored<Currency>) -> &str {
    match v {
        Stored::Valid(c) => c.code(),
        Stored::Invalid(raw) => raw,
    }
}

pub(crate) fn read_total(raw: String) -> Stored<Decimal> {
    match raw.parse::<Decimal>() {
        Ok(d) => Stored::Valid(d),
        Err(_) => Stored::Invalid(raw),
    }
}

pub(crate) fn write_total(v: &Stored<Decimal>) -> String {
    match v {
        Stored::Valid(d) => d.to_string(),
        Stored::Invalid(raw) => raw.clone(),
    }
}

/// A read-model row as both backends store it: every field as text or an integer.
#[derive(sqlx::FromRow)]
pub(crate) struct RowRecord {
    order_id: String,
    customer_id: String,
    status: String,
    currency: String,
    total: String,
    item_count: i64,
    line_count: i64,
    tracking_number: Option<String>,
    created_at: String,
    updated_at: String,
    lines: String,
    version: i64,
    last_position: i64,
}

impl From<RowRecord> for SummaryRow {
    fn from(r: RowRecord) -> Self {
        SummaryRow {
            order_id: r.order_id,
            customer_id: r.customer_id,
            status: read_status(r.status),
            currency: read_currency(r.currency),
            total: read_total(r.total),
            item_count: r.item_count,
            line_count: r.line_count,
            tracking_number: r.tracking_number,
            created_at: read_time(r.created_at),
            updated_at: read_time(r.updated_at),
            lines: r.lines,
            version: r.version,
            last_position: r.last_position,
        }
    }
}

/// The sort column's text of a key, as the row stored it.
pub(crate) fn key_text(k: &PageKey) -> String {
    match k {
        PageKey::Id { order_id } => order_id.clone(),
        PageKey::Recent { updated_at, .. } => write_time(updated_at),
        PageKey::Total { total, .. } => write_total(total),
    }
}

pub(crate) fn page_key(sort: OrderSort, sort_value: String, order_id: String) -> PageKey {
    match sort {
        OrderSort::Id => PageKey::Id { order_id },
        OrderSort::Recent => PageKey::Recent {
            updated_at: read_time(sort_value),
            order_id,
        },
        OrderSort::Total => PageKey::Total {
            total: read_total(sort_value),
            order_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_round_trip_through_the_fast_parser() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T10:02:03.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_stored_time(&format_time(t)), Some(t));
        assert_eq!(parse_time("2026-11-26T12:02:03.123456+02:00").unwrap(), t);
        assert!(parse_stored_time("2026-13-26T10:02:03.123456Z").is_none());
        assert!(parse_time("yesterday").is_err());
    }
}
