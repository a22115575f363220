//! `:fork`: an alternative history of the open order beside the real one, never stored.

use chronicle::app::read::Origin;

use super::*;

#[tokio::test]
async fn a_fork_cancels_at_v2_replays_the_rest_and_esc_leaves_nothing_stored() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    // An order with a few events after its creation.
    let row = d
        .app
        .orders
        .rows
        .iter()
        .find(|r| r.version >= 4 && r.status.as_deref() != Some("Cancelled"))
        .expect("the demo has a longer order")
        .clone();
    open(&mut d, &row.id).await;
    d.send(key(KeyCode::Char('g'))).await;
    d.send(key(KeyCode::Char('l'))).await;
    assert_eq!(d.app.stream.cursor, 2);
    let head = demo.db.events().head_position().await.unwrap();

    prompt(&mut d, "fork cancel what if").await;
    let f = d.app.fork.as_ref().expect("the fork is shown");
    assert_eq!(f.steps[0].origin, Origin::Hypothetical);
    assert_eq!(f.steps[0].event_type, "OrderCancelled");
    assert_eq!(f.steps.len() as u64, 1 + row.version - 2);
    for size in [(80, 24), (120, 40), (200, 60)] {
        let buf = render(&d, size);
        let screen = text(&buf);
        assert!(screen.contains("FORK of"), "{screen}");
        assert!(screen.contains("FORK: not stored"), "{screen}");
        snapshot(
            &format!("fork_{}x{}", size.0, size.1),
            ":fork cancel at v2: the hypothetical event, the real ones replayed after it, the fork's state and projection; not stored",
            &demo.scrub(&buf),
        );
    }
    d.send(key(KeyCode::Right)).await;
    let state = text_in(&render(&d, SIZE), panes().state);
    assert!(state.contains("FORK state @ v4"), "{state}");

    d.send(key(KeyCode::Esc)).await;
    assert!(d.app.fork.is_none());
    let screen = text(&render(&d, SIZE));
    assert!(!screen.contains("FORK"), "{screen}");
    assert_eq!(d.app.stream.cursor, 2, "the real cursor stayed");
    assert_eq!(
        demo.db.events().head_position().await.unwrap(),
        head,
        "nothing stored"
    );
}
