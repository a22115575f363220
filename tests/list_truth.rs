//! The order list is true to the replay, on a real SQLite file: filters and sorts place
//! each order by what its events say even where its read-model row lags or lies, class
//! filters list each class, and `]` finds the next out-of-sync order across every order.

mod common;

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::divergence::Class;
use chronicle::app::read::{ClassFilter, ListSource, OrdersPage, ReadSide, Towards};
use chronicle::domain::{OrderId, OrderStatus};
use chronicle::store::{OrderFilter, OrderPageQuery, OrderSort, Stored};
use common::{Db, Shop, settings};

/// The read side as the binary builds it, over its own handle on the database.
async fn read_side(db: &Db) -> ReadSide {
    Services::new(db.open_store().await, &Config::default()).read
}

async fn project(shop: &Shop) {
    shop.projector(settings(100))
        .catch_up(|_| {})
        .await
        .unwrap();
}

fn query(filter: OrderFilter, sort: OrderSort) -> OrderPageQuery {
    OrderPageQuery {
        filter,
        sort,
        after: None,
        limit: 100,
    }
}

fn ids(page: &OrdersPage) -> Vec<String> {
    page.rows.iter().map(|r| r.order_id.clone()).collect()
}

fn sid(id: OrderId) -> String {
    id.to_stream_id()
}

#[tokio::test]
async fn filters_and_sorts_place_unprojected_writes_by_their_replay() {
    let db = Db::new();
    let shop = db.shop().await;
    let mut settled = Vec::new();
    for i in 0..4 {
        settled.push(shop.create(&format!("c-{i}"), &["A:1:1.00"]).await);
    }
    project(&shop).await;
    // Written after the projector's last pass: the row of `cancelled` still says pending,
    // and `fresh` has no row at all.
    let cancelled = settled[1];
    shop.cancel(cancelled).await;
    let fresh = shop.create("zed", &["B:2:50.00"]).await;
    let read = read_side(&db).await;

    let pending = read
        .orders_page(&query(
            OrderFilter::Status(OrderStatus::Pending),
            OrderSort::Id,
        ))
        .await
        .unwrap();
    assert_eq!(pending.source, ListSource::Replay);
    assert!(!ids(&pending).contains(&sid(cancelled)), "{pending:?}");
    assert!(ids(&pending).contains(&sid(fresh)), "{pending:?}");
    assert!(
        pending
            .rows
            .iter()
            .all(|r| r.status.as_deref() == Some("Pending"))
    );

    let gone = read
        .orders_page(&query(
            OrderFilter::Status(OrderStatus::Cancelled),
            OrderSort::Id,
        ))
        .await
        .unwrap();
    assert_eq!(ids(&gone), [sid(cancelled)]);
    assert_eq!(gone.rows[0].class, Class::Lagging);

    let zed = read
        .orders_page(&query(OrderFilter::Customer("ze".into()), OrderSort::Id))
        .await
        .unwrap();
    assert_eq!(ids(&zed), [sid(fresh)]);
    assert_eq!(zed.rows[0].class, Class::Missing);

    let recent = read
        .orders_page(&query(OrderFilter::All, OrderSort::Recent))
        .await
        .unwrap();
    assert_eq!(ids(&recent)[..2], [sid(fresh), sid(cancelled)]);
    assert_eq!(recent.rows.len(), 5);

    let total = read
        .orders_page(&query(OrderFilter::All, OrderSort::Total))
        .await
        .unwrap();
    assert_eq!(ids(&total)[0], sid(fresh), "100.00 is the largest total");
}

