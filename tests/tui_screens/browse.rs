//! Browsing: the first frame, stepping, the planted faults, and the overlays.

use std::collections::BTreeMap;

use chronicle::app::CommandRequest;
use chronicle::app::divergence::Class;
use chronicle::app::metadata::CommandContext;
use chronicle::domain::{Currency, OrderCommand, OrderId};
use chronicle::tui::fields::Change;
use chronicle::tui::state::{Mode, Overlay};

use super::*;

#[tokio::test]
async fn first_frame_lists_orders_with_badges_and_opens_the_first_at_its_head() {
    let demo = Demo::new().await;
    let d = demo.driver(false, Theme::monochrome()).await;
    let buf = render(&d, SIZE);
    let a = panes();
    let f = &demo.faults;
    let app = &d.app;

    let head = demo.db.events().head_position().await.unwrap();
    let header = text_in(&buf, a.header);
    assert!(header.contains(&format!("head #{head}")), "{header}");
    assert!(
        header.contains(&format!("projector {} events behind the log", f.lag_events)),
        "{header}"
    );
    assert!(header.contains("1 dead letter (D)"), "{header}");

    // Every order is listed; exactly the three planted faults carry a badge.
    assert_eq!(app.orders.rows.len(), ORDERS);
    let flagged: Vec<(&str, Class)> = app
        .orders
        .rows
        .iter()
        .filter(|r| r.class != Class::InSync)
        .map(|r| (r.id.as_str(), r.class))
        .collect();
    assert_eq!(flagged.len(), 3, "{flagged:?}");
    let orders = text_in(&buf, a.orders);
    assert!(line_with(&orders, &f.tampered_order[..8]).contains("⚠ diverg"));
    assert!(line_with(&orders, &f.parked_order[..8]).contains("⏸ parked"));
    assert!(line_with(&orders, &f.lagging_order[..8]).contains(&format!("… lag {}", f.lag_events)));
    assert_eq!(orders.matches(['⚠', '⏸', '…']).count(), 3, "{orders}");
    assert!(line_with(&orders, "▶").contains(&app.orders.rows[0].id[..8]));

    // The first order is open with the cursor at its head.
    let first = &app.orders.rows[0];
    assert_eq!(app.stream.order.as_deref(), Some(first.id.as_str()));
    assert_eq!(app.stream.head, first.version);
    assert_eq!(app.stream.cursor, first.version);
    let stream = text_in(&buf, a.stream);
    let v = first.version;
    assert!(
        stream.contains(&format!("Stream {} v{v}/{v}", &first.id[..8])),
        "{stream}"
    );
    assert!(line_with(&stream, "▶").contains(&format!("▶ {v} ")));
    assert!(text_in(&buf, a.state).contains(&format!("State @ v{v}")));
    let divergence = text_in(&buf, a.divergence);
    assert!(divergence.contains("Read model vs replay"));
    assert!(line_with(&divergence, "class").contains("diverged"));

    // The footer shows the orders pane's keys, from the keymap.
    let footer = text_in(&buf, a.footer);
    for (keys, label) in app.keymap.footer(Pane::Orders) {
        assert!(footer.contains(&format!("{keys} {label}")), "{footer}");
    }

    snapshot(
        "first_frame",
        "first frame: orders with the diverged/parked/lagging badges, the first order open at its head",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn stepping_back_marks_what_the_event_at_the_cursor_changed() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let head = d.app.stream.head;
    keys(&mut d, "hh").await;
    let buf = render(&d, SIZE);
    let a = panes();

    assert_eq!(d.app.stream.cursor, head - 2);
    assert_eq!(d.app.state.version, head - 2);
    let stream = text_in(&buf, a.stream);
    assert!(
        stream.contains(&format!("v{}/{head} · 2 newer", head - 2)),
        "{stream}"
    );
    assert!(line_with(&stream, "▶").contains(&format!("▶ {} ", head - 2)));
    let state = text_in(&buf, a.state);
    assert!(state.contains(&format!("State @ v{}", head - 2)), "{state}");
    // Each field is marked with what the cursor's event did to it.
    let fields = &d.app.state.fields;
    for want in [Change::Changed, Change::Added] {
        assert!(
            fields.iter().any(|f| f.change == want),
            "{want:?}: {fields:?}"
        );
    }
    for f in fields {
        let mark = match f.change {
            Change::Same => ' ',
            Change::Changed => '~',
            Change::Added => '+',
            Change::Removed => '-',
        };
        line_with(&state, &format!("{mark} {:<12} {}", f.name, f.value));
    }
    // The old value follows a changed one, on its line or, when that is too long for the
    // pane, whole on a detail line under it.
    let lines: Vec<&str> = state.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("~ total"))
        .expect("total changed");
    assert!(
        lines[at..=at + 1].iter().any(|l| l.contains("(was ")),
        "{state}"
    );
    snapshot(
        "stepped_back",
        "after h h: cursor two events before the head (2 newer), the fields its event changed marked",
        &demo.scrub(&buf),
    );

    // One step forward is the item's removal: the line is marked removed.
    d.send(key(KeyCode::Char('l'))).await;
    let state = text_in(&render(&d, SIZE), a.state);
    let removed: Vec<_> = d
        .app
        .state
        .fields
        .iter()
        .filter(|f| f.change == Change::Removed)
        .collect();
    assert_eq!(removed.len(), 1, "{:?}", d.app.state.fields);
    line_with(&state, &format!("- {:<12} ", removed[0].name));
}

