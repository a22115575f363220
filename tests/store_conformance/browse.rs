//! The debugger's browsing queries over real orders: keyset paging under every sort and
//! filter (no row twice, none skipped, in the promised order), search within a stream,
//! correlation across orders, id prefixes, and the loader's trail of states. Orders are
//! written through the command service and projected; queries go through another handle,
//! read-only, as the debugger's would.

use std::collections::HashSet;
use std::sync::Arc;

use chronicle::app::metadata::CommandContext;
use chronicle::domain::{OrderId, OrderStatus};
use chronicle::store::{
    Access, BrowseStore, ListedOrder, NewEvent, OrderFilter, OrderPageQuery, OrderSort, Stored,
    SummaryRow,
};

use crate::common::{Shop, add, request, settings, t0};
use crate::support::{Factory, Fixture, req};

/// Every page of a query, four rows at a time, following each page's last key.
async fn all_pages(
    browse: &Arc<dyn BrowseStore>,
    filter: &OrderFilter,
    sort: OrderSort,
) -> Vec<ListedOrder> {
    let mut out: Vec<ListedOrder> = Vec::new();
    loop {
        let page = browse
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
async fn shop_with_orders(fx: &Fixture) -> (Shop, Vec<OrderId>, Vec<OrderId>) {
    let shop = Shop::over(&fx.store);
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

/// Browse queries through a read-only handle of their own.
async fn reader(fx: &Fixture) -> Arc<dyn BrowseStore> {
    fx.handle(Access::ReadOnly).await.browse()
}

/// Ids by `key` descending, ties by id descending.
fn sorted_by<K: Ord>(rows: &[SummaryRow], key: impl Fn(&SummaryRow) -> K) -> Vec<String> {
    let mut rows: Vec<&SummaryRow> = rows.iter().collect();
    rows.sort_by(|a, b| key(b).cmp(&key(a)).then(b.order_id.cmp(&a.order_id)));
    rows.iter().map(|r| r.order_id.clone()).collect()
}

pub async fn id_order_pages_every_stream_once_including_those_without_a_row<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let (shop, projected, late) = shop_with_orders(&fx).await;
    let browse = reader(&fx).await;
    let listed = all_pages(&browse, &OrderFilter::All, OrderSort::Id).await;
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
    let filter = OrderFilter::IdPrefix(prefix.clone());
    let by_prefix = all_pages(&browse, &filter, OrderSort::Id).await;
    let want: Vec<String> = expected
        .iter()
        .filter(|id| id.starts_with(&prefix))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&by_prefix), want);
}

pub async fn recent_and_total_sorts_page_the_read_model_without_repeats_or_gaps<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let (shop, _, _) = shop_with_orders(&fx).await;
    let browse = reader(&fx).await;
    let rows = shop.rows().await;
    assert_eq!(rows.len(), 24, "the late orders have no row yet");
    assert!(
        rows.iter()
            .all(|r| r.updated_at.valid().is_some() && r.total.valid().is_some())
    );

    let recent = all_pages(&browse, &OrderFilter::All, OrderSort::Recent).await;
    assert_eq!(
        ids(&recent),
        sorted_by(&rows, |r| r.updated_at.valid().copied())
    );

    let total = all_pages(&browse, &OrderFilter::All, OrderSort::Total).await;
    assert_eq!(ids(&total), sorted_by(&rows, |r| r.total.valid().copied()));
    let distinct: HashSet<_> = rows.iter().filter_map(|r| r.total.valid()).collect();
    assert!(
        distinct.len() < rows.len(),
        "ties exist, so the tie-break is exercised"
    );
}

pub async fn customer_and_status_filters_read_the_read_model_under_every_sort<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let (shop, _, _) = shop_with_orders(&fx).await;
    let browse = reader(&fx).await;
    let rows = shop.rows().await;
    let matching = |keep: &dyn Fn(&SummaryRow) -> bool| {
        let mut ids: Vec<String> = rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.order_id.clone())
            .collect();
        ids.sort();
        ids
    };
    let shipped = matching(&|r| r.status == Stored::Valid(OrderStatus::Shipped));
    let cust_1 = matching(&|r| r.customer_id.starts_with("cust-1"));
    assert!(!shipped.is_empty());
    assert_eq!(cust_1.len(), 11, "cust-1 and cust-10..cust-19");
    for sort in [OrderSort::Id, OrderSort::Recent, OrderSort::Total] {
        let filter = OrderFilter::Status(OrderStatus::Shipped);
        let mut got = ids(&all_pages(&browse, &filter, sort).await);
        got.sort();
        assert_eq!(got, shipped, "status filter, sort {sort:?}");

        let filter = OrderFilter::Customer("cust-1".into());
        let mut got = ids(&all_pages(&browse, &filter, sort).await);
        got.sort();
        assert_eq!(got, cust_1, "customer prefix, sort {sort:?}");
    }
}

