//! Overlays: help, raw event, correlated events, dead letters.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::layout::list_offset;
use super::panes::short;
use crate::tui::keymap::Scope;
use crate::tui::prompt::PROMPT_COMMANDS;
use crate::tui::state::{App, Overlay};

fn centered(area: Rect) -> Rect {
    let [_, mid, _] = Layout::vertical([
        Constraint::Percentage(8),
        Constraint::Percentage(84),
        Constraint::Percentage(8),
    ])
    .areas(area);
    let [_, c, _] = Layout::horizontal([
        Constraint::Percentage(10),
        Constraint::Percentage(80),
        Constraint::Percentage(10),
    ])
    .areas(mid);
    c
}

pub(super) fn render(app: &App, o: &Overlay, frame: &mut Frame, area: Rect) {
    let area = centered(area);
    let t = &app.theme;
    let visible = area.height.saturating_sub(2) as usize;
    let (title, lines, scroll): (String, Vec<Line>, u16) = match o {
        Overlay::Help { scroll } => ("Keys · j/k scroll · Esc closes".into(), help(app), *scroll),
        Overlay::Raw { lines, scroll } => (
            "Raw event · j/k scroll · Esc closes".into(),
            lines.iter().map(|l| Line::from(l.clone())).collect(),
            *scroll,
        ),
        Overlay::Correlated {
            correlation_id,
            rows,
            selected,
        } => {
            let offset = list_offset(*selected, rows.len(), visible);
            let lines = rows
                .iter()
                .enumerate()
                .skip(offset)
                .take(visible)
                .map(|(i, (stream, v, ty, at))| {
                    let line = Line::from(format!(
                        "{} {} v{v:<6} {ty:<15} {}",
                        if i == *selected { "▶" } else { " " },
                        short(stream),
                        at.format("%Y-%m-%d %H:%M:%S")
                    ));
                    if i == *selected {
                        line.style(t.selected)
                    } else {
                        line
                    }
                })
                .collect();
            (
                format!(
                    "Correlation {} · {} events · Enter jumps · Esc closes",
                    correlation_id,
                    rows.len()
                ),
                lines,
                0,
            )
        }
        Overlay::DeadLetters { rows, selected } => {
            let offset = list_offset(*selected, rows.len(), visible);
            let mut lines: Vec<Line> = Vec::new();
            if rows.is_empty() {
                lines.push(Line::from("no dead letters"));
            }
            for (i, d) in rows.iter().enumerate().skip(offset).take(visible) {
                let line = Line::from(vec![
                    Span::raw(format!(
                        "{} #{} {} v{} {} ×{} ",
                        if i == *selected { "▶" } else { " " },
                        d.global_position,
                        short(&d.stream_id),
                        d.version,
                        d.event_type,
                        d.attempts
                    )),
                    Span::styled(crate::text::printable(&d.error), t.error),
                ]);
                lines.push(if i == *selected {
                    line.style(t.selected)
                } else {
                    line
                });
            }
            (
                "Dead letters · r retry · s skip · Enter opens · Esc closes".into(),
                lines,
                0,
            )
        }
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.focus)
                .title(Span::styled(format!(" {title} "), t.focus)),
        ),
        area,
    );
}

/// Help generated from the keymap and the prompt's command table.
fn help(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    for (scope, heading) in [
        (Scope::Global, "Everywhere"),
        (Scope::Orders, "Orders pane"),
        (
            Scope::Stream,
            "Stream and state (stepping works from any pane)",
        ),
    ] {
        lines.push(Line::from(Span::styled(heading, t.focus)));
        for (keys, what, s) in app.keymap.help() {
            if s == scope {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<16}"), t.key),
                    Span::raw(what),
                ]));
            }
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled(
        "Prompt (:) · an ID may be any unique prefix · Tab completes · ↑/↓ history",
        t.focus,
    )));
    for (name, args) in PROMPT_COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {name:<12}"), t.key),
            Span::raw(*args),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Filter (/ in Orders): status:paid · customer:PREFIX · id:PREFIX · or a bare word",
        t.dim,
    )));
    lines.push(Line::from(Span::styled(
        "Mouse: click selects · wheel scrolls · keys and colours: [tui] in the config file",
        t.dim,
    )));
    lines
}
