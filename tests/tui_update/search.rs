//! Stream search: `n` and `N` go round the ends of the stream and say so, one match says
//! it is the only one, and an answer lands only on the order it was asked for.

use chronicle::tui::action::{Action, Direction, Effect, Found, Hit, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Level, Pane};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, k, kinds, message, oid, opened, press, search, send, shown, stale, type_str,
};

/// Order 0 open at `cursor` of 10 events, "paid" searched for with `key` (`n` or `N`),
/// and the search answered with `hit`: the app and the answer's effects.
fn searched(cursor: u64, key: char, hit: Hit) -> (App, Vec<Effect>) {
    let mut app = opened(10, 1, 10, cursor);
    app.stream.search = "paid".into();
    let (_, order, from, needle, direction) = search(&press(&mut app, c(key)));
    let tag = app.tags.latest(Request::Prompt);
    let found = Found {
        order,
        needle,
        from,
        direction,
        hit,
    };
    let fx = send(&mut app, Action::Loaded(tag, Loaded::Found(found)));
    (app, fx)
}

#[test]
fn the_next_match_moves_the_cursor_without_a_message() {
    let (app, fx) = searched(4, 'n', Hit::Next(7));
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(app.stream.cursor, 7);
    assert_eq!(shown(&app), None);
}

#[test]
fn n_past_the_last_match_wraps_to_the_top_and_says_so() {
    // The cursor opens on the head: the first search from there goes round.
    let (app, fx) = searched(10, 'n', Hit::Wrapped(3));
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(app.stream.cursor, 3);
    assert_eq!(
        message(&app, Level::Info),
        Some("search wrapped to the top: v3")
    );
}

#[test]
fn capital_n_searches_backwards_and_wraps_to_the_bottom() {
    let (app, _) = searched(2, 'N', Hit::Wrapped(9));
    assert_eq!(app.stream.cursor, 9);
    assert_eq!(
        message(&app, Level::Info),
        Some("search wrapped to the bottom: v9")
    );
}

#[test]
fn n_on_the_only_match_says_it_is_the_only_one() {
    for key in ['n', 'N'] {
        let (app, fx) = searched(5, key, Hit::Wrapped(5));
        assert!(fx.is_empty(), "{key}: {fx:?}");
        assert_eq!(app.stream.cursor, 5);
        assert_eq!(
            message(&app, Level::Info),
            Some("only match: v5 is the one event with /paid"),
            "{key}"
        );
    }
}

#[test]
fn no_match_names_what_was_searched_for() {
    let (app, fx) = searched(5, 'n', Hit::Nothing);
    assert!(fx.is_empty());
    assert_eq!(app.stream.cursor, 5);
    assert_eq!(
        message(&app, Level::Info),
        Some("no match: no event holds /paid")
    );
}

#[test]
fn a_superseded_answer_or_one_for_another_order_is_dropped() {
    let mut app = opened(10, 1, 10, 4);
    app.stream.search = "paid".into();
    press(&mut app, c('n'));
    let tag = app.tags.latest(Request::Prompt);
    let found = |order: String| {
        Loaded::Found(Found {
            order,
            needle: "paid".into(),
            from: 4,
            direction: Direction::Forward,
            hit: Hit::Next(8),
        })
    };
    assert!(send(&mut app, Action::Loaded(stale(tag), found(oid(0)))).is_empty());
    assert!(send(&mut app, Action::Loaded(tag, found(oid(3)))).is_empty());
    assert_eq!(app.stream.cursor, 4);
}

#[test]
fn a_search_typed_with_slash_goes_forward_from_the_cursor() {
    let mut app = opened(10, 1, 10, 10);
    app.focus = Pane::Stream;
    press(&mut app, c('/'));
    type_str(&mut app, "paid");
    let (_, _, from, needle, direction) = search(&press(&mut app, k(KeyCode::Enter)));
    assert_eq!(
        (from, needle.as_str(), direction),
        (10, "paid", Direction::Forward)
    );
}
