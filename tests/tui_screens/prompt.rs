//! The `:` prompt: confirmation, cancel, a rejected write, a good write, read-only.

use chronicle::app::divergence::Class;
use chronicle::tui::state::{Level, Message, Mode};

use super::*;

/// A pending order the read model agrees on: one the domain lets us pay.
fn pending_order(driver: &Driver) -> (String, String) {
    let row = driver
        .app
        .orders
        .rows
        .iter()
        .find(|r| r.status.as_deref() == Some("Pending") && r.class == Class::InSync)
        .expect("the demo has a pending order");
    (row.id.clone(), row.total.clone())
}

#[tokio::test]
async fn prompt_confirms_cancels_and_shows_a_rejection_in_place() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let a = panes();
    let (id, total) = pending_order(&d);
    let version = demo.db.events().stream_version(&id).await.unwrap();
    let head = demo.db.events().head_position().await.unwrap();
    assert!(!total.starts_with("1.00 "), "the wrong amount must differ");

    // The confirm line spells out the exact command, with the full id.
    let typed = format!("pay {} card 1.00", &id[..8]);
    prompt(&mut d, &typed).await;
    let exact = format!("pay {id} card 1.00 (at v{version})");
    assert!(matches!(&d.app.mode, Mode::Confirm(c) if c.text == exact));
    let buf = render(&d, SIZE);
    let line = text_in(&buf, a.prompt);
    assert!(line.starts_with(&format!("confirm: {exact}")), "{line}");
    snapshot(
        "prompt_confirm",
        ":pay PREFIX card 1.00 + Enter: the confirm line shows the exact command, full id and version",
        &demo.scrub(&buf),
    );

    // Anything but y cancels; nothing is written.
    d.send(key(KeyCode::Char('n'))).await;
    assert!(matches!(d.app.mode, Mode::Normal));
    let line = text_in(&render(&d, SIZE), a.prompt);
    assert!(line.starts_with(&format!("cancelled: {exact}")), "{line}");
    assert_eq!(demo.db.events().head_position().await.unwrap(), head);

    // Confirmed, the domain rejects the amount; the rejection is shown in place.
    prompt(&mut d, &typed).await;
    d.send(key(KeyCode::Char('y'))).await;
    let buf = render(&d, SIZE);
    let line = text_in(&buf, a.prompt);
    assert!(
        matches!(d.app.status.current(), Some(Message { level: Level::Error, text }) if text.contains("does not equal the order total")),
        "{:?}",
        d.app.status.current()
    );
    assert!(
        line.contains("rejected: amount 1.00 does not equal the order total"),
        "{line}"
    );
    assert_eq!(
        demo.db.events().head_position().await.unwrap(),
        head,
        "nothing written"
    );
    assert_eq!(demo.db.events().stream_version(&id).await.unwrap(), version);
    snapshot(
        "prompt_rejected",
        "the confirmed pay with a wrong amount: the domain's rejection on the prompt line, nothing written",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn a_confirmed_write_shows_its_success_and_opens_the_order() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let a = panes();
    let head = demo.db.events().head_position().await.unwrap();
    prompt(&mut d, "create c-9 SKU-1:2:3.50").await;
    assert!(matches!(&d.app.mode, Mode::Confirm(c) if c.text == "create c-9 SKU-1:2:3.50 EUR"));
    d.send(key(KeyCode::Char('y'))).await;
    let Some(Message {
        level: Level::Ok,
        text: message,
    }) = d.app.status.current().cloned()
    else {
        panic!("no success: {:?}", d.app.status.current());
    };
    let created = message
        .strip_prefix("✓ CreateOrder ")
        .and_then(|m| m.split(':').next())
        .expect("the message names the new order")
        .to_string();
    assert!(message.ends_with(": OrderCreated → v1"), "{message}");
    let line = text_in(&render(&d, SIZE), a.prompt);
    assert!(line.starts_with(&message), "{line}");
    assert_eq!(demo.db.events().stream_version(&created).await.unwrap(), 1);
    assert_eq!(demo.db.events().head_position().await.unwrap(), head + 1);
    assert!(d.app.orders.rows.iter().any(|r| r.id == created));
    assert_eq!(d.app.stream.order.as_deref(), Some(created.as_str()));
    assert_eq!((d.app.stream.cursor, d.app.stream.head), (1, 1));
    // The operator is the event's actor, the debugger its source.
    let event = &demo
        .db
        .events()
        .read_stream(&created, 1, 1, 1)
        .await
        .unwrap()[0];
    assert!(
        event.metadata.contains("\"actor\":\"tester@host\""),
        "{}",
        event.metadata
    );
    assert!(
        event.metadata.contains("\"source\":\"tui\""),
        "{}",
        event.metadata
    );

    // The new id sorts anywhere among the demo's: filter the list to it for a stable screen.
    open(&mut d, &created).await;
    // The terminal loop polls the head on a timer; one tick updates the header.
    d.send(Action::Tick).await;
    let buf = render(&d, SIZE);
    let header = text_in(&buf, a.header);
    assert!(header.contains(&format!("head #{}", head + 1)), "{header}");
    let lag = demo.faults.lag_events + 1;
    assert!(
        header.contains(&format!("projector {lag} events behind the log")),
        "{header}"
    );
    assert_eq!(d.app.orders.rows.len(), 1);
    // The success line belonged to `y`: the keys that filtered the list ended it.
    assert_eq!(
        text_in(&buf, a.prompt).trim(),
        "",
        "the success line stayed"
    );
    let divergence = text_in(&buf, a.divergence);
    assert!(
        line_with(&divergence, "class").contains("missing"),
        "{divergence}"
    );
    snapshot(
        "prompt_created",
        "create c-9 SKU-1:2:3.50 + y, then the list filtered to the new order: open at v1, not yet projected; the success line ended with the filter's keys",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn read_only_refuses_writes() {
    let demo = Demo::new().await;
    let mut d = demo.driver(true, Theme::monochrome()).await;
    let (id, total) = pending_order(&d);
    let head = demo.db.events().head_position().await.unwrap();
    let amount = total.split(' ').next().unwrap();
    prompt(&mut d, &format!("pay {} card {amount}", &id[..8])).await;
    let buf = render(&d, SIZE);
    let a = panes();

    assert!(matches!(d.app.mode, Mode::Normal), "no confirmation asked");
    assert!(text_in(&buf, a.header).contains("READ-ONLY"));
    let line = text_in(&buf, a.prompt);
    assert!(line.starts_with("read-only:"), "{line}");
    assert!(line.contains("refuses writes"), "{line}");
    assert_eq!(demo.db.events().head_position().await.unwrap(), head);
    snapshot(
        "read_only",
        "--read-only: a write at the prompt is refused with the read-only message",
        &demo.scrub(&buf),
    );
}

#[tokio::test]
async fn open_by_prefix_jumps_to_the_order_and_says_when_nothing_matches() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = d.app.orders.rows[3].id.clone();
    prompt(&mut d, &format!("open {}", &id[..8])).await;
    assert_eq!(d.app.stream.order.as_deref(), Some(id.as_str()));
    assert_eq!(d.app.selected_order().map(|r| r.id.clone()), Some(id));

    prompt(&mut d, "open 0000000000").await;
    let shown = d.app.status.current().map(|m| (m.level, m.text.clone()));
    assert!(
        matches!(&shown, Some((Level::Error, t)) if t.contains("no order id starts with 0000000000")),
        "{shown:?}"
    );
}

#[tokio::test]
async fn capital_y_reads_the_stored_event_for_the_clipboard() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = d.app.orders.rows[0].id.clone();
    open(&mut d, &id).await;
    d.send(key(KeyCode::Char('Y'))).await;
    let shown = d.app.status.current().map(|m| m.text.clone());
    assert!(
        shown
            .as_deref()
            .is_some_and(|t| t.starts_with("copied event #") && t.ends_with(" as stored (OSC 52)")),
        "{shown:?}"
    );
}
