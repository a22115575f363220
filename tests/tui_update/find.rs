//! `:find`, `:export` and `:report` at the prompt: what each asks the worker for, the events
//! overlay a find opens (its title says what was searched for) and keeps live as the log
//! moves, the prompt opened over that overlay, and the one line bad input gets.

use chronicle::app::read::EventSet;
use chronicle::store::EventSearch;
use chronicle::tui::action::{Action, Correlate, Effect, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, HeadInfo, InputKind, Level, Mode, Overlay};
use chronicle::tui::take::{Export, OutPath};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    at, c, error, k, kinds, message, new_app, oid, opened, press, send, submit, type_str,
};

type Row = (String, u64, String, chrono::DateTime<chrono::Utc>);

/// The searches among the effects, with their purposes.
fn finds(fx: &[Effect]) -> Vec<(EventSearch, Correlate)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::FindEvents {
                search, purpose, ..
            } => Some((search.clone(), *purpose)),
            _ => None,
        })
        .collect()
}

/// The one export or report among the effects.
fn write_effect(fx: &[Effect]) -> &Effect {
    let found: Vec<_> = fx
        .iter()
        .filter(|e| matches!(e, Effect::Export { .. } | Effect::Report { .. }))
        .collect();
    assert_eq!(found.len(), 1, "one export or report in {fx:?}");
    found[0]
}

fn rows() -> Vec<Row> {
    vec![
        (oid(7), 9, "OrderShipped".to_string(), at(3)),
        (oid(0), 7, "OrderPaid".to_string(), at(2)),
        (oid(3), 2, "ItemAdded".to_string(), at(1)),
    ]
}

fn text(s: &str) -> EventSearch {
    EventSearch::Text(s.into())
}

fn matches(search: EventSearch, rows: Vec<Row>, cut: bool, purpose: Correlate) -> Loaded {
    Loaded::Matches {
        search,
        rows,
        cut,
        purpose,
    }
}

/// The screen as text, a line per row.
fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal
        .draw(|f| chronicle::tui::view::render(app, f))
        .expect("draw");
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The events overlay's set, selected row and cut.
fn overlay(app: &App) -> (&EventSet, Option<(String, u64)>, bool) {
    let Mode::Overlay(Overlay::Correlated {
        set,
        rows,
        selected,
        cut,
    }) = &app.mode
    else {
        panic!("no events overlay: {:?}", app.mode);
    };
    (set, rows.get(*selected).map(|r| (r.0.clone(), r.1)), *cut)
}

/// Order 0 open, the first poll answered, and `:find needle` answered with `rows()`.
fn found_needle() -> App {
    let mut app = opened(10, 1, 10, 7);
    poll(&mut app, 100);
    submit(&mut app, "find needle");
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(tag, matches(text("needle"), rows(), false, Correlate::Open)),
    );
    app
}

/// Ticks and answers the poll with the log at `position`.
fn poll(app: &mut App, position: i64) -> Vec<Effect> {
    let mut fx = send(app, Action::Tick);
    let tag = app.tags.latest(Request::Head);
    let info = HeadInfo {
        position,
        projected: position,
        ..HeadInfo::default()
    };
    let answer = Loaded::Head {
        info,
        stream_head: Some(10),
    };
    fx.extend(send(app, Action::Loaded(tag, answer)));
    fx
}

#[test]
fn find_asks_for_a_position_an_id_or_text() {
    let uuid = "0b6f2a9e-8f0c-4c1e-9d1a-3c2b1a0f9e8d";
    for (typed, want) in [
        ("find #21".to_string(), EventSearch::Position(21)),
        (
            format!("f {}", uuid.to_uppercase()),
            EventSearch::Id(uuid.into()),
        ),
        ("find id:req-42".into(), EventSearch::Id("req-42".into())),
        ("find  card  declined ".into(), text("card  declined")),
        ("find \"#21\"".into(), text("#21")),
    ] {
        let mut app = opened(10, 1, 10, 7);
        let fx = submit(&mut app, &typed);
        assert_eq!(finds(&fx), [(want, Correlate::Open)], "{typed}");
        let tag = fx.iter().find_map(|e| match e {
            Effect::FindEvents { tag, .. } => Some(*tag),
            _ => None,
        });
        assert_eq!(tag, Some(app.tags[Request::Overlay]), "{typed}");
        assert!(message(&app, Level::Info).is_some_and(|m| m.starts_with("find ")));
    }
}

