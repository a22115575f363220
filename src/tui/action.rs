//! What flows into `update` (input and worker results) and out of it (effects).

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::fields::FieldRow;
use super::jumps::Base;
use super::prompt::PromptCommand;
use super::request::{JobKind, Request, Tag};
use super::state::{EventRow, HeadInfo, OrderRow, Pending};
use super::take::{Export, OutPath};
use crate::app::divergence::Class;
use crate::app::divergence::{EventRef, FieldDiff};
use crate::app::read::{ClassFilter, ListSource, NextOutOfSync, Towards};
use crate::store::{DeadLetter, EventSearch, OrderPageQuery, OrderSort, PageKey};

/// An input or a result.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key press.
    Key(KeyEvent),
    /// A mouse click or wheel.
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize(u16, u16),
    /// Time to look for new events.
    Tick,
    /// A worker or job result for the request with this tag.
    Loaded(Tag, Loaded),
}

/// An orders page.
#[derive(Debug, Clone)]
pub struct OrdersPage {
    /// Its rows.
    pub rows: Vec<OrderRow>,
    /// Key of the last row when the page was full.
    pub next: Option<PageKey>,
    /// What the filter and sort were true to.
    pub source: ListSource,
}

/// A window of a stream.
#[derive(Debug, Clone)]
pub struct StreamWindow {
    /// The order.
    pub order: String,
    /// Its head version.
    pub head: u64,
    /// The events.
    pub rows: Vec<EventRow>,
    /// Where the cursor should go (the head when the request asked for the latest).
    pub cursor: u64,
}

/// The read model against the replay for one order.
#[derive(Debug, Clone)]
pub struct DivergenceView {
    /// The order.
    pub order: String,
    /// Its class.
    pub class: Class,
    /// The row's lag: versions of its stream it has not applied yet.
    pub behind: u64,
    /// Row version.
    pub row_version: Option<i64>,
    /// The stream version the comparison replayed to (`None` when an event does not decode).
    pub stream_version: Option<u64>,
    /// Differing fields.
    pub fields: Vec<FieldDiff>,
    /// The version the fields' replay is at, when not the stream's: a lagging row's own.
    pub compared_at: Option<u64>,
    /// A lagging row's first unapplied events, oldest first.
    pub unapplied: Vec<EventRef>,
    /// What explain found.
    pub explain: Vec<String>,
    /// Version where projection and replay parted.
    pub parted_at: Option<u64>,
}

/// A worker result.
#[derive(Debug, Clone)]
pub enum Loaded {
    /// An orders page.
    Orders(OrdersPage),
    /// A stream window.
    Stream(StreamWindow),
    /// The state at a version.
    State {
        /// The version.
        version: u64,
        /// What the fields are compared with, when not the version before.
        base: Option<Base>,
        /// Its fields.
        fields: Vec<FieldRow>,
    },
    /// Divergence of the open order.
    Divergence(Box<DivergenceView>),
    /// The log head, and the open stream's head.
    Head {
        /// Log and projector.
        info: HeadInfo,
        /// The open stream's version.
        stream_head: Option<u64>,
    },
    /// The raw event, as lines.
    Raw(Vec<String>),
    /// Events sharing a correlation id.
    Correlated {
        /// The id.
        correlation_id: String,
        /// (stream, version, type, recorded).
        rows: Vec<(String, u64, String, DateTime<Utc>)>,
        /// The event they were read for: (stream, version).
        from: (String, u64),
        /// Why they were read.
        purpose: Correlate,
    },
    /// What `:find` found across orders, newest first.
    Matches {
        /// What was searched for.
        search: EventSearch,
        /// (stream, version, type, recorded).
        rows: Vec<(String, u64, String, DateTime<Utc>)>,
        /// More events matched than the rows hold.
        cut: bool,
        /// Why they were read.
        purpose: Correlate,
    },
    /// Dead letters.
    DeadLetters(Vec<DeadLetter>),
    /// A file was written (`:export`, `:report`): the line saying what and where.
    Saved(String),
    /// A version to move the cursor to (a time jump).
    Jump(Option<u64>),
    /// Where a stream search landed.
    Found(Found),
    /// Completion candidates for the word being typed.
    Completions(Vec<String>),
    /// The order an `open` prefix names: its whole id.
    Opened(String),
    /// The point `:at` named.
    AsOf(crate::app::read::AsOf),
    /// A fork, ready to step through.
    Forked(Box<crate::tui::fork::ForkView>),
    /// Where `]` or `[` landed (`None`: every order is in sync).
    OutOfSync(Option<NextOutOfSync>, Towards),
    /// Text to put on the clipboard, and what it is (for the message).
    ToCopy(String, String),
    /// A write is ready for confirmation: its exact text, the write, and what an order
    /// command would do.
    Confirm(String, Pending, Option<crate::tui::whatif::WhatIf>),
    /// A write or a read-side command finished; the order to open, if any.
    Done(String, Option<String>),
    /// The check is done: its line, and how many orders it found out of sync.
    Checked(String, usize),
    /// A background job's progress, as the line the header shows while it runs.
    Progress(String),
    /// A request failed; shown on the message line.
    Failed(String),
    /// The database could not be reached (down, restarting): shown in the header until a
    /// poll is answered again.
    Unavailable(String),
}

