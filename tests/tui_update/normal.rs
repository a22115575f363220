//! Normal mode: the keymap's defaults, global keys and the Orders pane's keys.

use chronicle::store::{OrderFilter, OrderSort};
use chronicle::tui::action::{Action, Effect};
use chronicle::tui::keymap::{COMMANDS, Keymap};
use chronicle::tui::request::Request;
use chronicle::tui::state::{InputKind, Level, Mode, Overlay, Pane};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::support::{
    c, ctrl, k, key_after, kinds, new_app, oid, opened, orders_page, orders_query, press, send,
    shown, state_load, stream_load, with_orders,
};

/// The key event a keymap spec names (`ctrl-u`, `G`, `pageup`).
fn event_of(spec: &str) -> KeyEvent {
    let (mods, rest) = match spec.strip_prefix("ctrl-") {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match rest {
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "enter" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        one => KeyCode::Char(one.chars().next().expect("a key")),
    };
    KeyEvent::new(code, mods)
}

#[test]
fn every_default_key_reaches_its_command() {
    let keymap = Keymap::default();
    for (cmd, keys, ..) in COMMANDS {
        assert!(!keys.is_empty(), "{cmd:?} has no default key");
        for key in *keys {
            assert_eq!(keymap.lookup(&event_of(key)), Some(*cmd), "key {key}");
        }
    }
    assert_eq!(keymap.lookup(&c('x')), None);
}

#[test]
fn q_and_ctrl_c_quit_and_a_key_release_does_not() {
    let mut app = new_app(false);
    let mut release = c('q');
    release.kind = KeyEventKind::Release;
    assert!(press(&mut app, release).is_empty());
    assert!(!app.quit);
    assert!(press(&mut app, c('q')).is_empty());
    assert!(app.quit);

    let mut app = new_app(false);
    press(&mut app, ctrl('c'));
    assert!(app.quit);
}

#[test]
fn question_mark_opens_help() {
    let mut app = new_app(false);
    assert!(press(&mut app, c('?')).is_empty());
    assert!(matches!(
        app.mode,
        Mode::Overlay(Overlay::Help { scroll: 0 })
    ));
}

#[test]
fn tab_and_backtab_cycle_the_focus() {
    let mut app = new_app(false);
    let mut seen = vec![app.focus];
    for _ in 0..4 {
        press(&mut app, k(KeyCode::Tab));
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Orders,
            Pane::Stream,
            Pane::State,
            Pane::Divergence,
            Pane::Orders
        ]
    );
    let back = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    press(&mut app, back);
    assert_eq!(app.focus, Pane::Divergence);
    press(&mut app, back);
    assert_eq!(app.focus, Pane::State);
}

#[test]
fn j_k_and_arrows_move_the_selection_and_open_that_order() {
    let mut app = with_orders(5, false);
    for (key, want) in [
        (c('j'), 1),
        (k(KeyCode::Down), 2),
        (c('k'), 1),
        (k(KeyCode::Up), 0),
    ] {
        let fx = press(&mut app, key);
        assert_eq!(app.orders.selected, want);
        assert_eq!(kinds(&fx), ["LoadStream", "LoadDivergence"]);
        assert_eq!(stream_load(&fx), Some((oid(want), None)));
        assert_eq!(app.stream.order, Some(oid(want)));
    }
    // First row of the first page: nothing above.
    assert!(press(&mut app, c('k')).is_empty());
    assert_eq!(app.orders.selected, 0);
    // Last row without a next page: nothing below.
    app.orders.selected = 4;
    assert!(press(&mut app, c('j')).is_empty());
    assert_eq!(app.orders.selected, 4);
}

#[test]
fn j_on_the_last_row_loads_the_next_page_and_k_goes_back() {
    let mut app = with_orders(5, true);
    app.orders.selected = 4;
    let fx = press(&mut app, c('j'));
    assert_eq!(kinds(&fx), ["LoadOrders"]);
    assert_eq!(orders_query(&fx).after, Some(key_after(4)));
    assert_eq!(app.orders.pages, [None, Some(key_after(4))]);
    assert_eq!(app.orders.selected, 0);
    // The page arrives: its first row is selected and opened.
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(5, 5, false)));
    assert_eq!(app.orders.rows[0].id, oid(5));
    assert_eq!(stream_load(&fx), Some((oid(5), None)));
    assert_eq!(app.stream.order, Some(oid(5)));

    // k on the first row of page 2: page 1 again, selection on its last row.
    let fx = press(&mut app, c('k'));
    assert_eq!(kinds(&fx), ["LoadOrders"]);
    assert_eq!(orders_query(&fx).after, None);
    assert_eq!(app.orders.pages, [None]);
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(0, 5, true)));
    assert_eq!(app.orders.selected, 4);
    assert_eq!(stream_load(&fx), Some((oid(4), None)));
}

