//! Builders for the model, keys, mouse events and worker results, and accessors for effects.

use chronicle::app::divergence::Class;
use chronicle::app::read::ListSource;
use chronicle::store::{DeadLetter, OrderPageQuery, PageKey};
use chronicle::tui::action::{Action, Direction, Effect, Loaded, OrdersPage, StreamWindow};
use chronicle::tui::fields::{Change, FieldRow};
use chronicle::tui::keymap::Keymap;
use chronicle::tui::request::{Request, Tag};
use chronicle::tui::state::{App, EventRow, Level, OrderRow};
use chronicle::tui::theme::Theme;
use chronicle::tui::update::{start, update};
use chrono::{DateTime, TimeZone, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// A fresh model, read-write or read-only.
pub fn new_app(read_only: bool) -> App {
    App::new(
        "sqlite://test.db".into(),
        read_only,
        Keymap::default(),
        Theme::monochrome(),
    )
}

/// The id of the `i`th test order: hex, so id prefixes of it parse.
pub fn oid(i: usize) -> String {
    format!("{i:08x}-0000-4000-8000-000000000000")
}

/// A page key after order `i`.
pub fn key_after(i: usize) -> PageKey {
    PageKey::Id { order_id: oid(i) }
}

/// Rows for orders `from..from + n`.
pub fn rows(from: usize, n: usize) -> Vec<OrderRow> {
    (from..from + n)
        .map(|i| OrderRow {
            id: oid(i),
            status: Some("Pending".into()),
            total: "10.00 EUR".into(),
            customer: format!("cust-{i}"),
            version: 3,
            updated: None,
            class: Class::InSync,
            behind: 0,
        })
        .collect()
}

/// An orders page result of orders `from..from + n`; `more` sets the next key.
pub fn orders_page(from: usize, n: usize, more: bool) -> Loaded {
    Loaded::Orders(OrdersPage {
        rows: rows(from, n),
        next: more.then(|| key_after(from + n - 1)),
        source: ListSource::Replay,
    })
}

/// A fixed time.
pub fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, minute % 60, 0)
        .single()
        .expect("valid time")
}

/// A stream window of `order` holding versions `first..=last` of a stream at `head`.
pub fn window(order: &str, head: u64, first: u64, last: u64, cursor: u64) -> Loaded {
    Loaded::Stream(StreamWindow {
        order: order.to_string(),
        head,
        rows: (first..=last)
            .map(|v| EventRow {
                version: v,
                position: v as i64 * 10,
                event_type: if v == 1 { "OrderCreated" } else { "ItemAdded" }.into(),
                summary: format!("event {v}"),
                recorded_at: at(v as u32),
            })
            .collect(),
        cursor,
    })
}

/// A state result for `version`.
pub fn state_at(version: u64) -> Loaded {
    Loaded::State {
        version,
        base: None,
        fields: vec![FieldRow {
            name: "version".into(),
            value: version.to_string(),
            old: None,
            change: Change::Same,
        }],
    }
}

/// The tag of the request before `tag` of the same kind: superseded.
pub fn stale(tag: Tag) -> Tag {
    Tag {
        seq: tag.seq - 1,
        ..tag
    }
}

/// A tag of a kind no request was made under (a result applied whatever its tag).
pub fn unasked(request: Request) -> Tag {
    Tag { request, seq: 0 }
}

/// Feeds one action.
pub fn send(app: &mut App, action: Action) -> Vec<Effect> {
    update(app, action)
}

/// Feeds a key event.
pub fn press(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    update(app, Action::Key(k))
}

/// A key without modifiers.
pub fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// A character key (capitals carry Shift, as terminals report them).
pub fn c(ch: char) -> KeyEvent {
    let mods = if ch.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(ch), mods)
}

/// Ctrl + a character.
pub fn ctrl(ch: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL)
}

/// Opens the prompt, types `line` and submits it; returns the submit's effects.
pub fn submit(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, c(':'));
    type_str(app, line);
    press(app, k(KeyCode::Enter))
}

/// Types each character of `text`; returns every effect.
pub fn type_str(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|ch| press(app, c(ch))).collect()
}

/// A mouse event at a cell.
pub fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Action {
    Action::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

/// A left click at a cell.
pub fn click(column: u16, row: u16) -> Action {
    mouse(MouseEventKind::Down(MouseButton::Left), column, row)
}

/// Started, with the first page of `n` orders loaded (which opens the first one).
pub fn with_orders(n: usize, more: bool) -> App {
    let mut app = new_app(false);
    let fx = start(&mut app);
    assert_eq!(kinds(&fx), ["LoadOrders", "Poll"]);
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(0, n, more)));
    app
}

