//! Keys to commands. The help screen and the footer are generated from this table, and the
//! config file's `[tui.keys]` rebinds any command.

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyEvent;

use super::state::Pane;

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
    /// Copy the open order's id to the clipboard.
    CopyId,
    /// Copy the event at the cursor as stored (payload and metadata) to the clipboard.
    CopyRaw,
    /// Back to where the last jump left from.
    JumpBack,
    /// Forward again after going back.
    JumpForward,
    /// Mark the cursor's version (a letter follows).
    SetMark,
    /// Jump to a mark (a letter follows).
    GoToMark,
    /// Compare the state with a mark's (a letter follows), or back to each event's change.
    DiffMark,
    /// The next out-of-sync order, across every order.
    NextTrouble,
    /// The previous out-of-sync order, across every order.
    PrevTrouble,
}

/// Where a command does something; the help groups the commands by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    Global,
    /// The orders list.
    Orders,
    /// The stream and state panes (the cursor).
    Stream,
    /// The jump list and the marks.
    Jumps,
}

/// Every command with its default keys, scope and help text, in help order.
pub const COMMANDS: &[(Cmd, &[&str], Scope, &str)] = &[
    (Cmd::Help, &["?"], Scope::Global, "help"),
    (Cmd::Prompt, &[":"], Scope::Global, "prompt"),
    (Cmd::NextPane, &["tab"], Scope::Global, "pane"),
    (Cmd::PrevPane, &["backtab"], Scope::Global, "previous pane"),
    (Cmd::Up, &["up", "k"], Scope::Orders, "move up"),
    (Cmd::Down, &["down", "j"], Scope::Orders, "move down"),
    (Cmd::PageUp, &["pageup", "ctrl-u"], Scope::Orders, "page up"),
    (
        Cmd::PageDown,
        &["pagedown", "ctrl-d"],
        Scope::Orders,
        "page down",
    ),
    (
        Cmd::Select,
        &["enter"],
        Scope::Orders,
        "open order (in Read model vs replay: jump to the parting event)",
    ),
    (
        Cmd::Filter,
        &["/"],
        Scope::Orders,
        "filter orders (in the other panes: search the stream)",
    ),
    (Cmd::Sort, &["s"], Scope::Orders, "sort"),
    (Cmd::StepBack, &["left", "h"], Scope::Stream, "step back"),
    (
        Cmd::StepForward,
        &["right", "l"],
        Scope::Stream,
        "step forward",
    ),
    (Cmd::First, &["g", "home"], Scope::Stream, "first version"),
    (Cmd::Last, &["G", "end"], Scope::Stream, "last version"),
    (
        Cmd::SearchNext,
        &["n"],
        Scope::Stream,
        "next match (past the last, round to the first)",
    ),
    (
        Cmd::SearchPrev,
        &["N"],
        Scope::Stream,
        "previous match (before the first, round to the last)",
    ),
    (Cmd::Time, &["t"], Scope::Stream, "jump to a time"),
    (Cmd::Follow, &["f"], Scope::Stream, "follow the head"),
    (Cmd::Raw, &["e"], Scope::Stream, "raw event"),
    (
        Cmd::Correlation,
        &["c"],
        Scope::Stream,
        "same correlation id",
    ),
    (
        Cmd::NextTrouble,
        &["]"],
        Scope::Global,
        "next out-of-sync order, across every order",
    ),
    (
        Cmd::PrevTrouble,
        &["["],
        Scope::Global,
        "previous out-of-sync order",
    ),
    (Cmd::DeadLetters, &["D"], Scope::Global, "dead letters"),
    (
        Cmd::CopyId,
        &["y"],
        Scope::Global,
        "copy the open order's id (OSC 52)",
    ),
    (
        Cmd::CopyRaw,
        &["Y"],
        Scope::Stream,
        "copy the event as stored: payload and metadata (OSC 52)",
    ),
    (Cmd::Refresh, &["r", "ctrl-r"], Scope::Global, "reload"),
    // Vim's ctrl-i comes from the terminal as Tab (the same byte), which is the pane key.
    (
        Cmd::JumpBack,
        &["ctrl-o"],
        Scope::Jumps,
        "back to where the last jump left from (Enter, g/G, t, n/N, :open, ')",
    ),
    (
        Cmd::JumpForward,
        &["ctrl-n"],
        Scope::Jumps,
        "forward again (vim's ctrl-i: terminals send it as Tab)",
    ),
    (
        Cmd::SetMark,
        &["m"],
        Scope::Jumps,
        "mark the cursor's version: m then a letter a-z",
    ),
    (
        Cmd::GoToMark,
        &["'"],
        Scope::Jumps,
        "jump to a mark: ' then its letter",
    ),
    (
        Cmd::DiffMark,
        &["d"],
        Scope::Jumps,
        "state vs a mark: d then its letter; d again shows each event's change",
    ),
    (Cmd::Quit, &["q", "ctrl-c"], Scope::Global, "quit"),
];

/// Each pane's footer: the keys that act on what it shows, with the footer's short label
/// (a key may read differently per pane: `/` filters the orders but searches the stream).
/// The global keys follow.
const FOOTERS: &[(Pane, &[(Cmd, &str)])] = &[
    (
        Pane::Orders,
        &[
            (Cmd::PageDown, "page"),
            (Cmd::Select, "open"),
            (Cmd::Filter, "filter"),
            (Cmd::Sort, "sort"),
            (Cmd::NextTrouble, "out of sync"),
        ],
    ),
    (
        Pane::Stream,
        &[
            (Cmd::StepBack, "back"),
            (Cmd::StepForward, "fwd"),
            (Cmd::First, "first"),
            (Cmd::Last, "last"),
            (Cmd::Filter, "search"),
            (Cmd::SearchNext, "next"),
            (Cmd::SearchPrev, "prev"),
            (Cmd::Time, "time"),
            (Cmd::Follow, "follow"),
            (Cmd::Raw, "raw"),
            (Cmd::Correlation, "correlated"),
        ],
    ),
    (
        Pane::State,
        &[
            (Cmd::StepBack, "back"),
            (Cmd::StepForward, "fwd"),
            (Cmd::First, "first"),
            (Cmd::Last, "last"),
            (Cmd::Time, "time"),
            (Cmd::Raw, "raw"),
            (Cmd::SetMark, "mark"),
            (Cmd::DiffMark, "diff vs mark"),
        ],
    ),
    (
        Pane::Divergence,
        &[
            (Cmd::Select, "parting event"),
            (Cmd::DeadLetters, "dead letters"),
            (Cmd::Refresh, "reload"),
        ],
    ),
];

/// The global keys every footer ends with.
const FOOTER_GLOBAL: &[(Cmd, &str)] = &[
    (Cmd::Help, "help"),
    (Cmd::Prompt, "prompt"),
    (Cmd::NextPane, "pane"),
    (Cmd::Quit, "quit"),
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
            .map(|(cmd, _, scope, what)| (self.keys_of(*cmd), *what, *scope))
            .collect()
    }

    /// A pane's footer `(key, label)`: its own keys, then the global ones, each by its
    /// first key.
    pub fn footer(&self, pane: Pane) -> Vec<(String, &'static str)> {
        let own = FOOTERS
            .iter()
            .find(|(p, _)| *p == pane)
            .map_or(&[][..], |(_, keys)| keys);
        own.iter()
            .chain(FOOTER_GLOBAL)
            .map(|(cmd, label)| {
                let first = self.keys.get(cmd).and_then(|k| k.first());
                (first.map(ToString::to_string).unwrap_or_default(), *label)
            })
            .collect()
    }
}
