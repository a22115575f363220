//! Overlays: help, raw event, correlated events and dead letters.

use chronicle::tui::action::{Action, Correlate, Effect, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Back, Confirm, Level, Mode, Overlay, Pane, Pending};
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    at, c, error, k, kinds, letter, message, new_app, oid, opened, press, send, stale, state_load,
    stream_load, unasked,
};

fn scroll(app: &App) -> u16 {
    match &app.mode {
        Mode::Overlay(Overlay::Help { scroll } | Overlay::Raw { scroll, .. }) => *scroll,
        other => panic!("no scrolling overlay: {other:?}"),
    }
}

fn selected(app: &App) -> usize {
    match &app.mode {
        Mode::Overlay(
            Overlay::Correlated { selected, .. } | Overlay::DeadLetters { selected, .. },
        ) => *selected,
        other => panic!("no list overlay: {other:?}"),
    }
}

#[test]
fn help_scrolls_and_closes_on_esc_q_or_question_mark() {
    for close in [k(KeyCode::Esc), c('q'), c('?')] {
        let mut app = new_app(false);
        press(&mut app, c('?'));
        for (key, want) in [
            (c('j'), 1),
            (k(KeyCode::Down), 2),
            (c('k'), 1),
            (k(KeyCode::Up), 0),
            (c('k'), 0),
            (k(KeyCode::PageDown), 10),
            (k(KeyCode::PageUp), 0),
        ] {
            assert!(press(&mut app, key).is_empty());
            assert_eq!(scroll(&app), want, "{key:?}");
        }
        // Other keys neither close it nor reach the panes.
        assert!(press(&mut app, c('s')).is_empty());
        assert_eq!(scroll(&app), 0);
        press(&mut app, close);
        assert!(matches!(app.mode, Mode::Normal), "{close:?}");
        assert!(!app.quit, "{close:?} closes the overlay, not the debugger");
    }
}

#[test]
fn the_raw_event_opens_only_for_the_current_request() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('e'));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(stale(tag), Loaded::Raw(vec!["old".into()])),
    );
    assert!(matches!(app.mode, Mode::Normal));
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Raw(vec!["{}".into(); 3])),
    );
    assert!(
        matches!(&app.mode, Mode::Overlay(Overlay::Raw { lines, scroll: 0 }) if lines.len() == 3)
    );
    press(&mut app, c('j'));
    assert_eq!(scroll(&app), 1);
    press(&mut app, c('q'));
    assert!(matches!(app.mode, Mode::Normal));
}

fn correlated(app: &mut App) {
    press(app, c('c'));
    let tag = app.tags.latest(Request::Overlay);
    let rows = vec![
        (oid(0), 4, "OrderPaid".to_string(), at(4)),
        (oid(3), 2, "ItemAdded".to_string(), at(5)),
        (oid(7), 9, "OrderShipped".to_string(), at(6)),
    ];
    send(
        app,
        Action::Loaded(
            tag,
            Loaded::Correlated {
                correlation_id: "corr-1".into(),
                rows,
                from: (oid(0), 4),
                purpose: Correlate::Open,
            },
        ),
    );
}

#[test]
fn correlated_rows_are_selected_and_enter_opens_that_order_at_that_version() {
    let mut app = opened(10, 1, 10, 4);
    correlated(&mut app);
    assert_eq!(selected(&app), 0);
    for (key, want) in [(c('j'), 1), (c('j'), 2), (k(KeyCode::Down), 2), (c('k'), 1)] {
        press(&mut app, key);
        assert_eq!(selected(&app), want);
    }
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(kinds(&fx), ["LoadStream", "LoadState", "LoadDivergence"]);
    assert_eq!(stream_load(&fx), Some((oid(3), Some(2))));
    assert_eq!(state_load(&fx), Some(2));
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(app.focus, Pane::Stream);
    assert_eq!(
        (app.stream.order.clone(), app.stream.cursor),
        (Some(oid(3)), 2)
    );
}

#[test]
fn enter_on_the_open_order_only_moves_the_cursor() {
    let mut app = opened(10, 1, 10, 7);
    correlated(&mut app);
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(app.stream.cursor, 4);
}

fn dead_letters(read_only: bool) -> App {
    let mut app = new_app(read_only);
    press(&mut app, c('D'));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::DeadLetters(vec![letter(1, 3), letter(2, 5)])),
    );
    assert_eq!(selected(&app), 0);
    app
}

#[test]
fn dead_letters_r_and_s_ask_to_retry_or_skip_the_selected_letter() {
    let mut app = dead_letters(false);
    let fx = press(&mut app, c('r'));
    assert!(fx.is_empty());
    let Mode::Confirm(Confirm {
        text,
        pending: Pending::DeadLetter { position, skip },
        ..
    }) = &app.mode
    else {
        panic!("{:?}", app.mode);
    };
    assert_eq!((*position, *skip), (101, false));
    assert!(text.contains("retry") && text.contains(&oid(1)), "{text}");

    let mut app = dead_letters(false);
    press(&mut app, c('j'));
    press(&mut app, c('j'));
    assert_eq!(selected(&app), 1);
    press(&mut app, c('s'));
    let Mode::Confirm(Confirm {
        text,
        pending: Pending::DeadLetter { position, skip },
        ..
    }) = &app.mode
    else {
        panic!("{:?}", app.mode);
    };
    assert_eq!((*position, *skip), (102, true));
    assert!(text.contains("skip"), "{text}");
    let fx = press(&mut app, c('y'));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Execute {
            pending: Pending::DeadLetter {
                position: 102,
                skip: true
            },
            ..
        }]
    ));
}

