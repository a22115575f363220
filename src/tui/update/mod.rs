//! `update`: an action changes the model and yields effects for the worker. No IO here.

mod asof;
mod fork;
mod history;
mod input;
mod jobs;
mod keys;
mod mouse;
mod results;
mod search;
mod select;
mod take;
mod trouble;

use super::action::{Action, Effect};
use super::prompt::{ListFilter, parse_list_filter};
use super::request::{Request, Tag};
use super::state::{App, Level, ORDERS_PAGE, STREAM_WINDOW};
use crate::store::OrderPageQuery;

/// Applies one action; returns what the worker should do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(k) => input::key(app, k, &mut fx),
        Action::Mouse(m) => mouse::mouse(app, m, &mut fx),
        Action::Resize(w, h) => app.size = (w, h),
        Action::Tick => {
            if !app.polling {
                app.polling = true;
                let order = app.stream.order.clone();
                let as_of = app.as_of_position();
                ask(app, &mut fx, |tag| Effect::Poll { tag, order, as_of });
            }
        }
        Action::Loaded(tag, loaded) => results::loaded(app, tag, loaded, &mut fx),
    }
    fx
}

/// The effects of the first frame: the first orders page and a head poll.
pub fn start(app: &mut App) -> Vec<Effect> {
    let mut fx = Vec::new();
    load_orders(app, &mut fx);
    fx.extend(update(app, Action::Tick));
    fx
}

/// Queues a request and records it as the latest of its kind (the kind its effect names),
/// so only its answer is applied.
pub(super) fn ask(app: &mut App, fx: &mut Vec<Effect>, make: impl FnOnce(u64) -> Effect) {
    app.next_tag += 1;
    let effect = make(app.next_tag);
    if let Some(tag) = effect.tag() {
        app.tags[tag.request] = tag.seq;
    }
    fx.push(effect);
}

/// Asks for the current orders page (the last start key) with the current filter and sort.
pub(super) fn load_orders(app: &mut App, fx: &mut Vec<Effect>) {
    let ListFilter {
        orders: filter,
        class,
    } = match parse_list_filter(&app.orders.filter) {
        Ok(f) => f,
        Err(e) => {
            app.status.say(Level::Error, e);
            return;
        }
    };
    app.orders.loading = true;
    let query = OrderPageQuery {
        filter,
        sort: app.orders.sort,
        after: app.orders.pages.last().cloned().flatten(),
        limit: ORDERS_PAGE,
    };
    let lead = app.orders.lead.clone();
    let as_of = app.as_of_position();
    ask(app, fx, |tag| Effect::LoadOrders {
        tag,
        query,
        class,
        as_of,
        lead,
    });
}

/// Opens an order in the stream pane, at `at` or at its head.
pub(super) fn open_order(app: &mut App, id: &str, at: Option<u64>, fx: &mut Vec<Effect>) {
    let same = app.stream.order.as_deref() == Some(id);
    if !same {
        app.stream.order = Some(id.to_string());
        app.stream.window.clear();
        app.stream.head = 0;
        app.stream.cursor = 0;
        app.stream.following = false;
        // A search is for the stream it was typed in; `n` in another order would look for
        // it where nobody asked.
        app.stream.search.clear();
        app.state.fields.clear();
        app.state.base = None;
        // A fork is of the order it was made on.
        app.fork = None;
        app.divergence = super::state::DivergencePane::default();
    }
    app.stream.error = None;
    if let (true, Some(v)) = (same, at) {
        set_cursor(app, v, fx);
        return;
    }
    app.stream.loading = true;
    let order = id.to_string();
    let as_of = app.as_of_position();
    ask(app, fx, |tag| Effect::LoadStream {
        tag,
        order,
        around: at,
        as_of,
    });
    if let Some(v) = at {
        app.stream.cursor = v;
        load_state(app, fx);
    }
    load_divergence(app, fx);
}

pub(super) fn load_divergence(app: &mut App, fx: &mut Vec<Effect>) {
    if asof::no_comparison(app) {
        return;
    }
    let Some(order) = app.stream.order.clone() else {
        return;
    };
    app.divergence.loading = true;
    ask(app, fx, |tag| Effect::LoadDivergence { tag, order });
}

/// The open stream's head moved to what the result of request `seen` read: asks for the
/// comparison again unless one was asked for after `seen`. The worker runs requests in
/// the order they were made, so a later comparison reads at least that head; an earlier
/// one may have read the head before it (a window read just after a write sees the write
/// before the next poll does), and without this would stay one event stale until the next
/// write moved the head again.
pub(super) fn head_moved(app: &mut App, seen: Tag, fx: &mut Vec<Effect>) {
    if app.tags[Request::Divergence] < seen.seq {
        load_divergence(app, fx);
    }
}

pub(super) fn load_state(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        return;
    };
    app.state.loading = true;
    let version = app.stream.cursor;
    let base = history::base(app);
    ask(app, fx, |tag| Effect::LoadState {
        tag,
        order,
        version,
        base,
    });
}

/// Moves the cursor to `v` (clamped to the stream); loads the state there, and a new window
/// when `v` nears the edge of the one held. Costs the same at any version.
pub(super) fn set_cursor(app: &mut App, v: u64, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        app.status
            .say(Level::Info, "open an order first (Enter in Orders)");
        return;
    };
    if app.stream.head == 0 {
        return;
    }
    let v = v.clamp(1, app.stream.head);
    if v != app.stream.head {
        app.stream.following = false;
    }
    if v == app.stream.cursor && app.state.version == v && !app.state.fields.is_empty() {
        return;
    }
    app.stream.cursor = v;
    load_state(app, fx);
    let first = app.stream.window.first().map_or(0, |r| r.version);
    let last = app.stream.window.last().map_or(0, |r| r.version);
    let margin = u64::from(STREAM_WINDOW / 8);
    let near_start = v < first + margin && first > 1;
    let near_end = v + margin > last && last < app.stream.head;
    if app.stream.window.is_empty() || v < first || v > last || near_start || near_end {
        app.stream.loading = true;
        let as_of = app.as_of_position();
        ask(app, fx, |tag| Effect::LoadStream {
            tag,
            order,
            around: Some(v),
            as_of,
        });
    }
}
