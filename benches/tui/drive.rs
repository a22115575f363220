//! Driving the debugger as an operator would: keys in, effects run against the store, frames
//! rendered to a 120×40 `TestBackend`.

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::store::{Access, Store};
use chronicle::tui::Driver;
use chronicle::tui::action::{Action, Effect};
use chronicle::tui::keymap::Keymap;
use chronicle::tui::state::App;
use chronicle::tui::theme::Theme;
use chronicle::tui::update::{start, update};
use chronicle::tui::worker::{Deps, Worker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::seed::{open, url};

pub fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(120, 40)).unwrap()
}

fn parts(db: &Store, path: &Path) -> (App, Worker) {
    let deps = Deps::new(
        Services::new(db.clone(), &Config::default()),
        "bench@local".into(),
    );
    let app = App::new(url(path), false, Keymap::default(), Theme::colored());
    (app, Worker::new(deps))
}

pub fn driver(db: &Store, path: &Path) -> Driver {
    let (app, worker) = parts(db, path);
    Driver::new(app, worker)
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

/// Types a line into the open input and submits it.
pub async fn submit(d: &mut Driver, text: &str) {
    d.send(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )))
    .await;
    for c in text.chars() {
        d.send(ch(c)).await;
    }
    d.send(key(KeyCode::Enter)).await;
}

/// Checks that the first frame shows what it should: orders, the first one's stream, its
/// state and its divergence badge, and no error anywhere.
pub fn assert_first_frame(d: &Driver) {
    let a = &d.app;
    assert!(!a.orders.rows.is_empty(), "no orders listed");
    assert!(a.orders.error.is_none(), "{:?}", a.orders.error);
    assert!(a.stream.error.is_none(), "{:?}", a.stream.error);
    assert!(a.state.error.is_none(), "{:?}", a.state.error);
    assert!(a.divergence.error.is_none(), "{:?}", a.divergence.error);
    assert_eq!(
        a.stream.order.as_deref(),
        Some(a.orders.rows[0].id.as_str())
    );
    assert!(!a.stream.window.is_empty(), "no stream window");
    assert_eq!(a.state.version, a.stream.head, "state not at the head");
    assert!(!a.state.fields.is_empty(), "no state fields");
    assert!(a.divergence.class.is_some(), "no divergence badge");
}

/// The first frame: open the store, build the model and the worker, run the first frame's
/// effects, render once. Returns the time and the store (closed by the caller, untimed).
pub async fn first_frame(path: &Path) -> (Duration, Store) {
    let started = Instant::now();
    let db = open(path, Access::ReadWrite).await;
    let mut d = driver(&db, path);
    d.start().await;
    let mut term = terminal();
    d.render(&mut term);
    let took = started.elapsed();
    assert_first_frame(&d);
    (took, db)
}

/// The first frame again, with each effect timed on its own (the Driver's loop, inlined).
pub async fn first_frame_breakdown(path: &Path) -> Vec<(String, Duration)> {
    let mut out = Vec::new();
    let t = Instant::now();
    let db = open(path, Access::ReadWrite).await;
    out.push(("open store".to_string(), t.elapsed()));
    let (mut app, mut worker) = parts(&db, path);
    let mut queue: VecDeque<Effect> = start(&mut app).into();
    while let Some(effect) = queue.pop_front() {
        let debug = format!("{effect:?}");
        let name = debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or("?")
            .to_string();
        let t = Instant::now();
        let actions = worker.run(effect).await;
        out.push((name, t.elapsed()));
        for a in actions {
            queue.extend(update(&mut app, a));
        }
    }
    let mut term = terminal();
    let t = Instant::now();
    let _ = term.draw(|f| chronicle::tui::view::render(&app, f));
    out.push(("render".to_string(), t.elapsed()));
    db.close().await;
    out
}

/// Step timings: each step is `send(l or h)` then `render`.
#[derive(Default)]
pub struct Steps {
    pub all: Vec<Duration>,
    pub send: Vec<Duration>,
    pub render: Vec<Duration>,
    pub forward: Vec<Duration>,
    pub back: Vec<Duration>,
    /// `send` alone (update + the worker's effects), per direction.
    pub send_forward: Vec<Duration>,
    pub send_back: Vec<Duration>,
    /// Steps that loaded a new window (crossed its edge margin).
    pub reloads: Vec<Duration>,
    /// States the worker read from the store during the timed steps (cache misses).
    pub loads: u64,
}

