//! The `:` prompt: parsing, what each command does, read-only, history and completion.

use chronicle::domain::{Currency, LineItem, OrderCommand, Sku};
use chronicle::tui::action::{Action, Completion, Effect, Loaded};
use chronicle::tui::prompt::{PromptCommand, parse_prompt};
use chronicle::tui::request::{JobKind, Request};
use chronicle::tui::state::{App, Confirm, InputKind, Level, Mode, Overlay, Pending};
use ratatui::crossterm::event::KeyCode;
use rust_decimal::Decimal;

use crate::support::{
    at, c, error, k, kinds, message, new_app, oid, opened, press, send, shown, stale, state_load,
    type_str,
};

/// Opens the prompt, types `line` and submits it.
fn submit(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, c(':'));
    type_str(app, line);
    press(app, k(KeyCode::Enter))
}

fn item(s: &str) -> LineItem {
    s.parse().expect("item spec")
}

fn write(id_prefix: &str, command: OrderCommand) -> PromptCommand {
    PromptCommand::Write {
        id_prefix: id_prefix.into(),
        command,
    }
}

#[test]
fn every_prompt_command_parses() {
    let usd: Currency = "USD".parse().expect("USD");
    let cases = [
        (
            "create cust-1 BOOK-1:2:12.50 PEN:1:0.99 usd",
            PromptCommand::Create {
                customer: "cust-1".into(),
                items: vec![item("BOOK-1:2:12.50"), item("PEN:1:0.99")],
                currency: Some(usd),
            },
        ),
        (
            "create cust-1 BOOK-1:2:12.50",
            PromptCommand::Create {
                customer: "cust-1".into(),
                items: vec![item("BOOK-1:2:12.50")],
                currency: None,
            },
        ),
        (
            "add-item 3F2A BOOK-1:1:5",
            write(
                "3f2a",
                OrderCommand::AddItem {
                    item: item("BOOK-1:1:5"),
                },
            ),
        ),
        (
            "remove-item 3f2a BOOK-1",
            write(
                "3f2a",
                OrderCommand::RemoveItem {
                    sku: Sku::new("BOOK-1").expect("sku"),
                },
            ),
        ),
        (
            "pay 3f2a-9c card 41.00",
            write(
                "3f2a-9c",
                OrderCommand::PayOrder {
                    method: "card".into(),
                    amount: Decimal::new(4100, 2),
                },
            ),
        ),
        (
            "ship 3f2a TRACK-1",
            write(
                "3f2a",
                OrderCommand::ShipOrder {
                    tracking_number: "TRACK-1".into(),
                },
            ),
        ),
        ("deliver 3f2a", write("3f2a", OrderCommand::DeliverOrder)),
        (
            "cancel 3f2a changed my mind",
            write(
                "3f2a",
                OrderCommand::CancelOrder {
                    reason: "changed my mind".into(),
                },
            ),
        ),
        ("v 7", PromptCommand::Version(7)),
        ("version 7", PromptCommand::Version(7)),
        ("t 2026-11-26 10:05", PromptCommand::Time(at(5))),
        ("check", PromptCommand::Check),
        ("rebuild", PromptCommand::Rebuild),
        ("project", PromptCommand::Project),
        ("dlq", PromptCommand::DeadLetters),
        ("help", PromptCommand::Help),
        ("quit", PromptCommand::Quit),
        ("  q  ", PromptCommand::Quit),
    ];
    for (line, want) in cases {
        assert_eq!(parse_prompt(line), Ok(want), "{line}");
    }
}

#[test]
fn malformed_lines_are_errors_and_write_nothing() {
    let cases = [
        ("frobnicate 1", "unknown command"),
        ("pay 3f2a card -5", "negative"),
        ("pay 3f2a card lots", "not a decimal"),
        ("create cust-1 BOOK", "SKU:QTY:UNIT_PRICE"),
        ("create cust-1", "usage: create"),
        ("create cust-1 A:1:1 XXX", "unknown currency"),
        ("add-item 3f2a BOOK:x:1", "quantity"),
        ("add-item 3f2a BOOK:0:1", "quantity"),
        ("pay zz card 5", "not an order id"),
        ("ship 3f2a!", "usage: ship"),
        ("ship xyz T-1", "not an order id"),
        ("pay 3f2a card", "usage: pay"),
        ("deliver", "usage: deliver"),
        ("deliver 3f2a now", "usage: deliver"),
        ("cancel 3f2a", "usage: cancel"),
        ("remove-item 3f2a", "usage: remove-item"),
        ("v 0", "not a version"),
        ("v -3", "not a version"),
        ("v", "usage: v"),
        ("t soon", "not a time"),
        ("check now", "usage: check"),
    ];
    for (line, want) in cases {
        let mut app = new_app(false);
        let fx = submit(&mut app, line);
        assert_eq!(kinds(&fx), ["SaveHistory"], "{line}");
        assert!(error(&app).contains(want), "{line}: {:?}", shown(&app));
        assert!(matches!(app.mode, Mode::Normal), "{line}");
    }
}

