//! The four panes.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{inner_rows, list_offset};
use super::{block, fit_line};
use crate::app::divergence::Class;
use crate::app::read::ListSource;
use crate::tui::fields::{Change, FieldRow};
use crate::tui::format::{count, truncate, width};
use crate::tui::state::{App, Mark, OrderRow, Pane};
use crate::tui::theme::Theme;

pub(super) use crate::tui::format::short;

/// A badge per divergence class; in-sync orders get none. A lagging row's badge counts
/// the versions of its stream it has not applied yet ("lag" is said of rows only).
pub(super) fn badge(class: Class, lag: u64, t: &Theme) -> Span<'static> {
    if class == Class::InSync {
        return Span::raw("");
    }
    Span::styled(crate::tui::format::badge_text(class, lag), t.warn)
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

/// Columns inside a bordered pane.
fn inner_width(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(2))
}

/// `s` padded with spaces to `cols` columns (display width, unlike `format!`'s padding).
fn pad(s: &str, cols: usize) -> String {
    let w = width(s);
    format!("{s}{}", " ".repeat(cols.saturating_sub(w)))
}

/// `s` right-aligned in `cols` columns.
fn pad_left(s: &str, cols: usize) -> String {
    let w = width(s);
    format!("{}{s}", " ".repeat(cols.saturating_sub(w)))
}

/// `s` cut into pieces of at most `cols` columns, none of its characters left out.
fn fold(s: &str, cols: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    let mut buf = [0; 4];
    for c in s.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > cols && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
            used = 0;
        }
        piece.push(c);
        used += w;
    }
    if !piece.is_empty() || pieces.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// The orders list's columns for a pane `room` columns wide. The badge and the total with
/// its currency are what the list exists to show, so they and the status always get their
/// width; the id gets what is left (cut with `…` when that is under 8 columns), and the
/// customer and the version are shown when there is room for them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    id: usize,
    customer: usize,
    version: usize,
    updated: usize,
    status: usize,
    total: usize,
    badge: usize,
}

/// `2026-01-24 11:17`: when an order last changed, to the minute.
const UPDATED_WIDTH: usize = 16;

/// `Cancelled` and `Delivered`, the longest statuses.
const STATUS_WIDTH: usize = 9;

/// Lines a long state value takes at most: the field's line and two detail lines under it;
/// a longer value ends in `…` on the last.
const VALUE_LINES: usize = 3;