#[test]
fn bad_find_input_is_one_line_and_asks_for_nothing() {
    let long = format!("find {}", "x".repeat(201));
    for (typed, says) in [
        ("find", "find what?"),
        ("find \"\"", "find what?"),
        ("find #0", "not a global position"),
        ("find #x", "not a global position"),
        (long.as_str(), "at most 200"),
        ("find a\u{7}b", "control character"),
    ] {
        let mut app = opened(10, 1, 10, 7);
        let fx = submit(&mut app, typed);
        assert!(finds(&fx).is_empty(), "{typed}: {fx:?}");
        let e = error(&app);
        assert!(e.contains(says), "{typed}: {e}");
        assert!(!e.chars().any(char::is_control), "{typed}: {e:?}");
        assert!(matches!(app.mode, Mode::Normal));
    }
}

#[test]
fn a_find_opens_the_events_overlay_titled_with_what_was_searched_for() {
    let mut app = found_needle();
    let (set, on, cut) = overlay(&app);
    assert_eq!(*set, EventSet::Find(text("needle")));
    assert_eq!(on, Some((oid(7), 9)), "the newest match is selected");
    assert!(!cut);
    assert!(screen(&app).contains("Find \"needle\" · 3 events, newest first · Enter jumps"));

    let tag = app.tags.latest(Request::Overlay);
    let cut = matches(text("needle"), rows(), true, Correlate::Refresh);
    send(&mut app, Action::Loaded(tag, cut));
    assert!(screen(&app).contains("Find \"needle\" · newest 3 events (more match)"));

    press(&mut app, c('j'));
    press(&mut app, c('j'));
    let fx = press(&mut app, k(KeyCode::Enter));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert_eq!(crate::support::stream_load(&fx), Some((oid(3), Some(2))));
}

#[test]
fn the_correlation_overlay_says_its_id_and_a_find_by_position_its_position() {
    let mut app = opened(10, 1, 10, 7);
    press(&mut app, c('c'));
    let tag = app.tags.latest(Request::Overlay);
    let answer = Loaded::Correlated {
        correlation_id: "corr-1".into(),
        rows: rows(),
        from: (oid(0), 7),
        purpose: Correlate::Open,
    };
    send(&mut app, Action::Loaded(tag, answer));
    assert_eq!(*overlay(&app).0, EventSet::Correlation("corr-1".into()));
    assert!(screen(&app).contains("Correlation corr-1 · 3 events · Enter jumps"));

    submit_over_overlay(&mut app, "find #21");
    let tag = app.tags.latest(Request::Overlay);
    let one = vec![rows().remove(1)];
    let answer = matches(EventSearch::Position(21), one, false, Correlate::Open);
    send(&mut app, Action::Loaded(tag, answer));
    assert!(screen(&app).contains("Find #21 · 1 event, newest first"));
}

#[test]
fn a_find_that_matches_nothing_yet_opens_and_says_it_waits() {
    let mut app = opened(10, 1, 10, 7);
    submit(&mut app, "find nothing-like-it");
    let tag = app.tags.latest(Request::Overlay);
    let answer = matches(text("nothing-like-it"), vec![], false, Correlate::Open);
    send(&mut app, Action::Loaded(tag, answer));
    assert_eq!(overlay(&app).1, None);
    let says = message(&app, Level::Info).unwrap_or_default();
    assert!(says.contains("no event matches yet"), "{says}");
    assert!(screen(&app).contains("no event matches yet; the list refreshes as events arrive"));
    assert!(
        press(&mut app, k(KeyCode::Enter)).is_empty(),
        "nothing to jump to"
    );
}

#[test]
fn the_find_overlay_searches_again_as_the_log_moves_and_keeps_its_selection() {
    let mut app = found_needle();
    press(&mut app, c('j'));
    assert_eq!(overlay(&app).1, Some((oid(0), 7)));
    let fx = poll(&mut app, 100);
    assert!(finds(&fx).is_empty(), "the log did not move: {fx:?}");
    let fx = poll(&mut app, 101);
    assert_eq!(finds(&fx), [(text("needle"), Correlate::Refresh)]);
    assert!(!kinds(&fx).contains(&"LoadCorrelated"), "{fx:?}");

    // A new match arrived at the top: the selection stays on its event.
    let mut more = rows();
    more.insert(0, (oid(9), 1, "OrderCreated".to_string(), at(9)));
    let tag = app.tags.latest(Request::Overlay);
    send(
        &mut app,
        Action::Loaded(
            tag,
            matches(text("needle"), more, false, Correlate::Refresh),
        ),
    );
    assert_eq!(overlay(&app).1, Some((oid(0), 7)));
    assert!(screen(&app).contains("4 events, newest first"));

    // A refresh of another search than the one shown is not this overlay's.
    let tag = app.tags.latest(Request::Overlay);
    let other = matches(text("other"), rows(), false, Correlate::Refresh);
    send(&mut app, Action::Loaded(tag, other));
    assert_eq!(*overlay(&app).0, EventSet::Find(text("needle")));

    // Closed, it is neither reopened by a late answer nor searched again.
    poll(&mut app, 102);
    let tag = app.tags.latest(Request::Overlay);
    press(&mut app, k(KeyCode::Esc));
    let late = matches(text("needle"), rows(), false, Correlate::Refresh);
    send(&mut app, Action::Loaded(tag, late));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(finds(&poll(&mut app, 103)).is_empty());
}