#[test]
fn writes_are_resolved_by_the_worker() {
    for line in [
        "create cust-1 BOOK-1:1:5",
        "add-item 0000 BOOK-1:1:5",
        "remove-item 0000 BOOK-1",
        "pay 0000 card 5",
        "ship 0000 T-1",
        "deliver 0000",
        "cancel 0000 no longer needed",
    ] {
        let mut app = new_app(false);
        let fx = submit(&mut app, line);
        assert_eq!(kinds(&fx), ["SaveHistory", "Resolve"], "{line}");
        let Effect::Resolve { tag, command } = &fx[1] else {
            unreachable!()
        };
        assert_eq!(Ok(command.clone()), parse_prompt(line));
        assert_eq!(*tag, app.tags[Request::Prompt]);
        assert_eq!(message(&app, Level::Info), Some("resolving…"));
    }
}

#[test]
fn read_only_refuses_every_write() {
    for line in [
        "create cust-1 BOOK-1:1:5",
        "add-item 0000 BOOK-1:1:5",
        "remove-item 0000 BOOK-1",
        "pay 0000 card 5",
        "ship 0000 T-1",
        "deliver 0000",
        "cancel 0000 oops",
        "rebuild",
        "project",
    ] {
        let mut app = new_app(true);
        let fx = submit(&mut app, line);
        // The line goes to the history like any other; nothing else happens.
        assert_eq!(kinds(&fx), ["SaveHistory"], "{line}");
        assert!(error(&app).contains("read-only"), "{line}");
        assert!(matches!(app.mode, Mode::Normal), "{line}");
    }
    // Reading still works.
    let mut app = new_app(true);
    assert_eq!(kinds(&submit(&mut app, "check")), ["SaveHistory", "Check"]);
    assert_eq!(
        kinds(&submit(&mut app, "dlq")),
        ["SaveHistory", "LoadDeadLetters"]
    );
}

#[test]
fn read_side_commands_do_their_thing() {
    let mut app = new_app(false);
    let fx = submit(&mut app, "check");
    assert!(
        matches!(&fx[1], Effect::Check { tag } if *tag == app.tags[Request::Job(JobKind::Check)])
    );
    assert!(message(&app, Level::Info).is_some_and(|m| m.contains("checking")));

    let fx = submit(&mut app, "dlq");
    assert!(
        matches!(&fx[1], Effect::LoadDeadLetters { tag } if *tag == app.tags[Request::Overlay])
    );

    submit(&mut app, "rebuild");
    assert!(matches!(
        app.mode,
        Mode::Confirm(Confirm {
            pending: Pending::Rebuild,
            ..
        })
    ));
    press(&mut app, c('n'));
    submit(&mut app, "project");
    assert!(matches!(
        app.mode,
        Mode::Confirm(Confirm {
            pending: Pending::Project,
            ..
        })
    ));
    press(&mut app, c('n'));

    submit(&mut app, "help");
    assert!(matches!(
        app.mode,
        Mode::Overlay(Overlay::Help { scroll: 0 })
    ));
    press(&mut app, k(KeyCode::Esc));

    submit(&mut app, "quit");
    assert!(app.quit);
}

#[test]
fn v_and_t_move_the_cursor() {
    let mut app = opened(10, 1, 10, 4);
    let fx = submit(&mut app, "v 7");
    assert_eq!(state_load(&fx), Some(7));
    assert_eq!(app.stream.cursor, 7);

    let fx = submit(&mut app, "v 11");
    assert_eq!(kinds(&fx), ["SaveHistory"]);
    assert!(error(&app).contains("no version 11"));
    assert_eq!(app.stream.cursor, 7);

    let fx = submit(&mut app, "t 2026-11-26T10:05:00Z");
    assert!(matches!(&fx[1], Effect::VersionAt { at: t, .. } if *t == at(5)));
}

