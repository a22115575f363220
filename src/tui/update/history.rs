//! The jump list, the marks and the diff against a mark.
//!
//! A jump (Enter on an order or on the parting event, `g`/`G`, a time, a search hit,
//! `:open`, `:v N`, an overlay's Enter, `'` to a mark) records where it leaves from, just
//! before it moves the cursor. `ctrl-o` and `ctrl-n` walk those places without recording
//! any, re-opening an order the way an overlay's jump does, so the list's selection
//! follows it there.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::no_order;
use super::{load_state, select};
use crate::tui::action::Effect;
use crate::tui::keymap::Cmd;
use crate::tui::state::{App, Base, Level, Mark, MarkOp, Mode, Place};

/// Characters of an order id the messages show.
const SHORT_ID: usize = 8;

/// Where the cursor is: the open order at the cursor's version (none while it loads).
fn live(app: &App) -> Option<Place> {
    let order = app.stream.order.clone()?;
    let version = app.stream.cursor;
    (version > 0).then_some(Place { order, version })
}

fn short(id: &str) -> &str {
    id.get(..SHORT_ID).unwrap_or(id)
}

/// A jump is about to move the cursor: where it leaves from goes on the jump list.
pub(super) fn record(app: &mut App) {
    let from = live(app);
    app.jumps.jump(from);
}

/// The jump-list and mark commands.
pub(super) fn command(app: &mut App, cmd: Cmd, fx: &mut Vec<Effect>) {
    match cmd {
        Cmd::JumpBack => {
            let here = live(app);
            match app.jumps.back(here) {
                Some(p) => go(app, &p, fx),
                None => app.status.say(
                    Level::Info,
                    "no earlier jump (Enter, g/G, t, n/N, :open and ' are jumps)",
                ),
            }
        }
        Cmd::JumpForward => {
            let here = live(app);
            match app.jumps.forward(here) {
                Some(p) => go(app, &p, fx),
                None => app
                    .status
                    .say(Level::Info, "no later jump (ctrl-o goes back first)"),
            }
        }
        Cmd::SetMark => await_letter(app, MarkOp::Set),
        Cmd::GoToMark => await_letter(app, MarkOp::Jump),
        Cmd::DiffMark if app.state.against.is_some() => diff_off(app, fx),
        Cmd::DiffMark => await_letter(app, MarkOp::Diff),
        _ => {}
    }
}

/// Takes the cursor to a place: its order re-opened at its version and selected in the
/// list, as an overlay's jump does. The focus stays: the key was pressed in a pane.
fn go(app: &mut App, p: &Place, fx: &mut Vec<Effect>) {
    let focus = app.focus;
    if app.stream.order.as_deref() == Some(p.order.as_str()) && app.stream.head == 0 {
        // Its window is still loading (keys pressed in quick succession), and the cursor
        // cannot move in a window that is not there: read it again around the place.
        select::reopen(app, &p.order, Some(p.version), fx);
    } else {
        select::jump(app, &p.order, p.version, fx);
    }
    app.focus = focus;
}

/// `m`, `'` or `d` was pressed: the next key names the mark. The message says what the
/// letter is for, since nothing else on screen changes.
fn await_letter(app: &mut App, op: MarkOp) {
    let ask = match op {
        MarkOp::Set => match live(app) {
            Some(p) => format!("m: mark v{} as which letter? (a-z, Esc cancels)", p.version),
            None => return no_order(app),
        },
        MarkOp::Jump => "': jump to which mark? (a-z, Esc cancels)".to_string(),
        MarkOp::Diff => {
            let Some(here) = live(app) else {
                return no_order(app);
            };
            let marks: Vec<String> = app
                .marks
                .of(&here.order)
                .map(|(m, v)| format!("{m} v{v}"))
                .collect();
            if marks.is_empty() {
                return app.status.say(
                    Level::Info,
                    "no mark on this order: m then a letter marks a version to compare with",
                );
            }
            format!(
                "d: compare the state with which mark? ({})",
                marks.join(", ")
            )
        }
    };
    app.status.say(Level::Info, ask);
    app.mode = Mode::Mark(op);
}

/// The key after `m`, `'` or `d`: a letter does what was asked; Esc cancels; anything else
/// cancels and says what a mark is.
pub(super) fn letter(app: &mut App, op: MarkOp, k: KeyEvent, fx: &mut Vec<Effect>) {
    let mark = match k.code {
        KeyCode::Esc => return,
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => Mark::new(c),
        _ => None,
    };
    let Some(mark) = mark else {
        return app
            .status
            .say(Level::Info, "not a mark: marks are the letters a-z");
    };
    match op {
        MarkOp::Set => set(app, mark, fx),
        MarkOp::Jump => match app.marks.get(mark).cloned() {
            Some(p) => {
                record(app);
                go(app, &p, fx);
            }
            None => unset(app, mark),
        },
        MarkOp::Diff => diff(app, mark, fx),
    }
}

fn unset(app: &mut App, mark: Mark) {
    app.status.say(
        Level::Info,
        format!("mark {mark} is not set (m then {mark} marks the cursor's version)"),
    );
}

/// `m` + letter: the mark moves to the cursor; a diff against it compares with its new
/// version at once.
fn set(app: &mut App, mark: Mark, fx: &mut Vec<Effect>) {
    let Some(place) = live(app) else {
        return no_order(app);
    };
    app.status.say(
        Level::Info,
        format!(
            "mark {mark}: {} v{} ('{mark} jumps here, d{mark} compares the state with it)",
            short(&place.order),
            place.version
        ),
    );
    app.marks.set(mark, place);
    if app.state.against == Some(mark) {
        load_state(app, fx);
    }
}

/// `d` + letter: the state pane compares the cursor's state with the mark's, for every
/// cursor move, until `d` again.
fn diff(app: &mut App, mark: Mark, fx: &mut Vec<Effect>) {
    let Some(p) = app.marks.get(mark) else {
        return unset(app, mark);
    };
    if app.stream.order.as_deref() != Some(p.order.as_str()) {
        let text = format!(
            "mark {mark} is on another order ({} v{}): '{mark} opens it",
            short(&p.order),
            p.version
        );
        return app.status.say(Level::Info, text);
    }
    let text = format!(
        "comparing with mark {mark} (v{}) at every step; d again shows what each event changed",
        p.version
    );
    app.state.against = Some(mark);
    load_state(app, fx);
    app.status.say(Level::Info, text);
}

fn diff_off(app: &mut App, fx: &mut Vec<Effect>) {
    app.state.against = None;
    load_state(app, fx);
    app.status.say(
        Level::Info,
        "each field marked with what the cursor's event changed (d compares with a mark)",
    );
}

/// What the next state load compares with: the diff's mark while it is on the open order.
/// Opening another order ends the diff, so it never comes back on an order it was not
/// asked for.
pub(super) fn base(app: &mut App) -> Option<Base> {
    let mark = app.state.against?;
    let base = app
        .marks
        .get(mark)
        .filter(|p| app.stream.order.as_deref() == Some(p.order.as_str()))
        .map(|p| Base {
            mark,
            version: p.version,
        });
    if base.is_none() {
        app.state.against = None;
    }
    base
}
