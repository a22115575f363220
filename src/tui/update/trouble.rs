//! Finding trouble in one key: `]` and `[` go to the next and previous out-of-sync order
//! across every order (not only the page), and a finished `:check` lists what it found.

use super::{ask, keys, load_orders, select};
use crate::app::read::{ListSource, NextOutOfSync, Towards};
use crate::tui::action::Effect;
use crate::tui::format::short;
use crate::tui::state::{App, Level};

/// The filter a finished check lists its findings with.
pub const FINDINGS_FILTER: &str = "class:out-of-sync";

/// `]` / `[`: asks for the next out-of-sync order from the selected one, in the list's sort.
pub(super) fn ask_next(app: &mut App, towards: Towards, fx: &mut Vec<Effect>) {
    if app.as_of.is_some() {
        return app.status.say(
            Level::Error,
            "out of sync is a comparison with the read model, which keeps no past (:at now)",
        );
    }
    let from = app
        .selected_order()
        .map(|r| r.id.clone())
        .or_else(|| app.stream.order.clone());
    let sort = app.orders.sort;
    app.status
        .say(Level::Info, "looking for an out-of-sync order…");
    ask(app, fx, |tag| Effect::NextOutOfSync {
        tag,
        sort,
        from,
        towards,
    });
}

/// Where `]` or `[` landed: that order is selected and opened; the line says its class,
/// how many there are, and when the search went round the end of the list.
pub(super) fn landed(
    app: &mut App,
    found: Option<NextOutOfSync>,
    towards: Towards,
    fx: &mut Vec<Effect>,
) {
    let Some(f) = found else {
        let mut text = "every order is in sync".to_string();
        if let Some(note) = unreached(app.orders.source) {
            text = format!("no out-of-sync order found ({note})");
        }
        return app.status.say(Level::Ok, text);
    };
    let mut text = format!(
        "{} {}… · {} out of sync",
        f.class.as_str(),
        short(&f.order_id),
        f.count
    );
    if f.wrapped {
        text.push_str(match towards {
            Towards::Next => " · went round to the first",
            Towards::Previous => " · went round to the last",
        });
    }
    if let Some(note) = unreached(f.source) {
        text = format!("{text} ({note})");
    }
    app.status.say(Level::Info, text);
    // A jump: Ctrl-O comes back to where `]` left from.
    super::history::record(app);
    select::reach(app, &f.order_id, fx);
}

/// What the search could not see, when the projector is too far behind for it to replay
/// every order it has not reached.
fn unreached(source: ListSource) -> Option<String> {
    match source {
        ListSource::Replay => None,
        ListSource::ReadModel { lag } => Some(format!(
            "the projector is {} behind: orders it has not reached are not counted",
            crate::tui::format::count(lag, "event")
        )),
    }
}

/// A finished check: when it found orders out of sync, the list shows them (Esc shows
/// every order again).
pub(super) fn checked(app: &mut App, text: String, out_of_sync: usize, fx: &mut Vec<Effect>) {
    if out_of_sync == 0 {
        app.status.say(Level::Ok, text);
        return keys::refresh(app, fx);
    }
    app.status
        .say(Level::Ok, format!("{text} · listed (Esc: every order)"));
    app.orders.filter = FINDINGS_FILTER.to_string();
    app.orders.pages = vec![None];
    app.orders.lead = None;
    app.orders.selected = 0;
    app.orders.open_selected = true;
    load_orders(app, fx);
}