impl Columns {
    fn new(rows: &[&OrderRow], room: usize, t: &Theme) -> Columns {
        let max = |f: &dyn Fn(&OrderRow) -> usize| rows.iter().map(|r| f(r)).max().unwrap_or(0);
        // At least as wide as the longest status, so the columns stay put from page to page.
        let status = max(&|r| width(r.status.as_deref().unwrap_or("-"))).max(STATUS_WIDTH);
        let total = max(&|r| width(&r.total));
        let badge = max(&|r| badge(r.class, r.behind, t).width());
        let customer = max(&|r| width(&r.customer));
        let version = max(&|r| width(&format!("v{}", r.version)));
        // Marker, then each column after a space.
        let fixed = 2 + status + 1 + total + if badge > 0 { 1 + badge } else { 0 };
        let id = room.saturating_sub(fixed + 1).clamp(1, 8);
        let mut c = Columns {
            id,
            customer: 0,
            version: 0,
            updated: 0,
            status,
            total,
            badge,
        };
        // The id, and the space between it and the status.
        let mut used = fixed + id + 1;
        if customer > 0 && used + 1 + customer <= room {
            c.customer = customer;
            used += 1 + customer;
        }
        if c.customer > 0 && used + 1 + version <= room {
            c.version = version;
            used += 1 + version;
        }
        let updated = UPDATED_WIDTH * usize::from(rows.iter().any(|r| r.updated.is_some()));
        if c.version > 0 && updated > 0 && used + 1 + updated <= room {
            c.updated = updated;
        }
        c
    }
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
    // What the filter and sort are true to: the replayed state, unless the projector is
    // too far behind to replay every order it has not reached.
    // Said first when it is the read model's word (the exception), last otherwise, so a
    // narrow title keeps the filter and its count.
    let mut title = match o.source {
        ListSource::Replay => "Orders".to_string(),
        ListSource::ReadModel { lag } => format!(
            "Orders · ⚠ read model's word, projector {} behind",
            count(lag, "event")
        ),
    };
    match app.as_of {
        // The past is listed by id: the other sorts page by read-model columns, which keep no past.
        Some(at) => {
            let _ = write!(title, " as of #{} · by id", at.position);
        }
        None => {
            let _ = write!(title, " · sort {}", o.sort.as_str());
        }
    }
    if !o.filter.is_empty() {
        let _ = write!(title, " · filter {}", crate::text::printable(&o.filter));
        if let Some(n) = crate::tui::format::matches_shown(o) {
            let _ = write!(title, " · {n}");
        }
    }
    if o.pages.len() > 1 {
        let _ = write!(title, " · p{}", o.pages.len());
    }
    if o.source == ListSource::Replay {
        title.push_str(" · replayed");
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
    // Columns as wide as this page needs, so the badges and totals fit and stay put while
    // the list scrolls.
    let room = inner_width(area);
    let page = o.rows.iter().collect::<Vec<_>>();
    let c = Columns::new(&page, room, &app.theme);
    for (i, r) in o.rows.iter().enumerate().skip(offset).take(visible) {
        let selected = i == o.selected;
        let marker = if selected { "▶ " } else { "  " };
        let mut text = format!("{marker}{}", pad(&truncate(short(&r.id), c.id), c.id));
        if c.customer > 0 {
            let _ = write!(text, " {}", pad(&r.customer, c.customer));
        }
        let _ = write!(
            text,
            " {}",
            pad(r.status.as_deref().unwrap_or("-"), c.status)
        );
        if c.version > 0 {
            let _ = write!(text, " {}", pad_left(&format!("v{}", r.version), c.version));
        }
        if c.updated > 0 {
            let when = r
                .updated
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let _ = write!(text, " {}", pad(&when, c.updated));
        }
        let _ = write!(text, " {}", pad_left(&r.total, c.total));
        let badge = badge(r.class, r.behind, &app.theme);
        if c.badge > 0 {
            text.push(' ');
        }
        let mut line = fit_line(Line::from(vec![Span::raw(text), badge]), room);
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
            block(app, Pane::Orders, &title, area.width),
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
    let room = inner_width(area);
    let mut lines: Vec<Line> = Vec::with_capacity(visible);
    if s.order.is_none() {
        lines.push(Line::from("select an order (Enter)"));
    } else if s.window.is_empty() && s.error.is_none() {
        lines.push(Line::from("loading…"));
    }
    // A column for the marks' letters, only on an order with marks.
    let order = s.order.as_deref().unwrap_or_default();
    let has_marks = app.marks.of(order).next().is_some();
    for r in s.window.iter().skip(offset).take(visible) {
        let at = r.version == s.cursor;
        let mut marker = if at { "▶" } else { " " }.to_string();
        if has_marks {
            marker.push(app.marks.on(order, r.version).map_or(' ', Mark::letter));
        }
        let mut line = fit_line(
            Line::from(vec![
                Span::raw(format!(
                    "{marker} {:>width$} {} ",
                    r.version,
                    pad(&r.event_type, 14)
                )),
                Span::styled(r.summary.clone(), app.theme.dim),
            ]),
            room,
        );
        if at {
            line = line.style(app.theme.selected);
        }
        lines.push(line);
    }
    frame.render_widget(
        Paragraph::new(lines).block(with_error(
            block(app, Pane::Stream, &title, area.width),
            s.error.as_deref(),
            &app.theme,
        )),
        area,
    );
}

pub(super) fn state(app: &App, frame: &mut Frame, area: Rect) {
    let st = &app.state;
    let t = &app.theme;
    // Against a mark the marks span many events: the cursor's own type would not say what
    // made them.
    let mut title = match st.base {
        Some(b) => format!("State v{} vs mark {} v{}", st.version, b.mark, b.version),
        None => format!("State @ v{}", st.version),
    };
    if let (None, Some(r)) = (st.base, app.stream.row(st.version)) {
        let _ = write!(title, " · {}", r.event_type);
    }
    if st.loading {
        title.push_str(" · loading");
    }
    let room = inner_width(area);
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
    lines.extend(field_lines(&st.fields, room, t));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block(app, Pane::State, &title, area.width)),
        area,
    );
}

