//! Worker results: applied when their tag is the latest of their kind, dropped otherwise.

use chronicle::app::divergence::Class;
use chronicle::tui::action::{Action, DivergenceView, Effect, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{HeadInfo, Level, Pane};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, error, k, key_after, kinds, message, new_app, oid, opened, orders_page, press, send, shown,
    stale, state_at, state_load, stream_load, unasked, window, with_orders,
};

fn head(position: i64, stream_head: Option<u64>) -> Loaded {
    Loaded::Head {
        info: HeadInfo {
            position,
            projected: position,
            dead_letters: 0,
            ..HeadInfo::default()
        },
        stream_head,
    }
}

/// Answers the poll `start` sent: the first answer only records the head.
fn answer_first_poll(app: &mut chronicle::tui::state::App) {
    assert!(app.polling, "start polls");
    assert!(send(app, Action::Tick).is_empty(), "a poll is in flight");
    let tag = app.tags.latest(Request::Head);
    let fx = send(app, Action::Loaded(tag, head(40, Some(app.stream.head))));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(!app.polling);
    assert_eq!(app.head.position, 40);
}

/// Ticks, checks the poll, and answers it.
fn poll(app: &mut chronicle::tui::state::App, answer: Loaded) -> Vec<Effect> {
    let fx = send(app, Action::Tick);
    let [Effect::Poll { tag, order, .. }] = fx.as_slice() else {
        panic!("no poll: {fx:?}");
    };
    assert_eq!((*tag, order), (app.tags[Request::Head], &app.stream.order));
    assert!(app.polling);
    let tag = app.tags.latest(Request::Head);
    send(app, Action::Loaded(tag, answer))
}

#[test]
fn orders_results_apply_only_for_the_latest_request() {
    let mut app = new_app(false);
    chronicle::tui::update::start(&mut app);
    let first = app.tags.latest(Request::Orders);
    press(&mut app, c('s'));
    assert_ne!(app.tags.latest(Request::Orders), first);
    assert!(send(&mut app, Action::Loaded(first, orders_page(0, 5, true))).is_empty());
    assert!(app.orders.rows.is_empty());
    assert!(app.orders.loading);

    app.orders.selected = 9;
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(0, 3, true)));
    assert_eq!(app.orders.rows.len(), 3);
    assert_eq!(app.orders.next, Some(key_after(2)));
    assert!(!app.orders.loading);
    // The selection is clamped to the page, and with nothing open it is opened.
    assert_eq!(app.orders.selected, 2);
    assert_eq!(stream_load(&fx), Some((oid(2), None)));
}

#[test]
fn a_reloaded_page_keeps_the_selection_on_the_same_order() {
    let mut app = with_orders(5, false);
    press(&mut app, c('j'));
    press(&mut app, c('j'));
    assert_eq!(app.stream.order, Some(oid(2)));
    // New orders sorted in before it: it moved down one row.
    press(&mut app, c('r'));
    let tag = app.tags.latest(Request::Orders);
    let mut page = orders_page(0, 5, false);
    if let Loaded::Orders(p) = &mut page {
        p.rows.insert(0, crate::support::rows(42, 1).remove(0));
    }
    let fx = send(&mut app, Action::Loaded(tag, page));
    assert_eq!(app.orders.selected, 3);
    assert_eq!(app.selected_order().map(|r| r.id.clone()), Some(oid(2)));
    assert_eq!(stream_load(&fx), None, "the open order is not reopened");

    // Gone from the page: the selection stays in range.
    press(&mut app, c('r'));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, orders_page(10, 2, false)));
    assert_eq!(app.orders.selected, 1);
}

#[test]
fn stream_results_apply_only_for_the_latest_request_of_the_open_order() {
    let mut app = with_orders(5, false);
    let tag = app.tags.latest(Request::Stream);
    assert!(
        send(
            &mut app,
            Action::Loaded(stale(tag), window(&oid(0), 10, 1, 10, 10))
        )
        .is_empty()
    );
    assert!(
        send(
            &mut app,
            Action::Loaded(tag, window(&oid(1), 10, 1, 10, 10))
        )
        .is_empty()
    );
    assert!(app.stream.window.is_empty());
    assert!(app.stream.loading);

    let fx = send(
        &mut app,
        Action::Loaded(tag, window(&oid(0), 10, 1, 10, 10)),
    );
    assert_eq!((app.stream.window.len(), app.stream.head), (10, 10));
    assert_eq!(app.stream.cursor, 10);
    assert!(!app.stream.loading);
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(state_load(&fx), Some(10));
}

