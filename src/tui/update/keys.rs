//! Normal-mode commands: what each keymap command does to the focused pane.

use super::search::search;
use super::{ask, load_orders, open_order, set_cursor};
use crate::app::divergence::Class;
use crate::app::read::Towards;
use crate::tui::action::{Correlate, Direction, Effect};
use crate::tui::keymap::Cmd;
use crate::tui::state::{App, InputKind, Level, LineInput, Mode, Overlay, Pane};

/// Steps of PageUp / PageDown in the stream.
const STREAM_PAGE: u64 = 20;

/// Characters of a copied id the message shows.
const COPIED_SHOWN: usize = 8;

/// Runs one normal-mode command.
pub(super) fn command(app: &mut App, cmd: Cmd, fx: &mut Vec<Effect>) {
    let in_orders = app.focus == Pane::Orders;
    match cmd {
        Cmd::Quit => app.quit = true,
        Cmd::Help => app.mode = Mode::Overlay(Overlay::Help { scroll: 0 }),
        Cmd::NextPane => app.focus = app.focus.next(),
        Cmd::PrevPane => app.focus = app.focus.prev(),
        Cmd::Up if in_orders => move_selection(app, -1, fx),
        Cmd::Down if in_orders => move_selection(app, 1, fx),
        Cmd::PageUp if in_orders => page(app, false, fx),
        Cmd::PageDown if in_orders => page(app, true, fx),
        Cmd::Up | Cmd::StepBack => step(app, -1, fx),
        Cmd::Down | Cmd::StepForward => step(app, 1, fx),
        Cmd::PageUp => step(app, -(STREAM_PAGE as i64), fx),
        Cmd::PageDown => step(app, STREAM_PAGE as i64, fx),
        Cmd::First => {
            super::history::record(app);
            move_to(app, 1, fx);
        }
        Cmd::Last => {
            super::history::record(app);
            let head = app.stream.head;
            move_to(app, head, fx);
        }
        Cmd::JumpBack | Cmd::JumpForward | Cmd::SetMark | Cmd::GoToMark | Cmd::DiffMark => {
            super::history::command(app, cmd, fx);
        }
        Cmd::Select => select(app, fx),
        Cmd::Filter => {
            let (kind, text) = if in_orders {
                (InputKind::Filter, app.orders.filter.clone())
            } else {
                (InputKind::Search, app.stream.search.clone())
            };
            let cursor = text.chars().count();
            app.mode = Mode::Input(kind, LineInput { text, cursor });
        }
        Cmd::NextTrouble => super::trouble::ask_next(app, Towards::Next, fx),
        Cmd::PrevTrouble => super::trouble::ask_next(app, Towards::Previous, fx),
        Cmd::SearchNext => search(app, Direction::Forward, fx),
        Cmd::SearchPrev => search(app, Direction::Backward, fx),
        Cmd::Prompt => {
            app.history_pos = None;
            app.completions.clear();
            app.mode = Mode::Input(InputKind::Prompt, LineInput::default());
        }
        Cmd::Time => {
            if app.stream.order.is_some() {
                app.mode = Mode::Input(InputKind::Time, LineInput::default());
            } else {
                no_order(app);
            }
        }
        Cmd::Follow => {
            app.stream.following = !app.stream.following;
            if app.stream.following {
                let head = app.stream.head;
                set_cursor(app, head, fx);
            }
        }
        Cmd::Raw | Cmd::Correlation => {
            let Some(order) = app.stream.order.clone() else {
                return no_order(app);
            };
            let version = app.stream.cursor;
            if version == 0 {
                return app.status.say(Level::Info, "the stream is still loading");
            }
            ask(app, fx, |tag| {
                if cmd == Cmd::Raw {
                    Effect::LoadRaw {
                        tag,
                        order,
                        version,
                    }
                } else {
                    Effect::LoadCorrelated {
                        tag,
                        order,
                        version,
                        purpose: Correlate::Open,
                    }
                }
            });
        }
        Cmd::DeadLetters => ask(app, fx, |tag| Effect::LoadDeadLetters { tag }),
        Cmd::Sort => {
            app.orders.open_selected = true;
            app.orders.sort = app.orders.sort.next();
            app.orders.pages = vec![None];
            app.orders.lead = None;
            app.orders.selected = 0;
            load_orders(app, fx);
        }
        Cmd::Refresh => refresh(app, fx),
        Cmd::CopyId => copy_id(app, fx),
        Cmd::CopyRaw => copy_raw(app, fx),
    }
}

/// `y`: the open order's id to the clipboard (the terminal layer writes it).
fn copy_id(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(id) = app.stream.order.clone() else {
        return no_order(app);
    };
    let short: String = id.chars().take(COPIED_SHOWN).collect();
    app.status
        .say(Level::Info, format!("copied {short}… (OSC 52)"));
    fx.push(Effect::Copy(id));
}

