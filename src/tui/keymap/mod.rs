//! Keys to commands. The help screen and the footer are generated from this table, and the
//! config file's `[tui.keys]` rebinds any command.

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyEvent;

mod key;

pub use key::{KeyCodeSpec, KeySpec, Named};

/// What a key asks for in normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cmd {
    /// Leave the debugger.
    Quit,
    /// Show the key help.
    Help,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Move up in the focused list.
    Up,
    /// Move down in the focused list.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// One event back.
    StepBack,
    /// One event forward.
    StepForward,
    /// First version.
    First,
    /// Last version.
    Last,
    /// Filter orders, or search the stream.
    Filter,
    /// Next search hit.
    SearchNext,
    /// Previous search hit.
    SearchPrev,
    /// Open the command prompt.
    Prompt,
    /// Jump to a time.
    Time,
    /// Follow the head of the stream.
    Follow,
    /// Show the raw stored event.
    Raw,
    /// Show events sharing the correlation id.
    Correlation,
    /// Show dead letters.
    DeadLetters,
    /// Cycle the order sort.
    Sort,
    /// Reload everything.
    Refresh,
    /// Open the selected order.
    Select,
}

/// Where a command does something; the footer shows the keys of the focused pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    Global,
    /// The orders list.
    Orders,
    /// The stream and state panes (the cursor).
    Stream,
}

/// Every command with its default keys, scope, help text and footer label, in help order.
pub const COMMANDS: &[(Cmd, &[&str], Scope, &str, &str)] = &[
    (Cmd::Help, &["?"], Scope::Global, "help", "help"),
    (Cmd::Prompt, &[":"], Scope::Global, "prompt", "prompt"),
    (Cmd::NextPane, &["tab"], Scope::Global, "pane", "pane"),
    (
        Cmd::PrevPane,
        &["backtab"],
        Scope::Global,
        "previous pane",
        "pane",
    ),
    (Cmd::Up, &["up", "k"], Scope::Orders, "move up", "up"),
    (
        Cmd::Down,
        &["down", "j"],
        Scope::Orders,
        "move down",
        "down",
    ),
    (
        Cmd::PageUp,
        &["pageup", "ctrl-u"],
        Scope::Orders,
        "page up",
        "page",
    ),
    (
        Cmd::PageDown,
        &["pagedown", "ctrl-d"],
        Scope::Orders,
        "page down",
        "page",
    ),
    (Cmd::Select, &["enter"], Scope::Orders, "open order", "open"),
    (
        Cmd::Filter,
        &["/"],
        Scope::Orders,
        "filter/search",
        "filter",
    ),
    (Cmd::Sort, &["s"], Scope::Orders, "sort", "sort"),
    (
        Cmd::StepBack,
        &["left", "h"],
        Scope::Stream,
        "step back",
        "back",
    ),
    (
        Cmd::StepForward,
        &["right", "l"],
        Scope::Stream,
        "step forward",
        "fwd",
    ),
    (
        Cmd::First,
        &["g", "home"],
        Scope::Stream,
        "first version",
        "first",
    ),
    (
        Cmd::Last,
        &["G", "end"],
        Scope::Stream,
        "last version",
        "last",
    ),
    (Cmd::SearchNext, &["n"], Scope::Stream, "next match", "next"),
    (
        Cmd::SearchPrev,
        &["N"],
        Scope::Stream,
        "previous match",
        "prev",
    ),
    (Cmd::Time, &["t"], Scope::Stream, "jump to a time", "time"),
    (
        Cmd::Follow,
        &["f"],
        Scope::Stream,
        "follow the head",
        "follow",
    ),
    (Cmd::Raw, &["e"], Scope::Stream, "raw event", "raw"),
    (
        Cmd::Correlation,
        &["c"],
        Scope::Stream,
        "same correlation id",
        "correlated",
    ),
    (
        Cmd::DeadLetters,
        &["D"],
        Scope::Global,
        "dead letters",
        "dlq",
    ),
    (
        Cmd::Refresh,
        &["r", "ctrl-r"],
        Scope::Global,
        "reload",
        "reload",
    ),
    (Cmd::Quit, &["q", "ctrl-c"], Scope::Global, "quit", "quit"),
];

/// The active bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<KeySpec, Cmd>,
    keys: BTreeMap<Cmd, Vec<KeySpec>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new()).unwrap_or_else(|_| Keymap {
            bindings: BTreeMap::new(),
            keys: BTreeMap::new(),
        })
    }
}

/// The config name of a command (`step_back`), as `[tui.keys]` spells it.
pub fn config_name(cmd: Cmd) -> String {
    let debug = format!("{cmd:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Keymap {
    /// The defaults with some commands rebound: `{"quit": ["x"]}` replaces quit's keys.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut keys: BTreeMap<Cmd, Vec<KeySpec>> = BTreeMap::new();
        for (cmd, defaults, ..) in COMMANDS {
            let specs = defaults
                .iter()
                .map(|s| KeySpec::parse(s))
                .collect::<Result<Vec<_>, _>>()?;
            keys.insert(*cmd, specs);
        }
        for (name, specs) in overrides {
            let cmd = COMMANDS
                .iter()
                .map(|c| c.0)
                .find(|c| config_name(*c) == *name)
                .ok_or_else(|| format!("[tui.keys]: unknown command {name:?}"))?;
            let parsed = specs
                .iter()
                .map(|s| KeySpec::parse(s).map_err(|e| format!("[tui.keys] {name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            keys.insert(cmd, parsed);
        }
        let mut bindings = BTreeMap::new();
        for (cmd, specs) in &keys {
            for spec in specs {
                if let Some(other) = bindings.insert(*spec, *cmd)
                    && other != *cmd
                {
                    return Err(format!(
                        "[tui.keys]: {spec} is bound to both {} and {}",
                        config_name(other),
                        config_name(*cmd)
                    ));
                }
            }
        }
        Ok(Keymap { bindings, keys })
    }

    /// The command bound to a key event.
    pub fn lookup(&self, k: &KeyEvent) -> Option<Cmd> {
        let spec = KeySpec::from_event(k)?;
        self.bindings.get(&spec).copied()
    }

    /// The keys of a command, as shown (`←/h`).
    pub fn keys_of(&self, cmd: Cmd) -> String {
        self.keys
            .get(&cmd)
            .map(|ks| {
                ks.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// Help rows `(keys, what, scope)` in table order.
    pub fn help(&self) -> Vec<(String, &'static str, Scope)> {
        COMMANDS
            .iter()
            .map(|(cmd, _, scope, what, _)| (self.keys_of(*cmd), *what, *scope))
            .collect()
    }

    /// The footer's `(keys, what)` for a scope: its own commands, then the global ones.
    pub fn footer(&self, scope: Scope) -> Vec<(String, &'static str)> {
        let own = COMMANDS
            .iter()
            .filter(|c| c.2 == scope && scope != Scope::Global);
        let global = COMMANDS
            .iter()
            .filter(|c| matches!(c.0, Cmd::Help | Cmd::Prompt | Cmd::NextPane | Cmd::Quit));
        own.chain(global)
            .filter(|(cmd, ..)| !matches!(cmd, Cmd::Up | Cmd::Down | Cmd::PageUp))
            .map(|(cmd, _, _, _, label)| {
                let first = self.keys.get(cmd).and_then(|k| k.first());
                (first.map(ToString::to_string).unwrap_or_default(), *label)
            })
            .collect()
    }
}
