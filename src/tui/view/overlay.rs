//! Overlays: help, raw event, correlated events, dead letters.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::layout::list_offset;
use super::panes::short;
use super::{fit_line, titled};
use crate::app::read::EventSet;
use crate::store::DeadLetter;
use crate::tui::format::count;
use crate::tui::keymap::Scope;
use crate::tui::prompt::PROMPT_COMMANDS;
use crate::tui::state::{App, Overlay};
use crate::tui::theme::Theme;

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
    let room = usize::from(area.width.saturating_sub(2));
    let (title, lines, scroll): (String, Vec<Line>, u16) = match o {
        Overlay::Help { scroll } => (
            "Keys · j/k scroll · Esc closes".into(),
            help(app).into_iter().map(|l| fit_line(l, room)).collect(),
            *scroll,
        ),
        Overlay::Raw { lines, scroll } => {
            let width = usize::from(area.width.saturating_sub(2));
            (
                "Raw event · j/k scroll · Esc closes".into(),
                lines
                    .iter()
                    .flat_map(|l| fold(l, width))
                    .map(Line::from)
                    .collect(),
                *scroll,
            )
        }
        Overlay::Correlated {
            set,
            rows,
            cut,
            selected,
        } => (
            events_title(set, rows.len(), *cut),
            correlated(rows, *selected, visible, t)
                .into_iter()
                .map(|l| fit_line(l, room))
                .collect(),
            0,
        ),
        Overlay::DeadLetters { rows, selected } => (
            "Dead letters · r retry · s skip · Enter opens · Esc closes".into(),
            dead_letters(rows, *selected, visible, t)
                .into_iter()
                .map(|l| fit_line(l, room))
                .collect(),
            0,
        ),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.focus)
                .title(Span::styled(titled(&title, area.width), t.focus)),
        ),
        area,
    );
}

/// What the events overlay shows: the set (capitalised), how many, in which order.
fn events_title(set: &EventSet, shown: usize, cut: bool) -> String {
    let name = crate::tui::take::set_name(set);
    let name = name[..1].to_uppercase() + &name[1..];
    let events = count(shown as u64, "event");
    let how = match (set, cut) {
        (EventSet::Correlation(_), false) => events,
        (EventSet::Correlation(_), true) => format!("first {events} (more match)"),
        (EventSet::Find(_), false) => format!("{events}, newest first"),
        (EventSet::Find(_), true) => format!("newest {events} (more match)"),
    };
    format!("{name} · {how} · Enter jumps · : export · Esc closes")
}

/// The correlated events around the selected one.
fn correlated(
    rows: &[(String, u64, String, DateTime<Utc>)],
    selected: usize,
    visible: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return vec![Line::from(
            "no event matches yet; the list refreshes as events arrive",
        )];
    }
    let offset = list_offset(selected, rows.len(), visible);
    rows.iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, (stream, v, ty, at))| {
            let line = Line::from(format!(
                "{} {} v{v:<6} {ty:<15} {}",
                if i == selected { "▶" } else { " " },
                crate::text::printable(short(stream)),
                at.format("%Y-%m-%d %H:%M:%S")
            ));
            if i == selected {
                line.style(t.selected)
            } else {
                line
            }
        })
        .collect()
}

/// The dead letters around the selected one: where each is, how often it was tried, why
/// it failed.
fn dead_letters(
    rows: &[DeadLetter],
    selected: usize,
    visible: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return vec![Line::from("no dead letters")];
    }
    let offset = list_offset(selected, rows.len(), visible);
    rows.iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, d)| {
            let line = Line::from(vec![
                Span::raw(format!(
                    "{} #{} {} v{} {} · {} · ",
                    if i == selected { "▶" } else { " " },
                    d.global_position,
                    short(&d.stream_id),
                    d.version,
                    crate::text::printable(&d.event_type),
                    count(u64::from(d.attempts), "attempt")
                )),
                Span::styled(crate::text::printable(&d.error), t.error),
            ]);
            if i == selected {
                line.style(t.selected)
            } else {
                line
            }
        })
        .collect()
}

/// A line cut into pieces of at most `width` columns, its characters in order and none
/// left out, so stored text reads as stored however long its lines are (a paragraph's
/// word wrap would move words and drop the spaces it breaks at). Pieces after the first
/// are indented like the line, up to half the width, so they read as its continuation.
fn fold(line: &str, width: usize) -> Vec<String> {
    let cols = |s: &str| Span::raw(s).width();
    if width == 0 || cols(line) <= width {
        return vec![line.to_string()];
    }
    let indent_len = line.len() - line.trim_start_matches(' ').len();
    let indent = &line[..indent_len.min(width / 2)];
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    for c in line.chars() {
        let mut buf = [0; 4];
        let w = cols(c.encode_utf8(&mut buf));
        if used + w > width && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
            piece.push_str(indent);
            used = indent.len();
        }
        piece.push(c);
        used += w;
    }
    pieces.push(piece);
    pieces
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
        (Scope::Jumps, "Jumps and marks (from any pane)"),
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
    for text in [
        "find #21: the event at global position 21 · find UUID: by event or correlation id",
        "find id:TEXT: by any id · find TEXT: in types and payloads, any ASCII case (\"…\" as typed)",
        "find lists the newest 500 first, live; : in it opens the prompt, export there writes them",
        "export, report: to ./chronicle-ID-TIME.jsonl/.md or PATH; PATH! replaces a file there",
    ] {
        lines.push(Line::from(Span::styled(text, t.dim)));
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
