//! Views: render the model and nothing else.

pub mod layout;
mod overlay;
mod panes;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::format::count;
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
    panes::stream(app, frame, a.stream);
    panes::state(app, frame, a.state);
    panes::divergence(app, frame, a.divergence);
    prompt_line(app, frame, a.prompt);
    footer(app, frame, a.footer);
    if let Mode::Overlay(o) = &app.mode {
        overlay::render(app, o, frame, size);
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

/// A bordered pane block, highlighted when focused.
pub(super) fn block<'a>(app: &App, pane: Pane, title: &str) -> Block<'a> {
    let style = if app.focus == pane {
        app.theme.focus
    } else {
        app.theme.border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(format!(" {title} "), style))
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
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    jobs(app, frame, area);
}

/// Running jobs and their progress, at the right end of the header: drawn over the end of
/// the database name when the line is short of room, since a job's progress changes and a
/// path does not.
fn jobs(app: &App, frame: &mut Frame, area: Rect) {
    if !app.jobs.any() {
        return;
    }
    let text = format!(" {} ", app.jobs.lines().collect::<Vec<_>>().join(" · "));
    let width = Span::raw(text.as_str())
        .width()
        .min(usize::from(area.width));
    let width = u16::try_from(width).unwrap_or(area.width);
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
        Mode::Confirm(c) => Line::from(vec![
            Span::styled("confirm: ", t.warn),
            Span::raw(c.text.clone()),
            Span::styled("  y = run, any other key = cancel", t.key),
        ]),
        _ => match app.status.current() {
            Some(message) => {
                let style = match message.level {
                    Level::Info => Style::new(),
                    Level::Ok => t.ok,
                    Level::Error => t.error,
                };
                Line::from(Span::styled(message.text.clone(), style))
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
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
