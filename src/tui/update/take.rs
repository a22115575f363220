//! `:find`, `:export` and `:report`: a search across every order that opens the events
//! overlay and keeps it live, and the files the worker writes of what is on screen.

use super::ask;
use super::keys::no_order;
use crate::app::read::EventSet;
use crate::store::EventSearch;
use crate::tui::action::{Correlate, Effect};
use crate::tui::state::{App, InputKind, Level, LineInput, Mode, Overlay};
use crate::tui::take::{Export, OutPath, searched};

/// A found event: (stream, version, type, recorded).
type Row = (String, u64, String, chrono::DateTime<chrono::Utc>);

/// `:find`: asks the worker for the events; the answer opens the overlay.
pub(super) fn find(app: &mut App, search: EventSearch, fx: &mut Vec<Effect>) {
    app.status
        .say(Level::Info, format!("{}…", searched(&search)));
    ask(app, fx, |tag| Effect::FindEvents {
        tag,
        search,
        purpose: Correlate::Open,
    });
}

/// What `:find` found. A new search opens the overlay at its newest event; a refresh keeps
/// the selection on the same event, and is dropped when the overlay closed or shows
/// another set meanwhile.
pub(super) fn found(
    app: &mut App,
    search: EventSearch,
    rows: Vec<Row>,
    cut: bool,
    purpose: Correlate,
) {
    let set = EventSet::Find(search);
    let on = match (purpose, &app.mode) {
        (Correlate::Open, _) => None,
        (
            Correlate::Refresh,
            Mode::Overlay(Overlay::Correlated {
                set: open,
                rows: old,
                selected,
                ..
            }),
        ) if *open == set => old.get(*selected).map(|r| (r.0.clone(), r.1)),
        (Correlate::Refresh, _) => return,
    };
    if purpose == Correlate::Open {
        let what = crate::tui::take::set_name(&set);
        if rows.is_empty() {
            let line =
                format!("{what}: no event matches yet (the list refreshes as events arrive)");
            app.status.say(Level::Info, line);
        } else {
            app.status.clear();
        }
    }
    let selected = on
        .and_then(|(stream, version)| rows.iter().position(|r| r.0 == stream && r.1 == version))
        .unwrap_or(0);
    app.mode = Mode::Overlay(Overlay::Correlated {
        set,
        rows,
        cut,
        selected,
    });
}

/// The log moved while a find's overlay is open: searches again, so new matches show.
/// False when the open overlay is no find's.
pub(super) fn refresh(app: &mut App, fx: &mut Vec<Effect>) -> bool {
    let Mode::Overlay(Overlay::Correlated {
        set: EventSet::Find(search),
        ..
    }) = &app.mode
    else {
        return false;
    };
    let search = search.clone();
    ask(app, fx, |tag| Effect::FindEvents {
        tag,
        search,
        purpose: Correlate::Refresh,
    });
    true
}

/// `:export`: the events overlay's events when the prompt was opened over it, else the
/// open stream.
pub(super) fn export(app: &mut App, to: OutPath, fx: &mut Vec<Effect>) {
    let what = match (&app.under_prompt, &app.stream.order) {
        (Some(Overlay::Correlated { set, .. }), _) => Export::Set(set.clone()),
        (_, Some(order)) => Export::Stream(order.clone()),
        (_, None) => return no_order(app),
    };
    app.status.say(Level::Info, "exporting…");
    ask(app, fx, |tag| Effect::Export { tag, what, to });
}

/// `:report`: the open order's divergence as an incident note.
pub(super) fn report(app: &mut App, to: OutPath, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        return no_order(app);
    };
    app.status.say(Level::Info, "writing the incident note…");
    ask(app, fx, |tag| Effect::Report { tag, order, to });
}

/// The prompt key in the events overlay: the prompt opens over it, so `:export` can write
/// its events, and the overlay comes back when the line is done.
pub(super) fn prompt_over(app: &mut App, overlay: Overlay) {
    app.under_prompt = Some(overlay);
    app.history_pos = None;
    app.completions.clear();
    app.mode = Mode::Input(InputKind::Prompt, LineInput::default());
}

/// The line typed over the events overlay is done (submitted or cancelled): the overlay
/// comes back unless what was typed took the keys elsewhere (help, a confirmation).
pub(super) fn line_done(app: &mut App) {
    if matches!(app.mode, Mode::Input(..)) {
        return;
    }
    if let Some(o) = app.under_prompt.take()
        && matches!(app.mode, Mode::Normal)
    {
        app.mode = Mode::Overlay(o);
    }
}
