//! Views: render the model and nothing else.

mod fork;
mod lag;
pub mod layout;
mod overlay;
mod panes;
mod whatif;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::format::{count, truncate, width};
use super::state::{App, InputKind, Level, Link, Mode, Pane};
use layout::{MIN_HEIGHT, MIN_WIDTH, areas};

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let size = frame.area();
    let Some(a) = areas(size.width, size.height) else {
        too_small(frame, size);
        return;
    };
    header(app, frame, a.header);
    panes::orders(app, frame, a.orders);
    if let Some(f) = &app.fork {
        fork::stream(app, f, frame, a.stream);
        fork::state(app, f, frame, a.state);
        fork::divergence(app, f, frame, a.divergence);
    } else {
        panes::stream(app, frame, a.stream);
        panes::state(app, frame, a.state);
        panes::divergence(app, frame, a.divergence);
    }
    prompt_line(app, frame, a.prompt);
    footer(app, frame, a.footer);
    match &app.mode {
        Mode::Overlay(o) => overlay::render(app, o, frame, size),
        Mode::Confirm(c) => {
            if let Some(w) = &c.what_if {
                whatif::render(app, w, frame, size, a.prompt.y);
            }
        }
        _ => {}
    }
}

fn too_small(frame: &mut Frame, size: Rect) {
    let text = vec![
        Line::from("Terminal too small"),
        Line::from(format!(
            "{}×{}, need at least {MIN_WIDTH}×{MIN_HEIGHT}",
            size.width, size.height
        )),
        Line::from("enlarge it, or press q to quit"),
    ];
    let y = size.height.saturating_sub(3) / 2;
    let area = Rect::new(0, y, size.width, size.height.saturating_sub(y).min(3));
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// A bordered pane block `width` columns wide, highlighted when focused; a title longer
/// than the top border ends in `…`.
pub(super) fn block<'a>(app: &App, pane: Pane, title: &str, width: u16) -> Block<'a> {
    let style = if app.focus == pane {
        app.theme.focus
    } else {
        app.theme.border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(titled(title, width), style))
}

/// A title for a border `width` columns wide: between the corners, with a space either side,
/// cut with `…` when longer.
pub(super) fn titled(title: &str, width: u16) -> String {
    let room = usize::from(width).saturating_sub(4);
    format!(" {} ", truncate(title, room))
}

/// Spans cut to `room` columns: the span at the edge is cut and ends in `…`, the ones after
/// it are left out, so a line too long for its pane never reads as whole.
pub(super) fn fit(spans: Vec<Span<'_>>, room: usize) -> Vec<Span<'_>> {
    if spans.iter().map(Span::width).sum::<usize>() <= room {
        return spans;
    }
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w < room {
            used += w;
            out.push(span);
            continue;
        }
        // This span reaches the edge and more follows (the line is too long): cut it to
        // leave a column for the `…`.
        let mut cut = truncate(&span.content, room - used);
        if !cut.ends_with('…') {
            cut = truncate(&format!("{cut}…"), room - used);
        }
        out.push(Span::styled(cut, span.style));
        break;
    }
    out
}

/// A line cut to `room` columns with [`fit`], keeping its style.
pub(super) fn fit_line(line: Line<'_>, room: usize) -> Line<'_> {
    let style = line.style;
    Line::from(fit(line.spans, room)).style(style)
}

fn header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let h = &app.head;
    let mut spans = vec![Span::styled("Chronicle", t.focus)];
    // The mode and a standby's lag first: a long header (a long database URL) is cut at
    // the right, and these must not be.
    if app.read_only {
        spans.push(Span::styled(" · READ-ONLY", t.warn));
    }
    if app.fork.is_some() {
        spans.push(Span::styled(" · FORK: not stored (Esc leaves)", t.warn));
    }
    if let Some(at) = app.as_of {
        let when = at
            .recorded_at
            .map(|t| format!(" {}", t.format("%Y-%m-%d %H:%M:%S")))
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(" · HISTORICAL: as of #{}{when} (:at now)", at.position),
            t.warn,
        ));
    }
    if let Some(lag) = h.replica_lag {
        spans.push(Span::styled(
            format!(" · standby replaying {lag:.1} s late"),
            t.warn,
        ));
    }
    spans.push(Span::raw(format!(
        " · {} · head #{}",
        app.database, h.position
    )));
    if let Link::Down(_) = app.link {
        spans.push(Span::styled(" · disconnected, retrying", t.error));
    }
    // "behind" is said of the projector only: rows lag their streams (the list's badge)
    // and the cursor has newer events (the stream's title), each counter its own word.
    if h.lag > 0 {
        spans.push(Span::styled(
            format!(" · projector {} behind the log", count(h.lag, "event")),
            t.warn,
        ));
    } else {
        spans.push(Span::styled(" · projector caught up with the log", t.ok));
    }
    if let Some(held) = h.held {
        let who = held
            .pid
            .map_or_else(|| "a transaction".to_string(), |p| format!("pid {p}"));
        spans.push(Span::styled(
            format!(
                " · log held by {who} for {:.0} s ({} waiting)",
                held.seconds,
                count(held.waiting, "event")
            ),
            t.warn,
        ));
    }
    if app.head.dead_letters > 0 {
        let letters = count(app.head.dead_letters as u64, "dead letter");
        spans.push(Span::styled(format!(" · {letters} (D)"), t.warn));
    }
    if app.rate.iter().any(|n| *n > 0) {
        spans.push(Span::styled(
            format!(" · events/poll {}", super::format::sparkline(&app.rate)),
            t.dim,
        ));
    }
    // The jobs take the right end; the rest is cut before them.
    let room = usize::from(area.width).saturating_sub(jobs_width(app, area));
    frame.render_widget(Paragraph::new(Line::from(fit(spans, room))), area);
    jobs(app, frame, area);
}

