//! `:fork`: an alternative history of the open order, never stored. At the cursor's
//! version, skip the event there or apply a hypothetical command after it; the worker
//! replays the rest on the changed state and the panes show the fork until Esc, which
//! discards it. While forked the stepping keys walk the fork; the rest say how to leave.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::ask;
use crate::app::read::ForkChange;
use crate::tui::action::Effect;
use crate::tui::fork::ForkView;
use crate::tui::keymap::Cmd;
use crate::tui::prompt::{ForkArg, PromptCommand, parse_prompt};
use crate::tui::state::{App, Level};

/// The prompt's `fork`.
pub(super) fn start(app: &mut App, arg: ForkArg, fx: &mut Vec<Effect>) {
    if arg == ForkArg::Off {
        return leave(app);
    }
    let (Some(order), at) = (app.stream.order.clone(), app.stream.cursor) else {
        return app.status.say(Level::Error, "open an order to fork it");
    };
    if at == 0 {
        return app.status.say(Level::Info, "the stream is still loading");
    }
    let (change, what) = match arg {
        ForkArg::Skip => {
            let kind = app
                .stream
                .row(at)
                .map(|r| format!(" {}", r.event_type))
                .unwrap_or_default();
            (ForkChange::Skip, format!("skip v{at}{kind}"))
        }
        ForkArg::Command(text) => match hypothetical(&order, &text) {
            Ok(cmd) => (ForkChange::Apply(cmd), format!("{text} after v{at}")),
            Err(e) => return app.status.say(Level::Error, e),
        },
        ForkArg::Off => unreachable!("handled above"),
    };
    app.status.say(Level::Info, "forking…");
    ask(app, fx, |tag| Effect::Fork {
        tag,
        order,
        at,
        change,
        what,
    });
}

/// An order command typed without its id, for the open order.
fn hypothetical(order: &str, text: &str) -> Result<crate::domain::OrderCommand, String> {
    let (name, rest) = text.split_once(' ').unwrap_or((text, ""));
    let order_command = matches!(
        name,
        "add-item" | "remove-item" | "pay" | "ship" | "deliver" | "cancel"
    );
    let parsed = order_command.then(|| parse_prompt(&format!("{name} {order} {rest}")));
    match parsed {
        Some(Ok(PromptCommand::Write { command, .. })) => Ok(command),
        Some(Err(e)) => Err(e.replace(" ID", "")),
        _ => Err(format!(
            "fork applies an order command (add-item, remove-item, pay, ship, deliver, cancel), not {:?}",
            crate::text::printable(&name.chars().take(24).collect::<String>())
        )),
    }
}

/// The fork arrived: the panes show it.
pub(super) fn arrived(app: &mut App, view: ForkView) {
    if app.stream.order.as_deref() != Some(view.order.as_str()) {
        return;
    }
    let text = match &view.refused {
        Some(why) => format!(
            "fork: the command would be rejected ({why}); the fork replays the rest unchanged · Esc leaves"
        ),
        None => format!(
            "fork: {} · not stored · ←/→ step through it, Esc leaves and discards it",
            view.what
        ),
    };
    app.status.say(Level::Info, text);
    app.fork = Some(view);
}

fn leave(app: &mut App) {
    if app.fork.take().is_some() {
        app.status
            .say(Level::Info, "left the fork: nothing of it was stored");
    } else {
        app.status.say(Level::Info, "no fork to leave");
    }
}

/// Keys while a fork is shown: stepping walks it, Esc leaves; help, panes and quit work
/// as ever; anything else says how to leave rather than act on the real order unseen.
pub(super) fn key(app: &mut App, k: KeyEvent) -> bool {
    let Some(fork) = app.fork.as_mut() else {
        return false;
    };
    if k.code == KeyCode::Esc {
        app.status.begin_action();
        leave(app);
        return true;
    }
    let by = match app.keymap.lookup(&k) {
        Some(Cmd::StepBack | Cmd::Up) => -1,
        Some(Cmd::StepForward | Cmd::Down) => 1,
        Some(Cmd::PageUp) => -20,
        Some(Cmd::PageDown) => 20,
        Some(Cmd::First) => i64::MIN / 2,
        Some(Cmd::Last) => i64::MAX / 2,
        Some(Cmd::Quit | Cmd::Help | Cmd::NextPane | Cmd::PrevPane | Cmd::Prompt) | None => {
            return false;
        }
        Some(_) => {
            app.status.begin_action();
            app.status.say(
                Level::Info,
                "in a fork (not stored): ←/→ step, Esc leaves it first",
            );
            return true;
        }
    };
    app.status.begin_action();
    if !fork.step(by) {
        let end = if by < 0 { "its start" } else { "its last step" };
        app.status.say(Level::Info, format!("the fork is at {end}"));
    }
    true
}