#[tokio::test]
async fn pages_of_a_sort_hold_every_order_once_with_suspects_in_their_place() {
    let db = Db::new();
    let shop = db.shop().await;
    let mut all = Vec::new();
    for i in 0..9 {
        all.push(shop.create(&format!("c-{i}"), &["A:1:1.00"]).await);
    }
    project(&shop).await;
    // Two orders move to the top of "recent" without the projector seeing it.
    shop.add(all[2], "B:1:1.00").await;
    shop.add(all[5], "B:1:1.00").await;
    let read = read_side(&db).await;
    let mut seen = Vec::new();
    let mut q = OrderPageQuery {
        limit: 4,
        ..query(OrderFilter::Status(OrderStatus::Pending), OrderSort::Recent)
    };
    loop {
        let page = read.orders_page(&q).await.unwrap();
        seen.extend(ids(&page));
        match page.next {
            Some(k) => q.after = Some(k),
            None => break,
        }
    }
    let mut want: Vec<String> = all.iter().rev().map(|id| sid(*id)).collect();
    want.retain(|id| *id != sid(all[2]) && *id != sid(all[5]));
    want.insert(0, sid(all[2]));
    want.insert(0, sid(all[5]));
    assert_eq!(seen, want);
}

#[tokio::test]
async fn a_row_changed_behind_the_projector_is_listed_by_its_truth_once_checked() {
    let db = Db::new();
    let shop = db.shop().await;
    let liar = shop.create("c-1", &["A:1:1.00"]).await;
    shop.pay(liar).await;
    let honest = shop.create("c-2", &["A:1:1.00"]).await;
    shop.pay(honest).await;
    project(&shop).await;
    let mut row = shop.row(liar).await.unwrap();
    row.status = Stored::Valid(OrderStatus::Shipped);
    shop.put_row(&row).await;
    let read = read_side(&db).await;

    // The row says shipped; its events say paid.
    let shipped = read
        .orders_page(&query(
            OrderFilter::Status(OrderStatus::Shipped),
            OrderSort::Id,
        ))
        .await
        .unwrap();
    assert!(shipped.rows.is_empty(), "{shipped:?}");

    read.check(None, |_| {}).await.unwrap();
    let paid = read
        .orders_page(&query(
            OrderFilter::Status(OrderStatus::Paid),
            OrderSort::Id,
        ))
        .await
        .unwrap();
    let mut want = vec![sid(liar), sid(honest)];
    want.sort();
    assert_eq!(ids(&paid), want);
    let liar_row = paid.rows.iter().find(|r| r.order_id == sid(liar)).unwrap();
    assert_eq!(liar_row.class, Class::Diverged);
    assert_eq!(liar_row.status.as_deref(), Some("Paid"));

    let diverged = read
        .orders_of_class(
            ClassFilter::Only(Class::Diverged),
            &query(OrderFilter::All, OrderSort::Id),
        )
        .await
        .unwrap();
    assert_eq!(ids(&diverged), [sid(liar)]);
}

#[tokio::test]
async fn class_filters_list_each_class_and_nothing_else() {
    let db = Db::new();
    let shop = db.shop().await;
    let synced = shop.create("c-0", &["A:1:1.00"]).await;
    let lagging = shop.create("c-1", &["A:1:1.00"]).await;
    project(&shop).await;
    shop.add(lagging, "B:1:1.00").await;
    let missing = shop.create("c-2", &["A:1:1.00"]).await;
    let read = read_side(&db).await;
    let all = query(OrderFilter::All, OrderSort::Id);
    let of = |class: ClassFilter| {
        let read = read.clone();
        let all = all.clone();
        async move { ids(&read.orders_of_class(class, &all).await.unwrap()) }
    };
    assert_eq!(of(ClassFilter::Only(Class::Lagging)).await, [sid(lagging)]);
    assert_eq!(of(ClassFilter::Only(Class::Missing)).await, [sid(missing)]);
    assert_eq!(of(ClassFilter::Only(Class::InSync)).await, [sid(synced)]);
    let mut out = vec![sid(lagging), sid(missing)];
    out.sort();
    assert_eq!(of(ClassFilter::OutOfSync).await, out);
    assert!(of(ClassFilter::Only(Class::Diverged)).await.is_empty());
    assert_eq!(
        "out-of-sync".parse::<ClassFilter>(),
        Ok(ClassFilter::OutOfSync)
    );
    assert_eq!(
        "in_sync".parse::<ClassFilter>(),
        Ok(ClassFilter::Only(Class::InSync))
    );
    let err = "bogus".parse::<ClassFilter>().unwrap_err();
    assert!(
        err.contains("diverged") && err.contains("out-of-sync"),
        "{err}"
    );
}

