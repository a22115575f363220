//! The four panes.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::layout::{inner_rows, list_offset};
use crate::app::divergence::Class;
use crate::tui::fields::Change;
use crate::tui::format::count;
use crate::tui::state::{App, Pane};
use crate::tui::theme::Theme;

/// The first 8 characters of an id: enough to tell orders apart on screen.
pub(super) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// A badge per divergence class; in-sync orders get none. A lagging row's badge counts
/// the versions of its stream it has not applied yet ("lag" is said of rows only).
pub(super) fn badge(class: Class, lag: u64, t: &Theme) -> Span<'static> {
    let text = match class {
        Class::InSync => return Span::raw(""),
        Class::Lagging => format!("… lag {lag}"),
        Class::Diverged => "⚠ diverged".into(),
        Class::Missing => "✗ missing".into(),
        Class::Orphan => "? orphan".into(),
        Class::Parked => "⏸ parked".into(),
        Class::Corrupt => "☠ corrupt".into(),
    };
    Span::styled(text, t.warn)
}

/// Read-model column names, shortened for a narrow pane.
fn short_field(f: &str) -> &str {
    match f {
        "tracking_number" => "tracking",
        "customer_id" => "customer",
        "updated_at" => "updated",
        "created_at" => "created",
        "item_count" => "items",
        "line_count" => "lines",
        other => other,
    }
}

