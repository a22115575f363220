//! Input mode: line editing, and submitting a filter, a search or a time; confirmations.

use chronicle::app::CommandRequest;
use chronicle::app::metadata::CommandContext;
use chronicle::domain::{OrderCommand, OrderId, OrderStatus};
use chronicle::store::OrderFilter;
use chronicle::tui::action::{Action, Direction, Effect, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{Back, Confirm, InputKind, Level, LineInput, Mode, Pane, Pending};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    at, c, ctrl, error, k, kinds, message, new_app, oid, opened, orders_page, orders_query, press,
    search, send, shown, stale, stream_load, type_str, with_orders,
};

fn line(app: &chronicle::tui::state::App) -> (String, usize) {
    match &app.mode {
        Mode::Input(_, LineInput { text, cursor }) => (text.clone(), *cursor),
        other => panic!("not typing: {other:?}"),
    }
}

#[test]
fn typing_and_editing_keys_edit_the_line() {
    let mut app = new_app(false);
    press(&mut app, c(':'));
    assert!(matches!(app.mode, Mode::Input(InputKind::Prompt, _)));
    assert!(type_str(&mut app, "abc").is_empty());
    assert_eq!(line(&app), ("abc".into(), 3));
    press(&mut app, k(KeyCode::Left));
    press(&mut app, k(KeyCode::Left));
    assert_eq!(line(&app), ("abc".into(), 1));
    type_str(&mut app, "é");
    assert_eq!(line(&app), ("aébc".into(), 2));
    press(&mut app, k(KeyCode::Backspace));
    assert_eq!(line(&app), ("abc".into(), 1));
    press(&mut app, k(KeyCode::Delete));
    assert_eq!(line(&app), ("ac".into(), 1));
    press(&mut app, k(KeyCode::Home));
    assert_eq!(line(&app).1, 0);
    // Backspace at the start does nothing.
    press(&mut app, k(KeyCode::Backspace));
    assert_eq!(line(&app), ("ac".into(), 0));
    press(&mut app, k(KeyCode::End));
    assert_eq!(line(&app).1, 2);
    // Right and Delete at the end do nothing.
    press(&mut app, k(KeyCode::Right));
    press(&mut app, k(KeyCode::Delete));
    assert_eq!(line(&app), ("ac".into(), 2));
    press(&mut app, k(KeyCode::Left));
    press(&mut app, k(KeyCode::Right));
    assert_eq!(line(&app).1, 2);
    press(&mut app, ctrl('u'));
    assert_eq!(line(&app), (String::new(), 0));
}

#[test]
fn normal_mode_keys_are_typed_not_run() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c(':'));
    assert!(type_str(&mut app, "qjG?").is_empty());
    assert!(!app.quit);
    assert_eq!(app.stream.cursor, 4);
    assert_eq!(line(&app).0, "qjG?");
}

#[test]
fn esc_and_ctrl_c_cancel_the_input() {
    for cancel in [k(KeyCode::Esc), ctrl('c')] {
        let mut app = with_orders(3, false);
        press(&mut app, c('/'));
        type_str(&mut app, "paid");
        assert!(press(&mut app, cancel).is_empty());
        assert!(matches!(app.mode, Mode::Normal));
        assert!(!app.quit);
        assert_eq!(app.orders.filter, "");
    }
}

#[test]
fn filter_submit_reloads_the_first_page_with_the_parsed_filter() {
    let mut app = with_orders(5, true);
    press(&mut app, k(KeyCode::PageDown));
    app.orders.selected = 2;
    press(&mut app, c('/'));
    type_str(&mut app, " paid ");
    let fx = press(&mut app, k(KeyCode::Enter));
    let q = orders_query(&fx);
    assert_eq!(q.filter, OrderFilter::Status(OrderStatus::Paid));
    assert_eq!(q.sort, app.orders.sort);
    assert_eq!(q.after, None);
    assert!(matches!(&fx[0], Effect::LoadOrders { tag, .. } if *tag == app.tags[Request::Orders]));
    assert_eq!(app.orders.filter, "paid");
    assert_eq!(app.orders.pages, [None]);
    assert_eq!(app.orders.selected, 0);
    assert!(matches!(app.mode, Mode::Normal));

    // The first matching order opens when the page arrives.
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(3, 2, false)));
    assert_eq!(stream_load(&fx), Some((oid(3), None)));

    // Clearing the filter lists everything again.
    press(&mut app, c('/'));
    press(&mut app, ctrl('u'));
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(orders_query(&fx).filter, OrderFilter::All);
}

