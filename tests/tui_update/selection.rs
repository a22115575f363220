//! Which order is selected: a jump moves the list's selection to the order it opens, an
//! empty list leaves nothing open, and a stream search stays with its stream.

use chronicle::store::PageKey;
use chronicle::tui::action::{Action, Correlate, Effect, Loaded, OrdersPage};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Level, Pane};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    at, c, k, letter, message, oid, opened, orders_page, press, send, stream_load, type_str,
    with_orders,
};

fn selected_id(app: &App) -> Option<String> {
    app.selected_order().map(|r| r.id.clone())
}

/// The `lead` of each `LoadOrders` among the effects.
fn leads(fx: &[Effect]) -> Vec<Option<String>> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadOrders { lead, .. } => Some(lead.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_dead_letter_jump_selects_its_order_and_the_next_move_continues_from_it() {
    let mut app = with_orders(5, true);
    press(&mut app, c('D'));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::DeadLetters(vec![letter(3, 2)])),
    );
    let fx = press(&mut app, k(KeyCode::Enter));
    assert!(leads(&fx).is_empty(), "on the page: nothing to load");
    assert_eq!(app.stream.order, Some(oid(3)));
    assert_eq!(selected_id(&app), Some(oid(3)));
    app.focus = Pane::Orders;
    press(&mut app, c('j'));
    assert_eq!(app.stream.order, Some(oid(4)));
}

#[test]
fn a_correlation_jump_off_the_page_lists_the_page_that_starts_at_its_order() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('c'));
    let tag = app.tags.latest(Request::Overlay);
    let rows = vec![(oid(50), 3, "OrderPaid".to_string(), at(4))];
    let answer = Loaded::Correlated {
        correlation_id: "corr-1".into(),
        rows,
        from: (oid(0), 4),
        purpose: Correlate::Open,
    };
    send(&mut app, Action::Loaded(tag, answer));
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(leads(&fx), [Some(oid(50))]);
    assert_eq!(stream_load(&fx), Some((oid(50), Some(3))));
    // The old page is gone at once: a reload must not find the old selection on it.
    assert!(app.orders.rows.is_empty());

    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(50, 5, true)));
    assert!(
        stream_load(&fx).is_none(),
        "the order is open already: {fx:?}"
    );
    assert_eq!(selected_id(&app), Some(oid(50)));
    assert_eq!(app.stream.cursor, 3);

    // A reload of the jump's page keeps it (the head moved).
    app.focus = Pane::Orders;
    press(&mut app, c('j'));
    assert_eq!(app.stream.order, Some(oid(51)));
    let fx = press(&mut app, c('r'));
    assert_eq!(leads(&fx), [Some(oid(50))]);

    // Up from its first row goes back to the first page.
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(50, 5, true)));
    press(&mut app, c('k'));
    let fx = press(&mut app, c('k'));
    assert_eq!(leads(&fx), [None]);
    let Some(Effect::LoadOrders { query, .. }) =
        fx.iter().find(|e| matches!(e, Effect::LoadOrders { .. }))
    else {
        panic!("{fx:?}");
    };
    assert_eq!(query.after, None::<PageKey>);
}

#[test]
fn a_filter_that_matches_nothing_leaves_no_order_on_screen() {
    let mut app = opened(10, 1, 10, 4);
    app.focus = Pane::Orders;
    press(&mut app, c('/'));
    type_str(&mut app, "status:shipped");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Orders);
    let empty = Loaded::Orders(OrdersPage {
        rows: vec![],
        next: None,
        source: chronicle::app::read::ListSource::Replay,
    });
    send(&mut app, Action::Loaded(tag, empty));
    assert_eq!(app.stream.order, None);
    assert!(app.stream.window.is_empty());
    assert!(app.state.fields.is_empty());
    assert_eq!(app.state.version, 0);
    assert_eq!(app.divergence.class, None);
    let said = message(&app, Level::Info).unwrap_or_default();
    assert!(said.contains("no order selected"), "{said:?}");
}

#[test]
fn opening_another_order_clears_the_stream_search_and_a_refresh_keeps_it() {
    let mut app = opened(10, 1, 10, 4);
    app.stream.search = "Paid".into();
    press(&mut app, c('r'));
    assert_eq!(
        app.stream.search, "Paid",
        "a refresh reopens the same stream"
    );
    app.focus = Pane::Orders;
    press(&mut app, c('j'));
    assert_eq!(app.stream.order, Some(oid(1)));
    assert_eq!(app.stream.search, "");
}

/// The prefix `:open` sent to the worker.
fn open_prefix(fx: &[Effect]) -> Option<String> {
    fx.iter().find_map(|e| match e {
        Effect::OpenPrefix { prefix, .. } => Some(prefix.clone()),
        _ => None,
    })
}

#[test]
fn open_by_prefix_asks_the_worker_then_jumps_to_the_order() {
    let mut app = with_orders(5, true);
    press(&mut app, c(':'));
    type_str(&mut app, "open 0000003A");
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(open_prefix(&fx).as_deref(), Some("0000003a"));
    let tag = app.tags.latest(Request::Prompt);
    let fx = send(&mut app, Action::Loaded(tag, Loaded::Opened(oid(0x3a))));
    // Off the page: the page that starts at it is listed and selects it.
    assert_eq!(leads(&fx), [Some(oid(0x3a))]);
    assert_eq!(stream_load(&fx), Some((oid(0x3a), None)));
    assert_eq!(app.focus, Pane::Stream);
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(0x3a, 5, true)));
    assert_eq!(selected_id(&app), Some(oid(0x3a)));

    // On the page: selected where it is.
    press(&mut app, c(':'));
    type_str(&mut app, "open 0000003c");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    let fx = send(&mut app, Action::Loaded(tag, Loaded::Opened(oid(0x3c))));
    assert!(leads(&fx).is_empty());
    assert_eq!(selected_id(&app), Some(oid(0x3c)));
    assert_eq!(app.stream.order, Some(oid(0x3c)));
}

#[test]
fn open_refuses_short_prefixes_and_shows_what_the_worker_could_not_resolve() {
    let mut app = with_orders(5, false);
    for short in ["open 0a", "open 0-0-0", "open xyz1", "open"] {
        press(&mut app, c(':'));
        type_str(&mut app, short);
        let fx = press(&mut app, k(KeyCode::Enter));
        assert_eq!(open_prefix(&fx), None, "{short}");
        assert!(message(&app, Level::Error).is_some(), "{short}");
    }
    press(&mut app, c(':'));
    type_str(&mut app, "open abcd");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    let why = "2 orders start with abcd";
    send(&mut app, Action::Loaded(tag, Loaded::Failed(why.into())));
    assert_eq!(message(&app, Level::Error), Some(why));
    assert_eq!(app.stream.order, Some(oid(0)), "the open order stays");

    // A stale answer opens nothing.
    send(
        &mut app,
        Action::Loaded(crate::support::stale(tag), Loaded::Opened(oid(3))),
    );
    assert_eq!(app.stream.order, Some(oid(0)));
}