/// An app with order 0 open: a stream at `head`, the window `first..=last` loaded, the
/// cursor at `cursor`, and its state loaded.
pub fn opened(head: u64, first: u64, last: u64, cursor: u64) -> App {
    let mut app = with_orders(5, true);
    assert_eq!(app.stream.order.as_deref(), Some(oid(0).as_str()));
    let tag = app.tags.latest(Request::Stream);
    send(
        &mut app,
        Action::Loaded(tag, window(&oid(0), head, first, last, cursor)),
    );
    assert_eq!(app.stream.cursor, cursor);
    let tag = app.tags.latest(Request::State);
    send(&mut app, Action::Loaded(tag, state_at(cursor)));
    assert_eq!(app.state.version, cursor);
    app
}

/// A short name per effect, to compare lists of effects.
pub fn kind(e: &Effect) -> &'static str {
    match e {
        Effect::LoadOrders { .. } => "LoadOrders",
        Effect::LoadStream { .. } => "LoadStream",
        Effect::LoadState { .. } => "LoadState",
        Effect::LoadDivergence { .. } => "LoadDivergence",
        Effect::Poll { .. } => "Poll",
        Effect::LoadRaw { .. } => "LoadRaw",
        Effect::LoadCorrelated { .. } => "LoadCorrelated",
        Effect::LoadDeadLetters { .. } => "LoadDeadLetters",
        Effect::FindEvents { .. } => "FindEvents",
        Effect::Export { .. } => "Export",
        Effect::Report { .. } => "Report",
        Effect::Search { .. } => "Search",
        Effect::VersionAt { .. } => "VersionAt",
        Effect::Complete { .. } => "Complete",
        Effect::Resolve { .. } => "Resolve",
        Effect::OpenPrefix { .. } => "OpenPrefix",
        Effect::NextOutOfSync { .. } => "NextOutOfSync",
        Effect::ResolveAt { .. } => "ResolveAt",
        Effect::Fork { .. } => "Fork",
        Effect::LoadRawCopy { .. } => "LoadRawCopy",
        Effect::Execute { .. } => "Execute",
        Effect::Check { .. } => "Check",
        Effect::SaveHistory(_) => "SaveHistory",
        Effect::Copy(_) => "Copy",
    }
}

/// The kinds of a list of effects.
pub fn kinds(fx: &[Effect]) -> Vec<&'static str> {
    fx.iter().map(kind).collect()
}

/// The one `LoadOrders` query among the effects.
pub fn orders_query(fx: &[Effect]) -> &OrderPageQuery {
    let found: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadOrders { query, .. } => Some(query),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "one LoadOrders in {fx:?}");
    found[0]
}

/// `(order, around)` of the `LoadStream` among the effects, if any.
pub fn stream_load(fx: &[Effect]) -> Option<(String, Option<u64>)> {
    fx.iter().find_map(|e| match e {
        Effect::LoadStream { order, around, .. } => Some((order.clone(), *around)),
        _ => None,
    })
}

/// The version of the `LoadState` among the effects, if any.
pub fn state_load(fx: &[Effect]) -> Option<u64> {
    fx.iter().find_map(|e| match e {
        Effect::LoadState { version, .. } => Some(*version),
        _ => None,
    })
}

/// The only effect, which must be a search: (tag, order, from, needle, direction).
pub fn search(fx: &[Effect]) -> (u64, String, u64, String, Direction) {
    let [
        Effect::Search {
            tag,
            order,
            from,
            needle,
            direction,
        },
    ] = fx
    else {
        panic!("expected one search: {fx:?}");
    };
    (*tag, order.clone(), *from, needle.clone(), *direction)
}

/// The message shown, if it has this level.
pub fn message(app: &App, level: Level) -> Option<&str> {
    match app.status.current() {
        Some(m) if m.level == level => Some(m.text.as_str()),
        _ => None,
    }
}

/// The message shown, whatever its level.
pub fn shown(app: &App) -> Option<&str> {
    app.status.current().map(|m| m.text.as_str())
}

/// The error message, or a panic naming what the message was.
pub fn error(app: &App) -> &str {
    message(app, Level::Error).unwrap_or_else(|| panic!("no error message: {:?}", shown(app)))
}

/// A dead letter for order `i` at `version`, failed three times.
pub fn letter(i: usize, version: u64) -> DeadLetter {
    DeadLetter {
        global_position: 100 + i as i64,
        stream_id: oid(i),
        version,
        event_type: "OrderPaid".into(),
        error: "boom".into(),
        attempts: 3,
        first_failed_at: at(1),
        last_failed_at: at(2),
        next_retry_at: None,
    }
}
