//! The debugger's model: plain data, changed only by `update`, read only by the views.

pub use super::head::{HeadInfo, Held, Link};
use chrono::{DateTime, Utc};

use super::fields::FieldRow;
pub use super::jumps::{Base, Jumps, Mark, MarkOp, Marks, Place};
use super::keymap::Keymap;
pub use super::request::{Jobs, Tags};
pub use super::status::{Level, Message, Status};
use super::theme::Theme;
use crate::app::divergence::Class;
use crate::app::divergence::{EventRef, FieldDiff};
use crate::store::{DeadLetter, OrderSort, PageKey};

/// Rows of an orders page.
pub const ORDERS_PAGE: u32 = 100;
/// Events held around the cursor.
pub const STREAM_WINDOW: u32 = 200;

/// The four panes, in `Tab` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The orders list.
    Orders,
    /// The selected order's events.
    Stream,
    /// The state at the cursor.
    State,
    /// Read model vs replay.
    Divergence,
}

impl Pane {
    /// The pane after this one.
    #[must_use]
    pub fn next(self) -> Pane {
        match self {
            Pane::Orders => Pane::Stream,
            Pane::Stream => Pane::State,
            Pane::State => Pane::Divergence,
            Pane::Divergence => Pane::Orders,
        }
    }

    /// The pane before this one.
    #[must_use]
    pub fn prev(self) -> Pane {
        match self {
            Pane::Orders => Pane::Divergence,
            Pane::Stream => Pane::Orders,
            Pane::State => Pane::Stream,
            Pane::Divergence => Pane::State,
        }
    }
}

/// One line of the orders list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// Replayed status (`None` for a row without events).
    pub status: Option<String>,
    /// Replayed total with currency.
    pub total: String,
    /// Customer.
    pub customer: String,
    /// Stream version.
    pub version: u64,
    /// When its last event happened.
    pub updated: Option<DateTime<Utc>>,
    /// Read model vs replay.
    pub class: Class,
    /// The row's lag: versions of its stream it has not applied yet.
    pub behind: u64,
}

/// The orders pane.
#[derive(Debug, Clone, Default)]
pub struct OrdersPane {
    /// The current page.
    pub rows: Vec<OrderRow>,
    /// Index of the selected row.
    pub selected: usize,
    /// The filter as typed.
    pub filter: String,
    /// The sort.
    pub sort: OrderSort,
    /// Start keys of the pages before and including this one (`None` = the first page).
    pub pages: Vec<Option<PageKey>>,
    /// Key of the last row, when a next page may exist.
    pub next: Option<PageKey>,
    /// The page a jump opened, above `pages`: this order, then the orders after it.
    pub lead: Option<String>,
    /// A page request is in flight.
    pub loading: bool,
    /// Open the selected order when the requested page arrives (filter, sort, paging).
    pub open_selected: bool,
    /// Why the last page could not be loaded.
    pub error: Option<String>,
    /// What the last page's filter and sort were true to.
    pub source: crate::app::read::ListSource,
}

/// One line of the stream pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Version in the stream.
    pub version: u64,
    /// Global position.
    pub position: i64,
    /// Stored type name.
    pub event_type: String,
    /// One-line summary (or the decode error).
    pub summary: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The stream pane: a window of events around the cursor.
#[derive(Debug, Clone, Default)]
pub struct StreamPane {
    /// The open order.
    pub order: Option<String>,
    /// Its last version as last seen.
    pub head: u64,
    /// The version shown in the state pane.
    pub cursor: u64,
    /// Events around the cursor.
    pub window: Vec<EventRow>,
    /// The search text (`/` in this pane).
    pub search: String,
    /// Keep the cursor on the head as events arrive.
    pub following: bool,
    /// A window request is in flight.
    pub loading: bool,
    /// Why the last load failed.
    pub error: Option<String>,
}

impl StreamPane {
    /// The window row of a version, if loaded.
    pub fn row(&self, version: u64) -> Option<&EventRow> {
        let first = self.window.first()?.version;
        self.window.get(version.checked_sub(first)? as usize)
    }
}

