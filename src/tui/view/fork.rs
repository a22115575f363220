//! The panes while a fork is shown: its timeline in the stream pane, its state in the
//! state pane, its projection against its replay in the divergence pane. Every title says
//! FORK and that nothing of it is stored.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::{inner_rows, list_offset};
use super::panes::{field_lines, short};
use super::{block, fit_line};
use crate::app::read::Origin;
use crate::tui::fork::ForkView;
use crate::tui::format::truncate;
use crate::tui::state::{App, Pane};

fn room(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(2))
}

/// The fork's timeline: `*` marks a hypothetical event, `=` a real one replayed on it.
pub(super) fn stream(app: &App, f: &ForkView, frame: &mut Frame, area: Rect) {
    let title = format!(
        "FORK of {} · {} · not stored · Esc leaves",
        short(&f.order),
        f.what
    );
    let visible = inner_rows(area);
    let mut lines: Vec<Line> = Vec::with_capacity(visible);
    let base = f.cursor.is_none();
    lines.push(
        Line::from(format!(
            "{} fork point: the real state at v{}",
            if base { "▶" } else { " " },
            f.base
                .iter()
                .find(|r| r.name == "version")
                .map_or_else(|| "0".to_string(), |r| r.value.clone())
        ))
        .style(if base {
            app.theme.selected
        } else {
            app.theme.dim
        }),
    );
    if f.steps.is_empty() {
        lines.push(Line::from("  (nothing follows the fork point)"));
    }
    let at = f.cursor.unwrap_or(0);
    let offset = list_offset(at, f.steps.len(), visible.saturating_sub(2));
    for (i, s) in f
        .steps
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible.saturating_sub(2))
    {
        let here = f.cursor == Some(i);
        let origin = match (s.origin, s.real_version) {
            (Origin::Hypothetical, _) => "* new ".to_string(),
            (Origin::Real, Some(v)) => format!("= v{v:<3}"),
            (Origin::Real, None) => "=     ".to_string(),
        };
        let mut line = fit_line(
            Line::from(vec![
                Span::raw(format!(
                    "{} {:>3} {origin} {:<14} ",
                    if here { "▶" } else { " " },
                    s.version,
                    s.event_type
                )),
                Span::styled(s.summary.clone(), app.theme.dim),
            ]),
            room(area),
        );
        if here {
            line = line.style(app.theme.selected);
        }
        lines.push(line);
    }
    if f.cut {
        lines.push(Line::from(Span::styled(
            "  … later events are left out of the fork",
            app.theme.dim,
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).block(block(app, Pane::Stream, &title, area.width)),
        area,
    );
}

/// The fork's state at the cursor, marked against the step before.
pub(super) fn state(app: &App, f: &ForkView, frame: &mut Frame, area: Rect) {
    let (title, fields) = match f.current() {
        Some(s) => (
            format!(
                "FORK state @ v{} · {} · not stored",
                s.version, s.event_type
            ),
            &s.fields,
        ),
        None => ("FORK state at the fork point".to_string(), &f.base),
    };
    let lines = field_lines(fields, room(area), &app.theme);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block(app, Pane::State, &title, area.width)),
        area,
    );
}

/// What the read-model projection would make of the fork, against the fork's replay.
pub(super) fn divergence(app: &App, f: &ForkView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let w = room(area);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(why) = &f.refused {
        lines.push(Line::from(Span::styled(
            truncate(&format!("the command would be rejected: {why}"), w),
            t.error,
        )));
    }
    match f.current().map(|s| &s.projection) {
        None => lines.push(Line::from("the fork point: the real read model's input")),
        Some(Err(e)) => {
            lines.push(Line::from(Span::styled(
                "the projection would refuse this event:",
                t.warn,
            )));
            lines.push(Line::from(Span::styled(truncate(e, w), t.warn)));
        }
        Some(Ok(diffs)) if diffs.is_empty() => lines.push(Line::from(Span::styled(
            "✓ the fork's projection agrees with its replay",
            t.ok,
        ))),
        Some(Ok(diffs)) => {
            lines.push(Line::from(Span::styled(
                "the fork's projection ≠ its replay:",
                t.warn,
            )));
            for d in diffs {
                lines.push(Line::from(truncate(
                    &format!(
                        "  {}: projection {} ≠ replay {}",
                        d.field, d.read_model, d.replay
                    ),
                    w,
                )));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block(
                app,
                Pane::Divergence,
                "FORK projection vs replay · not stored",
                area.width,
            )),
        area,
    );
}
