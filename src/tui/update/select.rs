//! Which order the panes show, and the list's selection kept on it: a jump moves the
//! selection to where it landed, and a list with nothing in it leaves nothing open.

use super::{load_orders, open_order};
use crate::tui::action::Effect;
use crate::tui::state::{App, DivergencePane, Level, Pane, StatePane, StreamPane};

/// Opens `id` at `version` from an overlay (a dead letter, a correlated event) and moves
/// the list's selection to it, so the next move in the list continues from the order the
/// operator is looking at instead of from the one selected before the jump.
pub(super) fn jump(app: &mut App, id: &str, version: u64, fx: &mut Vec<Effect>) {
    locate(app, id, fx);
    open_order(app, id, Some(version), fx);
    app.focus = Pane::Stream;
}

/// Opens `id` at its head from the prompt (`open ID-PREFIX`), as a jump: the list's
/// selection moves to it.
pub(super) fn open(app: &mut App, id: &str, fx: &mut Vec<Effect>) {
    locate(app, id, fx);
    open_order(app, id, None, fx);
    app.focus = Pane::Stream;
}

/// Opens `id` at its head and selects it in the list, leaving the focus where it is: `]`
/// from the list goes on from the order it reached.
pub(super) fn reach(app: &mut App, id: &str, fx: &mut Vec<Effect>) {
    locate(app, id, fx);
    open_order(app, id, None, fx);
}

/// Selects `id` in the list: on the current page when it is there; else the list shows
/// the page that starts at it (then the orders after it in the list's order), with the
/// pages before it one `PgUp` back at the first page.
fn locate(app: &mut App, id: &str, fx: &mut Vec<Effect>) {
    if let Some(i) = app.orders.rows.iter().position(|r| r.id == id) {
        app.orders.selected = i;
        return;
    }
    app.orders.lead = Some(id.to_string());
    app.orders.pages = vec![None];
    // The old page goes: its rows are not around the jumped-to order, and a reload that
    // found the old selection on the new page would move the selection back to it.
    app.orders.rows.clear();
    app.orders.next = None;
    app.orders.selected = 0;
    load_orders(app, fx);
}

/// The list came back empty: no order is selected, so none is shown. Leaving the last
/// one on screen would show an order the filter does not match as if it did.
pub(super) fn close_order(app: &mut App) {
    if app.stream.order.is_none() {
        return;
    }
    app.stream = StreamPane::default();
    app.state = StatePane::default();
    app.divergence = DivergencePane::default();
    app.status.say(
        Level::Info,
        "no order selected: the filter matches nothing (/ to change it)",
    );
}

/// Opens `id` again from the store (after a refresh or a write), at `at` or at its head.
/// A search typed in it stays: it is still the same stream.
pub(super) fn reopen(app: &mut App, id: &str, at: Option<u64>, fx: &mut Vec<Effect>) {
    let search =
        (app.stream.order.as_deref() == Some(id)).then(|| std::mem::take(&mut app.stream.search));
    app.stream.order = None;
    open_order(app, id, at, fx);
    if let Some(search) = search {
        app.stream.search = search;
    }
}