#[test]
fn state_results_apply_only_for_the_latest_request() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('l'));
    let tag = app.tags.latest(Request::State);
    press(&mut app, c('l'));
    send(&mut app, Action::Loaded(tag, state_at(5)));
    assert_eq!(app.state.version, 4, "a superseded state is dropped");
    assert!(app.state.loading);
    let tag = app.tags.latest(Request::State);
    send(&mut app, Action::Loaded(tag, state_at(6)));
    assert_eq!(app.state.version, 6);
    assert!(!app.state.loading);
}

#[test]
fn divergence_results_apply_and_enter_jumps_to_where_they_parted() {
    let mut app = opened(10, 1, 10, 10);
    let view = |parted_at| {
        Loaded::Divergence(Box::new(DivergenceView {
            order: oid(0),
            class: Class::Diverged,
            behind: 0,
            row_version: Some(10),
            stream_version: Some(10),
            fields: vec![],
            compared_at: None,
            unapplied: vec![],
            explain: vec!["a line".into()],
            parted_at,
        }))
    };
    let tag = app.tags.latest(Request::Divergence);
    send(&mut app, Action::Loaded(stale(tag), view(Some(2))));
    assert_eq!(app.divergence.class, None);
    send(&mut app, Action::Loaded(tag, view(Some(6))));
    assert_eq!(app.divergence.class, Some(Class::Diverged));
    assert_eq!(app.divergence.parted_at, Some(6));
    assert!(!app.divergence.loading);

    app.focus = Pane::Divergence;
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(state_load(&fx), Some(6));
    assert_eq!((app.stream.cursor, app.focus), (6, Pane::Stream));
}

#[test]
fn polls_do_not_overlap_and_a_moved_head_reloads_the_panes() {
    let mut app = opened(10, 1, 10, 10);
    answer_first_poll(&mut app);
    // The same head again: nothing to do.
    assert!(poll(&mut app, head(40, Some(10))).is_empty());

    send(&mut app, Action::Tick);
    assert!(
        send(&mut app, Action::Tick).is_empty(),
        "a poll is in flight"
    );
    let tag = app.tags.latest(Request::Head);
    // A stale answer leaves the poll in flight.
    send(&mut app, Action::Loaded(stale(tag), head(70, Some(10))));
    assert!(app.polling);
    let fx = send(&mut app, Action::Loaded(tag, head(60, Some(10))));
    assert_eq!(kinds(&fx), ["LoadOrders", "LoadDivergence"]);
    assert_eq!(app.head.position, 60);
}

#[test]
fn a_write_elsewhere_reloads_the_list_but_not_the_open_orders_comparison() {
    let mut app = opened(10, 1, 10, 10);
    answer_first_poll(&mut app);
    let projected = app.head.projected;
    let elsewhere = Loaded::Head {
        info: HeadInfo {
            position: app.head.position + 5,
            projected,
            lag: 5,
            dead_letters: 0,
            ..HeadInfo::default()
        },
        stream_head: Some(10),
    };
    assert_eq!(kinds(&poll(&mut app, elsewhere)), ["LoadOrders"]);
    let dead_lettered = Loaded::Head {
        info: HeadInfo {
            dead_letters: 1,
            ..app.head
        },
        stream_head: Some(10),
    };
    assert_eq!(
        kinds(&poll(&mut app, dead_lettered)),
        ["LoadOrders", "LoadDivergence"]
    );
}

#[test]
fn a_grown_stream_moves_a_following_cursor_to_the_new_head() {
    let mut app = opened(10, 1, 10, 10);
    answer_first_poll(&mut app);
    press(&mut app, c('f'));
    assert!(app.stream.following);
    let fx = poll(&mut app, head(50, Some(12)));
    assert_eq!(app.stream.head, 12);
    assert_eq!(app.stream.cursor, 12);
    assert!(app.stream.following);
    assert_eq!(
        kinds(&fx),
        ["LoadOrders", "LoadDivergence", "LoadState", "LoadStream"]
    );
    assert_eq!(state_load(&fx), Some(12));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(12))));
}