/// What the state can open or move to, for `update` to ask the worker.
#[derive(Debug, Clone)]
pub enum Effect {
    /// An orders page.
    LoadOrders {
        /// Request tag.
        tag: u64,
        /// The page.
        query: OrderPageQuery,
        /// Only orders of these classes.
        class: Option<ClassFilter>,
        /// The log as of this global position (`None`: now).
        as_of: Option<i64>,
        /// The page a jump opened: this order, then the query's orders after it (the
        /// query's own start key is not used).
        lead: Option<String>,
    },
    /// A window of a stream around a version (`None`: the head).
    LoadStream {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Centre of the window.
        around: Option<u64>,
        /// The stream as of this global position (`None`: now).
        as_of: Option<i64>,
    },
    /// The state at a version and what its event changed, or what changed since `base`.
    LoadState {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// The version.
        version: u64,
        /// Compare with the state at this mark instead of the version before.
        base: Option<Base>,
    },
    /// Read model vs replay.
    LoadDivergence {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
    },
    /// The log head and the open stream's head.
    Poll {
        /// Request tag.
        tag: u64,
        /// The open order.
        order: Option<String>,
        /// The open stream's head as of this global position (`None`: now).
        as_of: Option<i64>,
    },
    /// The raw stored event.
    LoadRaw {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Version.
        version: u64,
    },
    /// Events sharing the correlation id of this event.
    LoadCorrelated {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Version.
        version: u64,
        /// Opening the overlay, or refreshing the open one.
        purpose: Correlate,
    },
    /// Events across orders a `:find` asks for.
    FindEvents {
        /// Request tag.
        tag: u64,
        /// What to look for.
        search: EventSearch,
        /// Opening the overlay, or refreshing the open one.
        purpose: Correlate,
    },
    /// Dead letters.
    LoadDeadLetters {
        /// Request tag.
        tag: u64,
    },
    /// Write a stream or an event set to a file as JSON lines.
    Export {
        /// Request tag.
        tag: u64,
        /// Which events.
        what: Export,
        /// Where.
        to: OutPath,
    },
    /// Write an order's divergence to a file as a Markdown incident note.
    Report {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Where.
        to: OutPath,
    },
    /// The next (or previous) event matching a search.
    Search {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Search from this version, exclusive.
        from: u64,
        /// Text.
        needle: String,
        /// Which way.
        direction: Direction,
    },
    /// The version of an order at a time.
    VersionAt {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// The time.
        at: DateTime<Utc>,
    },
    /// Completion candidates.
    Complete {
        /// Request tag.
        tag: u64,
        /// Which word: an order id prefix, or a SKU of an order.
        what: Completion,
    },
    /// Resolve a prompt command (id prefix → id) into a confirmable write.
    Resolve {
        /// Request tag.
        tag: u64,
        /// The parsed command.
        command: PromptCommand,
    },
    /// The stored event at a version, as one JSON object to copy.
    LoadRawCopy {
        /// Request tag.
        tag: u64,
        /// Order id.
        order: String,
        /// Version.
        version: u64,
    },
    /// Find the one order whose id starts with a prefix, to open it.
    OpenPrefix {
        /// Request tag.
        tag: u64,
        /// The prefix (lower case).
        prefix: String,
    },
    /// Run a confirmed write.
    Execute {
        /// Request tag.
        tag: u64,
        /// The write.
        pending: Pending,
    },
    /// A fork of the open order, computed from its events, never stored.
    Fork {
        /// Request tag.
        tag: u64,
        /// The order.
        order: String,
        /// The version it forks at.
        at: u64,
        /// What it changes there.
        change: crate::app::read::ForkChange,
        /// How the fork's title says it.
        what: String,
    },
    /// The point in the log `:at` names.
    ResolveAt {
        /// Request tag.
        tag: u64,
        /// Where.
        target: crate::tui::prompt::AtTarget,
    },
    /// The next (or previous) out-of-sync order in the list's sort, across every order.
    NextOutOfSync {
        /// Request tag.
        tag: u64,
        /// The list's sort.
        sort: OrderSort,
        /// The order to go on from (the selected one).
        from: Option<String>,
        /// Which way.
        towards: Towards,
    },
    /// Run the divergence check over every order.
    Check {
        /// Request tag.
        tag: u64,
    },
    /// Append a line to the history file.
    SaveHistory(String),
    /// Put text on the clipboard: the terminal layer writes it as OSC 52.
    Copy(String),
}

