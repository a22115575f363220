//! `:at #P`, `:at TIME`, `:at now`: the whole screen as of a point in the log. The list
//! holds the orders that existed then, each replayed to its last event at or before P; the
//! stream ends there; the comparison with the read model is off (it keeps no past). A
//! header marker says the view is historical until `:at now`.

use super::{ask, load_orders};
use crate::app::read::AsOf;
use crate::tui::action::Effect;
use crate::tui::prompt::AtTarget;
use crate::tui::state::{App, DivergencePane, Level, StatePane, StreamPane};

/// The prompt's `at`.
pub(super) fn at(app: &mut App, target: AtTarget, fx: &mut Vec<Effect>) {
    if target == AtTarget::Now {
        if app.as_of.is_none() {
            return app.status.say(Level::Info, "already showing the live log");
        }
        app.as_of = None;
        app.status.say(Level::Ok, "back to the live log");
        return reload(app, fx);
    }
    app.status
        .say(Level::Info, "finding that point in the log…");
    ask(app, fx, |tag| Effect::ResolveAt { tag, target });
}

/// The point arrived: every pane goes there.
pub(super) fn arrived(app: &mut App, at: AsOf, fx: &mut Vec<Effect>) {
    app.as_of = Some(at);
    let when = at
        .recorded_at
        .map(|t| format!(" ({})", t.format("%Y-%m-%d %H:%M:%S")))
        .unwrap_or_default();
    app.status.say(
        Level::Ok,
        format!(
            "as of #{}{when}: later orders and events are absent; :at now returns",
            at.position
        ),
    );
    reload(app, fx);
}

/// The list from its first page; the panes close and the page opens its selected order,
/// which stays the open one when it is listed (an order that did not exist then is not).
fn reload(app: &mut App, fx: &mut Vec<Effect>) {
    app.orders.pages = vec![None];
    app.orders.next = None;
    app.orders.lead = None;
    app.orders.open_selected = true;
    app.fork = None;
    app.stream = StreamPane::default();
    app.state = StatePane::default();
    app.divergence = DivergencePane::default();
    load_orders(app, fx);
}

/// The comparison pane of a historical view: nothing to compare, and why.
pub(super) fn no_comparison(app: &mut App) -> bool {
    let Some(at) = app.as_of else {
        return false;
    };
    app.divergence = DivergencePane {
        order: app.stream.order.clone(),
        explain: vec![
            format!("as of #{}: the read model keeps no past,", at.position),
            "so there is nothing to compare it with.".into(),
            ":at now compares again".into(),
        ],
        ..DivergencePane::default()
    };
    true
}
