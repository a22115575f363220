//! One stored event that no longer decodes blinds nothing else: the check names it in a class
//! of its own and scans on, the lists mark it, the stream shows the stored row and the error.

mod common;

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::divergence::Class;
use chronicle::app::read::ListEntry;
use chronicle::domain::OrderId;
use chronicle::store::{AppendRequest, NewEvent, OrderPageQuery};
use common::{Db, settings, t0};

/// An `ItemAdded` whose payload has the wrong shape: it was stored, it no longer decodes.
const BAD_PAYLOAD: &str = r#"{"item": {"sku": 42}, "at": "yesterday"}"#;

/// Two orders; the first gets one undecodable event. Returns (services, bad, good, position).
async fn shop_with_a_corrupt_event(db: &Db) -> (Services, OrderId, OrderId, i64) {
    let shop = db.shop().await;
    let bad = shop.create("bad", &["A:1:1.00"]).await;
    let good = shop.create("good", &["A:1:2.00"]).await;
    shop.projector(settings(10)).catch_up(|_| {}).await.unwrap();
    let appended = shop
        .store
        .append(AppendRequest {
            stream_id: &bad.to_stream_id(),
            expected_version: 1,
            events: &[NewEvent {
                event_type: "ItemAdded".into(),
                schema_version: 1,
                payload: BAD_PAYLOAD.into(),
                metadata: "{}".into(),
                recorded_at: t0(),
            }],
            idempotency: None,
            idempotency_expired_before: None,
            snapshot: None,
        })
        .await
        .unwrap();
    let services = Services::new(db.open_store().await, &Config::default());
    (services, bad, good, appended.last_position)
}

#[tokio::test]
async fn check_reports_the_corrupt_order_with_its_position_and_scans_on() {
    let db = Db::new();
    let (services, bad, good, position) = shop_with_a_corrupt_event(&db).await;
    let report = services.read.check(None, |_| {}).await.unwrap();
    assert_eq!(report.orders, 2);
    assert_eq!(report.counts["corrupt"], 1);
    assert_eq!(
        report.counts["in-sync"], 1,
        "the good order is still checked"
    );
    let c = &report.divergent[0];
    assert_eq!(
        (c.order_id.as_str(), c.class),
        (bad.to_stream_id().as_str(), Class::Corrupt)
    );
    let event = c.corrupt.as_ref().expect("the corrupt event");
    assert_eq!(event.global_position, position);
    assert!(!event.error.is_empty());
    // One order alone says the same.
    let one = services.read.check(Some(bad), |_| {}).await.unwrap();
    assert_eq!(one.divergent[0].class, Class::Corrupt);
    let fine = services.read.check(Some(good), |_| {}).await.unwrap();
    assert!(fine.all_in_sync());
}

#[tokio::test]
async fn lists_mark_the_corrupt_order_and_keep_the_others() {
    let db = Db::new();
    let (services, bad, good, position) = shop_with_a_corrupt_event(&db).await;
    let page = services
        .read
        .orders_page(&OrderPageQuery {
            limit: 10,
            ..OrderPageQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 2);
    let row = |id: OrderId| {
        page.rows
            .iter()
            .find(|r| r.order_id == id.to_stream_id())
            .unwrap()
    };
    assert_eq!(row(bad).class, Class::Corrupt);
    assert_eq!(row(bad).corrupt.as_ref().unwrap().global_position, position);
    assert_eq!(
        row(bad).customer_id,
        "bad",
        "the row's customer is still shown"
    );
    assert_eq!(row(good).class, Class::InSync);
    assert_eq!(row(good).total.as_deref(), Some("2.00"));

    let list = services.read.list(None, 10).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().any(|e| matches!(
        e,
        ListEntry::Corrupt { order_id, corrupt } if *order_id == bad.to_stream_id()
            && corrupt.global_position == position
    )));
    assert!(
        list.iter()
            .any(|e| matches!(e, ListEntry::Order(s) if s.order_id == good))
    );
}

#[tokio::test]
async fn the_stream_shows_the_stored_row_and_the_error() {
    let db = Db::new();
    let (services, bad, _, position) = shop_with_a_corrupt_event(&db).await;
    let stream = bad.to_stream_id();
    let window = services
        .read
        .stream_window(&stream, None, 50)
        .await
        .unwrap();
    assert_eq!((window.head, window.events.len()), (2, 2));
    let first = &window.events[0];
    assert!(first.event.is_some() && first.error.is_none());
    let broken = &window.events[1];
    assert_eq!(broken.global_position, position);
    assert_eq!(broken.payload, BAD_PAYLOAD, "the stored bytes, as stored");
    assert!(broken.event.is_none());
    assert!(
        broken
            .error
            .as_deref()
            .is_some_and(|e| e.contains(&position.to_string()))
    );
    let raw = services.read.raw_event(&stream, 2).await.unwrap();
    assert_eq!(raw.payload, BAD_PAYLOAD);
    assert!(raw.upcast.is_none() && raw.error.is_some());
    let d = services.read.divergence(&stream).await.unwrap();
    assert_eq!(d.class, Class::Corrupt);
    assert_eq!(d.corrupt.unwrap().global_position, position);
}
