//! How the debugger writes numbers and text for people: a count with its noun, money in its
//! currency's notation, and text cut to a width. One helper each, so every pane says them
//! the same way.

use rust_decimal::Decimal;

use crate::app::divergence::Class;
use crate::domain::Currency;

/// The first 8 characters of an id: enough to tell orders apart on screen.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// A sparkline of counts, one block per count, scaled to the largest: `▁` for none.
pub fn sparkline(values: &std::collections::VecDeque<u64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| {
            if v == 0 {
                return BARS[0];
            }
            // 1..=7 of the eight heights, rounded up: any event at all shows above none,
            // the largest count is a full bar.
            let level = (u128::from(v) * 7).div_ceil(u128::from(max)) as usize;
            BARS[level.clamp(1, 7)]
        })
        .collect()
}

/// `n` and a noun with a regular plural, singular for one: `1 line`, `3 lines`, `0 events`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many orders the filter matched in the pages read so far, as far as that is known:
/// the pages before this one were full (each had a next), so they add a page each; with
/// more pages after this one the count is a floor (`50+`). `None` without a filter, or on
/// a jump's page, whose place among the matches was never counted.
pub fn matches_shown(o: &crate::tui::state::OrdersPane) -> Option<String> {
    if o.filter.is_empty() || o.lead.is_some() || (o.loading && o.rows.is_empty()) {
        return None;
    }
    let before = o.pages.len().saturating_sub(1) as u64 * u64::from(crate::tui::state::ORDERS_PAGE);
    let n = before + o.rows.len() as u64;
    Some(if o.next.is_some() {
        format!("{n}+ shown")
    } else {
        format!("{n} shown")
    })
}

/// An amount as its currency writes it: padded to the currency's minor units (`8` reads
/// `8.00` in EUR, beside `12.50`; `1200` stays `1200` in JPY), so the amounts of one order
/// read alike. Digits the amount has beyond them are kept as stored, never rounded or
/// trimmed: a debugger must show a stored `8.005` EUR or `41.19` JPY as it is. Without a
/// currency (one not known yet) the amount is shown as it is.
pub fn money(amount: Decimal, currency: Option<Currency>) -> String {
    let mut shown = amount;
    if let Some(units) = currency.map(|c| c.minor_units())
        && shown.scale() < units
    {
        shown.rescale(units);
    }
    shown.to_string()
}

/// Columns `s` takes on a terminal (wide characters count two, combining marks none), as
/// the buffer lays it out.
pub fn width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}

/// `s` cut to at most `room` columns: text that does not fit ends in `…`, so a cut never
/// reads as the whole value. A wide character that would straddle the edge is left out
/// whole (the result may then be a column short). Width 0 is empty; width 1 is `…` alone.
pub fn truncate(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_string();
    }
    if room == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0; 4];
    for c in s.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > room - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The text of a list row's divergence badge (empty when in sync): the same words in the
/// list, its tests and anywhere a class is named in a row.
pub fn badge_text(class: Class, lag: u64) -> String {
    match class {
        Class::InSync => String::new(),
        Class::Lagging => format!("… lag {lag}"),
        Class::Diverged => "⚠ diverged".into(),
        Class::Missing => "✗ missing".into(),
        Class::Orphan => "? orphan".into(),
        Class::Parked => "⏸ parked".into(),
        Class::Corrupt => "☠ corrupt".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Option<Currency> {
        code.parse().ok()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(1, "line"), "1 line");
        assert_eq!(count(0, "line"), "0 lines");
        assert_eq!(count(12, "attempt"), "12 attempts");
    }

    #[test]
    fn money_has_its_currencys_minor_units_and_never_loses_a_digit() {
        assert_eq!(money(dec("8"), cur("EUR")), "8.00");
        assert_eq!(money(dec("12.5"), cur("EUR")), "12.50");
        assert_eq!(money(dec("12.500"), cur("EUR")), "12.500");
        assert_eq!(money(dec("8.005"), cur("EUR")), "8.005");
        assert_eq!(money(dec("1200"), cur("JPY")), "1200");
        assert_eq!(money(dec("1200.00"), cur("JPY")), "1200.00");
        assert_eq!(money(dec("41.19"), cur("JPY")), "41.19");
        assert_eq!(money(dec("1.5"), cur("KWD")), "1.500");
        assert_eq!(money(dec("8"), None), "8");
    }
}
