//! Stream search: `/` takes the text, `n` and `N` ask for the next and the previous event
//! holding it, and the worker answers where the search landed, going round the ends of the
//! stream when it runs off one.

use super::keys::no_order;
use super::{ask, set_cursor};
use crate::text::printable;
use crate::tui::action::{Direction, Effect, Found, Hit};
use crate::tui::state::{App, Level};

/// Asks for the next match from the cursor in `direction`.
pub(super) fn search(app: &mut App, direction: Direction, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        return no_order(app);
    };
    if app.stream.search.is_empty() {
        app.status
            .say(Level::Info, "no search yet: / in the Stream pane");
        return;
    }
    let (from, needle) = (app.stream.cursor, app.stream.search.clone());
    ask(app, fx, |tag| Effect::Search {
        tag,
        order,
        from,
        needle,
        direction,
    });
}

/// Where a search landed: the cursor goes there, and the message line says when the search
/// went round an end of the stream, found only the event it started from, or found none.
pub(super) fn found(app: &mut App, found: &Found, fx: &mut Vec<Effect>) {
    // The answer for an order no longer open would move this order's cursor.
    if app.stream.order.as_deref() != Some(found.order.as_str()) {
        return;
    }
    let needle = printable(&found.needle);
    match found.hit {
        Hit::Next(v) => {
            super::history::record(app);
            set_cursor(app, v, fx);
        }
        Hit::Wrapped(v) if v == found.from => app.status.say(
            Level::Info,
            format!("only match: v{v} is the one event with /{needle}"),
        ),
        Hit::Wrapped(v) => {
            super::history::record(app);
            set_cursor(app, v, fx);
            let wrapped = match found.direction {
                Direction::Forward => "search wrapped to the top",
                Direction::Backward => "search wrapped to the bottom",
            };
            app.status.say(Level::Info, format!("{wrapped}: v{v}"));
        }
        Hit::Nothing => app
            .status
            .say(Level::Info, format!("no match: no event holds /{needle}")),
    }
}