pub async fn search_in_a_stream_finds_the_nearest_match_either_way<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let shop = Shop::over(&fx.store);
    let id = shop.create("c", &["A:1:1.00"]).await;
    for sku in ["B", "NEEDLE", "C", "NEEDLE-2", "D"] {
        shop.add(id, &format!("{sku}:1:1.00")).await;
    }
    let browse = reader(&fx).await;
    let stream = id.to_stream_id();
    let find = async |from, needle: &str, forward| {
        browse
            .find_in_stream(&stream, from, needle, forward)
            .await
            .unwrap()
    };
    assert_eq!(
        find(0, "needle", true).await,
        Some(3),
        "case-insensitive, in payloads"
    );
    assert_eq!(
        find(3, "needle", true).await,
        Some(5),
        "strictly after the cursor"
    );
    assert_eq!(find(5, "needle", true).await, None);
    assert_eq!(find(6, "needle", false).await, Some(5));
    assert_eq!(
        find(5, "needle", false).await,
        Some(3),
        "strictly before the cursor"
    );
    assert_eq!(find(3, "needle", false).await, None);
    assert_eq!(
        find(0, "orderCREATED", true).await,
        Some(1),
        "event types match too"
    );
    assert_eq!(find(0, "needle-2", true).await, Some(5));
    assert_eq!(find(0, "haystack", true).await, None);
    let other = browse.find_in_stream("elsewhere", 0, "needle", true).await;
    assert_eq!(other.unwrap(), None);
}

pub async fn correlated_events_are_found_across_orders_in_log_order<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let shop = Shop::over(&fx.store);
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
    let browse = reader(&fx).await;
    let found = browse.correlated(shared, 100).await.unwrap();
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
    assert_eq!(browse.correlated(shared, 1).await.unwrap(), found[..1]);
    assert!(
        browse
            .correlated("checkout-4", 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(browse.correlated("nobody", 100).await.unwrap().is_empty());
}

/// Metadata comes back as it was written, so it may be spelled any way JSON allows: the
/// correlation id is found by what the metadata says, not by how it is spaced or escaped.
pub async fn correlated_reads_the_metadata_not_its_spelling<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let spellings = [
        r#"{"correlation_id":"c-\u00e9"}"#,
        r#"{"actor":"x", "correlation_id" : "c-é"}"#,
        "{\n  \"correlation_id\": \"c-\u{e9}\"\n}",
        r#"{"correlation_id":"c-é-not"}"#,
        r#"{"other":{"correlation_id":"c-é"}}"#,
    ];
    for (i, metadata) in spellings.iter().enumerate() {
        let e = NewEvent {
            event_type: "Test".into(),
            schema_version: 1,
            payload: "{}".into(),
            metadata: (*metadata).into(),
            recorded_at: t0(),
        };
        fx.events()
            .append(req(&format!("s{i}"), 0, &[e]))
            .await
            .unwrap();
    }
    let found = fx.browse().correlated("c-é", 10).await.unwrap();
    let streams: Vec<&str> = found.iter().map(|e| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["s0", "s1", "s2"]);
}

pub async fn id_prefixes_resolve_to_streams_in_id_order<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let shop = Shop::over(&fx.store);
    let mut all = Vec::new();
    for i in 0..12 {
        let id = shop.create(&format!("c{i}"), &["A:1:1.00"]).await;
        all.push(id.to_stream_id());
    }
    all.sort();
    let browse = reader(&fx).await;
    assert_eq!(browse.streams_with_prefix("", 5).await.unwrap(), all[..5]);
    assert_eq!(browse.streams_with_prefix("", 100).await.unwrap(), all);
    let full = &all[7];
    assert_eq!(
        browse.streams_with_prefix(&full[..13], 5).await.unwrap(),
        vec![full.clone()]
    );
    assert_eq!(
        browse.streams_with_prefix(full, 5).await.unwrap(),
        vec![full.clone()]
    );
    assert!(
        browse
            .streams_with_prefix("zz", 5)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn the_loader_trail_holds_every_state_from_the_snapshot_to_the_version<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let shop = Shop::over(&fx.store); // snapshots every 5 events
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
    let early = shop.loader.load_trail(id, 4).await.unwrap();
    let early: Vec<u64> = early.iter().map(|o| o.version).collect();
    assert_eq!(
        early,
        vec![1, 2, 3, 4],
        "no snapshot below 5: from the first event"
    );
    let unknown = shop.loader.load_trail(OrderId(uuid::Uuid::new_v4()), 3);
    assert!(unknown.await.unwrap().is_empty());
}
