//! The what-if box over the panes while a write waits for `y`: the events the command would
//! append and the fields it would change, or why a rule would refuse it. Marked as not
//! stored, so it never reads as the stream.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::titled;
use crate::tui::fields::Change;
use crate::tui::format::truncate;
use crate::tui::state::App;
use crate::tui::whatif::WhatIf;

/// Draws the box just above the prompt line (`prompt_y`), as tall as it needs up to half
/// the screen.
pub(super) fn render(app: &App, what_if: &WhatIf, frame: &mut Frame, size: Rect, prompt_y: u16) {
    let lines = lines(app, what_if, usize::from(size.width.saturating_sub(2)));
    let height = (lines.len() as u16 + 2).min(size.height / 2).max(3);
    let area = Rect {
        x: size.x,
        y: prompt_y.saturating_sub(height),
        width: size.width,
        height: height.min(prompt_y),
    };
    let title = titled("what-if · not stored · y runs it for real", area.width);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(app.theme.warn)
                .title(Span::styled(title, app.theme.warn)),
        ),
        area,
    );
}

fn lines(app: &App, what_if: &WhatIf, room: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    match what_if {
        WhatIf::Rejected(why) => out.push(Line::from(Span::styled(
            truncate(&format!("would be rejected: {why}"), room),
            t.error,
        ))),
        WhatIf::Appends { events, changes } => {
            out.push(Line::from(Span::styled("would append:", t.dim)));
            for e in events {
                let text = format!("  v{} {} {}", e.version, e.event_type, e.summary);
                out.push(Line::from(truncate(&text, room)));
            }
            out.push(Line::from(Span::styled("state would change:", t.dim)));
            for f in changes {
                let (mark, style) = match f.change {
                    Change::Same => (" ", Style::new()),
                    Change::Changed => ("~", t.changed),
                    Change::Added => ("+", t.added),
                    Change::Removed => ("-", t.removed),
                };
                let was = f
                    .old
                    .as_ref()
                    .map(|o| format!("  (was {o})"))
                    .unwrap_or_default();
                let text = format!("  {mark} {:<12} {}{was}", f.name, f.value);
                out.push(Line::from(Span::styled(truncate(&text, room), style)));
            }
        }
    }
    out
}
