//! The incident note `:report` writes: one order's read model against its replay, and
//! where explain found them parting, as Markdown to paste into a ticket.
//!
//! Every value comes from the database, where anyone may have put anything: each is made
//! printable (control characters escaped, so a newline cannot end a table row) and its
//! Markdown punctuation is escaped, so it reads as the text it is wherever it is rendered.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::app::divergence::{EventRef, FieldDiff};
use crate::app::read::OrderDivergence;
use crate::text::printable;

/// What an incident note holds besides the comparison itself.
#[derive(Debug, Clone, Copy)]
pub struct Incident<'a> {
    /// The order's read model against its replay, explained.
    pub divergence: &'a OrderDivergence,
    /// The parting event's payload as stored, when explain names one.
    pub parting_payload: Option<&'a str>,
    /// The database it was read from (any password is redacted here).
    pub database: &'a str,
    /// When the note was written.
    pub written_at: DateTime<Utc>,
}

/// Stored text as one Markdown table cell or inline text: printable, and with the
/// characters that would end the cell or start markup escaped.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        if matches!(
            c,
            '\\' | '|' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The note as Markdown.
pub fn incident_markdown(i: &Incident<'_>) -> String {
    let d = i.divergence;
    let mut md = String::new();
    let _ = writeln!(md, "# Incident: order {}\n", markdown_text(&d.order_id));
    summary(&mut md, i);
    comparison(&mut md, d);
    if let Some(c) = &d.corrupt {
        let _ = writeln!(
            md,
            "## Corrupt event\n\nEvent #{} does not decode: {}\n",
            c.global_position,
            markdown_text(&c.error)
        );
    }
    if let Some(e) = &d.explanation {
        explanation(&mut md, e, i.parting_payload);
    }
    let unapplied = match (&d.lag, &d.explanation) {
        (Some(lag), _) => lag.unapplied.as_slice(),
        (None, Some(e)) => e.unapplied.as_slice(),
        (None, None) => &[],
    };
    if !unapplied.is_empty() {
        unapplied_events(&mut md, unapplied, d.behind);
    }
    md
}

fn summary(md: &mut String, i: &Incident<'_>) {
    let d = i.divergence;
    let version = |v: Option<u64>| v.map_or_else(|| "—".to_string(), |v| format!("v{v}"));
    let row = d
        .row_version
        .map_or_else(|| "no row".to_string(), |v| format!("v{v}"));
    let rows = [
        ("Order", markdown_text(&d.order_id)),
        ("Class", d.class.as_str().to_string()),
        ("Behind", plural(d.behind, "event")),
        ("Read-model row", row),
        ("Stream", version(d.stream_version)),
        ("Database", markdown_text(&crate::store::redact(i.database))),
        (
            "Written",
            i.written_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
    ];
    md.push_str("| | |\n|---|---|\n");
    for (name, value) in rows {
        let _ = writeln!(md, "| {name} | {value} |");
    }
    md.push('\n');
}

fn comparison(md: &mut String, d: &OrderDivergence) {
    md.push_str("## Read model vs replay\n\n");
    // A lagging row is compared at its own version, as the debugger's pane compares it:
    // against the head every unapplied event would read as a field it got wrong.
    let (fields, at) = match &d.lag {
        Some(lag) => (lag.fields.as_slice(), Some(lag.compared_at)),
        None => (d.fields.as_slice(), None),
    };
    if let Some(v) = at {
        let _ = writeln!(md, "Compared at v{v}, the row's own version.\n");
    }
    if fields.is_empty() {
        md.push_str("Read model and replay agree on every field.\n\n");
    } else {
        field_table(md, ("Read model", "Replay"), fields);
    }
}

fn explanation(md: &mut String, e: &crate::app::divergence::Explanation, payload: Option<&str>) {
    md.push_str("## Where projection and replay part\n\n");
    let Some(p) = &e.first_divergence else {
        if e.row_changed_outside.is_empty() {
            let _ = writeln!(
                md,
                "Projection and replay agree at every one of {}.\n",
                plural(e.events, "event")
            );
        } else {
            md.push_str(
                "Projection and replay agree at every event: the row was changed outside \
                 the projector.\n\n",
            );
            field_table(md, ("Stored row", "Projection"), &e.row_changed_outside);
        }
        return;
    };
    let _ = writeln!(
        md,
        "They part at **v{} {}** (event #{}), after {} replayed.\n",
        p.version,
        markdown_text(&p.event_type),
        p.global_position,
        plural(e.events, "event")
    );
    if let Some(err) = &p.error {
        let _ = writeln!(md, "The projection failed: {}\n", markdown_text(err));
    }
    if !p.fields.is_empty() {
        field_table(md, ("Projection", "Replay"), &p.fields);
    }
    if let Some(payload) = payload {
        md.push_str("### The event's fields, as stored\n\n");
        payload_table(md, payload);
    }
}

fn field_table(md: &mut String, (left, right): (&str, &str), fields: &[FieldDiff]) {
    let _ = writeln!(md, "| Field | {left} | {right} |\n|---|---|---|");
    for f in fields {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            markdown_text(f.field),
            markdown_text(&f.read_model),
            markdown_text(&f.replay)
        );
    }
    md.push('\n');
}