/// PgUp on the first page moves the selection to the first row; like every other move of
/// the selection, that should open the selected order.
#[test]
fn page_up_on_the_first_page_opens_the_first_row() {
    let mut app = with_orders(5, true);
    for _ in 0..3 {
        press(&mut app, c('j'));
    }
    assert_eq!(app.stream.order, Some(oid(3)));
    let fx = press(&mut app, k(KeyCode::PageUp));
    assert_eq!(app.orders.selected, 0);
    assert_eq!(
        stream_load(&fx),
        Some((oid(0), None)),
        "row 0 is highlighted but the Stream pane still shows order 3"
    );
}

#[test]
fn page_keys_page_the_orders() {
    let mut app = with_orders(5, true);
    for key in [k(KeyCode::PageDown), ctrl('d')] {
        let mut app = app.clone();
        let fx = press(&mut app, key);
        assert_eq!(orders_query(&fx).after, Some(key_after(4)));
        assert_eq!(app.orders.pages.len(), 2);
    }
    // Nothing before the first page: no page is asked for.
    let fx = press(&mut app, k(KeyCode::PageUp));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadOrders { .. })),
        "{fx:?}"
    );
    assert_eq!(app.orders.pages.len(), 1);
    press(&mut app, k(KeyCode::PageDown));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(5, 5, false)));
    // Nothing after the last page.
    assert!(press(&mut app, k(KeyCode::PageDown)).is_empty());
    let fx = press(&mut app, ctrl('u'));
    assert_eq!(orders_query(&fx).after, None);
    assert_eq!(app.orders.pages, [None]);
}

#[test]
fn enter_opens_the_selected_order_and_focuses_the_stream() {
    let mut app = with_orders(5, false);
    app.orders.selected = 2;
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(kinds(&fx), ["LoadStream", "LoadDivergence"]);
    assert_eq!(stream_load(&fx), Some((oid(2), None)));
    assert!(
        matches!(&fx[1], Effect::LoadDivergence { order, tag } if *order == oid(2) && *tag == app.tags[Request::Divergence])
    );
    assert!(matches!(&fx[0], Effect::LoadStream { tag, .. } if *tag == app.tags[Request::Stream]));
    assert_eq!(app.focus, Pane::Stream);
    assert_eq!(app.stream.order, Some(oid(2)));
    assert_eq!(app.stream.cursor, 0);
    assert!(app.stream.loading);
}

#[test]
fn slash_opens_the_filter_in_orders_and_the_search_in_the_stream() {
    let mut app = with_orders(3, false);
    app.orders.filter = "paid".into();
    press(&mut app, c('/'));
    let Mode::Input(InputKind::Filter, line) = &app.mode else {
        panic!("not filtering: {:?}", app.mode);
    };
    assert_eq!((line.text.as_str(), line.cursor), ("paid", 4));

    let mut app = with_orders(3, false);
    app.focus = Pane::Stream;
    app.stream.search = "card".into();
    press(&mut app, c('/'));
    let Mode::Input(InputKind::Search, line) = &app.mode else {
        panic!("not searching: {:?}", app.mode);
    };
    assert_eq!(line.text, "card");
}

#[test]
fn s_cycles_the_sort_and_reloads_from_the_first_page() {
    let mut app = with_orders(5, true);
    press(&mut app, k(KeyCode::PageDown));
    app.orders.selected = 3;
    for want in [OrderSort::Recent, OrderSort::Total, OrderSort::Id] {
        let fx = press(&mut app, c('s'));
        let q = orders_query(&fx);
        assert_eq!(
            (q.sort, &q.after, &q.filter),
            (want, &None, &OrderFilter::All)
        );
        assert_eq!(app.orders.sort, want);
        assert_eq!(app.orders.pages, [None]);
        assert_eq!(app.orders.selected, 0);
        assert!(app.orders.loading);
    }
    // The first row of the re-sorted list is opened when it arrives.
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(7, 5, true)));
    assert_eq!(stream_load(&fx), Some((oid(7), None)));
}

