//! Background jobs: `check`, `rebuild` and `project` run beside the worker, one of each
//! kind at a time. Asking for a second while one runs is refused here, before anything is
//! sent: queueing it would only repeat the same answer (a check) or redo the same work (a
//! rebuild), minutes later, when the operator may have moved on.

use super::ask;
use crate::tui::action::Effect;
use crate::tui::request::{JobKind, Request, Tag};
use crate::tui::state::{App, Back, Confirm, Level, Mode, Pending};

/// `:check`: the divergence check over every order.
pub(super) fn check(app: &mut App, fx: &mut Vec<Effect>) {
    if start(app, JobKind::Check, "check: started", fx, |tag| {
        Effect::Check { tag }
    }) {
        app.status.say(
            Level::Info,
            "checking every order in the background; keep browsing",
        );
    }
}

/// `:rebuild` or `:project`: asks for `y` first, unless the projector is already busy.
pub(super) fn confirm_projector(app: &mut App, pending: Pending) {
    if refused(app, JobKind::Projector) {
        return;
    }
    let text = match pending {
        Pending::Rebuild => "rebuild (the whole read model)",
        _ => "project (catch the read model up)",
    };
    app.mode = Mode::Confirm(Confirm {
        text: text.into(),
        pending,
        back: Back::Normal,
        what_if: None,
    });
}

/// Runs a confirmed write: a rebuild or a catch-up as a job, anything else on the worker.
pub(super) fn run(app: &mut App, pending: Pending, fx: &mut Vec<Effect>) {
    let line = match pending {
        Pending::Rebuild => "rebuild: started",
        Pending::Project => "project: started",
        Pending::Command(_) | Pending::DeadLetter { .. } => {
            return ask(app, fx, |tag| Effect::Execute { tag, pending });
        }
    };
    start(app, JobKind::Projector, line, fx, |tag| Effect::Execute {
        tag,
        pending,
    });
}

/// Starts a job unless one of its kind runs; `line` is what the header shows until the
/// job reports progress.
fn start(
    app: &mut App,
    kind: JobKind,
    line: &str,
    fx: &mut Vec<Effect>,
    make: impl FnOnce(u64) -> Effect,
) -> bool {
    if refused(app, kind) {
        return false;
    }
    app.jobs[kind] = Some(line.to_string());
    ask(app, fx, make);
    debug_assert_eq!(
        fx.last().and_then(Effect::request),
        Some(Request::Job(kind)),
        "a job's effect must name its kind"
    );
    true
}

/// Refuses a job while one of its kind runs; says which, and how far it got.
fn refused(app: &mut App, kind: JobKind) -> bool {
    let Some(running) = &app.jobs[kind] else {
        return false;
    };
    app.status.say(
        Level::Error,
        format!("already running: {running} (its result shows here when it is done)"),
    );
    true
}

/// A job's progress: shown while the job it belongs to is the one running.
pub(super) fn progress(app: &mut App, tag: Tag, text: String) {
    if let Request::Job(kind) = tag.request
        && app.tags.is_latest(tag)
        && app.jobs[kind].is_some()
    {
        app.jobs[kind] = Some(text);
    }
}

/// A result or failure arrived: the job it answers is over.
pub(super) fn finished(app: &mut App, tag: Tag) {
    if let Request::Job(kind) = tag.request
        && app.tags.is_latest(tag)
    {
        app.jobs[kind] = None;
    }
}
