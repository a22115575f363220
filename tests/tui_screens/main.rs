//! Whole-screen snapshots of the debugger: a seeded demo database in a temp dir, the model
//! and its worker driven in-process, each screen rendered to a `TestBackend` and compared as
//! plain text (ids and test-time clocks replaced by placeholders, see `scrub`).

mod browse;
mod cache;
mod corrupt;
mod fit;
mod fork;
mod history;
mod jobs;
mod jumps;
mod keys;
mod layout;
mod marks;
mod prompt;
mod raw;
mod robust;
mod scrub;
mod take;
mod whatif;

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::demo::{DemoSpec, Faults, generate, plant_faults};
use chronicle::store::{self, Access, Store};
use chronicle::tui::Driver;
use chronicle::tui::action::Action;
use chronicle::tui::keymap::Keymap;
use chronicle::tui::state::{App, Pane};
use chronicle::tui::theme::Theme;
use chronicle::tui::view::layout::{Areas, areas};
use chronicle::tui::worker::{Deps, Worker};
use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use tempfile::TempDir;

/// Orders the demo seeds; enough for every planted fault, small enough to seed quickly.
const ORDERS: usize = 40;
const SEED: u64 = 42;
/// The screen the snapshots use.
const SIZE: (u16, u16) = (120, 40);

/// A seeded demo database; the temp dir lives as long as this.
struct Demo {
    _dir: TempDir,
    db: Store,
    faults: Faults,
    /// When seeding began: clocks at or after it were made by the test.
    started: DateTime<Utc>,
}

impl Demo {
    /// Appends one `ItemAdded` with the given stored texts to `stream` at `version` (its
    /// head), written behind the domain's back as a store would hold it; its position.
    async fn append_stored(
        &self,
        stream: &str,
        version: u64,
        payload: &str,
        metadata: &str,
    ) -> i64 {
        use chronicle::store::{AppendRequest, NewEvent};
        use chrono::TimeZone as _;
        self.db
            .events()
            .append(AppendRequest {
                stream_id: stream,
                expected_version: version,
                events: &[NewEvent {
                    event_type: "ItemAdded".into(),
                    schema_version: 1,
                    payload: payload.into(),
                    metadata: metadata.into(),
                    recorded_at: Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
                }],
                idempotency: None,
                idempotency_expired_before: None,
                snapshot: None,
            })
            .await
            .unwrap()
            .last_position
    }

    /// Seeds as `chronicle demo` does: generate, import, then plant the faults.
    async fn new() -> Demo {
        Demo::seeded(ORDERS).await
    }

    /// The same with `orders` orders.
    async fn seeded(orders: usize) -> Demo {
        let started = Utc::now();
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let db = store::open(&url, Access::CreateIfMissing)
            .await
            .expect("open store");
        let config = Config::default();
        let streams = generate(DemoSpec {
            orders,
            seed: SEED,
            snapshot_every: config.snapshot_every,
        });
        for r in db.events().import(streams).await.expect("import") {
            r.expect("import stream");
        }
        let services = Services::new(db.clone(), &config);
        let faults = plant_faults(
            &services.loader,
            &services.projector,
            db.read_model().as_ref(),
            SEED,
        )
        .await
        .expect("plant faults");
        Demo {
            _dir: dir,
            db,
            faults,
            started,
        }
    }

    /// A started debugger over this database, as `chronicle tui` would open it.
    async fn driver(&self, read_only: bool, theme: Theme) -> Driver {
        let services = Services::new(self.db.clone(), &Config::default());
        let deps = Deps::new(services, "tester@host".into());
        let mut app = App::new(
            "sqlite://demo.db".into(),
            read_only,
            Keymap::default(),
            theme,
        );
        app.size = SIZE;
        let mut driver = Driver::new(app, Worker::new(deps));
        driver.start().await;
        driver
    }

    /// Plain text of a screen, ids and test-time clocks replaced.
    fn scrub(&self, buffer: &Buffer) -> String {
        scrub::scrub(&text(buffer), self.started)
    }
}

/// A key press without modifiers.
fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Presses each key in turn (characters only).
async fn keys(driver: &mut Driver, text: &str) {
    for c in text.chars() {
        driver.send(key(KeyCode::Char(c))).await;
    }
}

/// Types a `:` prompt line and submits it.
async fn prompt(driver: &mut Driver, line: &str) {
    driver.send(key(KeyCode::Char(':'))).await;
    keys(driver, line).await;
    driver.send(key(KeyCode::Enter)).await;
}

/// A pending order of the first page, by its replayed status.
fn pending_row(driver: &Driver) -> chronicle::tui::state::OrderRow {
    driver
        .app
        .orders
        .rows
        .iter()
        .find(|r| r.status.as_deref() == Some("Pending"))
        .expect("the demo has a pending order")
        .clone()
}

/// An in-sync order of the first page with at least four events.
fn in_sync_order(driver: &Driver) -> String {
    driver
        .app
        .orders
        .rows
        .iter()
        .find(|r| r.version >= 4 && r.class == chronicle::app::divergence::Class::InSync)
        .map(|r| r.id.clone())
        .expect("an in-sync order with a few events")
}

/// Opens an order as a user would: focus the orders list, filter it by the id's first 8
/// characters, open the row (focus moves to the stream).
async fn open(driver: &mut Driver, id: &str) {
    while driver.app.focus != Pane::Orders {
        driver.send(key(KeyCode::Tab)).await;
    }
    driver.send(key(KeyCode::Char('/'))).await;
    keys(driver, &id[..8]).await;
    driver.send(key(KeyCode::Enter)).await;
    driver.send(key(KeyCode::Enter)).await;
    assert_eq!(driver.app.stream.order.as_deref(), Some(id), "order opened");
    assert_eq!(driver.app.focus, Pane::Stream);
}

/// Renders a frame of `size` and returns its buffer.
fn render(driver: &Driver, size: (u16, u16)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("test terminal");
    driver.render(&mut terminal);
    terminal.backend().buffer().clone()
}

/// The buffer as lines of text (cells hidden behind a wide symbol left out, trailing blanks
/// trimmed).
fn text(buffer: &Buffer) -> String {
    text_in(buffer, buffer.area)
}

/// The text of one region of the buffer, a line per row.
fn text_in(buffer: &Buffer, area: Rect) -> String {
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut hidden = 0usize;
        for x in area.left()..area.right() {
            let symbol = buffer[(x, y)].symbol();
            if hidden == 0 {
                line.push_str(symbol);
            }
            hidden = hidden.max(unicode_width(symbol)).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The regions of the snapshot-sized screen.
fn panes() -> Areas {
    areas(SIZE.0, SIZE.1).expect("120×40 is large enough")
}

/// The line of `text` holding `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

/// Columns a cell's symbol takes, as the buffer laid it out.
fn unicode_width(symbol: &str) -> usize {
    ratatui::text::Span::raw(symbol).width()
}

/// Compares with `tests/snapshots/tui_screens__NAME.snap`; `what` is the claim, shown in
/// the snapshot's header for whoever reviews it.
fn snapshot(name: &str, what: &str, screen: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_description(what);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, screen));
}