#[tokio::test]
async fn the_diverged_order_shows_its_field_diff_and_explain() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = demo.faults.tampered_order.clone();
    open(&mut d, &id).await;
    let buf = render(&d, SIZE);
    let a = panes();

    assert_eq!(d.app.divergence.class, Some(Class::Diverged));
    assert_eq!(d.app.orders.rows.len(), 1);
    let pane = text_in(&buf, a.divergence);
    assert!(line_with(&pane, "class").contains("⚠ diverged"), "{pane}");
    // The demo edits the row's status to Shipped behind the projector's back.
    assert!(
        line_with(&pane, "status").contains("Shipped ≠ Paid"),
        "{pane}"
    );
    assert!(pane.contains("changed outside"), "{pane}");
    assert!(!d.app.divergence.explain.is_empty());
    snapshot(
        "diverged",
        "the planted diverged order: class, read model ≠ replay per field, explain's verdict",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn the_parked_order_says_its_projection_failed() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = demo.faults.parked_order.clone();
    open(&mut d, &id).await;
    let buf = render(&d, SIZE);

    assert_eq!(d.app.divergence.class, Some(Class::Parked));
    let pane = text_in(&buf, panes().divergence);
    assert!(line_with(&pane, "class").contains("⏸ parked"), "{pane}");
    assert!(pane.contains("projection failed"), "{pane}");
    let parted = d.app.divergence.parted_at.expect("explain finds the event");
    assert!(pane.contains(&format!("parted at v{parted}")), "{pane}");
    snapshot(
        "parked",
        "the planted parked order: class parked, explain's projection-failed line",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn help_is_generated_from_the_keymap() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(key(KeyCode::Char('?'))).await;
    let buf = render(&d, SIZE);
    // Tall enough for every line at once (120×40 scrolls).
    let screen = text(&render(&d, (200, 90)));
    for (keys, what, _) in d.app.keymap.help() {
        assert!(
            screen.contains(&format!("{keys:<16}{what}")),
            "{keys} {what}"
        );
    }
    snapshot(
        "help",
        "? opens the key help, one line per keymap command",
        &demo.scrub(&buf),
    );

    // Rebinding a command changes its line in the help.
    let overrides = BTreeMap::from([("quit".to_string(), vec!["x".to_string()])]);
    d.app.keymap = Keymap::with_overrides(&overrides).unwrap();
    let screen = text(&render(&d, SIZE));
    assert!(line_with(&screen, " quit").contains(&format!("{:<16}quit", "x")));
    assert!(!screen.contains("q/ctrl-c"), "{screen}");
}

#[tokio::test]
async fn raw_event_shows_it_as_stored_as_upcast_and_its_metadata() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    // The demo stores one OrderCreated per 97 orders in schema v1 (no currency).
    let legacy = generate(DemoSpec {
        orders: ORDERS,
        seed: SEED,
        snapshot_every: Config::default().snapshot_every,
    })
    .swap_remove(5)
    .stream_id;
    open(&mut d, &legacy).await;
    d.send(key(KeyCode::Char('g'))).await;
    assert_eq!(d.app.stream.cursor, 1);
    d.send(key(KeyCode::Char('e'))).await;
    let Mode::Overlay(Overlay::Raw { lines, .. }) = &d.app.mode else {
        panic!("no raw overlay: {:?}", d.app.mode);
    };
    let upcast_line = lines
        .iter()
        .position(|l| l.starts_with("as upcast"))
        .expect("as upcast");
    let all = lines.join("\n");
    let stored = all.find("as stored:").expect("as stored");
    let upcast = all
        .find("as upcast (OrderCreated schema v2):")
        .expect("as upcast");
    let metadata = all.find("metadata as stored:").expect("metadata");
    assert!(stored < upcast && upcast < metadata, "{all}");
    // As stored is the stored text itself, not parsed and written again.
    let row = &demo
        .db
        .events()
        .read_stream(&legacy, 1, 1, 1)
        .await
        .unwrap()[0];
    assert!(
        all[stored..upcast].contains(&format!("\n  {}\n", row.payload)),
        "{all}"
    );
    assert!(
        all[metadata..].contains(&format!("\n  {}", row.metadata)),
        "{all}"
    );
    // v1 has no currency; the upcast adds the default one.
    assert!(!all[stored..upcast].contains("\"currency\""), "{all}");
    assert!(
        all[upcast..metadata].contains("\"currency\": \"EUR\""),
        "{all}"
    );
    assert!(all[metadata..].contains("\"correlation_id\""), "{all}");
    // The demo's events come from no request: their trace line says so.
    assert_eq!(lines[2], "trace —", "{all}");

    // The first page starts with the event as stored.
    let buf = render(&d, SIZE);
    let screen = text(&buf);
    assert!(screen.contains(&format!("{legacy} v1 · OrderCreated (schema v1)")));
    assert!(screen.contains("as stored:"), "{screen}");
    snapshot(
        "raw_event",
        "e on a schema-v1 OrderCreated: the event as stored (its own bytes, no currency, split at the edge), then as upcast",
        &demo.scrub(&buf),
    );
    // Scrolled down (j) to the upcast: it, with the default currency, and the metadata.
    for _ in 0..upcast_line {
        d.send(key(KeyCode::Char('j'))).await;
    }
    let buf = render(&d, SIZE);
    let screen = text(&buf);
    assert!(screen.contains("\"currency\": \"EUR\""), "{screen}");
    assert!(screen.contains("metadata as stored:"), "{screen}");
    assert!(screen.contains("\"correlation_id\""), "{screen}");
    snapshot(
        "raw_event_scrolled",
        "the same overlay scrolled with j to the upcast payload (currency EUR), then the metadata as stored",
        &demo.scrub(&buf),
    );
}

