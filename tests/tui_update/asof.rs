//! `:at`: the whole screen as of a point in the log, and back with `:at now`.

use chronicle::app::read::AsOf;
use chronicle::tui::action::{Action, Effect, Loaded};
use chronicle::tui::prompt::{AtTarget, PromptCommand, parse_prompt};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Level};
use chrono::TimeZone;

use crate::support::{c, error, message, oid, opened, orders_page, press, send, submit};

fn arrive(app: &mut App, position: i64) -> Vec<Effect> {
    let tag = app.tags.latest(Request::Prompt);
    let at = AsOf {
        position,
        recorded_at: Some(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 10, 2, 0)
                .unwrap(),
        ),
    };
    send(app, Action::Loaded(tag, Loaded::AsOf(at)))
}

fn as_of_of(fx: &[Effect]) -> Vec<(&'static str, Option<i64>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadOrders { as_of, .. } => Some(("orders", *as_of)),
            Effect::LoadStream { as_of, .. } => Some(("stream", *as_of)),
            Effect::Poll { as_of, .. } => Some(("poll", *as_of)),
            Effect::LoadDivergence { .. } => Some(("divergence", None)),
            _ => None,
        })
        .collect()
}

#[test]
fn at_parses_positions_times_and_now_and_refuses_the_rest() {
    assert_eq!(
        parse_prompt("at #21"),
        Ok(PromptCommand::At(AtTarget::Position(21)))
    );
    assert_eq!(parse_prompt("at now"), Ok(PromptCommand::At(AtTarget::Now)));
    assert!(matches!(
        parse_prompt("at 2026-11-26 10:02"),
        Ok(PromptCommand::At(AtTarget::Time(_)))
    ));
    for bad in ["at", "at #0", "at #-3", "at #x", "at yesterday"] {
        assert!(parse_prompt(bad).is_err(), "{bad}");
    }
}

#[test]
fn at_a_position_reloads_every_pane_as_of_it_and_now_returns() {
    let mut app = opened(10, 1, 10, 4);
    let fx = submit(&mut app, "at #7");
    assert!(
        matches!(
            fx.as_slice(),
            [
                Effect::SaveHistory(_),
                Effect::ResolveAt {
                    target: AtTarget::Position(7),
                    ..
                }
            ]
        ),
        "{fx:?}"
    );
    let fx = arrive(&mut app, 7);
    assert_eq!(app.as_of_position(), Some(7));
    // The list reloads as of #7; its page opens its selected order as of #7 too; the
    // comparison is not asked for.
    assert_eq!(as_of_of(&fx), [("orders", Some(7))]);
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(0, 3, false)));
    assert_eq!(as_of_of(&fx), [("stream", Some(7))]);
    assert_eq!(app.stream.order.as_deref(), Some(oid(0).as_str()));
    assert!(
        app.divergence
            .explain
            .iter()
            .any(|l| l.contains("keeps no past"))
    );
    assert!(message(&app, Level::Ok).unwrap().contains("as of #7"));
    // Polls ask for the stream's head as of #7 too.
    let fx = send(&mut app, Action::Tick);
    let _ = fx;
    let tag = app.tags.latest(Request::Head);
    send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Head {
                info: chronicle::tui::state::HeadInfo::default(),
                stream_head: Some(10),
            },
        ),
    );
    let fx = send(&mut app, Action::Tick);
    assert_eq!(as_of_of(&fx), [("poll", Some(7))]);
    // `]` compares with the read model: refused in the past.
    let fx = press(&mut app, c(']'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(error(&app).contains("keeps no past"));

    let fx = submit(&mut app, "at now");
    assert_eq!(app.as_of, None);
    assert_eq!(as_of_of(&fx), [("orders", None)]);
    assert_eq!(message(&app, Level::Ok), Some("back to the live log"));
    // The live page opens its order live, with its comparison again.
    let tag = app.tags.latest(Request::Orders);
    let fx = send(&mut app, Action::Loaded(tag, orders_page(0, 3, false)));
    assert_eq!(as_of_of(&fx), [("stream", None), ("divergence", None)]);
}

#[test]
fn at_now_when_live_says_so_and_sends_nothing() {
    let mut app = opened(10, 1, 10, 4);
    let fx = submit(&mut app, "at now");
    assert!(matches!(fx.as_slice(), [Effect::SaveHistory(_)]), "{fx:?}");
    assert_eq!(
        message(&app, Level::Info),
        Some("already showing the live log")
    );
}
