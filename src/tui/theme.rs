//! Colours from the config file's `[tui.theme]`; with `NO_COLOR` set, emphasis uses bold,
//! underline and reverse video only.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The styles the views use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// Borders and titles of the focused pane.
    pub focus: Style,
    /// Borders of other panes.
    pub border: Style,
    /// The selected row.
    pub selected: Style,
    /// A field the cursor's event changed.
    pub changed: Style,
    /// A field the cursor's event added.
    pub added: Style,
    /// A field the cursor's event removed.
    pub removed: Style,
    /// Warnings: divergence badges, lag.
    pub warn: Style,
    /// Errors and rejections.
    pub error: Style,
    /// Success.
    pub ok: Style,
    /// Secondary text.
    pub dim: Style,
    /// Footer keys.
    pub key: Style,
}

/// Colour names a theme may use.
const SLOTS: &[&str] = &[
    "focus", "border", "selected", "changed", "added", "removed", "warn", "error", "ok", "dim",
    "key",
];

impl Theme {
    /// The default colours, overridden per slot (`changed = "yellow"`, `"#ffaa00"`).
    pub fn from_config(colors: &BTreeMap<String, String>, no_color: bool) -> Result<Theme, String> {
        if no_color {
            return Ok(Theme::monochrome());
        }
        let mut t = Theme::colored();
        for (slot, value) in colors {
            let color = Color::from_str(value)
                .map_err(|_| format!("[tui.theme] {slot}: bad colour {value:?}"))?;
            let style = match slot.as_str() {
                "focus" => &mut t.focus,
                "border" => &mut t.border,
                "selected" => &mut t.selected,
                "changed" => &mut t.changed,
                "added" => &mut t.added,
                "removed" => &mut t.removed,
                "warn" => &mut t.warn,
                "error" => &mut t.error,
                "ok" => &mut t.ok,
                "dim" => &mut t.dim,
                "key" => &mut t.key,
                _ => {
                    return Err(format!(
                        "[tui.theme]: unknown slot {slot:?} (one of {})",
                        SLOTS.join(", ")
                    ));
                }
            };
            *style = if slot == "selected" {
                style.bg(color)
            } else {
                style.fg(color)
            };
        }
        Ok(t)
    }

    /// The default colours.
    pub fn colored() -> Theme {
        Theme {
            focus: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            selected: Style::new()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            changed: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            added: Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            removed: Style::new()
                .fg(Color::Red)
                .add_modifier(Modifier::CROSSED_OUT),
            warn: Style::new().fg(Color::LightRed),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            dim: Style::new().fg(Color::Gray),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    /// No colours at all (`NO_COLOR`).
    pub fn monochrome() -> Theme {
        Theme {
            focus: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new(),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            changed: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            added: Style::new().add_modifier(Modifier::BOLD),
            removed: Style::new().add_modifier(Modifier::CROSSED_OUT),
            warn: Style::new().add_modifier(Modifier::BOLD),
            error: Style::new().add_modifier(Modifier::BOLD),
            ok: Style::new(),
            dim: Style::new(),
            key: Style::new().add_modifier(Modifier::BOLD),
        }
    }
}