#[test]
fn a_grown_stream_leaves_a_parked_cursor_and_refetches_a_window_ending_at_the_old_head() {
    let mut app = opened(10, 1, 10, 5);
    answer_first_poll(&mut app);
    let fx = poll(&mut app, head(50, Some(12)));
    assert_eq!((app.stream.cursor, app.stream.head), (5, 12));
    // The log moved too: orders and divergence reload; the state at the cursor does not.
    assert_eq!(kinds(&fx), ["LoadOrders", "LoadDivergence", "LoadStream"]);
    assert_eq!(stream_load(&fx), Some((oid(0), Some(5))));
    assert!(matches!(&fx[2], Effect::LoadStream { tag, .. } if *tag == app.tags[Request::Stream]));
    // The new window keeps the cursor where it was.
    let tag = app.tags.latest(Request::Stream);
    assert!(
        send(
            &mut app,
            Action::Loaded(tag, window(&oid(0), 12, 1, 12, 12))
        )
        .is_empty()
    );
    assert_eq!((app.stream.cursor, app.stream.window.len()), (5, 12));

    // A window that ends before the old head needs no new fetch.
    let mut app = opened(1000, 401, 600, 500);
    answer_first_poll(&mut app);
    let fx = poll(&mut app, head(5000, Some(1005)));
    assert_eq!(kinds(&fx), ["LoadOrders", "LoadDivergence"]);
    assert_eq!((app.stream.cursor, app.stream.head), (500, 1005));
}

#[test]
fn failures_show_an_error_on_the_pane_they_belong_to() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('r'));
    let t = app.tags;
    send(
        &mut app,
        Action::Loaded(
            t.latest(Request::Orders),
            Loaded::Failed("no orders".into()),
        ),
    );
    assert_eq!(app.orders.error.as_deref(), Some("no orders"));
    assert!(!app.orders.loading);
    assert_eq!(error(&app), "no orders");
    send(
        &mut app,
        Action::Loaded(
            t.latest(Request::Stream),
            Loaded::Failed("no stream".into()),
        ),
    );
    assert_eq!(app.stream.error.as_deref(), Some("no stream"));
    send(
        &mut app,
        Action::Loaded(t.latest(Request::State), Loaded::Failed("no state".into())),
    );
    assert_eq!(app.state.error.as_deref(), Some("no state"));
    send(
        &mut app,
        Action::Loaded(
            t.latest(Request::Divergence),
            Loaded::Failed("no diff".into()),
        ),
    );
    assert_eq!(app.divergence.error.as_deref(), Some("no diff"));

    // A failure of a superseded request is not shown.
    app.status.begin_action();
    send(
        &mut app,
        Action::Loaded(
            stale(t.latest(Request::Orders)),
            Loaded::Failed("old".into()),
        ),
    );
    assert_eq!(shown(&app), None);

    // A prompt failure only shows the message.
    press(&mut app, c(':'));
    crate::support::type_str(&mut app, "deliver 0000");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Failed("order not found".into())),
    );
    assert_eq!(error(&app), "order not found");
}

#[test]
fn done_reports_success_reloads_and_opens_the_order() {
    let mut app = opened(10, 1, 10, 4);
    let fx = send(
        &mut app,
        Action::Loaded(
            unasked(Request::Prompt),
            Loaded::Done("created".into(), Some(oid(9))),
        ),
    );
    assert_eq!(message(&app, Level::Ok), Some("created"));
    assert!(kinds(&fx).contains(&"LoadOrders"));
    assert_eq!(app.stream.order, Some(oid(9)));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::LoadStream { order, around: None, tag, .. } if *order == oid(9) && *tag == app.tags[Request::Stream])
    ));
}

#[test]
fn a_cursor_on_the_head_follows_new_events_without_f() {
    let mut app = opened(10, 1, 10, 10);
    assert!(!app.stream.following);
    answer_first_poll(&mut app);
    let fx = poll(&mut app, head(50, Some(12)));
    assert_eq!((app.stream.cursor, app.stream.head), (12, 12));
    assert!(app.stream.following, "it follows on, as after f");
    assert_eq!(state_load(&fx), Some(12));
    // Stepping back parks it again: the next events leave it where it is.
    press(&mut app, k(KeyCode::Left));
    assert!(!app.stream.following);
    poll(&mut app, head(60, Some(14)));
    assert_eq!(app.stream.cursor, 11);
}