/// The state pane.
#[derive(Debug, Clone, Default)]
pub struct StatePane {
    /// The version shown.
    pub version: u64,
    /// Fields with what the version's event changed (or what changed since `base`).
    pub fields: Vec<FieldRow>,
    /// What the fields are compared with, when not the version before (a mark).
    pub base: Option<Base>,
    /// The mark `d` compares the cursor with (`None`: what each event changed).
    pub against: Option<Mark>,
    /// A state request is in flight (the fields are of the previous cursor).
    pub loading: bool,
    /// Why the state could not be built.
    pub error: Option<String>,
}

/// The read model vs replay pane.
#[derive(Debug, Clone, Default)]
pub struct DivergencePane {
    /// The order compared.
    pub order: Option<String>,
    /// Its class.
    pub class: Option<Class>,
    /// The row's lag: versions of its stream it has not applied yet.
    pub behind: u64,
    /// Row version, when there is a row.
    pub row_version: Option<i64>,
    /// The stream version the comparison replayed to: the body's, which may differ from
    /// the stream pane's head until the next comparison answers.
    pub stream_version: Option<u64>,
    /// Differing fields.
    pub fields: Vec<FieldDiff>,
    /// The version the fields' replay is at, when not the stream's: a lagging row's own.
    pub compared_at: Option<u64>,
    /// A lagging row's first unapplied events, oldest first (`behind` counts them all).
    pub unapplied: Vec<EventRef>,
    /// What `explain` found, as lines.
    pub explain: Vec<String>,
    /// The version where projection and replay parted, to jump to.
    pub parted_at: Option<u64>,
    /// A request is in flight.
    pub loading: bool,
    /// Why the comparison failed.
    pub error: Option<String>,
}

/// A line being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    /// The text.
    pub text: String,
    /// Cursor, in chars.
    pub cursor: usize,
}

/// What a one-line input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// The `:` prompt.
    Prompt,
    /// Filter the orders.
    Filter,
    /// Search the stream.
    Search,
    /// Jump to a time.
    Time,
}

/// A write waiting for `y`.
#[derive(Debug, Clone)]
pub enum Pending {
    /// An order command, resolved to a full id.
    Command(Box<crate::app::CommandRequest>),
    /// Rebuild the read model.
    Rebuild,
    /// Catch the read model up.
    Project,
    /// Retry (`skip == false`) or skip a dead letter.
    DeadLetter {
        /// Its global position.
        position: i64,
        /// Skip instead of retry.
        skip: bool,
    },
}

/// An open overlay.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// Key help.
    Help {
        /// Scroll offset.
        scroll: u16,
    },
    /// The raw stored event.
    Raw {
        /// Lines to show.
        lines: Vec<String>,
        /// Scroll offset.
        scroll: u16,
    },
    /// Events across orders: those sharing a correlation id (`c`), or what `:find` found.
    Correlated {
        /// Which events: the title says what was searched for, and `:export` writes them.
        set: crate::app::read::EventSet,
        /// The events: (stream, version, type, recorded).
        rows: Vec<(String, u64, String, DateTime<Utc>)>,
        /// More events belong to the set than are shown.
        cut: bool,
        /// Selected row.
        selected: usize,
    },
    /// Dead letters.
    DeadLetters {
        /// The letters.
        rows: Vec<DeadLetter>,
        /// Selected row.
        selected: usize,
    },
}

/// A write waiting for `y`, and where the keys go once it is answered.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// The exact command, as shown.
    pub text: String,
    /// What `y` runs.
    pub pending: Pending,
    /// Where `y` or any other key returns to.
    pub back: Back,
    /// What an order command would do, run on a copy of the state it expects.
    pub what_if: Option<crate::tui::whatif::WhatIf>,
}

/// The mode a confirmation returns to.
#[derive(Debug, Clone)]
pub enum Back {
    /// Pane keys.
    Normal,
    /// The overlay it was asked from (a dead-letter retry goes back to the list, which
    /// reloads when the retry is done).
    Overlay(Overlay),
}

