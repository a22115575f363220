//! A stored event that no longer decodes: the list badges its order, the stream shows the
//! stored row and the error, the comparison pane names it, and every other order still shows.

use chronicle::app::divergence::Class;

use super::*;

const BAD_PAYLOAD: &str = r#"{"item":{"sku":42}}"#;

/// Appends an undecodable `ItemAdded` to the first order that is not a planted fault;
/// returns its id and the event's position.
async fn corrupt_one(demo: &Demo) -> (String, i64) {
    let f = &demo.faults;
    let events = demo.db.events();
    let streams = events.list_streams(None, 10).await.unwrap();
    let target = streams
        .iter()
        .find(|s| ![&f.tampered_order, &f.parked_order, &f.lagging_order].contains(&&s.stream_id))
        .expect("an order without a planted fault");
    let position = demo
        .append_stored(&target.stream_id, target.version, BAD_PAYLOAD, "{}")
        .await;
    (target.stream_id.clone(), position)
}

#[tokio::test]
async fn a_corrupt_event_is_badged_and_shown_as_stored_without_blinding_the_rest() {
    let demo = Demo::new().await;
    let (id, position) = corrupt_one(&demo).await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let app = &d.app;
    assert_eq!(app.orders.rows.len(), ORDERS, "every order is still listed");
    assert!(app.orders.error.is_none(), "{:?}", app.orders.error);
    let row = app.orders.rows.iter().find(|r| r.id == id).expect("listed");
    assert_eq!(row.class, Class::Corrupt);
    let flagged = app
        .orders
        .rows
        .iter()
        .filter(|r| r.class != Class::InSync)
        .count();
    assert_eq!(flagged, 4, "the three planted faults and the corrupt order");
    let a = panes();
    let orders = text_in(&render(&d, SIZE), a.orders);
    assert!(line_with(&orders, &id[..8]).contains("corrupt"), "{orders}");

    open(&mut d, &id).await;
    let buf = render(&d, SIZE);
    let stream = text_in(&buf, a.stream);
    let last = d.app.stream.window.last().expect("stream rows");
    assert_eq!(last.position, position);
    assert!(last.summary.starts_with('⚠'), "{}", last.summary);
    assert!(last.summary.contains(BAD_PAYLOAD), "{}", last.summary);
    assert!(stream.contains('⚠'), "{stream}");
    assert_eq!(d.app.divergence.class, Some(Class::Corrupt));
    let text = text(&buf);
    assert!(
        text.contains(&format!("event #{position} does not decode")),
        "{text}"
    );
}