impl Steps {
    /// Adds another round's steps to these.
    pub fn extend(&mut self, other: Steps) {
        self.all.extend(other.all);
        self.send.extend(other.send);
        self.render.extend(other.render);
        self.forward.extend(other.forward);
        self.back.extend(other.back);
        self.send_forward.extend(other.send_forward);
        self.send_back.extend(other.send_back);
        self.reloads.extend(other.reloads);
        self.loads += other.loads;
    }
}

/// Whether the worker keeps the states it folded between steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// As the debugger runs.
    Kept,
    /// Emptied before every step: each step reads its state from the store (the control).
    Emptied,
}

/// A started session on `db`, rendered, with the stream pane focused.
async fn session(db: &Store, path: &Path) -> (Driver, Terminal<TestBackend>) {
    let mut d = driver(db, path);
    let mut term = terminal();
    d.start().await;
    d.render(&mut term);
    assert_first_frame(&d);
    d.send(key(KeyCode::Tab)).await; // focus the stream, as an operator would
    (d, term)
}

/// Opens the database's only order and steps through it: for each `(start, forward, len)`
/// run, jumps to `start` with `:v` (untimed), then takes `len` timed steps, with the
/// worker's cache as `cache` says.
pub async fn steps(path: &Path, runs: &[(u64, bool, u64)], cache: Cache, out: &mut Steps) {
    let db = open(path, Access::ReadWrite).await;
    let (mut d, mut term) = session(&db, path).await;
    for &(start, forward, len) in runs {
        d.send(ch(':')).await;
        submit(&mut d, &format!("v {start}")).await;
        assert_eq!((d.app.stream.cursor, d.app.state.version), (start, start));
        d.render(&mut term);
        for _ in 0..len {
            let first = d.app.stream.window.first().map(|r| r.version);
            let want = if forward {
                d.app.stream.cursor + 1
            } else {
                d.app.stream.cursor - 1
            };
            if cache == Cache::Emptied {
                d.worker().forget_states();
            }
            let loads = d.worker().state_loads();
            let t0 = Instant::now();
            d.send(ch(if forward { 'l' } else { 'h' })).await;
            let t1 = Instant::now();
            out.loads += d.worker().state_loads() - loads;
            d.render(&mut term);
            let t2 = Instant::now();
            let a = &d.app;
            assert_eq!((a.stream.cursor, a.state.version), (want, want));
            assert!(a.state.error.is_none() && a.stream.error.is_none());
            assert!(a.stream.row(want).is_some(), "v{want} not in the window");
            let step = t2 - t0;
            out.all.push(step);
            out.send.push(t1 - t0);
            out.render.push(t2 - t1);
            if forward {
                out.forward.push(step);
                out.send_forward.push(t1 - t0);
            } else {
                out.back.push(step);
                out.send_back.push(t1 - t0);
            }
            if a.stream.window.first().map(|r| r.version) != first {
                out.reloads.push(step);
            }
        }
    }
    db.close().await;
}

/// What a memory child does on a database: the first frame, a few hundred steps through its
/// longest order (found with the id filter), then a few orders pages. Prints peak RSS.
pub async fn memory_child(path: &Path, long_order: &str) {
    let db = open(path, Access::ReadWrite).await;
    let mut d = driver(&db, path);
    let mut term = terminal();
    d.start().await;
    d.render(&mut term);
    assert_first_frame(&d);
    d.send(ch('/')).await;
    submit(&mut d, &format!("id:{}", &long_order[..8])).await;
    assert_eq!(d.app.orders.rows[0].id, long_order);
    d.send(key(KeyCode::Enter)).await; // open it
    assert_eq!(d.app.stream.order.as_deref(), Some(long_order));
    d.send(ch('g')).await;
    d.render(&mut term);
    let head = d.app.stream.head;
    assert!(head > 400, "the long order has only {head} events");
    for i in 0..400 {
        d.send(ch(if i < 300 { 'l' } else { 'h' })).await;
        d.render(&mut term);
    }
    assert_eq!(d.app.state.version, 201);
    d.send(key(KeyCode::BackTab)).await; // back to the orders
    d.send(ch('/')).await;
    submit(&mut d, "").await;
    for _ in 0..5 {
        d.send(key(KeyCode::PageDown)).await;
        d.render(&mut term);
    }
    assert!(d.app.orders.pages.len() > 1, "did not page the orders list");
    assert!(d.app.orders.error.is_none());
    db.close().await;
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    println!("VmHWM {}", hwm.trim().trim_end_matches("kB").trim());
}
