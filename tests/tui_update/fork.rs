//! `:fork`: an alternative history of the open order, stepped through, never stored.

use chronicle::app::read::{ForkChange, Origin};
use chronicle::domain::OrderCommand;
use chronicle::tui::action::{Action, Effect, Loaded};
use chronicle::tui::fork::{ForkRow, ForkView};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Level};
use ratatui::crossterm::event::KeyCode;

use crate::support::{c, error, k, message, oid, opened, press, send, submit};

fn asked(fx: &[Effect]) -> (String, u64, ForkChange, String) {
    fx.iter()
        .find_map(|e| match e {
            Effect::Fork {
                order,
                at,
                change,
                what,
                ..
            } => Some((order.clone(), *at, change.clone(), what.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Fork in {fx:?}"))
}

fn view(order: &str, steps: usize) -> ForkView {
    ForkView {
        order: order.into(),
        what: "skip v4 ItemAdded".into(),
        at: 4,
        base: vec![],
        steps: (0..steps)
            .map(|i| ForkRow {
                version: 4 + i as u64,
                real_version: Some(5 + i as u64),
                origin: Origin::Real,
                event_type: "ItemAdded".into(),
                summary: String::new(),
                fields: vec![],
                projection: Ok(vec![]),
            })
            .collect(),
        cursor: (steps > 0).then_some(0),
        cut: false,
        refused: None,
    }
}

fn forked(app: &mut App, steps: usize) {
    let tag = app.tags.latest(Request::Prompt);
    send(
        app,
        Action::Loaded(tag, Loaded::Forked(Box::new(view(&oid(0), steps)))),
    );
}

#[test]
fn fork_skip_and_fork_a_command_ask_the_worker_at_the_cursor() {
    let mut app = opened(10, 1, 10, 4);
    let (order, at, change, what) = asked(&submit(&mut app, "fork skip"));
    assert_eq!(
        (order.as_str(), at, change),
        (oid(0).as_str(), 4, ForkChange::Skip)
    );
    assert!(what.starts_with("skip v4"), "{what}");

    let (_, at, change, what) = asked(&submit(&mut app, "fork pay card 12.50"));
    assert_eq!(at, 4);
    assert_eq!(
        change,
        ForkChange::Apply(OrderCommand::PayOrder {
            method: "card".into(),
            amount: "12.50".parse().unwrap(),
        })
    );
    assert_eq!(what, "pay card 12.50 after v4");

    let fx = submit(&mut app, "fork create c A:1:1");
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Fork { .. })),
        "{fx:?}"
    );
    assert!(error(&app).contains("order command"), "{}", error(&app));
    submit(&mut app, "fork pay card");
    assert!(error(&app).contains("usage: pay"), "{}", error(&app));
}

#[test]
fn a_fork_is_stepped_through_without_io_and_esc_discards_it() {
    let mut app = opened(10, 1, 10, 4);
    submit(&mut app, "fork skip");
    forked(&mut app, 3);
    assert!(message(&app, Level::Info).unwrap().contains("not stored"));
    let fx = press(&mut app, k(KeyCode::Right));
    assert!(fx.is_empty(), "stepping a fork asks nothing: {fx:?}");
    assert_eq!(app.fork.as_ref().unwrap().cursor, Some(1));
    press(&mut app, c('G'));
    assert_eq!(app.fork.as_ref().unwrap().cursor, Some(2));
    press(&mut app, k(KeyCode::Right));
    assert!(message(&app, Level::Info).unwrap().contains("last step"));
    press(&mut app, c('g'));
    press(&mut app, k(KeyCode::Left));
    assert_eq!(app.fork.as_ref().unwrap().cursor, None, "the fork point");
    // The real cursor never moved.
    assert_eq!(app.stream.cursor, 4);
    // Other keys do nothing to the real order while forked.
    let fx = press(&mut app, c('e'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(message(&app, Level::Info).unwrap().contains("Esc leaves"));

    let fx = press(&mut app, k(KeyCode::Esc));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.fork.is_none());
    assert!(
        message(&app, Level::Info)
            .unwrap()
            .contains("nothing of it was stored")
    );
}

#[test]
fn a_fork_for_an_order_no_longer_open_is_dropped() {
    let mut app = opened(10, 1, 10, 4);
    submit(&mut app, "fork skip");
    let tag = app.tags.latest(Request::Prompt);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Forked(Box::new(view(&oid(3), 2)))),
    );
    assert!(app.fork.is_none());
}
