//! The debugger's browsing queries against a real SQLite file: keyset paging under every sort
//! and filter (no row twice, none skipped, in the promised order), search within a stream,
//! correlation across orders, id prefixes, and the loader's trail of states.

mod common;

use std::collections::HashSet;

use chronicle::app::metadata::CommandContext;
use chronicle::domain::{OrderId, OrderStatus};
use chronicle::store::{
    BrowseStore, ListedOrder, OrderFilter, OrderPageQuery, OrderSort, SqliteStore, SummaryRow,
};
use common::{Db, Shop, add, request, settings};
use rust_decimal::Decimal;

/// Every page of a query, `limit` rows at a time, following each page's last key.
async fn all_pages(db: &SqliteStore, filter: &OrderFilter, sort: OrderSort) -> Vec<ListedOrder> {
    let mut out: Vec<ListedOrder> = Vec::new();
    loop {
        let page = db
            .list_orders(&OrderPageQuery {
                filter: filter.clone(),
                sort,
                after: out.last().map(|l| l.key.clone()),
                limit: 4,
            })
            .await
            .unwrap();
        let done = page.len() < 4;
        out.extend(page);
        assert!(out.len() < 1000, "paging does not end");
        if done {
            return out;
        }
    }
}

fn ids(listed: &[ListedOrder]) -> Vec<String> {
    listed.iter().map(|l| l.order_id.clone()).collect()
}

/// 24 projected orders over every lifecycle (totals repeat, so sorts must break ties) and
/// two created after the projector ran (streams without a read-model row).
async fn shop_with_orders(db: &Db) -> (Shop, Vec<OrderId>, Vec<OrderId>) {
    let shop = db.shop().await;
    let projected = shop.workload(24).await;
    shop.projector(settings(100))
        .catch_up(|_| {})
        .await
        .unwrap();
    let late = vec![
        shop.create("late-1", &["L:1:1.00"]).await,
        shop.create("late-2", &["L:2:1.00"]).await,
    ];
    (shop, projected, late)
}

fn sorted_by<K: Ord>(rows: &[SummaryRow], key: impl Fn(&SummaryRow) -> K) -> Vec<String> {
    let mut rows: Vec<&SummaryRow> = rows.iter().collect();
    rows.sort_by(|a, b| key(b).cmp(&key(a)).then(b.order_id.cmp(&a.order_id)));
    rows.iter().map(|r| r.order_id.clone()).collect()
}

#[tokio::test]
async fn id_order_pages_every_stream_once_including_those_without_a_row() {
    let db = Db::new();
    let (shop, projected, late) = shop_with_orders(&db).await;
    let sqlite = db.open_sqlite().await;
    let listed = all_pages(&sqlite, &OrderFilter::All, OrderSort::Id).await;
    let mut expected: Vec<String> = projected
        .iter()
        .chain(&late)
        .map(OrderId::to_stream_id)
        .collect();
    expected.sort();
    assert_eq!(ids(&listed), expected);
    for l in &listed {
        let id: OrderId = l.order_id.parse().unwrap();
        assert_eq!(l.stream_version, shop.version(id).await, "{}", l.order_id);
    }

    let prefix = expected[5][..2].to_string();
    let by_prefix = all_pages(
        &sqlite,
        &OrderFilter::IdPrefix(prefix.clone()),
        OrderSort::Id,
    )
    .await;
    let want: Vec<String> = expected
        .iter()
        .filter(|id| id.starts_with(&prefix))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&by_prefix), want);
}

#[tokio::test]
async fn recent_and_total_sorts_page_the_read_model_without_repeats_or_gaps() {
    let db = Db::new();
    let (shop, _, _) = shop_with_orders(&db).await;
    let sqlite = db.open_sqlite().await;
    let rows = shop.rows().await;
    assert_eq!(rows.len(), 24, "the late orders have no row yet");

    let recent = all_pages(&sqlite, &OrderFilter::All, OrderSort::Recent).await;
    assert_eq!(ids(&recent), sorted_by(&rows, |r| r.updated_at.clone()));

    let total = all_pages(&sqlite, &OrderFilter::All, OrderSort::Total).await;
    let by_total = sorted_by(&rows, |r| r.total.parse::<Decimal>().unwrap());
    assert_eq!(ids(&total), by_total);
    let distinct: HashSet<&str> = rows.iter().map(|r| r.total.as_str()).collect();
    assert!(
        distinct.len() < rows.len(),
        "ties exist, so the tie-break is exercised"
    );
}

