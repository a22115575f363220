//! What must fit on the 120×40 screen the snapshots use: the signals the debugger exists to
//! show, whole. (These fail where the layout cuts them; see the snapshots for the screens.)

use chronicle::app::divergence::Class;

use super::*;

#[tokio::test]
async fn every_divergence_badge_is_shown_whole_in_the_orders_list() {
    let demo = Demo::new().await;
    let d = demo.driver(false, Theme::monochrome()).await;
    let orders = text_in(&render(&d, SIZE), panes().orders);
    let mut cut = Vec::new();
    for r in d
        .app
        .orders
        .rows
        .iter()
        .filter(|r| r.class != Class::InSync)
    {
        let badge = match r.class {
            Class::Diverged => "⚠ diverged".to_string(),
            Class::Parked => "⏸ parked".to_string(),
            Class::Lagging => format!("… lag {}", r.behind),
            other => panic!("the demo plants no {other:?} order"),
        };
        let line = line_with(&orders, &r.id[..8]);
        if !line.contains(&badge) {
            cut.push(format!("{badge:?} in {line:?}"));
        }
    }
    assert!(cut.is_empty(), "badges cut at the pane's edge: {cut:#?}");
}

#[tokio::test]
async fn the_parked_orders_explanation_is_shown_whole() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = demo.faults.parked_order.clone();
    open(&mut d, &id).await;
    let pane = text_in(&render(&d, SIZE), panes().divergence);
    let parted = d.app.divergence.parted_at.expect("explain finds the event");
    // The last line of the pane: what Enter does.
    assert!(
        pane.contains(&format!("Enter: jump to v{parted}")),
        "the divergence pane cuts explain's end and the jump hint:\n{pane}"
    );
    // The pane's text without its borders and line breaks holds the whole error.
    let flat: String = pane
        .lines()
        .map(|l| l.trim_matches(['│', ' ']))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("(at most 64)"), "{flat}");
}