/// A payload's top-level fields, each value as its JSON; a payload that is no JSON object
/// is shown whole, as stored.
fn payload_table(md: &mut String, payload: &str) {
    md.push_str("| Field | Value |\n|---|---|\n");
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::Object(fields)) => {
            for (name, value) in fields {
                let _ = writeln!(
                    md,
                    "| {} | {} |",
                    markdown_text(&name),
                    markdown_text(&value.to_string())
                );
            }
        }
        _ => {
            let _ = writeln!(md, "| (as stored) | {} |", markdown_text(payload));
        }
    }
    md.push('\n');
}

fn unapplied_events(md: &mut String, events: &[EventRef], behind: u64) {
    let _ = writeln!(
        md,
        "## Unapplied events\n\nThe row is {} behind; the first {}:\n",
        plural(behind, "event"),
        events.len()
    );
    md.push_str("| Version | Type | Position |\n|---|---|---|\n");
    for e in events {
        let _ = writeln!(
            md,
            "| v{} | {} | #{} |",
            e.version,
            markdown_text(&e.event_type),
            e.global_position
        );
    }
    md.push('\n');
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::{Incident, incident_markdown, markdown_text};
    use crate::app::divergence::{Class, FieldDiff};
    use crate::app::read::OrderDivergence;

    #[test]
    fn a_note_keeps_hostile_values_in_their_cells_and_no_password() {
        let d = OrderDivergence {
            order_id: "3f2a1b2c-0000-4000-8000-000000000000".into(),
            class: Class::Diverged,
            behind: 0,
            row_version: Some(4),
            stream_version: Some(4),
            fields: vec![FieldDiff {
                field: "customer_id",
                read_model: "evil | row\n# heading\u{1b}[2J".into(),
                replay: "c-1".into(),
            }],
            explanation: None,
            corrupt: None,
            lag: None,
        };
        let md = incident_markdown(&Incident {
            divergence: &d,
            parting_payload: None,
            database: "postgres://ops:s3cret@db.internal/shop",
            written_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 10, 2, 0)
                .unwrap(),
        });
        assert!(!md.contains("s3cret"), "{md}");
        assert!(
            md.contains(r"| Database | postgres://ops:\*\*\*@db.internal/shop |"),
            "{md}"
        );
        assert!(md.contains("| Written | 2026-11-26T10:02:00Z |"), "{md}");
        let row = r"| customer\_id | evil \| row\\n\# heading\\u{1b}\[2J | c-1 |";
        assert!(md.contains(row), "{md}");
        for line in md.lines().filter(|l| l.starts_with('|')) {
            assert!(line.ends_with(" |") || line.ends_with("---|"), "{line:?}");
        }
        assert!(!md.contains('\u{1b}'));
    }

    #[test]
    fn stored_text_cannot_break_a_table_or_start_markup() {
        assert_eq!(markdown_text("plain 17.99"), "plain 17.99");
        assert_eq!(markdown_text("a|b"), "a\\|b");
        assert_eq!(markdown_text("line\nnext"), "line\\\\nnext");
        assert_eq!(markdown_text("\u{1b}[31m"), "\\\\u{1b}\\[31m");
        assert_eq!(markdown_text("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
        assert_eq!(markdown_text("a\\|b"), "a\\\\\\|b");
    }
}