#[test]
fn r_reloads_orders_and_the_open_order_where_the_cursor_is() {
    let mut app = opened(10, 1, 10, 4);
    for key in [c('r'), ctrl('r')] {
        let fx = press(&mut app, key);
        assert_eq!(
            kinds(&fx),
            ["LoadOrders", "LoadStream", "LoadState", "LoadDivergence"]
        );
        assert_eq!(stream_load(&fx), Some((oid(0), Some(4))));
        assert_eq!(state_load(&fx), Some(4));
    }
    // Following: reload at the head.
    app.stream.following = true;
    let fx = press(&mut app, c('r'));
    assert_eq!(stream_load(&fx), Some((oid(0), None)));
}

/// A reload must not silently stop following the head.
#[test]
fn r_while_following_keeps_following() {
    let mut app = opened(10, 1, 10, 10);
    press(&mut app, c('f'));
    assert!(app.stream.following);
    press(&mut app, c('r'));
    assert!(app.stream.following, "r turned following off");
}

#[test]
fn esc_clears_the_message() {
    let mut app = new_app(false);
    app.status.say(Level::Error, "boom");
    assert!(press(&mut app, k(KeyCode::Esc)).is_empty());
    assert_eq!(shown(&app), None);
}

#[test]
fn y_copies_the_open_orders_id_through_the_terminal() {
    let mut app = opened(10, 1, 10, 4);
    let fx = press(&mut app, c('y'));
    assert!(
        matches!(fx.as_slice(), [Effect::Copy(id)] if *id == oid(0)),
        "{fx:?}"
    );
    let short = &oid(0)[..8];
    assert_eq!(
        crate::support::shown(&app),
        Some(format!("copied {short}… (OSC 52)").as_str())
    );
    // The help lists it.
    assert!(
        app.keymap
            .help()
            .iter()
            .any(|(keys, text, _)| keys == "y" && text.contains("copy"))
    );

    // Nothing open: nothing to copy.
    let mut app = new_app(false);
    assert!(press(&mut app, c('y')).is_empty());
    assert!(crate::support::shown(&app).is_some_and(|m| m.starts_with("open an order first")));
}

#[test]
fn osc52_wraps_the_text_in_base64() {
    use chronicle::tui::clipboard::osc52;
    assert_eq!(osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
    assert_eq!(
        osc52("3f2a0000-0000-4000-8000-000000000000"),
        "\u{1b}]52;c;M2YyYTAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw\u{7}"
    );
}

#[test]
fn capital_y_asks_for_the_event_at_the_cursor_and_copies_it_as_stored() {
    use chronicle::tui::action::Loaded;
    let mut app = opened(10, 1, 10, 4);
    let fx = press(&mut app, c('Y'));
    assert!(
        matches!(fx.as_slice(), [Effect::LoadRawCopy { order, version: 4, .. }] if *order == oid(0)),
        "{fx:?}"
    );
    let tag = app.tags.latest(Request::Prompt);
    let json = r#"{"payload":{"a":1},"metadata":{}}"#.to_string();
    // A stale answer copies nothing.
    let old = crate::support::stale(tag);
    let loaded = Loaded::ToCopy(json.clone(), "event #40 as stored".into());
    assert!(send(&mut app, Action::Loaded(old, loaded.clone())).is_empty());
    let fx = send(&mut app, Action::Loaded(tag, loaded));
    assert!(
        matches!(fx.as_slice(), [Effect::Copy(t)] if *t == json),
        "{fx:?}"
    );
    assert_eq!(shown(&app), Some("copied event #40 as stored (OSC 52)"));

    let mut app = new_app(false);
    assert!(press(&mut app, c('Y')).is_empty());
}

#[test]
fn the_copied_event_keeps_the_stored_text_and_quotes_what_is_not_json() {
    use chronicle::tui::clipboard::stored_event;
    assert_eq!(
        stored_event(r#"{"b": 2, "a": 1}"#, r#"{"actor":"x"}"#),
        r#"{"payload":{"b": 2, "a": 1},"metadata":{"actor":"x"}}"#
    );
    let copied = stored_event("{not json", "{}");
    assert_eq!(copied, r#"{"payload":"{not json","metadata":{}}"#);
    assert!(serde_json::from_str::<serde_json::Value>(&copied).is_ok());
}
