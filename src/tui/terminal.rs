//! The real terminal: raw mode, the alternate screen and the mouse, always restored (on
//! exit, on error, and on panic); an input thread; the worker task; the draw loop.

use std::io::{IsTerminal, Stdout, stdout};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::action::{Action, Effect};
use super::keymap::Keymap;
use super::state::{App, Level};
use super::theme::Theme;
use super::update::{start, update};
use super::view::render;
use super::worker::{Deps, Worker, serve};
use crate::app::config::TuiConfig;

/// How the debugger starts.
pub struct Options {
    /// Refuse writes from the prompt.
    pub read_only: bool,
    /// The database, as shown in the header.
    pub database: String,
    /// `[tui]` settings.
    pub config: TuiConfig,
    /// A first message (the demo names its planted faults).
    pub welcome: Option<String>,
}

/// History lines kept.
const HISTORY: usize = 1000;

/// Writes the clipboard sequence straight to the terminal, between frames. A terminal
/// that does not support OSC 52 ignores it.
fn copy(text: &str) {
    use std::io::Write;
    let mut out = stdout();
    let _ = out.write_all(super::clipboard::osc52(text).as_bytes());
    let _ = out.flush();
}

/// Held while a frame is drawn. A panic on another thread (the worker's) waits for the frame
/// to finish before it restores the terminal: otherwise the frame's own "hide cursor" could
/// land after the restore's "show cursor", and the shell is left without one.
static SCREEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// Whether this thread holds `SCREEN` (a panic inside a frame must not wait for itself).
    static DRAWING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Draws one frame while holding `SCREEN`.
fn draw_frame(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    app: &App,
) -> std::io::Result<()> {
    let _screen = SCREEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    DRAWING.set(true);
    let drawn = terminal.draw(|f| render(app, f)).map(|_| ());
    DRAWING.set(false);
    drawn
}

/// Waits (briefly) for a frame another thread is drawing, then keeps the screen: no frame
/// starts after the panic's restore.
fn hold_screen() -> Option<std::sync::MutexGuard<'static, ()>> {
    if DRAWING.get() {
        return None;
    }
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    loop {
        match SCREEN.try_lock() {
            Ok(g) => return Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(std::sync::TryLockError::WouldBlock) => return None,
        }
    }
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, DisableMouseCapture);
    let _ = execute!(stdout(), ratatui::crossterm::cursor::Show);
}

/// Restores the terminal when dropped, whatever the exit path.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn default_file(dir: Option<PathBuf>, name: &str) -> Option<PathBuf> {
    dir.map(|d| d.join("chronicle").join(name))
}

fn init_log(file: Option<PathBuf>) {
    let Some(file) = file else { return };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(f))
        .with_ansi(false)
        .try_init();
}

