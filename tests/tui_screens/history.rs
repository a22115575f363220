//! `:at #P`: every pane as of a point in the log, marked historical, and back with
//! `:at now`.

use super::*;

#[tokio::test]
async fn at_a_position_shows_the_log_then_and_at_now_returns() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let head = demo.db.events().head_position().await.unwrap();
    let p = head / 4;

    prompt(&mut d, &format!("at #{p}")).await;
    assert_eq!(d.app.as_of_position(), Some(p));
    let existed = demo.db.browse().streams_at(p, "", "", 1_000).await.unwrap();
    let listed: Vec<&str> = d.app.orders.rows.iter().map(|r| r.id.as_str()).collect();
    let want: Vec<&str> = existed
        .iter()
        .take(listed.len())
        .map(|(s, _)| s.as_str())
        .collect();
    assert_eq!(listed, want, "the orders that existed at #{p}, in id order");
    for (row, (_, v)) in d.app.orders.rows.iter().zip(&existed) {
        assert_eq!(row.version, *v, "{} at its version then", row.id);
    }
    // The first order then is open, its stream ending where it did then.
    let open = d.app.stream.order.clone().expect("an order is open");
    assert_eq!(open, existed[0].0);
    assert_eq!(d.app.stream.head, existed[0].1);
    for size in [(80, 24), (120, 40), (200, 60)] {
        let buf = render(&d, size);
        let screen = text(&buf);
        assert!(
            screen.contains(&format!("HISTORICAL: as of #{p}")),
            "{screen}"
        );
        assert!(screen.contains(&format!("as of #{p} · by id")), "{screen}");
        snapshot(
            &format!("as_of_{}x{}", size.0, size.1),
            ":at #P: the orders of the log then, each at its version then; marked historical",
            &demo.scrub(&buf),
        );
    }

    prompt(&mut d, "at now").await;
    assert_eq!(d.app.as_of, None);
    let screen = text(&render(&d, SIZE));
    assert!(!screen.contains("HISTORICAL"), "{screen}");
    let open = d.app.stream.order.clone().expect("an order is open");
    let live = demo.db.events().stream_version(&open).await.unwrap();
    assert_eq!(d.app.stream.head, live);
}
