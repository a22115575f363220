//! Stream and order ids order by their bytes (UTF-8), never by a collation: uppercase before
//! lowercase, `é` after `z`, a combining accent where its bytes put it.

use std::sync::Arc;

use chronicle::store::{BrowseStore, EventStore, OrderFilter, OrderPageQuery, OrderSort, PageKey};

use crate::common::event;
use crate::support::{Factory, Fixture, put_rows, req, summary_row};

/// In byte order, spelled out rather than computed.
const BY_BYTES: [&str; 17] = [
    " a",
    "0",
    "A",
    "B",
    "Z9",
    "a",
    "a-b",
    "aB",
    "a_b",
    "ab",
    "b",
    "e\u{301}x",
    "z",
    "~",
    "ä",
    "é1",
    "éa",
];

/// Streams that get a second event, so a scan by stream shows each stream contiguously.
const TWICE: [&str; 3] = ["a", "B", "é1"];

async fn seeded<F: Factory>() -> Fixture {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    // Appended in an order that is neither byte order nor any collation's.
    let mut scrambled = BY_BYTES.to_vec();
    scrambled.reverse();
    scrambled.rotate_left(5);
    for id in &scrambled {
        store.append(req(id, 0, &[event(1)])).await.unwrap();
    }
    for id in TWICE {
        store.append(req(id, 1, &[event(2)])).await.unwrap();
    }
    let rows: Vec<_> = scrambled.iter().map(|id| summary_row(id)).collect();
    put_rows(&fx.read_model(), &rows).await;
    fx
}

/// Every page of `list_orders`, three rows at a time.
async fn pages(browse: &dyn BrowseStore, filter: OrderFilter) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let query = OrderPageQuery {
            filter: filter.clone(),
            sort: OrderSort::Id,
            after: after.clone(),
            limit: 3,
        };
        let page = browse.list_orders(&query).await.unwrap();
        let Some(last) = page.last() else {
            return out;
        };
        after = Some(last.key.clone());
        out.extend(page.iter().map(|l| l.order_id.clone()));
        assert!(out.len() < 100, "paging does not end");
    }
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_string()).collect()
}

pub async fn ids_order_by_bytes_in_every_listing<F: Factory>() {
    let mut sorted = BY_BYTES.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, BY_BYTES, "the expectation itself is byte order");
    let fx = seeded::<F>().await;
    let want = owned(&BY_BYTES);
    check_event_listings(&fx.events(), &want).await;

    let read_model = fx.read_model();
    let rows = read_model.rows_after("", 100).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.order_id.clone()).collect::<Vec<_>>(),
        want
    );
    let after_a = read_model.rows_after("a", 2).await.unwrap();
    let after_a: Vec<&str> = after_a.iter().map(|r| r.order_id.as_str()).collect();
    assert_eq!(after_a, ["a-b", "aB"], "rows_after");

    let browse = fx.browse();
    assert_eq!(browse.streams_with_prefix("", 100).await.unwrap(), want);
    for (prefix, ids) in [
        ("a", &["a", "a-b", "aB", "a_b", "ab"][..]),
        ("A", &["A"]),
        ("é", &["é1", "éa"]),
        ("e", &["e\u{301}x"]),
        ("\u{e4}", &["ä"]),
    ] {
        let got = browse.streams_with_prefix(prefix, 100).await.unwrap();
        assert_eq!(got, owned(ids), "streams_with_prefix({prefix:?})");
        let got = pages(browse.as_ref(), OrderFilter::IdPrefix(prefix.into())).await;
        assert_eq!(got, owned(ids), "list_orders IdPrefix({prefix:?})");
    }
    assert_eq!(
        pages(browse.as_ref(), OrderFilter::All).await,
        want,
        "list_orders by id"
    );
    let from_rows = pages(browse.as_ref(), OrderFilter::Customer("cust-".into())).await;
    assert_eq!(from_rows, want, "list_orders by id over the read model");
}

/// `list_streams` and `read_by_stream`, whole and paged.
async fn check_event_listings(store: &Arc<dyn EventStore>, want: &[String]) {
    let listed = store.list_streams(None, 100).await.unwrap();
    let listed: Vec<String> = listed.into_iter().map(|s| s.stream_id).collect();
    assert_eq!(listed, want, "list_streams");
    let mut paged: Vec<String> = Vec::new();
    loop {
        let page = store
            .list_streams(paged.last().map(String::as_str), 3)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        paged.extend(page.into_iter().map(|s| s.stream_id));
    }
    assert_eq!(paged, want, "list_streams paged");

    let mut scanned: Vec<(String, u64)> = Vec::new();
    loop {
        let (s, v) = scanned.last().cloned().unwrap_or_default();
        let page = store.read_by_stream(&s, v, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        scanned.extend(page.into_iter().map(|e| (e.stream_id, e.version)));
    }
    let mut want_scan = Vec::new();
    for id in want {
        want_scan.push((id.clone(), 1));
        if TWICE.contains(&id.as_str()) {
            want_scan.push((id.clone(), 2));
        }
    }
    assert_eq!(scanned, want_scan, "read_by_stream paged");
    let whole = store.read_by_stream("", 0, 100).await.unwrap();
    let whole: Vec<(String, u64)> = whole
        .into_iter()
        .map(|e| (e.stream_id, e.version))
        .collect();
    assert_eq!(whole, want_scan, "read_by_stream whole");
}

/// A prefix matches every id that starts with it, whatever follows (even U+10FFFF).
pub async fn a_prefix_matches_every_id_that_starts_with_it<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let ids = ["a", "a\u{FFFF}", "a\u{10FFFF}", "a\u{10FFFF}z", "b"];
    for id in ids {
        fx.events().append(req(id, 0, &[event(1)])).await.unwrap();
    }
    let rows: Vec<_> = ids.iter().map(|id| summary_row(id)).collect();
    put_rows(&fx.read_model(), &rows).await;
    let browse = fx.browse();
    let want = owned(&ids[..4]);
    assert_eq!(browse.streams_with_prefix("a", 10).await.unwrap(), want);
    assert_eq!(
        pages(browse.as_ref(), OrderFilter::IdPrefix("a".into())).await,
        want
    );
    let by_customer = pages(browse.as_ref(), OrderFilter::Customer("cust-a".into())).await;
    assert_eq!(by_customer, want);
}
