//! Keys as the config file writes them (`ctrl-r`, `G`, `pageup`) and as the terminal reports them.

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, as written in the config file (`ctrl-r`, `G`, `pageup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySpec {
    /// The key.
    pub code: KeyCodeSpec,
    /// Whether Ctrl is held.
    pub ctrl: bool,
}

/// The keys the keymap knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeSpec {
    /// A printable character.
    Char(char),
    /// A named key.
    Named(Named),
}

/// Named keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Named {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    BackTab,
}

const NAMES: &[(&str, Named)] = &[
    ("up", Named::Up),
    ("down", Named::Down),
    ("left", Named::Left),
    ("right", Named::Right),
    ("pageup", Named::PageUp),
    ("pagedown", Named::PageDown),
    ("home", Named::Home),
    ("end", Named::End),
    ("enter", Named::Enter),
    ("esc", Named::Esc),
    ("tab", Named::Tab),
    ("backtab", Named::BackTab),
];

impl KeySpec {
    /// Parses `x`, `ctrl-x`, or a named key.
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let (ctrl, rest) = match s.strip_prefix("ctrl-") {
            Some(r) if !r.is_empty() => (true, r),
            _ => (false, s),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeSpec::Char(c),
            _ => NAMES
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(rest))
                .map(|(_, k)| KeyCodeSpec::Named(*k))
                .ok_or_else(|| format!("unknown key {s:?}"))?,
        };
        Ok(KeySpec { code, ctrl })
    }

    /// The spec of a terminal key event, if the keymap can name it.
    pub fn from_event(k: &KeyEvent) -> Option<KeySpec> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let code = match k.code {
            KeyCode::Char(c) => KeyCodeSpec::Char(c),
            KeyCode::Up => KeyCodeSpec::Named(Named::Up),
            KeyCode::Down => KeyCodeSpec::Named(Named::Down),
            KeyCode::Left => KeyCodeSpec::Named(Named::Left),
            KeyCode::Right => KeyCodeSpec::Named(Named::Right),
            KeyCode::PageUp => KeyCodeSpec::Named(Named::PageUp),
            KeyCode::PageDown => KeyCodeSpec::Named(Named::PageDown),
            KeyCode::Home => KeyCodeSpec::Named(Named::Home),
            KeyCode::End => KeyCodeSpec::Named(Named::End),
            KeyCode::Enter => KeyCodeSpec::Named(Named::Enter),
            KeyCode::Esc => KeyCodeSpec::Named(Named::Esc),
            KeyCode::Tab => KeyCodeSpec::Named(Named::Tab),
            KeyCode::BackTab => KeyCodeSpec::Named(Named::BackTab),
            _ => return None,
        };
        Some(KeySpec { code, ctrl })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        match self.code {
            KeyCodeSpec::Char(c) => write!(f, "{c}"),
            KeyCodeSpec::Named(n) => {
                let name = match n {
                    Named::Up => "↑",
                    Named::Down => "↓",
                    Named::Left => "←",
                    Named::Right => "→",
                    Named::PageUp => "PgUp",
                    Named::PageDown => "PgDn",
                    Named::Home => "Home",
                    Named::End => "End",
                    Named::Enter => "Enter",
                    Named::Esc => "Esc",
                    Named::Tab => "Tab",
                    Named::BackTab => "S-Tab",
                };
                f.write_str(name)
            }
        }
    }
}