#[tokio::test]
async fn next_out_of_sync_goes_past_the_page_and_round_the_end() {
    let db = Db::new();
    let shop = db.shop().await;
    let mut orders = Vec::new();
    for i in 0..130 {
        orders.push(shop.create(&format!("c-{i}"), &["A:1:1.00"]).await);
    }
    project(&shop).await;
    let mut by_id: Vec<OrderId> = orders.clone();
    by_id.sort_by_key(OrderId::to_stream_id);
    // Out of sync: the 10th, the 60th and the 125th in id order (the last two are past
    // the first page of 100).
    let (a, b, c) = (by_id[9], by_id[59], by_id[124]);
    shop.add(a, "B:1:1.00").await;
    shop.add(c, "B:1:1.00").await;
    let mut row = shop.row(b).await.unwrap();
    row.customer_id = "someone-else".into();
    shop.put_row(&row).await;
    let read = read_side(&db).await;
    read.check(None, |_| {}).await.unwrap();

    let next = |from: Option<OrderId>, towards| {
        let read = read.clone();
        async move {
            read.next_out_of_sync(OrderSort::Id, from.map(sid).as_deref(), towards)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let first = next(None, Towards::Next).await;
    assert_eq!(
        (first.order_id.as_str(), first.wrapped),
        (sid(a).as_str(), false)
    );
    assert_eq!(first.count, 3);
    let from_in_sync = next(Some(by_id[10]), Towards::Next).await;
    assert_eq!(from_in_sync.order_id, sid(b));
    assert_eq!(from_in_sync.class, Class::Diverged);
    let third = next(Some(b), Towards::Next).await;
    assert_eq!((third.order_id, third.class), (sid(c), Class::Lagging));
    let round = next(Some(c), Towards::Next).await;
    assert_eq!(
        (round.order_id.as_str(), round.wrapped),
        (sid(a).as_str(), true)
    );
    let back = next(Some(a), Towards::Previous).await;
    assert_eq!(
        (back.order_id.as_str(), back.wrapped),
        (sid(c).as_str(), true)
    );

    project(&shop).await;
    let mut fixed = shop.row(b).await.unwrap();
    fixed.customer_id = row_customer(&read, b).await;
    shop.put_row(&fixed).await;
    assert_eq!(
        read.next_out_of_sync(OrderSort::Id, None, Towards::Next)
            .await
            .unwrap(),
        None,
        "every order in sync again"
    );
}

/// The customer an order's events name.
async fn row_customer(read: &ReadSide, id: OrderId) -> String {
    read.loader().load(id, None).await.unwrap().customer_id
}

#[tokio::test]
async fn a_projector_far_behind_makes_the_list_say_it_filters_by_the_read_model() {
    let db = Db::new();
    let shop = db.shop().await;
    let one = shop.create("c-1", &["A:1:1.00"]).await;
    project(&shop).await;
    for i in 0..2_001 {
        shop.add(one, &format!("S{}:1:1.00", i % 50)).await;
    }
    let read = read_side(&db).await;
    let page = read
        .orders_page(&query(
            OrderFilter::Status(OrderStatus::Pending),
            OrderSort::Recent,
        ))
        .await
        .unwrap();
    assert_eq!(page.source, ListSource::ReadModel { lag: 2_001 });
    assert_eq!(ids(&page), [sid(one)]);
    let json = serde_json::to_value(&page).unwrap();
    assert_eq!(json["source"], "read_model");
    assert_eq!(json["lag"], 2_001);
}

#[tokio::test]
async fn the_log_as_of_a_position_lists_the_orders_then_at_their_versions_then() {
    let db = Db::new();
    let shop = db.shop().await;
    let early = shop.create("c-early", &["A:1:1.00"]).await;
    shop.add(early, "B:2:3.00").await;
    let read = read_side(&db).await;
    let then = read.loader().store().head_position().await.unwrap();
    let when = read.as_of_position(then).await.unwrap();
    shop.pay(early).await;
    let late = shop.create("c-late", &["A:1:1.00"]).await;

    let page = read.orders_at(then, "", None, 100).await.unwrap();
    assert_eq!(ids(&page), [sid(early)]);
    let row = &page.rows[0];
    assert_eq!(
        (row.version, row.status.as_deref(), row.total.as_deref()),
        (2, Some("Pending"), Some("7.00"))
    );
    let now = read.loader().store().head_position().await.unwrap();
    let mut both = vec![sid(early), sid(late)];
    both.sort();
    assert_eq!(
        ids(&read.orders_at(now, "", None, 100).await.unwrap()),
        both
    );

    let w = read
        .stream_window_at(&sid(early), None, 200, Some(then))
        .await
        .unwrap();
    assert_eq!((w.head, w.events.len(), w.cursor), (2, 2, 2));
    let err = read
        .stream_window_at(&sid(late), None, 200, Some(then))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&format!("#{then}")), "{err}");

    // A time finds the last position recorded at or before it.
    let t = when.recorded_at.unwrap();
    assert_eq!(read.as_of_time(t).await.unwrap().position, then);
    let second_before = t - chrono::Duration::seconds(1);
    assert_eq!(
        read.as_of_time(second_before).await.unwrap().position,
        then - 1
    );
    let long_ago = t - chrono::Duration::days(365);
    assert!(read.as_of_time(long_ago).await.is_err());
    assert!(read.as_of_position(0).await.is_err());
    assert!(read.as_of_position(now + 1).await.is_err());
}

