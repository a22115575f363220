//! Normal mode in the Stream pane: the cursor, search, time, follow and the overlays it opens.

use chronicle::tui::action::{Action, Correlate, Direction, Effect};
use chronicle::tui::request::Request;
use chronicle::tui::state::{InputKind, Level, Mode, Pane};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, k, kinds, message, new_app, oid, opened, press, search, send, shown, state_at, state_load,
    stream_load,
};
#[test]
fn steps_move_the_cursor_inside_a_small_stream_without_reloading_it() {
    let mut app = opened(10, 1, 10, 10);
    app.focus = Pane::Stream;
    for (key, want) in [
        (c('h'), 9),
        (k(KeyCode::Left), 8),
        (c('l'), 9),
        (k(KeyCode::Right), 10),
        (c('k'), 9),
        (c('j'), 10),
        (k(KeyCode::PageUp), 1),
    ] {
        let fx = press(&mut app, key);
        assert_eq!(kinds(&fx), ["LoadState"], "{key:?}");
        assert_eq!(state_load(&fx), Some(want));
        assert_eq!(app.stream.cursor, want);
        let tag = app.tags.latest(Request::State);
        send(&mut app, Action::Loaded(tag, state_at(want)));
    }
    // Clamped at 1.
    assert!(press(&mut app, c('h')).is_empty());
    assert_eq!(app.stream.cursor, 1);
    // PgDn steps 20, clamped at the head.
    let fx = press(&mut app, k(KeyCode::PageDown));
    assert_eq!(state_load(&fx), Some(10));
    let tag = app.tags.latest(Request::State);
    send(&mut app, Action::Loaded(tag, state_at(10)));
    assert!(press(&mut app, c('l')).is_empty());
    assert_eq!(app.stream.cursor, 10);
}

#[test]
fn steps_reload_the_window_only_near_or_past_its_edges() {
    // Window 401..=600 of 1000; the margin is 25 events.
    let mut mid = opened(1000, 401, 600, 500);
    let fx = press(&mut mid, c('l'));
    assert_eq!(kinds(&fx), ["LoadState"]);

    let mut end = opened(1000, 401, 600, 575);
    let fx = press(&mut end, c('l'));
    assert_eq!(state_load(&fx), Some(576));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(576))));
    assert!(end.stream.loading);

    let mut start = opened(1000, 401, 600, 426);
    let fx = press(&mut start, c('h'));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(425))));

    let mut first = opened(1000, 401, 600, 500);
    let fx = press(&mut first, c('g'));
    assert_eq!(state_load(&fx), Some(1));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(1))));

    let mut last = opened(1000, 401, 600, 500);
    let fx = press(&mut last, c('G'));
    assert_eq!(state_load(&fx), Some(1000));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(1000))));
    assert_eq!(last.stream.cursor, 1000);
}

#[test]
fn g_and_home_go_first_and_capital_g_and_end_go_last() {
    for (key, want) in [
        (c('g'), 1),
        (k(KeyCode::Home), 1),
        (c('G'), 10),
        (k(KeyCode::End), 10),
    ] {
        let mut app = opened(10, 1, 10, 5);
        let fx = press(&mut app, key);
        assert_eq!(kinds(&fx), ["LoadState"], "{key:?}");
        assert_eq!(app.stream.cursor, want);
    }
}

#[test]
fn cursor_keys_without_an_open_order_say_so() {
    let mut app = new_app(false);
    app.focus = Pane::Stream;
    for key in [c('l'), c('g'), c('t'), c('e'), c('c'), c('n')] {
        assert!(press(&mut app, key).is_empty(), "{key:?}");
        assert!(
            message(&app, Level::Info).is_some_and(|m| m.contains("open an order")),
            "{key:?}: {:?}",
            shown(&app)
        );
        assert!(matches!(app.mode, Mode::Normal));
    }
}

#[test]
fn n_and_capital_n_search_from_the_cursor() {
    let mut app = opened(10, 1, 10, 4);
    assert!(press(&mut app, c('n')).is_empty());
    assert!(message(&app, Level::Info).is_some_and(|m| m.contains("no search")));
    app.stream.search = "Paid".into();
    for (key, dir) in [(c('n'), Direction::Forward), (c('N'), Direction::Backward)] {
        let (tag, order, from, needle, direction) = search(&press(&mut app, key));
        assert_eq!(
            (order, from, needle.as_str(), direction),
            (oid(0), 4, "Paid", dir)
        );
        assert_eq!(tag, app.tags[Request::Prompt]);
    }
}

#[test]
fn t_opens_the_time_input() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('t'));
    assert!(matches!(&app.mode, Mode::Input(InputKind::Time, l) if l.text.is_empty()));
}

#[test]
fn f_follows_and_jumps_to_the_head_then_stops() {
    let mut app = opened(10, 1, 10, 4);
    let fx = press(&mut app, c('f'));
    assert!(app.stream.following);
    assert_eq!(app.stream.cursor, 10);
    assert_eq!(state_load(&fx), Some(10));
    let fx = press(&mut app, c('f'));
    assert!(!app.stream.following);
    assert!(fx.is_empty());
    assert_eq!(app.stream.cursor, 10);
    // Stepping off the head stops following.
    press(&mut app, c('f'));
    press(&mut app, c('h'));
    assert!(!app.stream.following);
}

#[test]
fn e_c_and_capital_d_ask_for_overlays() {
    let mut app = opened(10, 1, 10, 4);
    let fx = press(&mut app, c('e'));
    assert!(
        matches!(fx.as_slice(), [Effect::LoadRaw { tag, order, version: 4 }] if *order == oid(0) && *tag == app.tags[Request::Overlay])
    );
    let fx = press(&mut app, c('c'));
    assert!(
        matches!(fx.as_slice(), [Effect::LoadCorrelated { tag, order, version: 4, purpose: Correlate::Open }] if *order == oid(0) && *tag == app.tags[Request::Overlay])
    );
    // Dead letters need no open order.
    let mut app = new_app(false);
    let fx = press(&mut app, c('D'));
    assert!(
        matches!(fx.as_slice(), [Effect::LoadDeadLetters { tag }] if *tag == app.tags[Request::Overlay])
    );
}
