//! The message line: a message lasts until the next key that does something, and a key
//! that can do nothing says why instead of nothing.

use chronicle::app::divergence::Class;
use chronicle::tui::action::{Action, DivergenceView, Found, Hit, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{Level, Mode, Pane};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, k, message, new_app, oid, opened, press, send, shown, type_str, unasked, with_orders,
};

#[test]
fn no_match_is_gone_once_a_later_search_succeeds() {
    let mut app = opened(10, 1, 10, 4);
    app.stream.search = "paid".into();
    let answer = |app: &mut chronicle::tui::state::App, hit| {
        let tag = app.tags.latest(Request::Prompt);
        let found = Found {
            order: oid(0),
            needle: "paid".into(),
            from: app.stream.cursor,
            direction: chronicle::tui::action::Direction::Forward,
            hit,
        };
        send(app, Action::Loaded(tag, Loaded::Found(found)));
    };
    press(&mut app, c('n'));
    answer(&mut app, Hit::Nothing);
    assert!(shown(&app).is_some_and(|m| m.starts_with("no match")));
    // The next search is a new action: the old answer is gone while it runs, and its
    // own answer (a plain hit) says nothing.
    press(&mut app, c('n'));
    assert_eq!(shown(&app), None);
    answer(&mut app, Hit::Next(7));
    assert_eq!((app.stream.cursor, shown(&app)), (7, None));
}

#[test]
fn a_cancelled_confirmation_is_not_shown_through_later_keys() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c(':'));
    type_str(&mut app, "rebuild");
    press(&mut app, k(KeyCode::Enter));
    assert!(matches!(app.mode, Mode::Confirm(_)));
    press(&mut app, c('x'));
    assert!(shown(&app).is_some_and(|m| m.starts_with("cancelled: rebuild")));
    press(&mut app, c('h'));
    assert_eq!(app.stream.cursor, 3);
    assert_eq!(shown(&app), None, "the cancellation outlived the next step");
}

#[test]
fn an_unbound_key_does_nothing_and_leaves_the_message() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c(':'));
    type_str(&mut app, "rebuild");
    press(&mut app, k(KeyCode::Enter));
    press(&mut app, c('x'));
    assert!(press(&mut app, c('z')).is_empty());
    assert!(shown(&app).is_some_and(|m| m.starts_with("cancelled")));
}

#[test]
fn a_result_arriving_later_is_shown_until_the_next_key() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('h'));
    send(
        &mut app,
        Action::Loaded(
            unasked(Request::Prompt),
            Loaded::Done("✓ rebuilt".into(), None),
        ),
    );
    assert_eq!(message(&app, Level::Ok), Some("✓ rebuilt"));
    // A tick is no user action.
    send(&mut app, Action::Tick);
    assert_eq!(message(&app, Level::Ok), Some("✓ rebuilt"));
    press(&mut app, c('l'));
    assert_eq!(shown(&app), None);
}

#[test]
fn esc_with_nothing_to_close_says_so() {
    let mut app = new_app(false);
    assert!(press(&mut app, k(KeyCode::Esc)).is_empty());
    assert!(
        message(&app, Level::Info).is_some_and(|m| m.starts_with("nothing to close")),
        "{:?}",
        shown(&app)
    );
    // With a message showing, Esc closes it and says nothing more.
    app.status.say(Level::Error, "boom");
    press(&mut app, k(KeyCode::Esc));
    assert_eq!(shown(&app), None);
}

fn with_divergence(class: Class, parted_at: Option<u64>) -> chronicle::tui::state::App {
    let mut app = opened(10, 1, 10, 10);
    let tag = app.tags.latest(Request::Divergence);
    let view = DivergenceView {
        order: oid(0),
        class,
        behind: 0,
        row_version: Some(10),
        stream_version: Some(10),
        fields: vec![],
        compared_at: None,
        unapplied: vec![],
        explain: vec![],
        parted_at,
    };
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Divergence(Box::new(view))),
    );
    app.focus = Pane::Divergence;
    app
}

#[test]
fn enter_in_the_divergence_pane_without_a_parting_event_says_why() {
    for (class, why) in [
        (
            Class::InSync,
            "no parting event: read model and replay agree",
        ),
        (
            Class::Diverged,
            "no parting event: the row was changed outside the projector",
        ),
        (
            Class::Missing,
            "no parting event: the order has no read-model row",
        ),
    ] {
        let mut app = with_divergence(class, None);
        assert!(press(&mut app, k(KeyCode::Enter)).is_empty(), "{class:?}");
        assert_eq!(message(&app, Level::Info), Some(why), "{class:?}");
        assert_eq!(app.focus, Pane::Divergence);
    }
}

#[test]
fn stepping_past_an_end_of_the_stream_says_so() {
    let mut app = opened(10, 1, 10, 10);
    for key in [c('l'), c('G')] {
        assert!(press(&mut app, key).is_empty(), "{key:?}");
        assert_eq!(
            shown(&app),
            Some("at the head: v10 is the last event"),
            "{key:?}"
        );
    }
    let mut app = opened(10, 1, 10, 1);
    for key in [c('h'), c('g')] {
        assert!(press(&mut app, key).is_empty(), "{key:?}");
        assert_eq!(shown(&app), Some("at the first event: v1"), "{key:?}");
    }
    // A step that moves says nothing.
    press(&mut app, c('l'));
    assert_eq!((app.stream.cursor, shown(&app)), (2, None));
}

#[test]
fn moving_past_the_ends_of_the_orders_list_says_so() {
    let mut app = with_orders(3, false);
    press(&mut app, c('k'));
    assert_eq!(shown(&app), Some("top of the list"));
    press(&mut app, c('j'));
    press(&mut app, c('j'));
    assert_eq!((app.orders.selected, shown(&app)), (2, None));
    press(&mut app, c('j'));
    assert_eq!(shown(&app), Some("end of the list"));
    press(&mut app, k(KeyCode::PageDown));
    assert_eq!(shown(&app), Some("last page: no more orders"));
}

#[test]
fn enter_in_the_stream_and_state_panes_says_where_it_works() {
    let mut app = opened(10, 1, 10, 4);
    for pane in [Pane::Stream, Pane::State] {
        app.focus = pane;
        assert!(press(&mut app, k(KeyCode::Enter)).is_empty());
        assert!(
            shown(&app).is_some_and(|m| m.starts_with("Enter opens an order")),
            "{pane:?}: {:?}",
            shown(&app)
        );
    }
}