/// Why correlated events are read: the answer opens the overlay, or refreshes the one open
/// (and is dropped when the overlay was closed meanwhile, instead of opening it again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correlate {
    /// `c`: open the overlay on the event it was asked from.
    Open,
    /// New events arrived while the overlay is open: read the set again.
    Refresh,
}

/// Which way a stream search goes from the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the head (`n`, and a new `/` search).
    Forward,
    /// Towards the first event (`N`).
    Backward,
}

/// The answer to a stream search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The order searched.
    pub order: String,
    /// The text searched for.
    pub needle: String,
    /// The version the search started after (or before).
    pub from: u64,
    /// Which way it went.
    pub direction: Direction,
    /// Where it landed.
    pub hit: Hit,
}

/// Where a stream search landed. A search that runs off the end of the stream goes on
/// from the other end, as in vim and less, so a match anywhere is always found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// The next match in the search's direction.
    Next(u64),
    /// A match found after going round from the other end of the stream.
    Wrapped(u64),
    /// No event of the stream matches.
    Nothing,
}

/// What a completion request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Order ids starting with this.
    OrderId(String),
    /// SKUs of the order with this id prefix, starting with the second string.
    Sku(String, String),
    /// The exact total of the order with this id prefix (a payment's amount).
    Amount(String),
}

impl Effect {
    /// The kind of request this is: which tag its result is compared with, whether it
    /// coalesces, whether it runs as a background job. `None` for fire-and-forget effects.
    pub fn request(&self) -> Option<Request> {
        Some(match self {
            Effect::LoadOrders { .. } => Request::Orders,
            Effect::LoadStream { .. } => Request::Stream,
            Effect::LoadState { .. } => Request::State,
            Effect::LoadDivergence { .. } => Request::Divergence,
            Effect::Poll { .. } => Request::Head,
            Effect::LoadRaw { .. }
            | Effect::LoadCorrelated { .. }
            | Effect::FindEvents { .. }
            | Effect::LoadDeadLetters { .. } => Request::Overlay,
            Effect::Check { .. } => Request::Job(JobKind::Check),
            Effect::Execute {
                pending: Pending::Rebuild | Pending::Project,
                ..
            } => Request::Job(JobKind::Projector),
            Effect::Search { .. }
            | Effect::VersionAt { .. }
            | Effect::Complete { .. }
            | Effect::Resolve { .. }
            | Effect::OpenPrefix { .. }
            | Effect::NextOutOfSync { .. }
            | Effect::ResolveAt { .. }
            | Effect::Fork { .. }
            | Effect::LoadRawCopy { .. }
            | Effect::Export { .. }
            | Effect::Report { .. }
            | Effect::Execute { .. } => Request::Prompt,
            Effect::SaveHistory(_) | Effect::Copy(_) => return None,
        })
    }

    /// The tag its result carries: its kind and its sequence number.
    pub fn tag(&self) -> Option<Tag> {
        let seq = match self {
            Effect::LoadOrders { tag, .. }
            | Effect::LoadStream { tag, .. }
            | Effect::LoadState { tag, .. }
            | Effect::LoadDivergence { tag, .. }
            | Effect::Poll { tag, .. }
            | Effect::LoadRaw { tag, .. }
            | Effect::LoadCorrelated { tag, .. }
            | Effect::FindEvents { tag, .. }
            | Effect::Export { tag, .. }
            | Effect::Report { tag, .. }
            | Effect::LoadDeadLetters { tag }
            | Effect::Search { tag, .. }
            | Effect::VersionAt { tag, .. }
            | Effect::Complete { tag, .. }
            | Effect::Resolve { tag, .. }
            | Effect::OpenPrefix { tag, .. }
            | Effect::NextOutOfSync { tag, .. }
            | Effect::ResolveAt { tag, .. }
            | Effect::Fork { tag, .. }
            | Effect::LoadRawCopy { tag, .. }
            | Effect::Execute { tag, .. }
            | Effect::Check { tag } => *tag,
            Effect::SaveHistory(_) | Effect::Copy(_) => return None,
        };
        Some(Tag {
            request: self.request()?,
            seq,
        })
    }
}