#[test]
fn a_bad_filter_is_an_error_and_loads_nothing() {
    for bad in ["status:lost", "colour:red", "id:xyz"] {
        let mut app = with_orders(3, false);
        press(&mut app, c('/'));
        type_str(&mut app, bad);
        let fx = press(&mut app, k(KeyCode::Enter));
        assert!(fx.is_empty(), "{bad}: {fx:?}");
        assert!(!error(&app).is_empty());
        assert!(matches!(app.mode, Mode::Normal));
    }
}

/// A filter that does not parse should be refused, leaving the one in effect: committing it
/// titles the old rows with the bad filter and makes every later reload fail.
#[test]
fn a_bad_filter_leaves_the_previous_filter_in_effect() {
    let mut app = with_orders(3, false);
    press(&mut app, c('/'));
    type_str(&mut app, "paid");
    press(&mut app, k(KeyCode::Enter));
    press(&mut app, c('/'));
    press(&mut app, ctrl('u'));
    type_str(&mut app, "status:payed");
    press(&mut app, k(KeyCode::Enter));
    assert!(error(&app).contains("payed"));
    assert_eq!(
        app.orders.filter, "paid",
        "the bad filter replaced the good one"
    );
    let fx = press(&mut app, c('r'));
    assert_eq!(
        orders_query(&fx).filter,
        OrderFilter::Status(OrderStatus::Paid),
        "reload after a bad filter"
    );
}

#[test]
fn search_submit_searches_forward_from_the_cursor() {
    let mut app = opened(10, 1, 10, 4);
    app.focus = Pane::Stream;
    press(&mut app, c('/'));
    type_str(&mut app, "card ");
    let (tag, order, from, needle, direction) = search(&press(&mut app, k(KeyCode::Enter)));
    assert_eq!(
        (order, from, needle.as_str(), direction),
        (oid(0), 4, "card", Direction::Forward)
    );
    assert_eq!(tag, app.tags[Request::Prompt]);
    assert_eq!(app.stream.search, "card");

    // An empty search clears it and searches nothing.
    press(&mut app, c('/'));
    press(&mut app, ctrl('u'));
    assert!(press(&mut app, k(KeyCode::Enter)).is_empty());
    assert_eq!(app.stream.search, "");
}

#[test]
fn time_submit_asks_for_the_version_at_that_time() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('t'));
    type_str(&mut app, "2026-11-26 10:05");
    let fx = press(&mut app, k(KeyCode::Enter));
    let [
        Effect::VersionAt {
            tag,
            order,
            at: when,
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    assert_eq!(
        (order, *when, *tag),
        (&oid(0), at(5), app.tags[Request::Prompt])
    );

    press(&mut app, c('t'));
    type_str(&mut app, "yesterday");
    assert!(press(&mut app, k(KeyCode::Enter)).is_empty());
    assert!(error(&app).contains("not a time"));
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn a_time_jump_result_moves_the_cursor_or_says_there_is_no_event() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('t'));
    type_str(&mut app, "2026-11-26 10:05");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    let fx = send(&mut app, Action::Loaded(tag, Loaded::Jump(Some(7))));
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(app.stream.cursor, 7);
    // A stale jump is dropped.
    send(&mut app, Action::Loaded(stale(tag), Loaded::Jump(Some(2))));
    assert_eq!(app.stream.cursor, 7);
    send(&mut app, Action::Loaded(tag, Loaded::Jump(None)));
    assert_eq!(
        message(&app, Level::Info),
        Some("no event at or before that time")
    );
    assert_eq!(app.stream.cursor, 7);
}

/// An app waiting for `y` to rebuild.
fn confirming() -> chronicle::tui::state::App {
    let mut app = new_app(false);
    press(&mut app, c(':'));
    type_str(&mut app, "rebuild");
    press(&mut app, k(KeyCode::Enter));
    assert!(matches!(
        app.mode,
        Mode::Confirm(Confirm {
            pending: Pending::Rebuild,
            ..
        })
    ));
    app
}