#[tokio::test]
async fn a_fork_skips_or_adds_events_replays_the_rest_and_stores_nothing() {
    use chronicle::app::read::{ForkChange, Origin};
    use chronicle::domain::OrderCommand;
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("c-1", &["A:2:5.00"]).await;
    shop.add(id, "B:1:1.00").await;
    shop.pay(id).await;
    shop.ship(id, "TRK-1").await;
    let read = read_side(&db).await;
    let head = read.loader().store().head_position().await.unwrap();
    let now = common::t0() + chrono::Duration::days(1);

    // Skip the payment (v3): the shipment replays on an unpaid order.
    let f = read.fork(&sid(id), 3, ForkChange::Skip, now).await.unwrap();
    assert_eq!(f.base.version, 2);
    assert_eq!(f.steps.len(), 1);
    let s = &f.steps[0];
    assert_eq!(
        (s.version, s.real_version, s.origin),
        (3, Some(4), Origin::Real)
    );
    assert_eq!(s.event.event_type(), "OrderShipped");
    assert!(s.state.payment.is_none());
    assert_eq!(s.state.status, Some(OrderStatus::Shipped));

    // Cancel after v2 instead: one hypothetical event, then the real payment and shipment
    // replayed on the cancelled order.
    let cancel = OrderCommand::CancelOrder {
        reason: "what if".into(),
    };
    let f = read
        .fork(&sid(id), 2, ForkChange::Apply(cancel), now)
        .await
        .unwrap();
    assert_eq!(f.refused, None);
    let kinds: Vec<(u64, Origin, &str)> = f
        .steps
        .iter()
        .map(|s| (s.version, s.origin, s.event.event_type()))
        .collect();
    assert_eq!(
        kinds,
        [
            (3, Origin::Hypothetical, "OrderCancelled"),
            (4, Origin::Real, "OrderPaid"),
            (5, Origin::Real, "OrderShipped"),
        ]
    );
    assert_eq!(f.steps[0].state.status, Some(OrderStatus::Cancelled));
    // The fork's projection after the hypothetical event agrees with the fork's replay.
    assert_eq!(f.divergence(0), Ok(vec![]));

    // A command the domain refuses is said, and the fork only replays.
    let unpaid_shipment = OrderCommand::ShipOrder {
        tracking_number: "T".into(),
    };
    let f = read
        .fork(&sid(id), 1, ForkChange::Apply(unpaid_shipment), now)
        .await
        .unwrap();
    assert!(f.refused.is_some());
    assert_eq!(f.steps.len(), 3);
    assert!(f.steps.iter().all(|s| s.origin == Origin::Real));

    assert!(read.fork(&sid(id), 9, ForkChange::Skip, now).await.is_err());
    assert_eq!(
        read.loader().store().head_position().await.unwrap(),
        head,
        "nothing stored"
    );
}