fn jobs_text(app: &App) -> String {
    format!(" {} ", app.jobs.lines().collect::<Vec<_>>().join(" · "))
}

/// Columns the jobs take at the right end of the header (none when no job runs).
fn jobs_width(app: &App, area: Rect) -> usize {
    if app.jobs.any() {
        width(&jobs_text(app)).min(usize::from(area.width))
    } else {
        0
    }
}

/// Running jobs and their progress, at the right end of the header: drawn over the end of
/// the database name when the line is short of room, since a job's progress changes and a
/// path does not.
fn jobs(app: &App, frame: &mut Frame, area: Rect) {
    if !app.jobs.any() {
        return;
    }
    let text = truncate(&jobs_text(app), usize::from(area.width));
    let width = u16::try_from(jobs_width(app, area)).unwrap_or(area.width);
    let right = Rect {
        x: area.right() - width,
        width,
        ..area
    };
    frame.render_widget(Paragraph::new(Span::styled(text, app.theme.warn)), right);
}

fn prompt_line(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let line = match &app.mode {
        Mode::Input(kind, input) => {
            let label = match kind {
                InputKind::Prompt => ":",
                InputKind::Filter => "filter (status:, customer:, id:) /",
                InputKind::Search => "search /",
                InputKind::Time => "time (2026-11-26 10:02) ",
            };
            let mut spans = vec![
                Span::styled(label.to_string(), t.key),
                Span::raw(crate::text::printable(&input.text)),
            ];
            let ghost = (*kind == InputKind::Prompt)
                .then(|| {
                    crate::tui::prompt::id_suggestion(&input.text, app.stream.order.as_deref())
                })
                .flatten();
            if let Some(id) = ghost {
                spans.push(Span::styled(format!("{id}  (Tab takes it)"), t.dim));
            }
            if !app.completions.is_empty() {
                spans.push(Span::styled(
                    format!("   [{}]", app.completions.join(" ")),
                    t.dim,
                ));
            }
            let x = area
                .x
                .saturating_add(label.chars().count() as u16)
                .saturating_add(input.cursor.min(usize::from(u16::MAX)) as u16);
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
            Line::from(spans)
        }
        // The keys first when the line is short of room: what to press must not be cut.
        Mode::Confirm(c) => {
            let keys = "  y = run, any other key = cancel";
            let room = usize::from(area.width).saturating_sub(width("confirm: ") + width(keys));
            Line::from(vec![
                Span::styled("confirm: ", t.warn),
                Span::raw(truncate(&c.text, room)),
                Span::styled(keys, t.key),
            ])
        }
        _ => match app.status.current() {
            Some(message) => {
                let style = match message.level {
                    Level::Info => Style::new(),
                    Level::Ok => t.ok,
                    Level::Error => t.error,
                };
                Line::from(Span::styled(
                    truncate(&message.text, usize::from(area.width)),
                    style,
                ))
            }
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The focused pane's keys.
fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (keys, what) in app.keymap.footer(app.focus) {
        spans.push(Span::styled(format!(" {keys}"), app.theme.key));
        spans.push(Span::styled(format!(" {what}"), app.theme.dim));
    }
    frame.render_widget(
        Paragraph::new(Line::from(fit(spans, usize::from(area.width)))),
        area,
    );
}
