//! A lagging row in the divergence pane. It is compared with the replay at its own version,
//! so what the pane says is whether the row is right as far as it goes; what it has not
//! applied yet follows, event by event, instead of reading as fields it got wrong.

use ratatui::text::{Line, Span};

use crate::tui::format::{count, width};
use crate::tui::state::DivergencePane;
use crate::tui::theme::Theme;

/// After the row's version: how it compares with the replay at that version (nothing when
/// the comparison was with the head). On the row's own line, so a short pane still has room
/// for the unapplied events.
pub(super) fn verdict(d: &DivergencePane) -> String {
    match d.compared_at {
        Some(v) if d.fields.is_empty() => format!(" = replay v{v}"),
        Some(v) => format!(" ≠ replay v{v}"),
        None => String::new(),
    }
}

/// The events a lagging row has not applied, oldest first: one a line when the pane
/// (`room`: columns, rows) has the rows for them below what `out` holds, else packed a few
/// to a line (the class line above counts them).
pub(super) fn unapplied(
    d: &DivergencePane,
    t: &Theme,
    room: (usize, usize),
    out: &mut Vec<Line<'_>>,
) {
    if d.compared_at.is_none() || d.behind == 0 {
        return;
    }
    let more = d.behind.saturating_sub(d.unapplied.len() as u64);
    let more = (more > 0).then(|| format!("… {more} more"));
    let listed = 1 + d.unapplied.len() + usize::from(more.is_some());
    if out.len() + listed > room.1 {
        return packed(d, t, room.0, more, out);
    }
    out.push(Line::from(Span::styled(
        format!("not applied yet ({}):", count(d.behind, "event")),
        t.dim,
    )));
    let width = d
        .unapplied
        .iter()
        .map(|e| e.version.to_string().len())
        .max()
        .unwrap_or(1);
    for e in &d.unapplied {
        out.push(Line::from(vec![
            Span::raw(format!("  v{:<width$} ", e.version)),
            Span::styled(e.event_type.clone(), t.warn),
        ]));
    }
    if let Some(more) = more {
        out.push(Line::from(Span::styled(format!("  {more}"), t.dim)));
    }
}

/// `not applied: v5 ItemAdded · v6 OrderPaid …`, broken between events (never inside
/// one) at `cols`.
fn packed(
    d: &DivergencePane,
    t: &Theme,
    cols: usize,
    more: Option<String>,
    out: &mut Vec<Line<'_>>,
) {
    let mut spans = vec![Span::styled("not applied:", t.dim)];
    let mut used = width("not applied:");
    let items = d
        .unapplied
        .iter()
        .map(|e| (format!("v{} ", e.version), e.event_type.clone(), t.warn))
        .chain(more.map(|m| (m, String::new(), t.dim)));
    for (first, (version, event_type, style)) in items.enumerate() {
        let sep = if first == 0 { " " } else { " · " };
        let w = width(&version) + width(&event_type);
        if used + width(sep) + w > cols && used > 0 {
            out.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        } else {
            spans.push(Span::styled(sep, t.dim));
            used += width(sep);
        }
        used += w;
        spans.push(Span::styled(
            version,
            if event_type.is_empty() { style } else { t.dim },
        ));
        spans.push(Span::styled(event_type, style));
    }
    out.push(Line::from(spans));
}