/// `Y`: the event at the cursor as stored, read by the worker, then to the clipboard.
fn copy_raw(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        return no_order(app);
    };
    let version = app.stream.cursor;
    if version == 0 {
        return app.status.say(Level::Info, "the stream is still loading");
    }
    ask(app, fx, |tag| Effect::LoadRawCopy {
        tag,
        order,
        version,
    });
}

pub(super) fn no_order(app: &mut App) {
    app.status
        .say(Level::Info, "open an order first (Enter in Orders)");
}

/// Reloads the orders page, the open order and the head.
pub(super) fn refresh(app: &mut App, fx: &mut Vec<Effect>) {
    load_orders(app, fx);
    if let Some(id) = app.stream.order.clone() {
        let following = app.stream.following;
        let at = Some(app.stream.cursor).filter(|v| *v > 0 && !following);
        super::select::reopen(app, &id, at, fx);
        app.stream.following = following;
    }
}

fn step(app: &mut App, delta: i64, fx: &mut Vec<Effect>) {
    let v = app.stream.cursor.saturating_add_signed(delta).max(1);
    move_to(app, v, fx);
}

/// Moves the cursor for a key; at an end of the stream, where the key cannot take it any
/// further, says so instead of doing nothing.
fn move_to(app: &mut App, v: u64, fx: &mut Vec<Effect>) {
    let (cursor, head) = (app.stream.cursor, app.stream.head);
    if app.stream.order.is_some() && head > 0 && v.clamp(1, head) == cursor {
        let end = if cursor == head {
            format!("at the head: v{head} is the last event")
        } else {
            "at the first event: v1".to_string()
        };
        app.status.say(Level::Info, end);
    }
    set_cursor(app, v, fx);
}

fn select(app: &mut App, fx: &mut Vec<Effect>) {
    match app.focus {
        Pane::Orders => match app.selected_order().map(|r| r.id.clone()) {
            Some(id) => {
                super::history::record(app);
                open_order(app, &id, None, fx);
                app.focus = Pane::Stream;
            }
            None => app.status.say(Level::Info, "no order to open"),
        },
        Pane::Divergence => match app.divergence.parted_at {
            Some(v) => {
                super::history::record(app);
                set_cursor(app, v, fx);
                app.focus = Pane::Stream;
            }
            None => app.status.say(Level::Info, no_parting_event(app)),
        },
        Pane::Stream | Pane::State => app.status.say(
            Level::Info,
            "Enter opens an order in Orders, or jumps to the parting event in Read model vs replay",
        ),
    }
}

/// Why Enter in the divergence pane has nowhere to jump, by what the comparison found.
fn no_parting_event(app: &App) -> String {
    let d = &app.divergence;
    let why = match d.class {
        None if app.stream.order.is_none() => "open an order first (Enter in Orders)",
        None => "the comparison is still loading",
        Some(Class::InSync) => "read model and replay agree",
        Some(Class::Lagging) => "the row lags its stream; it has not diverged",
        Some(Class::Diverged) => "the row was changed outside the projector",
        Some(Class::Missing) => "the order has no read-model row",
        Some(Class::Orphan) => "the row has no events",
        Some(Class::Parked) => "explain found no event where projection and replay part",
        Some(Class::Corrupt) => "an event does not decode (the pane names it)",
    };
    format!("no parting event: {why}")
}

/// Moves the orders selection, crossing into the next or previous page at the edges.
pub(super) fn move_selection(app: &mut App, delta: i64, fx: &mut Vec<Effect>) {
    let len = app.orders.rows.len();
    if len == 0 {
        return;
    }
    let target = app.orders.selected as i64 + delta;
    if target >= len as i64 {
        if app.orders.next.is_some() {
            page(app, true, fx);
        } else {
            app.status.say(Level::Info, "end of the list");
        }
        return;
    }
    if target < 0 {
        if app.orders.pages.len() > 1 || app.orders.lead.is_some() {
            page(app, false, fx);
            app.orders.selected = usize::MAX;
        } else {
            app.status.say(Level::Info, "top of the list");
        }
        return;
    }
    app.orders.selected = target as usize;
    if let Some(id) = app.selected_order().map(|r| r.id.clone()) {
        open_order(app, &id, None, fx);
    }
}

/// The next or previous orders page.
pub(super) fn page(app: &mut App, forward: bool, fx: &mut Vec<Effect>) {
    if forward {
        let Some(next) = app.orders.next.clone() else {
            return app.status.say(Level::Info, "last page: no more orders");
        };
        app.orders.pages.push(Some(next));
        app.orders.lead = None;
    } else if app.orders.lead.take().is_none() {
        // Back from a jump's page is the first page (`lead` is above `pages`); else the
        // page before this one.
        if app.orders.pages.len() <= 1 {
            if app.orders.selected == 0 {
                app.status.say(Level::Info, "first page");
            }
            app.orders.selected = 0;
            if let Some(id) = app.selected_order().map(|r| r.id.clone()) {
                open_order(app, &id, None, fx);
            }
            return;
        }
        app.orders.pages.pop();
    }
    app.orders.selected = 0;
    app.orders.open_selected = true;
    load_orders(app, fx);
}