/// Runs the debugger until `q`. Errors are one line for stderr, after the terminal is restored.
pub async fn run(mut deps: Deps, opts: Options) -> Result<(), String> {
    let keymap = Keymap::with_overrides(&opts.config.keys)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::from_config(&opts.config.theme, no_color)?;
    if !stdout().is_terminal() {
        return Err(
            "the debugger needs a terminal (stdout is not one); the CLI commands \
                    (order show, check, …) work without one"
                .into(),
        );
    }
    let history_file = opts
        .config
        .history_file
        .clone()
        .or_else(|| default_file(dirs::data_dir(), "history"));
    init_log(
        opts.config
            .log_file
            .clone()
            .or_else(|| default_file(dirs::state_dir().or_else(dirs::data_local_dir), "tui.log")),
    );
    let mut app = App::new(opts.database.clone(), opts.read_only, keymap, theme);
    app.history = super::worker::load_history(history_file.as_deref(), HISTORY);
    if let Some(welcome) = opts.welcome {
        app.status.say(Level::Info, welcome);
    }
    deps.history_file = history_file;

    enable_raw_mode().map_err(|e| format!("cannot switch the terminal to raw mode: {e}"))?;
    let guard = Guard;
    // A panic on any thread or task ends the process: the terminal restored, one line said.
    // Unwinding on would leave the loop running on a dead worker (or the worker on a dead
    // loop), the screen restored but the process deaf to `q`.
    std::panic::set_hook(Box::new(|info| {
        let _screen = hold_screen();
        restore();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "chronicle: internal error (a bug): {}{at}",
            crate::text::printable(&what)
        );
        std::process::exit(101);
    }));
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)
        .map_err(|e| format!("cannot open the alternate screen: {e}"))?;
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))
        .map_err(|e| format!("cannot start the terminal: {e}"))?;
    let result = event_loop(&mut terminal, app, deps, &opts.config).await;
    drop(guard);
    result
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    mut app: App,
    deps: Deps,
    config: &TuiConfig,
) -> Result<(), String> {
    let (input_tx, mut input_rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let input_stop = stop.clone();
    std::thread::spawn(move || read_input(&input_tx, &input_stop));
    // Where the server pushes commits (PostgreSQL), a commit polls at once; the tick
    // stays as the fallback and the only clock on SQLite.
    let mut appends = deps.services.store.events().appends();
    let (effect_tx, effect_rx) = mpsc::unbounded_channel();
    let (result_tx, mut result_rx) = mpsc::unbounded_channel();
    let worker = tokio::spawn(serve(Worker::new(deps), effect_rx, result_tx));
    let mut tick = tokio::time::interval(Duration::from_millis(config.poll_interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    // The end-to-end test proves a panic restores the terminal; nothing else sets this.
    let test_panic = std::env::var_os("CHRONICLE_TUI_TEST_PANIC").is_some_and(|v| v != "worker");
    let size = terminal.size().map_err(|e| e.to_string())?;
    app.size = (size.width, size.height);
    let mut fx = start(&mut app);
    let outcome = loop {
        for e in fx.drain(..) {
            if let Effect::Copy(text) = e {
                copy(&text);
            } else {
                let _ = effect_tx.send(e);
            }
        }
        if app.quit {
            break Ok(());
        }
        if let Err(e) = draw_frame(terminal, &app) {
            break Err(format!("cannot draw: {e}"));
        }
        let action = tokio::select! {
            Some(a) = input_rx.recv() => a,
            Some(a) = result_rx.recv() => a,
            _ = tick.tick() => Action::Tick,
            Some(()) = next_append(appends.as_mut()) => Action::Tick,
            _ = term.recv() => break Ok(()),
            _ = hangup.recv() => break Ok(()),
            else => break Ok(()),
        };
        if test_panic
            && let Action::Key(k) = &action
            && k.code == ratatui::crossterm::event::KeyCode::Char('!')
        {
            panic!("CHRONICLE_TUI_TEST_PANIC: panicking on request");
        }
        fx = update(&mut app, action);
        // Apply whatever else is ready before drawing again: one frame per burst.
        while let Ok(a) = input_rx.try_recv().or_else(|_| result_rx.try_recv()) {
            fx.extend(update(&mut app, a));
            if app.quit {
                break;
            }
        }
    };
    stop.store(true, Ordering::Relaxed);
    drop(effect_tx);
    worker.abort();
    outcome
}

/// The next append the server announces; `None` where there is no such channel (or it
/// closed), which leaves the tick alone to poll.
async fn next_append(appends: Option<&mut tokio::sync::watch::Receiver<u64>>) -> Option<()> {
    match appends {
        Some(rx) => rx.changed().await.ok(),
        None => None,
    }
}

/// Reads terminal events on a plain thread (crossterm's read blocks) until told to stop.
fn read_input(tx: &mpsc::UnboundedSender<Action>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "terminal input failed");
                return;
            }
        }
        let action = match event::read() {
            Ok(Event::Key(k)) => Action::Key(k),
            Ok(Event::Mouse(m)) => Action::Mouse(m),
            Ok(Event::Resize(w, h)) => Action::Resize(w, h),
            Ok(_) => continue,
            Err(e) => {
                tracing::error!(error = %e, "terminal input failed");
                return;
            }
        };
        if tx.send(action).is_err() {
            return;
        }
    }
}