/// Fields as the state pane shows them, each with its `~ + -` mark; a value too long for
/// one line goes on in detail lines under itself, whole, with the old value below it.
pub(super) fn field_lines(fields: &[FieldRow], room: usize, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for f in fields {
        let (mark, style) = match f.change {
            Change::Same => (" ", Style::new()),
            Change::Changed => ("~", t.changed),
            Change::Added => ("+", t.added),
            Change::Removed => ("-", t.removed),
        };
        let head = format!("{mark} {:<12} ", f.name);
        let was = f.old.as_ref().map(|old| format!("(was {old})"));
        let whole = width(&head) + width(&f.value) + was.as_ref().map_or(0, |w| 2 + width(w));
        if whole <= room {
            let mut spans = vec![
                Span::styled(head, style),
                Span::styled(f.value.clone(), style),
            ];
            if let Some(was) = was {
                spans.push(Span::styled(format!("  {was}"), t.dim));
            }
            lines.push(Line::from(spans));
            continue;
        }
        // Too long for one line: the value goes on in detail lines under itself, whole,
        // and the old value below it, so nothing is cut.
        let indent = width(&head).min(room / 2);
        let cols = room.saturating_sub(indent).max(1);
        let mut pieces = fold(&f.value, cols);
        if pieces.len() > VALUE_LINES {
            let rest = pieces.split_off(VALUE_LINES - 1).concat();
            pieces.push(truncate(&rest, cols));
        }
        let mut pieces = pieces.into_iter();
        if width(&head) <= indent {
            let first = pieces.next().unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(pad(&head, indent), style),
                Span::styled(first, style),
            ]));
        } else {
            // A name too long for the pane's half: on its own line.
            lines.push(Line::from(Span::styled(truncate(&head, room), style)));
        }
        for piece in pieces {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(piece, style),
            ]));
        }
        if let Some(was) = was {
            // Under the value, moved left as far as it needs to fit on one line.
            let indent = indent.min(room.saturating_sub(width(&was))).max(2);
            let cols = room.saturating_sub(indent).max(1);
            for piece in fold(&was, cols) {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(piece, t.dim),
                ]));
            }
        }
    }
    lines
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
                "row {}{} · stream v{}",
                d.row_version.map_or("none".into(), |v| format!("v{v}")),
                super::lag::verdict(d),
                // The comparison's own version, so this line and the body below it always
                // come from one result.
                d.stream_version.unwrap_or(app.stream.head)
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
        let replay = d
            .compared_at
            .map_or_else(|| "replay".to_string(), |v| format!("replay at v{v}"));
        lines.push(Line::from(Span::styled(
            format!("{:<name$} read model ≠ {replay}", "field"),
            t.dim,
        )));
        let inner = (area.width as usize).saturating_sub(2);
        let room = inner.saturating_sub(name + 3).max(4);
        for f in &d.fields {
            let (a, b) = (tidy(&f.read_model), tidy(&f.replay));
            let field = format!("{:<name$} ", short_field(f.field));
            if name + 1 + width(&a) + 3 + width(&b) <= inner {
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
                    Span::styled(truncate(&a, room), t.removed),
                ]));
                lines.push(Line::from(vec![
                    Span::raw(format!("{:>name$} ", "≠")),
                    Span::styled(truncate(&b, room), t.added),
                ]));
            }
        }
    }
    super::lag::unapplied(d, t, (inner_width(area), inner_rows(area)), &mut lines);
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
            .block(block(app, Pane::Divergence, &title, area.width)),
        area,
    );
}
