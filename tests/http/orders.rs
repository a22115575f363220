//! The order lifecycle over HTTP: writes with their answers, and every read.

use serde_json::json;

use crate::support::{Backend, mug_order, server, server_on, written};

on_both_backends!(
    an_order_lives_its_whole_life_over_http,
    an_order_lives_its_whole_life_over_http_on_postgres,
    whole_life
);

async fn whole_life(backend: Backend) {
    let s = server_on(backend).await;
    let a = s.post("/api/orders", mug_order()).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["order_id"].as_str().unwrap().to_string();
    assert_eq!(a.body["version"], 1);
    assert_eq!(
        a.header("location"),
        Some(format!("/api/orders/{id}").as_str())
    );
    assert_eq!(a.header("etag"), Some("\"1\""));

    let a = s
        .post(
            &format!("/api/orders/{id}/items"),
            json!({"sku": "TEE", "quantity": 1, "unit_price": "20.00"}),
        )
        .await;
    written(&a, 2);
    let a = s
        .write(
            reqwest::Method::DELETE,
            &format!("/api/orders/{id}/items/TEE"),
        )
        .await;
    written(&a, 3);
    let a = s
        .post(
            &format!("/api/orders/{id}/pay"),
            json!({"method": "card", "amount": "25.00"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = s
        .post(
            &format!("/api/orders/{id}/ship"),
            json!({"tracking_number": "TRK-1"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = s
        .write(reqwest::Method::POST, &format!("/api/orders/{id}/deliver"))
        .await;
    written(&a, 6);

    // Not projected yet: the answer is replayed, and says so.
    let a = s.get(&format!("/api/orders/{id}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["source"], "replay");
    assert_eq!(a.body["order"]["status"], "Delivered");
    assert_eq!(a.body["order"]["total"], "25.00");

    s.services.projector.catch_up(|_| {}).await.unwrap();
    let a = s.get(&format!("/api/orders/{id}")).await;
    assert_eq!(a.body["source"], "read-model", "{}", a.body);
    assert_eq!(
        (a.body["version"].as_u64(), a.body["lag_events"].as_u64()),
        (Some(6), Some(0))
    );
    assert_eq!(a.body["order"]["tracking_number"], "TRK-1");
    assert_eq!(a.header("etag"), Some("\"6\""));

    let a = s.get(&format!("/api/orders/{id}?at_version=2")).await;
    assert_eq!(a.body["source"], "replay");
    assert_eq!(a.body["version"], 2);
    assert_eq!(a.body["order"]["status"], "Pending");
    assert_eq!(a.body["order"]["total"], "45.00");
    let strong = s.get(&format!("/api/orders/{id}?consistency=strong")).await;
    assert_eq!(
        (
            strong.body["source"].as_str(),
            strong.body["version"].as_u64()
        ),
        (Some("replay"), Some(6))
    );

    let a = s.get(&format!("/api/orders/{id}/events?limit=4")).await;
    let events = a.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[0]["event_type"], "OrderCreated");
    assert_eq!(events[0]["payload"]["customer_id"], "alice");
    assert_eq!(a.body["next_from"], 5);
    let rest = s.get(&format!("/api/orders/{id}/events?from=5")).await;
    assert_eq!(rest.body["events"].as_array().unwrap().len(), 2);
    assert!(rest.body["next_from"].is_null());

    let d = s.get(&format!("/api/orders/{id}/divergence")).await;
    assert_eq!(d.status, 200, "{}", d.body);
}

on_both_backends!(
    the_order_list_pages_by_cursor_and_filters_by_status_and_customer,
    the_order_list_pages_by_cursor_and_filters_by_status_and_customer_on_postgres,
    the_order_list_pages_by_cursor_and_filters_by_status_and_customer_on
);

async fn the_order_list_pages_by_cursor_and_filters_by_status_and_customer_on(backend: Backend) {
    let s = server_on(backend).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(s.create().await);
    }
    let paid = ids[1].clone();
    let a = s
        .post(
            &format!("/api/orders/{paid}/pay"),
            json!({"method": "card", "amount": "25.00"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    s.services.projector.catch_up(|_| {}).await.unwrap();
    ids.sort();

    let first = s.get("/api/orders?limit=3").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let page: Vec<&str> = first.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        page,
        ids[..3].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = s.get(&format!("/api/orders?limit=3&cursor={cursor}")).await;
    let rest: Vec<&str> = second.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rest,
        ids[3..].iter().map(String::as_str).collect::<Vec<_>>()
    );

    let paid_only = s.get("/api/orders?status=paid").await;
    let listed = paid_only.body["orders"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", paid_only.body);
    assert_eq!(listed[0]["order_id"].as_str(), Some(paid.as_str()));
    assert_eq!(listed[0]["class"], "in-sync");
    let nobody = s.get("/api/orders?customer=bob").await;
    assert!(nobody.body["orders"].as_array().unwrap().is_empty());
    let alice = s.get("/api/orders?customer=ali").await;
    assert_eq!(alice.body["orders"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer() {
    let s = server().await;
    let h = s.get("/healthz").await;
    assert_eq!((h.status, h.body["status"].as_str()), (200, Some("ok")));
    s.create().await;
    let r = s.get("/readyz").await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ready")));
    assert_eq!(r.body["head"], 1);
    assert_eq!(r.body["lag_events"], 1);
}
