//! Jumps and empty lists on the seeded database, through the real worker: a jump to an
//! order the filter hides lists the page that starts at it, with it selected; a filter that
//! matches nothing leaves no order on screen.

use chronicle::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use crate::{Demo, SIZE, key, keys, render, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_jump_to_a_hidden_order_lists_and_selects_it() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let letters = demo.db.read_model().dead_letters().await.unwrap();
    let target = letters[0].stream_id.clone();
    // A filter that hides the dead letter's order: another order's full id.
    let other = d
        .app
        .orders
        .rows
        .iter()
        .map(|r| r.id.clone())
        .find(|id| *id != target)
        .unwrap();
    keys(&mut d, &format!("/id:{other}")).await;
    d.send(key(KeyCode::Enter)).await;
    assert_eq!(d.app.orders.rows.len(), 1);
    assert_eq!(d.app.stream.order.as_deref(), Some(other.as_str()));

    d.send(key(KeyCode::Char('D'))).await;
    d.send(key(KeyCode::Enter)).await;
    assert_eq!(d.app.stream.order.as_deref(), Some(target.as_str()));
    let selected = d.app.selected_order().map(|r| r.id.clone());
    assert_eq!(
        selected.as_deref(),
        Some(target.as_str()),
        "the list follows the jump"
    );
    assert_eq!(d.app.orders.rows[0].id, target, "its page starts at it");
    assert_eq!(d.app.stream.cursor, letters[0].version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_that_matches_nothing_shows_no_order() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    assert!(d.app.stream.order.is_some());
    keys(&mut d, "/customer:nobody-at-all").await;
    d.send(key(KeyCode::Enter)).await;
    assert!(d.app.orders.rows.is_empty());
    assert_eq!(d.app.stream.order, None);
    assert!(d.app.state.fields.is_empty());
    assert_eq!(d.app.divergence.class, None);
    let screen = text(&render(&d, SIZE));
    assert!(screen.contains("no order selected"), "{screen}");
}