#[test]
fn dead_letters_refuse_retry_and_skip_when_read_only() {
    for key in [c('r'), c('s')] {
        let mut app = dead_letters(true);
        assert!(press(&mut app, key).is_empty());
        assert!(error(&app).contains("read-only"));
        assert!(matches!(
            app.mode,
            Mode::Overlay(Overlay::DeadLetters { .. })
        ));
    }
}

#[test]
fn dead_letters_enter_opens_the_letters_event() {
    let mut app = dead_letters(false);
    press(&mut app, c('j'));
    let fx = press(&mut app, k(KeyCode::Enter));
    assert_eq!(stream_load(&fx), Some((oid(2), Some(5))));
    assert_eq!(app.focus, Pane::Stream);
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn dead_letters_reload_keeps_the_selection_within_the_rows() {
    let mut app = dead_letters(false);
    press(&mut app, c('j'));
    // A write finished: the list reloads while it is open.
    let fx = send(
        &mut app,
        Action::Loaded(
            unasked(Request::Prompt),
            Loaded::Done("retried".into(), None),
        ),
    );
    assert_eq!(message(&app, Level::Ok), Some("retried"));
    assert!(kinds(&fx).contains(&"LoadDeadLetters"));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::DeadLetters(vec![letter(2, 5)])),
    );
    assert_eq!(selected(&app), 0);

    // With no letters, `r` reloads.
    let tag = app.tags.latest(Request::Overlay);
    send(&mut app, Action::Loaded(tag, Loaded::DeadLetters(vec![])));
    let fx = press(&mut app, c('r'));
    assert_eq!(kinds(&fx), ["LoadOrders"]);
    assert!(matches!(
        app.mode,
        Mode::Overlay(Overlay::DeadLetters { .. })
    ));
}

/// Retrying or skipping from the dead-letter list comes back to the list at once (the
/// confirmation carries it), and the list reloads when the retry is done.
#[test]
fn a_confirmed_retry_returns_to_the_list_and_reloads_it_when_done() {
    let mut app = dead_letters(false);
    press(&mut app, c('j'));
    press(&mut app, c('r'));
    let Mode::Confirm(Confirm { back, .. }) = &app.mode else {
        panic!("{:?}", app.mode);
    };
    assert!(matches!(
        back,
        Back::Overlay(Overlay::DeadLetters { selected: 1, .. })
    ));
    let fx = press(&mut app, c('y'));
    assert_eq!(kinds(&fx), ["Execute"]);
    assert_eq!(selected(&app), 1, "back on the list, on the same letter");
    assert!(message(&app, Level::Info).is_some_and(|m| m.starts_with("running: dlq retry")));
    let tag = app.tags.latest(Request::Prompt);
    let fx = send(
        &mut app,
        Action::Loaded(tag, Loaded::Done("✓ retried event #102".into(), None)),
    );
    assert_eq!(message(&app, Level::Ok), Some("✓ retried event #102"));
    assert!(
        kinds(&fx).contains(&"LoadDeadLetters"),
        "the list is not reloaded after a retry: {:?}",
        kinds(&fx)
    );
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::DeadLetters(vec![letter(1, 3)])),
    );
    assert_eq!(selected(&app), 0);
}

#[test]
fn a_cancelled_retry_returns_to_the_list_as_it_was() {
    for key in [c('n'), k(KeyCode::Esc)] {
        let mut app = dead_letters(false);
        press(&mut app, c('j'));
        press(&mut app, c('s'));
        let fx = press(&mut app, key);
        assert!(fx.is_empty(), "nothing to reload: {fx:?}");
        assert_eq!(selected(&app), 1, "{key:?}");
        let Mode::Overlay(Overlay::DeadLetters { rows, .. }) = &app.mode else {
            unreachable!()
        };
        assert_eq!(rows.len(), 2);
        assert!(message(&app, Level::Info).is_some_and(|m| m.starts_with("cancelled: dlq skip")));
    }
}

/// Once the operator closed the list, a retry finishing does not open it again.
#[test]
fn a_retry_done_after_the_list_was_closed_leaves_it_closed() {
    let mut app = dead_letters(false);
    press(&mut app, c('r'));
    press(&mut app, c('y'));
    press(&mut app, k(KeyCode::Esc));
    assert!(matches!(app.mode, Mode::Normal));
    let tag = app.tags.latest(Request::Prompt);
    let fx = send(
        &mut app,
        Action::Loaded(tag, Loaded::Done("✓ retried event #101".into(), None)),
    );
    assert!(!kinds(&fx).contains(&"LoadDeadLetters"), "{:?}", kinds(&fx));
    assert!(matches!(app.mode, Mode::Normal));
}

/// A write resolved while an overlay was opened returns to that overlay once answered.
#[test]
fn a_confirmation_arriving_over_an_overlay_returns_to_it() {
    let mut app = new_app(false);
    press(&mut app, c(':'));
    crate::support::type_str(&mut app, "deliver 0000");
    press(&mut app, k(KeyCode::Enter));
    let tag = app.tags.latest(Request::Prompt);
    press(&mut app, c('?'));
    send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Confirm("deliver it".into(), Pending::Project, None),
        ),
    );
    assert!(matches!(
        &app.mode,
        Mode::Confirm(Confirm {
            back: Back::Overlay(Overlay::Help { .. }),
            ..
        })
    ));
    press(&mut app, c('n'));
    assert!(matches!(app.mode, Mode::Overlay(Overlay::Help { .. })));
}