/// What the worker resolves `deliver 0000` into: the full id at the version seen.
fn deliver(order: &str) -> Pending {
    Pending::Command(Box::new(CommandRequest {
        order_id: OrderId(uuid::Uuid::parse_str(order).expect("test id")),
        command: OrderCommand::DeliverOrder,
        expected_version: Some(3),
        id_generated: false,
        context: CommandContext::default(),
    }))
}

#[test]
fn a_confirm_result_enters_confirm_mode_and_y_executes() {
    let mut app = new_app(false);
    press(&mut app, c(':'));
    type_str(&mut app, "deliver 0000");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    // A stale confirmation is dropped.
    send(
        &mut app,
        Action::Loaded(
            stale(tag),
            Loaded::Confirm("old".into(), deliver(&oid(1)), None),
        ),
    );
    assert!(matches!(app.mode, Mode::Normal));
    let text = format!("deliver {} (at v3)", oid(0));
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Confirm(text.clone(), deliver(&oid(0)), None)),
    );
    assert!(matches!(
        &app.mode,
        Mode::Confirm(Confirm { text: t, pending: Pending::Command(_), back: Back::Normal, .. }) if *t == text
    ));
    assert_eq!(shown(&app), None);
    let fx = press(&mut app, c('y'));
    let [Effect::Execute { tag, pending }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert!(matches!(pending, Pending::Command(r) if r.order_id.to_string() == oid(0)));
    assert_eq!(*tag, app.tags[Request::Prompt]);
    assert!(matches!(app.mode, Mode::Normal));
    assert!(message(&app, Level::Info).is_some_and(|m| m.contains(&text)));
}

#[test]
fn any_other_key_cancels_a_confirmation() {
    for key in [c('n'), c('Y'), k(KeyCode::Enter), k(KeyCode::Esc), c('q')] {
        let mut app = confirming();
        let fx = press(&mut app, key);
        assert!(fx.is_empty(), "{key:?}: {fx:?}");
        assert!(matches!(app.mode, Mode::Normal));
        assert!(!app.quit);
        assert!(
            message(&app, Level::Info).is_some_and(|m| m.starts_with("cancelled")),
            "{key:?}: {:?}",
            shown(&app)
        );
    }
    let mut app = confirming();
    assert!(matches!(
        press(&mut app, c('y')).as_slice(),
        [Effect::Execute {
            pending: Pending::Rebuild,
            ..
        }]
    ));
}

#[test]
fn esc_clears_an_active_filter_and_reloads_the_first_page() {
    let mut app = with_orders(5, true);
    press(&mut app, c('/'));
    type_str(&mut app, "paid");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(3, 2, false)));
    press(&mut app, k(KeyCode::PageDown));
    let fx = press(&mut app, k(KeyCode::Esc));
    assert_eq!(app.orders.filter, "");
    assert_eq!(orders_query(&fx).filter, OrderFilter::All);
    assert_eq!(orders_query(&fx).after, None);
    assert_eq!(app.orders.pages, [None]);
    assert_eq!(shown(&app), Some("filter cleared: paid"));

    // Without a filter Esc reloads nothing.
    assert!(press(&mut app, k(KeyCode::Esc)).is_empty());
}

#[test]
fn esc_in_an_open_prompt_or_overlay_keeps_the_filter() {
    let mut app = with_orders(5, false);
    app.orders.filter = "paid".into();
    press(&mut app, c(':'));
    assert!(press(&mut app, k(KeyCode::Esc)).is_empty());
    assert_eq!(app.orders.filter, "paid");
    press(&mut app, c('?'));
    assert!(press(&mut app, k(KeyCode::Esc)).is_empty());
    assert_eq!(app.orders.filter, "paid");
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn the_match_count_claims_only_the_pages_read() {
    use chronicle::tui::format::matches_shown;
    let mut app = with_orders(5, false);
    assert_eq!(matches_shown(&app.orders), None, "no filter, no count");
    press(&mut app, c('/'));
    type_str(&mut app, "paid");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(0, 37, false)));
    assert_eq!(matches_shown(&app.orders).as_deref(), Some("37 shown"));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(0, 100, true)));
    assert_eq!(matches_shown(&app.orders).as_deref(), Some("100+ shown"));
    press(&mut app, k(KeyCode::PageDown));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(100, 7, false)));
    assert_eq!(matches_shown(&app.orders).as_deref(), Some("107 shown"));
}
