//! What-if on the confirm line: a write shows what it would append and change, run by the
//! pure `decide` on a copy of the state; cancelled, nothing is written. The id and the
//! exact total come from Tab.

use chronicle::tui::state::Mode;
use chronicle::tui::whatif::WhatIf;

use super::*;

#[tokio::test]
async fn a_what_if_pay_shows_the_would_be_events_and_cancelling_writes_nothing() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let row = pending_row(&d);
    open(&mut d, &row.id).await;
    let head = demo.db.events().head_position().await.unwrap();
    let version = demo.db.events().stream_version(&row.id).await.unwrap();

    // `:pay ` suggests the open order; Tab takes it, then Tab after the method fills the
    // exact total.
    d.send(key(KeyCode::Char(':'))).await;
    keys(&mut d, "pay ").await;
    let ghost = text_in(&render(&d, SIZE), panes().prompt);
    assert!(ghost.contains(&format!("pay {}", row.id)), "{ghost}");
    d.send(key(KeyCode::Tab)).await;
    keys(&mut d, "card ").await;
    d.send(key(KeyCode::Tab)).await;
    let Mode::Input(_, line) = &d.app.mode else {
        panic!("{:?}", d.app.mode);
    };
    let total = row.total.split(' ').next().unwrap();
    assert_eq!(line.text, format!("pay {} card {total} ", row.id));
    d.send(key(KeyCode::Enter)).await;

    let Mode::Confirm(c) = &d.app.mode else {
        panic!("{:?}", d.app.mode);
    };
    let Some(WhatIf::Appends { events, changes }) = &c.what_if else {
        panic!("{:?}", c.what_if);
    };
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].version, events[0].event_type.as_str()),
        (version + 1, "OrderPaid")
    );
    assert!(
        changes
            .iter()
            .any(|f| f.name == "status" && f.value == "Paid")
    );
    for size in [(80, 24), (120, 40), (200, 60)] {
        let buf = render(&d, size);
        let screen = text(&buf);
        assert!(screen.contains("what-if · not stored"), "{screen}");
        assert!(
            screen.contains(&format!("v{} OrderPaid card {total}", version + 1)),
            "{screen}"
        );
        assert!(
            screen.contains("~ status       Paid  (was Pending)"),
            "{screen}"
        );
        snapshot(
            &format!("what_if_pay_{}x{}", size.0, size.1),
            "pay with Tab's id and total: the box shows the would-be event and the state change, marked not stored",
            &demo.scrub(&buf),
        );
    }

    d.send(key(KeyCode::Char('n'))).await;
    assert!(matches!(d.app.mode, Mode::Normal));
    assert!(!text(&render(&d, SIZE)).contains("what-if"));
    assert_eq!(
        demo.db.events().head_position().await.unwrap(),
        head,
        "nothing written"
    );
}

#[tokio::test]
async fn a_what_if_that_a_rule_refuses_says_so_before_y() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let row = pending_row(&d);
    prompt(&mut d, &format!("ship {} TRK-9", &row.id[..8])).await;
    let Mode::Confirm(c) = &d.app.mode else {
        panic!("{:?}", d.app.mode);
    };
    assert!(
        matches!(&c.what_if, Some(WhatIf::Rejected(_))),
        "{:?}",
        c.what_if
    );
    let screen = text(&render(&d, SIZE));
    assert!(
        line_with(&screen, "would be rejected:").contains("cannot ship an order that is Pending"),
        "{screen}"
    );
}