/// An event written by an HTTP request that carried a `traceparent` names its trace id on a
/// line of its own under the header, not only inside the metadata JSON further down.
#[tokio::test]
async fn raw_event_names_the_trace_id_of_the_request_that_wrote_it() {
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    let demo = Demo::new().await;
    let id: OrderId = "eeeeeeee-0000-4000-8000-000000000001".parse().unwrap();
    let stream = id.to_stream_id();
    let services = Services::new(demo.db.clone(), &Config::default());
    let create = CommandRequest {
        order_id: id,
        command: OrderCommand::CreateOrder {
            customer_id: "traced".into(),
            items: vec!["SKU-1:1:5.00".parse().unwrap()],
            currency: Currency::EUR,
        },
        expected_version: Some(0),
        id_generated: false,
        context: CommandContext {
            actor: "http:e2e".into(),
            source: "http".into(),
            trace_id: Some(TRACE.into()),
            ..CommandContext::default()
        },
    };
    services
        .commands
        .execute(&create, Utc::now())
        .await
        .unwrap();

    let mut d = demo.driver(false, Theme::monochrome()).await;
    open(&mut d, &stream).await;
    assert_eq!(d.app.stream.cursor, 1);
    d.send(key(KeyCode::Char('e'))).await;
    let Mode::Overlay(Overlay::Raw { lines, .. }) = &d.app.mode else {
        panic!("no raw overlay: {:?}", d.app.mode);
    };
    assert_eq!(lines[2], format!("trace {TRACE}"), "{lines:#?}");

    // On screen: the header, when it was recorded, then the trace, on the first page.
    let screen = text(&render(&d, SIZE));
    let rows: Vec<&str> = screen.lines().collect();
    let header = rows
        .iter()
        .position(|l| l.contains(&format!("{stream} v1 · OrderCreated (schema v2)")))
        .unwrap_or_else(|| panic!("no event header:\n{screen}"));
    assert!(rows[header + 1].contains("│recorded "), "{screen}");
    assert!(
        rows[header + 2].contains(&format!("│trace {TRACE} ")),
        "the trace line under the recorded line:\n{screen}"
    );
}

#[tokio::test]
async fn dead_letters_overlay_lists_the_parked_event() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(key(KeyCode::Char('D'))).await;
    let buf = render(&d, SIZE);
    let screen = text(&buf);
    let letters = demo.db.read_model().dead_letters().await.unwrap();
    assert_eq!(letters.len(), 1);
    let l = &letters[0];
    assert_eq!(l.global_position, demo.faults.dead_letter_position);
    let line = line_with(&screen, &format!("#{} ", l.global_position));
    let attempts = match l.attempts {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    assert!(
        line.contains(&format!(
            "{} v{} {} · {attempts} · ",
            &l.stream_id[..8],
            l.version,
            l.event_type,
        )),
        "{line}"
    );
    // The error follows, as far as the overlay is wide.
    let error: String = l.error.chars().take(40).collect();
    assert!(line.contains(&format!("{attempts} · {error}")), "{line}");
    snapshot(
        "dead_letters",
        "D lists the one dead letter: position, order, version, type, attempts (labelled), error",
        &demo.scrub(&buf),
    );
}