/// Opens the prompt over the open overlay with its key, types `line`, submits it.
fn submit_over_overlay(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, c(':'));
    assert!(matches!(app.mode, Mode::Input(InputKind::Prompt, _)));
    type_str(app, line);
    press(app, k(KeyCode::Enter))
}

#[test]
fn export_writes_the_open_stream_or_the_overlays_events() {
    let mut app = opened(10, 1, 10, 7);
    let fx = submit(&mut app, "export");
    assert!(matches!(
        write_effect(&fx),
        Effect::Export { what: Export::Stream(order), to, .. }
            if *order == oid(0) && *to == OutPath::default()
    ));
    let fx = submit(&mut app, "export out dir/x.jsonl!");
    let Effect::Export { to, .. } = write_effect(&fx) else {
        unreachable!()
    };
    assert_eq!(to.path.as_deref(), Some("out dir/x.jsonl".as_ref()));
    assert!(to.overwrite);

    let mut app = found_needle();
    let fx = submit_over_overlay(&mut app, "export found.jsonl");
    assert!(matches!(
        write_effect(&fx),
        Effect::Export { what: Export::Set(EventSet::Find(s)), .. } if *s == text("needle")
    ));
    assert_eq!(
        *overlay(&app).0,
        EventSet::Find(text("needle")),
        "the overlay is back"
    );
    assert_eq!(message(&app, Level::Info), Some("exporting…"));

    // Esc leaves the prompt for the overlay too; the next `:export` is the stream's again.
    press(&mut app, c(':'));
    press(&mut app, k(KeyCode::Esc));
    assert!(matches!(
        app.mode,
        Mode::Overlay(Overlay::Correlated { .. })
    ));
    press(&mut app, k(KeyCode::Esc));
    let fx = submit(&mut app, "export");
    assert!(matches!(
        write_effect(&fx),
        Effect::Export {
            what: Export::Stream(_),
            ..
        }
    ));
}

#[test]
fn report_writes_the_open_orders_divergence_and_both_need_an_order() {
    let mut app = opened(10, 1, 10, 7);
    app.read_only = true; // a file is no write to the database
    let fx = submit(&mut app, "report notes/incident.md");
    assert!(matches!(
        write_effect(&fx),
        Effect::Report { order, to, .. }
            if *order == oid(0) && to.path.as_deref() == Some("notes/incident.md".as_ref()) && !to.overwrite
    ));
    assert_eq!(
        write_effect(&fx).tag().map(|t| t.request),
        Some(Request::Prompt)
    );
    submit(&mut app, "report !");
    assert!(error(&app).starts_with("usage: report [PATH[!]]"));
    submit(&mut app, "export a\u{7}b");
    assert!(error(&app).contains("control character"));

    let mut app = new_app(false);
    for line in ["export", "report"] {
        let fx = submit(&mut app, line);
        assert_eq!(kinds(&fx), ["SaveHistory"], "{line}");
        let says = message(&app, Level::Info).unwrap_or_default();
        assert!(says.starts_with("open an order first"), "{line}: {says}");
    }
}

#[test]
fn a_written_file_says_where_even_after_other_prompt_requests() {
    let mut app = opened(10, 1, 10, 7);
    submit(&mut app, "export");
    let tag = app.tags.latest(Request::Prompt);
    submit(&mut app, "open 0000");
    let done = Loaded::Saved("✓ exported 10 events of order x to ./x.jsonl".into());
    send(&mut app, Action::Loaded(tag, done));
    assert_eq!(
        message(&app, Level::Ok),
        Some("✓ exported 10 events of order x to ./x.jsonl")
    );
    submit(&mut app, "report x.md");
    let tag = app.tags.latest(Request::Prompt);
    let refused = Loaded::Failed("x.md exists: `:report x.md!` replaces it".into());
    send(&mut app, Action::Loaded(tag, refused));
    assert!(error(&app).contains("`:report x.md!` replaces it"));
}