#[tokio::test]
async fn customer_and_status_filters_read_the_read_model_under_every_sort() {
    let db = Db::new();
    let (shop, _, _) = shop_with_orders(&db).await;
    let sqlite = db.open_sqlite().await;
    let rows = shop.rows().await;
    let shipped = OrderStatus::Shipped.as_str().to_string();
    for sort in [OrderSort::Id, OrderSort::Recent, OrderSort::Total] {
        let listed = all_pages(&sqlite, &OrderFilter::Status(shipped.clone()), sort).await;
        let mut got = ids(&listed);
        let mut want: Vec<String> = rows
            .iter()
            .filter(|r| r.status == shipped)
            .map(|r| r.order_id.clone())
            .collect();
        assert!(!want.is_empty());
        got.sort();
        want.sort();
        assert_eq!(got, want, "status filter, sort {sort:?}");

        let listed = all_pages(&sqlite, &OrderFilter::Customer("cust-1".into()), sort).await;
        let mut got = ids(&listed);
        let mut want: Vec<String> = rows
            .iter()
            .filter(|r| r.customer_id.starts_with("cust-1"))
            .map(|r| r.order_id.clone())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "customer prefix, sort {sort:?}");
        assert_eq!(want.len(), 11, "cust-1 and cust-10..cust-19");
    }
}

#[tokio::test]
async fn search_in_a_stream_finds_the_nearest_match_either_way() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("c", &["A:1:1.00"]).await;
    for sku in ["B", "NEEDLE", "C", "NEEDLE-2", "D"] {
        shop.add(id, &format!("{sku}:1:1.00")).await;
    }
    let sqlite = db.open_sqlite().await;
    let stream = id.to_stream_id();
    let find = |from, forward| {
        let sqlite = sqlite.clone();
        let stream = stream.clone();
        async move {
            sqlite
                .find_in_stream(&stream, from, "needle", forward)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        find(0, true).await,
        Some(3),
        "case-insensitive, in payloads"
    );
    assert_eq!(find(3, true).await, Some(5), "strictly after the cursor");
    assert_eq!(find(5, true).await, None);
    assert_eq!(find(6, false).await, Some(5));
    assert_eq!(find(5, false).await, Some(3), "strictly before the cursor");
    let by_type = sqlite
        .find_in_stream(&stream, 0, "orderCREATED", true)
        .await
        .unwrap();
    assert_eq!(by_type, Some(1), "event types match too");
}

#[tokio::test]
async fn correlated_events_are_found_across_orders_in_log_order() {
    let db = Db::new();
    let shop = db.shop().await;
    let a = shop.create("a", &["A:1:1.00"]).await;
    let b = shop.create("b", &["B:1:1.00"]).await;
    let other = shop.create("c", &["C:1:1.00"]).await;
    let shared = "checkout-42";
    for id in [a, b] {
        let mut req = request(id, add("S:1:2.00"));
        req.context = CommandContext {
            correlation_id: Some(shared.into()),
            actor: "t".into(),
            source: "test".into(),
            ..CommandContext::default()
        };
        shop.svc.execute(&req, shop.tick()).await.unwrap();
    }
    shop.add(other, "S:1:2.00").await;
    let sqlite = db.open_sqlite().await;
    let found = sqlite.correlated(shared, 100).await.unwrap();
    let got: Vec<(String, u64)> = found
        .iter()
        .map(|e| (e.stream_id.clone(), e.version))
        .collect();
    assert_eq!(got, vec![(a.to_stream_id(), 2), (b.to_stream_id(), 2)]);
    assert!(
        found
            .windows(2)
            .all(|w| w[0].global_position < w[1].global_position)
    );
    assert!(sqlite.correlated("nobody", 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn id_prefixes_resolve_to_streams_in_id_order() {
    let db = Db::new();
    let shop = db.shop().await;
    let mut all = Vec::new();
    for i in 0..12 {
        all.push(
            shop.create(&format!("c{i}"), &["A:1:1.00"])
                .await
                .to_stream_id(),
        );
    }
    all.sort();
    let sqlite = db.open_sqlite().await;
    assert_eq!(sqlite.streams_with_prefix("", 5).await.unwrap(), all[..5]);
    let full = &all[7];
    assert_eq!(
        sqlite.streams_with_prefix(&full[..13], 5).await.unwrap(),
        vec![full.clone()]
    );
    assert!(
        sqlite
            .streams_with_prefix("zz", 5)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_loader_trail_holds_every_state_from_the_snapshot_to_the_version() {
    let db = Db::new();
    let shop = db.shop().await; // snapshots every 5 events
    let id = shop.create("c", &["A:1:1.00"]).await;
    for i in 0..11 {
        shop.add(id, &format!("S{i}:1:1.00")).await;
    }
    let trail = shop.loader.load_trail(id, 12).await.unwrap();
    let versions: Vec<u64> = trail.iter().map(|o| o.version).collect();
    assert_eq!(versions, vec![10, 11, 12], "from the snapshot at 10");
    for o in &trail {
        assert_eq!(*o, shop.loader.load(id, Some(o.version)).await.unwrap());
    }
    let early: Vec<u64> = shop
        .loader
        .load_trail(id, 4)
        .await
        .unwrap()
        .iter()
        .map(|o| o.version)
        .collect();
    assert_eq!(
        early,
        vec![1, 2, 3, 4],
        "no snapshot below 5: from the first event"
    );
    assert!(
        shop.loader
            .load_trail(OrderId(uuid::Uuid::new_v4()), 3)
            .await
            .unwrap()
            .is_empty()
    );
}
