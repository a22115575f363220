//! Panes that follow the log: the comparison converges on the stream's latest head however
//! the head was learned, and the correlation overlay opens on its event and stays live.

use chronicle::app::divergence::Class;
use chronicle::tui::action::{Action, Correlate, DivergenceView, Effect, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, HeadInfo, Mode, Overlay};
use ratatui::crossterm::event::KeyCode;

use crate::support::{at, c, k, kinds, oid, opened, press, send, window};

/// The log at `position` with the read model held at 40 (no projector running), so only
/// the open stream's head can move the comparison.
fn head(position: i64, stream_head: u64) -> Loaded {
    Loaded::Head {
        info: HeadInfo {
            position,
            projected: 40,
            ..HeadInfo::default()
        },
        stream_head: Some(stream_head),
    }
}

/// Ticks and answers the poll.
fn poll(app: &mut App, answer: Loaded) -> Vec<Effect> {
    let mut fx = send(app, Action::Tick);
    if app.polling {
        let tag = app.tags.latest(Request::Head);
        fx.extend(send(app, Action::Loaded(tag, answer)));
    }
    fx
}

/// A lagging comparison as of `version` of the stream.
fn compared_at(version: u64) -> Loaded {
    Loaded::Divergence(Box::new(DivergenceView {
        order: oid(0),
        class: Class::Lagging,
        behind: version - 40,
        row_version: Some(40),
        stream_version: Some(version),
        fields: vec![],
        compared_at: None,
        unapplied: vec![],
        explain: vec![],
        parted_at: None,
    }))
}

fn answer_divergence(app: &mut App, version: u64) {
    let tag = app.tags.latest(Request::Divergence);
    send(app, Action::Loaded(tag, compared_at(version)));
}

/// Order 0 open at its head v46, compared, with the first poll answered.
fn live_at_46() -> App {
    let mut app = opened(46, 1, 46, 46);
    answer_divergence(&mut app, 46);
    let tag = app.tags.latest(Request::Head);
    send(&mut app, Action::Loaded(tag, head(100, 46)));
    assert!(app.seen_head);
    app
}

#[test]
fn a_head_first_seen_by_a_window_asks_for_the_comparison_again() {
    // A long stream, the window at its start, compared at v300, the first poll answered.
    let mut app = opened(300, 1, 200, 100);
    answer_divergence(&mut app, 300);
    let tag = app.tags.latest(Request::Head);
    send(&mut app, Action::Loaded(tag, head(100, 300)));
    // `G` asks for the window at the head; a write lands before the worker reads it.
    let fx = press(&mut app, c('G'));
    assert!(kinds(&fx).contains(&"LoadStream"), "{fx:?}");
    let tag = app.tags.latest(Request::Stream);
    let fx = send(
        &mut app,
        Action::Loaded(tag, window(&oid(0), 301, 102, 301, 301)),
    );
    assert_eq!(app.stream.head, 301);
    assert!(
        kinds(&fx).contains(&"LoadDivergence"),
        "the comparison of v300 would stay under stream v301 until the next write: {fx:?}"
    );
    answer_divergence(&mut app, 301);
    assert_eq!(app.divergence.stream_version, Some(app.stream.head));
    // No more writes: the next poll sees the head the window saw and asks for nothing on
    // the open order.
    let fx = poll(&mut app, head(101, 301));
    assert_eq!(kinds(&fx), ["Poll", "LoadOrders"]);
}

#[test]
fn a_poll_that_sees_the_head_move_asks_for_the_window_before_the_comparison() {
    let mut app = live_at_46();
    let fx = poll(&mut app, head(101, 47));
    // In this order the worker reads the comparison after the window, so the comparison
    // covers whatever head the window finds, even when more writes land between them. The
    // cursor was on the head, so it follows it: the new head's state loads too.
    assert_eq!(
        kinds(&fx),
        [
            "Poll",
            "LoadOrders",
            "LoadState",
            "LoadStream",
            "LoadDivergence"
        ]
    );
    let stream = app.tags.latest(Request::Stream);
    assert!(app.tags[Request::Divergence] > stream.seq);
    let fx = send(
        &mut app,
        Action::Loaded(stream, window(&oid(0), 48, 1, 48, 48)),
    );
    assert!(!kinds(&fx).contains(&"LoadDivergence"), "{fx:?}");
}

fn correlated_rows() -> Vec<(String, u64, String, chrono::DateTime<chrono::Utc>)> {
    vec![
        (oid(3), 2, "ItemAdded".to_string(), at(1)),
        (oid(0), 7, "OrderPaid".to_string(), at(2)),
        (oid(7), 9, "OrderShipped".to_string(), at(3)),
    ]
}

fn correlated(
    rows: Vec<(String, u64, String, chrono::DateTime<chrono::Utc>)>,
    purpose: Correlate,
) -> Loaded {
    Loaded::Correlated {
        correlation_id: "corr-1".into(),
        rows,
        from: (oid(0), 7),
        purpose,
    }
}

fn selected(app: &App) -> Option<(String, u64)> {
    match &app.mode {
        Mode::Overlay(Overlay::Correlated { rows, selected, .. }) => {
            rows.get(*selected).map(|r| (r.0.clone(), r.1))
        }
        _ => None,
    }
}

/// Order 0 at v7 with the correlation overlay open on it, the first poll answered.
fn overlay_open() -> App {
    let mut app = opened(10, 1, 10, 7);
    let tag = app.tags.latest(Request::Head);
    send(&mut app, Action::Loaded(tag, head(100, 10)));
    press(&mut app, c('c'));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, correlated(correlated_rows(), Correlate::Open)),
    );
    app
}

#[test]
fn the_correlation_overlay_opens_on_the_event_it_was_opened_from() {
    let app = overlay_open();
    assert_eq!(selected(&app), Some((oid(0), 7)));
}

#[test]
fn the_correlation_overlay_reads_its_set_again_as_events_arrive() {
    let mut app = overlay_open();
    press(&mut app, c('j'));
    assert_eq!(selected(&app), Some((oid(7), 9)));
    let fx = poll(&mut app, head(101, 10));
    let refresh: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadCorrelated {
                order,
                version,
                purpose,
                ..
            } => Some((order.clone(), *version, *purpose)),
            _ => None,
        })
        .collect();
    assert_eq!(refresh, [(oid(7), 9, Correlate::Refresh)]);
    // An event joined the set before the selected one: the selection stays on its event.
    let mut rows = correlated_rows();
    rows.insert(0, (oid(9), 1, "OrderCreated".to_string(), at(0)));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, correlated(rows, Correlate::Refresh)),
    );
    assert_eq!(selected(&app), Some((oid(7), 9)));
    let Mode::Overlay(Overlay::Correlated { rows, .. }) = &app.mode else {
        panic!("{:?}", app.mode);
    };
    assert_eq!(rows.len(), 4);
}

#[test]
fn a_refresh_answered_after_the_overlay_closed_does_not_open_it_again() {
    let mut app = overlay_open();
    poll(&mut app, head(101, 10));
    let tag = app.tags.latest(Request::Overlay);
    press(&mut app, k(KeyCode::Esc));
    send(
        &mut app,
        Action::Loaded(tag, correlated(correlated_rows(), Correlate::Refresh)),
    );
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    // Closed, the overlay is not refreshed.
    let fx = poll(&mut app, head(102, 10));
    assert!(!kinds(&fx).contains(&"LoadCorrelated"), "{fx:?}");
}