#[test]
fn history_is_saved_and_walked_with_the_arrows() {
    let mut app = new_app(false);
    assert!(submit(&mut app, "   ").is_empty());
    assert!(app.history.is_empty());
    for (line, saved) in [("check", true), ("check", false), (" dlq ", true)] {
        let fx = submit(&mut app, line);
        let save = fx.iter().find_map(|e| match e {
            Effect::SaveHistory(s) => Some(s.clone()),
            _ => None,
        });
        assert_eq!(save, saved.then(|| line.trim().to_string()), "{line}");
        press(&mut app, k(KeyCode::Esc));
    }
    assert_eq!(app.history, ["check", "dlq"]);

    press(&mut app, c(':'));
    let mut walk = Vec::new();
    for key in [
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Down,
    ] {
        press(&mut app, k(key));
        let Mode::Input(InputKind::Prompt, line) = &app.mode else {
            panic!("left the prompt");
        };
        assert_eq!(line.cursor, line.text.chars().count());
        walk.push(line.text.clone());
    }
    assert_eq!(walk, ["dlq", "check", "check", "dlq", ""]);
}

fn prompt_text(app: &App) -> (String, usize) {
    match &app.mode {
        Mode::Input(InputKind::Prompt, l) => (l.text.clone(), l.cursor),
        other => panic!("not in the prompt: {other:?}"),
    }
}

fn tab(app: &mut App, typed: &str) -> Vec<Effect> {
    press(app, c(':'));
    type_str(app, typed);
    press(app, k(KeyCode::Tab))
}

#[test]
fn tab_on_the_first_word_completes_command_names_locally() {
    for (typed, text, candidates) in [
        ("cr", "create ", vec![]),
        ("ad", "add-item ", vec![]),
        ("a", "a", vec!["add-item", "at"]),
        ("c", "c", vec!["create", "cancel", "check"]),
        ("re", "re", vec!["remove-item", "rebuild", "report"]),
        ("zz", "zz", vec![]),
    ] {
        let mut app = new_app(false);
        assert!(tab(&mut app, typed).is_empty(), "{typed}");
        assert_eq!(prompt_text(&app), (text.to_string(), text.len()), "{typed}");
        assert_eq!(app.completions, candidates, "{typed}");
    }
}

#[test]
fn tab_on_an_id_or_a_sku_asks_the_worker() {
    for (typed, want) in [
        ("pay 0000", Completion::OrderId("0000".into())),
        ("deliver ", Completion::OrderId(String::new())),
        (
            "remove-item 0000 ",
            Completion::Sku("0000".into(), String::new()),
        ),
        ("add-item 00 BO", Completion::Sku("00".into(), "BO".into())),
    ] {
        let mut app = new_app(false);
        let fx = tab(&mut app, typed);
        let [Effect::Complete { tag, what }] = fx.as_slice() else {
            panic!("{typed}: {fx:?}");
        };
        assert_eq!((what, *tag), (&want, app.tags[Request::Prompt]), "{typed}");
    }
    // Nothing to complete in a payment method.
    let mut app = new_app(false);
    assert!(tab(&mut app, "pay 0000 ca").is_empty());
}

#[test]
fn completion_results_fill_the_word() {
    // One candidate fills the word and a space.
    let mut app = new_app(false);
    tab(&mut app, "pay 0000");
    let tag = app.tags.latest(Request::Prompt);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Completions(vec![oid(1)])),
    );
    let want = format!("pay {} ", oid(1));
    assert_eq!(prompt_text(&app), (want.clone(), want.len()));
    assert!(app.completions.is_empty());

    // Several fill their common prefix and are listed.
    let mut app = new_app(false);
    tab(&mut app, "pay 0000");
    let tag = app.tags.latest(Request::Prompt);
    // A stale answer is dropped.
    send(
        &mut app,
        Action::Loaded(stale(tag), Loaded::Completions(vec![oid(9)])),
    );
    assert_eq!(prompt_text(&app).0, "pay 0000");
    let both = vec![oid(1), oid(2)];
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Completions(both.clone())),
    );
    assert_eq!(prompt_text(&app).0, "pay 0000000");
    assert_eq!(app.completions, both);

    // None leaves the line alone.
    let mut app = new_app(false);
    tab(&mut app, "pay ffff");
    let tag = app.tags.latest(Request::Prompt);
    send(&mut app, Action::Loaded(tag, Loaded::Completions(vec![])));
    assert_eq!(prompt_text(&app).0, "pay ffff");
}
