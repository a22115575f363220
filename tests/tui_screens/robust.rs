//! Robustness: small terminals, control characters in stored data, colour and NO_COLOR.

use chronicle::app::CommandRequest;
use chronicle::app::metadata::CommandContext;
use chronicle::domain::{
    Currency, OrderCommand, OrderCreated, OrderEvent, OrderId, OrderPaid, OrderShipped,
};
use chronicle::store::{AppendRequest, NewEvent};
use chrono::TimeZone;
use ratatui::style::{Color, Modifier};

use super::*;

#[tokio::test]
async fn a_small_terminal_gets_a_message_not_a_panic() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(Action::Resize(60, 10)).await;
    assert_eq!(d.app.size, (60, 10));
    let buf = render(&d, (60, 10));
    let screen = text(&buf);
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("60×10, need at least 80×16"), "{screen}");
    assert!(!screen.contains("Orders"), "{screen}");
    snapshot(
        "too_small",
        "60×10: a message saying the terminal is too small and what it needs, no panes",
        &demo.scrub(&buf),
    );

    for (w, h) in [(1, 1), (20, 5), (79, 16), (80, 15)] {
        d.send(Action::Resize(w, h)).await;
        let screen = text(&render(&d, (w, h)));
        if w >= 20 {
            assert!(screen.contains("Terminal too small"), "{w}×{h}:\n{screen}");
        }
    }
    // The smallest size that fits shows the panes again.
    d.send(Action::Resize(80, 16)).await;
    let screen = text(&render(&d, (80, 16)));
    assert!(
        screen.contains("Orders") && !screen.contains("too small"),
        "{screen}"
    );
}

/// A time in the demo's range, so no clock is the test's own.
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).unwrap()
}

#[tokio::test]
async fn control_characters_in_stored_text_are_shown_escaped() {
    let demo = Demo::new().await;
    let customer = "\u{1b}[31mRED\u{7}";
    let tracking = "TRK\r42\u{200b}\u{202e}";
    let id: OrderId = "ffffffff-0000-4000-8000-000000000001".parse().unwrap();
    let stream = id.to_stream_id();

    // The command service refuses control characters …
    let services = Services::new(demo.db.clone(), &Config::default());
    let create = CommandRequest {
        order_id: id,
        command: OrderCommand::CreateOrder {
            customer_id: customer.into(),
            items: vec!["SKU-1:1:5.00".parse().unwrap()],
            currency: Currency::EUR,
        },
        expected_version: Some(0),
        id_generated: false,
        context: CommandContext::default(),
    };
    let refused = services.commands.execute(&create, at()).await.unwrap_err();
    assert!(refused.to_string().contains("customer id"), "{refused}");

    // … so such text comes from elsewhere (an older writer, an import): store it directly.
    let events = [
        OrderEvent::Created(OrderCreated {
            order_id: id,
            customer_id: customer.into(),
            items: vec!["SKU-1:1:5.00".parse().unwrap()],
            currency: Currency::EUR,
            created_at: at(),
        }),
        OrderEvent::Paid(OrderPaid {
            method: "card".into(),
            amount: "5.00".parse().unwrap(),
            at: at(),
        }),
        OrderEvent::Shipped(OrderShipped {
            tracking_number: tracking.into(),
            at: at(),
        }),
    ];
    let stored: Vec<NewEvent> = events
        .iter()
        .map(|e| NewEvent {
            event_type: e.event_type().into(),
            schema_version: e.schema_version(),
            payload: e.payload_json(),
            metadata: "{}".into(),
            recorded_at: at(),
        })
        .collect();
    demo.db
        .events()
        .append(AppendRequest {
            stream_id: &stream,
            expected_version: 0,
            events: &stored,
            idempotency: None,
            idempotency_expired_before: None,
            snapshot: None,
        })
        .await
        .unwrap();

    let mut d = demo.driver(false, Theme::monochrome()).await;
    open(&mut d, &stream).await;
    assert_eq!(d.app.stream.cursor, 3);
    let buf = render(&d, SIZE);
    for cell in &buf.content {
        assert!(
            !cell
                .symbol()
                .contains(['\u{1b}', '\u{7}', '\r', '\u{200b}', '\u{202e}']),
            "raw control character in a cell: {:?}",
            cell.symbol()
        );
    }
    let a = panes();
    let stream_pane = text_in(&buf, a.stream);
    // (The summary is cut at the pane's edge, after the escaped ESC.)
    assert!(stream_pane.contains(r"\u{1b}[31mRED"), "{stream_pane}");
    assert!(stream_pane.contains(r"TRK\r42"), "{stream_pane}");
    // The state pane shows the same fields escaped too, not with the control characters
    // silently dropped (which would show a misleading `[31mRED`).
    let state = text_in(&buf, a.state);
    assert!(
        line_with(&state, "customer").contains(r"\u{1b}[31mRED\u{7}"),
        "state pane does not escape the customer:\n{state}"
    );
    assert!(
        line_with(&state, "tracking").contains(r"TRK\r42\u200B\u202E"),
        "state pane does not escape the tracking number:\n{state}"
    );
    snapshot(
        "control_characters",
        "an order whose customer holds ESC…BEL and tracking a CR: shown escaped, never raw",
        &demo.scrub(&buf),
    );
}