/// A stored timestamp as the other panes show times; anything else as it is; empty as `—`.
fn tidy(v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    chrono::DateTime::parse_from_rfc3339(v).map_or_else(
        |_| v.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// At most `room` characters: longer text ends in `…`.
fn clip(s: &str, room: usize) -> String {
    if s.chars().count() <= room {
        return s.to_string();
    }
    let mut out: String = s.chars().take(room.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn with_error<'a>(
    b: ratatui::widgets::Block<'a>,
    error: Option<&str>,
    t: &Theme,
) -> ratatui::widgets::Block<'a> {
    match error {
        Some(e) => b.title_bottom(Span::styled(format!(" {e} "), t.error)),
        None => b,
    }
}

pub(super) fn orders(app: &App, frame: &mut Frame, area: Rect) {
    let o = &app.orders;
    let mut title = format!("Orders · sort {}", o.sort.as_str());
    if !o.filter.is_empty() {
        let _ = write!(title, " · filter {}", crate::text::printable(&o.filter));
    }
    if o.pages.len() > 1 {
        let _ = write!(title, " · p{}", o.pages.len());
    }
    if o.loading && o.rows.is_empty() {
        title.push_str(" · loading");
    }
    let visible = inner_rows(area);
    let offset = list_offset(o.selected, o.rows.len(), visible);
    let mut lines: Vec<Line> = Vec::with_capacity(visible);
    if o.rows.is_empty() && !o.loading && o.error.is_none() {
        lines.push(Line::from("no orders match"));
    }
    // The totals column is as wide as this page needs, so the badges fit.
    let total_width = o
        .rows
        .iter()
        .map(|r| r.total.chars().count())
        .max()
        .unwrap_or(0);
    for (i, r) in o.rows.iter().enumerate().skip(offset).take(visible) {
        let selected = i == o.selected;
        let marker = if selected { "▶ " } else { "  " };
        let mut line = Line::from(vec![
            Span::raw(format!(
                "{marker}{} {:<9} {:>total_width$} ",
                short(&r.id),
                r.status.as_deref().unwrap_or("-"),
                r.total
            )),
            badge(r.class, r.behind, &app.theme),
        ]);
        if selected {
            line = line.style(app.theme.selected);
        }
        lines.push(line);
    }
    if o.next.is_some() && lines.len() < visible {
        lines.push(Line::from(Span::styled("  ↓ more (PgDn)", app.theme.dim)));
    }
    // Errors go on the bottom border: the rows stay where a click expects them.
    frame.render_widget(
        Paragraph::new(lines).block(with_error(
            block(app, Pane::Orders, &title),
            o.error.as_deref(),
            &app.theme,
        )),
        area,
    );
}

pub(super) fn stream(app: &App, frame: &mut Frame, area: Rect) {
    let s = &app.stream;
    let title = match &s.order {
        None => "Stream".to_string(),
        Some(id) => {
            let mut t = format!("Stream {} v{}/{}", short(id), s.cursor, s.head);
            if s.following {
                t.push_str(" · follow");
            } else if s.cursor < s.head && s.cursor > 0 {
                // Events after the cursor: "newer", as "behind" is the projector's word.
                let _ = write!(t, " · {} newer", s.head - s.cursor);
            }
            if !s.search.is_empty() {
                let _ = write!(t, " · /{}", crate::text::printable(&s.search));
            }
            t
        }
    };
    let visible = inner_rows(area);
    let cursor_index = s
        .window
        .iter()
        .position(|r| r.version == s.cursor)
        .unwrap_or(0);
    let offset = list_offset(cursor_index, s.window.len(), visible);
    let width = s.head.max(1).to_string().len();
    let mut lines: Vec<Line> = Vec::with_capacity(visible);
    if s.order.is_none() {
        lines.push(Line::from("select an order (Enter)"));
    } else if s.window.is_empty() && s.error.is_none() {
        lines.push(Line::from("loading…"));
    }
    for r in s.window.iter().skip(offset).take(visible) {
        let at = r.version == s.cursor;
        let marker = if at { "▶" } else { " " };
        let mut line = Line::from(vec![
            Span::raw(format!(
                "{marker} {:>width$} {:<14} ",
                r.version, r.event_type
            )),
            Span::styled(r.summary.clone(), app.theme.dim),
        ]);
        if at {
            line = line.style(app.theme.selected);
        }
        lines.push(line);
    }
    frame.render_widget(
        Paragraph::new(lines).block(with_error(
            block(app, Pane::Stream, &title),
            s.error.as_deref(),
            &app.theme,
        )),
        area,
    );
}

pub(super) fn state(app: &App, frame: &mut Frame, area: Rect) {
    let st = &app.state;
    let t = &app.theme;
    let mut title = format!("State @ v{}", st.version);
    if let Some(r) = app.stream.row(st.version) {
        let _ = write!(title, " · {}", r.event_type);
    }
    if st.loading {
        title.push_str(" · loading");
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &st.error {
        lines.push(Line::from(Span::styled(e.clone(), t.error)));
    }
    if let Some(r) = app.stream.row(st.version) {
        lines.push(Line::from(Span::styled(
            format!("recorded {}", r.recorded_at.format("%Y-%m-%d %H:%M:%S")),
            t.dim,
        )));
    }
    for f in &st.fields {
        let (mark, style) = match f.change {
            Change::Same => (" ", Style::new()),
            Change::Changed => ("~", t.changed),
            Change::Added => ("+", t.added),
            Change::Removed => ("-", t.removed),
        };
        let mut spans = vec![
            Span::styled(format!("{mark} {:<12} ", f.name), style),
            Span::styled(f.value.clone(), style),
        ];
        if let Some(old) = &f.old {
            spans.push(Span::styled(format!("  (was {old})"), t.dim));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block(app, Pane::State, &title)),
        area,
    );
}

pub(super) fn divergence(app: &App, frame: &mut Frame, area: Rect) {
    let d = &app.divergence;
    let t = &app.theme;
    let mut title = "Read model vs replay".to_string();
    if d.loading && d.class.is_none() {
        title.push_str(" · loading");
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(e.clone(), t.error)));
    }
    if let Some(class) = d.class {
        let verdict = match class {
            Class::InSync => Span::styled("✓ in-sync", t.ok),
            // The pane has room for the unit the list's badge leaves out.
            Class::Lagging => Span::styled(format!("… lag {}", count(d.behind, "version")), t.warn),
            _ => badge(class, d.behind, t),
        };
        lines.push(Line::from(vec![Span::raw("class    "), verdict]));
        lines.push(Line::from(Span::styled(
            format!(
                "row {} · stream v{}",
                d.row_version.map_or("none".into(), |v| format!("v{v}")),
                app.stream.head
            ),
            t.dim,
        )));
    }
    if !d.fields.is_empty() {
        let name = d
            .fields
            .iter()
            .map(|f| short_field(f.field).len())
            .max()
            .unwrap_or(5)
            .max(5);
        lines.push(Line::from(Span::styled(
            format!("{:<name$} read model ≠ replay", "field"),
            t.dim,
        )));
        let inner = (area.width as usize).saturating_sub(2);
        let room = inner.saturating_sub(name + 3).max(4);
        for f in &d.fields {
            let (a, b) = (tidy(&f.read_model), tidy(&f.replay));
            let field = format!("{:<name$} ", short_field(f.field));
            if name + 1 + a.chars().count() + 3 + b.chars().count() <= inner {
                lines.push(Line::from(vec![
                    Span::raw(field),
                    Span::styled(a, t.removed),
                    Span::raw(" ≠ "),
                    Span::styled(b, t.added),
                ]));
            } else {
                // Too wide for one line: the replay goes under the read model.
                lines.push(Line::from(vec![
                    Span::raw(field),
                    Span::styled(clip(&a, room), t.removed),
                ]));
                lines.push(Line::from(vec![
                    Span::raw(format!("{:>name$} ", "≠")),
                    Span::styled(clip(&b, room), t.added),
                ]));
            }
        }
    }
    for l in &d.explain {
        lines.push(Line::from(Span::styled(l.clone(), t.changed)));
    }
    if let Some(v) = d.parted_at {
        lines.push(Line::from(Span::styled(
            format!("Enter: jump to v{v}"),
            t.key,
        )));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block(app, Pane::Divergence, &title)),
        area,
    );
}