impl Back {
    /// The mode itself.
    pub fn mode(self) -> Mode {
        match self {
            Back::Normal => Mode::Normal,
            Back::Overlay(o) => Mode::Overlay(o),
        }
    }
}

/// What the keyboard drives right now.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Pane keys.
    Normal,
    /// Typing a line.
    Input(InputKind, LineInput),
    /// A write waits for `y`.
    Confirm(Confirm),
    /// An overlay has the keys.
    Overlay(Overlay),
    /// A mark key (`m`, `'`, `d`) waits for its letter.
    Mark(MarkOp),
}

/// The whole model.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)]
pub struct App {
    /// Refuse writes.
    pub read_only: bool,
    /// Database shown in the header.
    pub database: String,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Focused pane.
    pub focus: Pane,
    /// Keyboard mode.
    pub mode: Mode,
    /// Orders pane.
    pub orders: OrdersPane,
    /// Stream pane.
    pub stream: StreamPane,
    /// State pane.
    pub state: StatePane,
    /// Divergence pane.
    pub divergence: DivergencePane,
    /// Log head and projector.
    pub head: HeadInfo,
    /// A poll is in flight.
    pub polling: bool,
    /// A poll has answered (later changes of the head reload the panes).
    pub seen_head: bool,
    /// Whether the database answered the last poll.
    pub link: Link,
    /// The current action's result or error, shown on the prompt line.
    pub status: Status,
    /// Prompt history, oldest first.
    pub history: Vec<String>,
    /// Position while walking the history.
    pub history_pos: Option<usize>,
    /// Candidates of the last completion.
    pub completions: Vec<String>,
    /// Latest request of each kind.
    pub tags: Tags,
    /// Request counter.
    pub next_tag: u64,
    /// Background jobs running, with their progress.
    pub jobs: Jobs,
    /// Where jumps left from (`ctrl-o` goes back).
    pub jumps: Jumps,
    /// Marks on versions (`m` sets, `'` jumps).
    pub marks: Marks,
    /// The events overlay the prompt was opened over: it comes back when the line is done,
    /// and `:export` writes its events instead of the open stream.
    pub under_prompt: Option<Overlay>,
    /// Set by quit; the loop ends.
    pub quit: bool,
    /// The point in the log every pane shows (`:at`); `None`: live.
    pub as_of: Option<crate::app::read::AsOf>,
    /// Events per poll over the last polls, newest last: the header's sparkline.
    pub rate: std::collections::VecDeque<u64>,
    /// A fork of the open order being stepped through (never stored).
    pub fork: Option<crate::tui::fork::ForkView>,
}

impl App {
    /// A fresh model.
    pub fn new(database: String, read_only: bool, keymap: Keymap, theme: Theme) -> App {
        App {
            read_only,
            database,
            keymap,
            theme,
            size: (120, 40),
            focus: Pane::Orders,
            mode: Mode::Normal,
            orders: OrdersPane {
                pages: vec![None],
                ..OrdersPane::default()
            },
            stream: StreamPane::default(),
            state: StatePane::default(),
            divergence: DivergencePane::default(),
            head: HeadInfo::default(),
            polling: false,
            seen_head: false,
            link: Link::Up,
            status: Status::default(),
            history: Vec::new(),
            history_pos: None,
            completions: Vec::new(),
            tags: Tags::default(),
            next_tag: 0,
            jobs: Jobs::default(),
            jumps: Jumps::default(),
            marks: Marks::default(),
            under_prompt: None,
            quit: false,
            as_of: None,
            rate: std::collections::VecDeque::new(),
            fork: None,
        }
    }

    /// The global position the panes show the log as of, when historical.
    pub fn as_of_position(&self) -> Option<i64> {
        self.as_of.map(|a| a.position)
    }

    /// The selected order row.
    pub fn selected_order(&self) -> Option<&OrderRow> {
        self.orders.rows.get(self.orders.selected)
    }
}