/// Cells with a foreground or background colour.
fn coloured(buf: &Buffer) -> usize {
    buf.content
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count()
}

#[tokio::test]
async fn colour_theme_colours_and_monochrome_uses_none() {
    let demo = Demo::new().await;
    let colour = demo.driver(false, Theme::colored()).await;
    let mono = demo.driver(false, Theme::monochrome()).await;
    let colour_buf = render(&colour, SIZE);
    let mono_buf = render(&mono, SIZE);
    // The same screen, styled differently.
    assert_eq!(text(&colour_buf), text(&mono_buf));
    assert!(coloured(&colour_buf) > 0);
    assert_eq!(coloured(&mono_buf), 0, "NO_COLOR: no colour at all");
    // Monochrome still marks the selected row, with reverse video.
    let a = panes();
    let selected = (a.orders.x + 1, a.orders.y + 1);
    assert_eq!(mono_buf[selected].symbol(), "▶");
    assert!(mono_buf[selected].modifier.contains(Modifier::REVERSED));
}

/// A dead letter whose stored event type holds an escape sequence and a bidi override (a
/// hand edit, an older writer): the `D` overlay shows both escaped, never raw, never dropped.
#[tokio::test]
async fn the_dead_letter_overlay_escapes_hostile_stored_text() {
    let demo = Demo::new().await;
    let d = demo.driver(false, Theme::monochrome()).await;
    let row = pending_row(&d);
    let hostile = "Item\u{1b}[2JAdded\u{202e}";
    demo.db
        .events()
        .append(AppendRequest {
            stream_id: &row.id,
            expected_version: row.version,
            events: &[NewEvent {
                event_type: hostile.into(),
                schema_version: 1,
                payload: "{}".into(),
                metadata: "{}".into(),
                recorded_at: at(),
            }],
            idempotency: None,
            idempotency_expired_before: None,
            snapshot: None,
        })
        .await
        .unwrap();
    let services = Services::new(demo.db.clone(), &Config::default());
    services.projector.settle(|_| {}).await.unwrap();
    let mut d = demo.driver(false, Theme::monochrome()).await;
    d.send(key(KeyCode::Char('D'))).await;
    let buf = render(&d, SIZE);
    for cell in &buf.content {
        assert!(
            !cell.symbol().contains(['\u{1b}', '\u{202e}']),
            "raw {:?} in a cell",
            cell.symbol()
        );
    }
    let screen = text(&buf);
    let line = line_with(&screen, &row.id[..8]);
    assert!(line.contains(r"Item\u{1b}[2JAdded\u202E"), "{line}");
}
