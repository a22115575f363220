//! Finding trouble in one key: `]` and `[` ask for the next out-of-sync order across every
//! order and land on it, a finished check lists its findings, `class:` filters by class.

use chronicle::app::divergence::Class;
use chronicle::app::read::{ClassFilter, ListSource, NextOutOfSync, Towards};
use chronicle::store::OrderSort;
use chronicle::tui::action::{Action, Effect, Loaded, OrdersPage};
use chronicle::tui::prompt::{ListFilter, parse_list_filter};
use chronicle::tui::request::{JobKind, Request};
use chronicle::tui::state::{App, Level};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, error, k, kinds, message, oid, press, rows, send, stream_load, submit, type_str, with_orders,
};

/// The `NextOutOfSync` effect among `fx`: (from, towards, sort).
fn asked(fx: &[Effect]) -> (Option<String>, Towards, OrderSort) {
    fx.iter()
        .find_map(|e| match e {
            Effect::NextOutOfSync {
                from,
                towards,
                sort,
                ..
            } => Some((from.clone(), *towards, *sort)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no NextOutOfSync in {fx:?}"))
}

fn landed(app: &mut App, found: Option<NextOutOfSync>, towards: Towards) -> Vec<Effect> {
    let tag = app.tags.latest(Request::Prompt);
    send(app, Action::Loaded(tag, Loaded::OutOfSync(found, towards)))
}

fn found(i: usize, class: Class, wrapped: bool) -> NextOutOfSync {
    NextOutOfSync {
        order_id: oid(i),
        class,
        wrapped,
        count: 3,
        source: ListSource::Replay,
    }
}

#[test]
fn bracket_asks_from_the_selected_order_in_the_lists_sort() {
    let mut app = with_orders(5, true);
    press(&mut app, c('s'));
    let tag = app.tags.latest(Request::Orders);
    send(
        &mut app,
        Action::Loaded(tag, crate::support::orders_page(0, 5, true)),
    );
    press(&mut app, k(KeyCode::Down));
    let fx = press(&mut app, c(']'));
    assert_eq!(asked(&fx), (Some(oid(1)), Towards::Next, OrderSort::Recent));
    let fx = press(&mut app, c('['));
    assert_eq!(asked(&fx).1, Towards::Previous);
}

#[test]
fn landing_off_the_page_selects_and_opens_the_order_and_says_its_class() {
    let mut app = with_orders(5, true);
    press(&mut app, c(']'));
    let fx = landed(
        &mut app,
        Some(found(420, Class::Diverged, false)),
        Towards::Next,
    );
    // Not on this page: the list reloads starting at it, and it opens.
    assert_eq!(app.orders.lead.as_deref(), Some(oid(420).as_str()));
    assert!(kinds(&fx).contains(&"LoadOrders"), "{fx:?}");
    assert_eq!(stream_load(&fx), Some((oid(420), None)));
    assert_eq!(app.stream.order.as_deref(), Some(oid(420).as_str()));
    let m = message(&app, Level::Info).unwrap();
    assert!(m.starts_with("diverged 000001a4…"), "{m}");
    assert!(m.contains("3 out of sync"), "{m}");
    assert!(!m.contains("round"), "{m}");
}

#[test]
fn landing_on_the_page_moves_the_selection_and_a_wrap_is_said() {
    let mut app = with_orders(5, true);
    press(&mut app, k(KeyCode::Down));
    press(&mut app, k(KeyCode::Down));
    press(&mut app, c('['));
    let fx = landed(
        &mut app,
        Some(found(3, Class::Lagging, true)),
        Towards::Previous,
    );
    assert_eq!(app.orders.selected, 3);
    assert_eq!(app.orders.lead, None);
    assert!(!kinds(&fx).contains(&"LoadOrders"), "{fx:?}");
    assert_eq!(stream_load(&fx), Some((oid(3), None)));
    let m = message(&app, Level::Info).unwrap();
    assert!(m.contains("went round to the last"), "{m}");
}

#[test]
fn nothing_out_of_sync_says_so_and_moves_nothing() {
    let mut app = with_orders(5, true);
    press(&mut app, c(']'));
    let fx = landed(&mut app, None, Towards::Next);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.orders.selected, 0);
    assert_eq!(message(&app, Level::Ok), Some("every order is in sync"));
}

#[test]
fn a_check_that_finds_trouble_lists_it_and_esc_lists_every_order_again() {
    let mut app = with_orders(5, true);
    submit(&mut app, "check");
    let tag = app.tags.latest(Request::Job(JobKind::Check));
    let fx = send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Checked("check: 5 orders, 2 not in sync".into(), 2),
        ),
    );
    assert_eq!(app.orders.filter, "class:out-of-sync");
    let classes: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadOrders { class, .. } => Some(*class),
            _ => None,
        })
        .collect();
    assert_eq!(classes, [Some(ClassFilter::OutOfSync)]);
    assert!(message(&app, Level::Ok).unwrap().contains("listed"));
    // The findings page arrives and its first order opens.
    let tag = app.tags.latest(Request::Orders);
    let mut found = rows(7, 2);
    found[0].class = Class::Diverged;
    found[1].class = Class::Lagging;
    let fx = send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Orders(OrdersPage {
                rows: found,
                next: None,
                source: ListSource::Replay,
            }),
        ),
    );
    assert_eq!(stream_load(&fx), Some((oid(7), None)));
    let fx = press(&mut app, k(KeyCode::Esc));
    assert_eq!(app.orders.filter, "");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadOrders { class: None, .. }))
    );
}

#[test]
fn a_check_that_finds_nothing_keeps_the_list() {
    let mut app = with_orders(5, true);
    submit(&mut app, "check");
    let tag = app.tags.latest(Request::Job(JobKind::Check));
    send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Checked("✓ check: all 5 orders in sync".into(), 0),
        ),
    );
    assert_eq!(app.orders.filter, "");
}

#[test]
fn a_class_filter_is_sent_beside_the_order_filter_and_a_bad_one_is_refused() {
    let mut app = with_orders(5, true);
    press(&mut app, c('/'));
    type_str(&mut app, "class:lagging customer:c-1");
    let fx = press(&mut app, k(KeyCode::Enter));
    let sent: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadOrders { class, query, .. } => Some((*class, query.filter.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [(
            Some(ClassFilter::Only(Class::Lagging)),
            chronicle::store::OrderFilter::Customer("c-1".into())
        )]
    );
    press(&mut app, c('/'));
    for _ in 0.."class:lagging customer:c-1".len() {
        press(&mut app, k(KeyCode::Backspace));
    }
    type_str(&mut app, "class:sideways");
    let fx = press(&mut app, k(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(error(&app).contains("unknown class"), "{}", error(&app));
    assert_eq!(app.orders.filter, "class:lagging customer:c-1");
}

#[test]
fn list_filters_parse_a_class_word_anywhere() {
    let want = ListFilter {
        orders: chronicle::store::OrderFilter::All,
        class: Some(ClassFilter::OutOfSync),
    };
    assert_eq!(parse_list_filter("class:out-of-sync"), Ok(want.clone()));
    assert_eq!(parse_list_filter("  k:oos "), Ok(want));
    assert_eq!(
        parse_list_filter("status:paid class:diverged")
            .unwrap()
            .class,
        Some(ClassFilter::Only(Class::Diverged))
    );
    assert!(parse_list_filter("class:lagging class:missing").is_err());
    assert_eq!(parse_list_filter("").unwrap(), ListFilter::default());
}
