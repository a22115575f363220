//! Headers: bearer tokens and the actor, `Idempotency-Key`, `If-Match`, `X-Correlation-Id`
//! and `traceparent`, each reaching the stored events.

use serde_json::json;

use crate::support::{Backend, OPS, SHOP, answer, mug_order, server, server_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_a_configured_token_whose_name_is_the_actor() {
    let s = server().await;
    let url = s.url("/api/orders");
    let none = answer(s.client.post(&url).json(&mug_order())).await;
    assert_eq!(
        (none.status, none.body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let wrong = answer(
        s.client
            .post(&url)
            .bearer_auth("ops-token-0123456788")
            .json(&mug_order()),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        s.services.read.head(None).await.unwrap().position,
        0,
        "nothing written"
    );

    let a = answer(s.client.post(&url).bearer_auth(SHOP).json(&mug_order())).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["order_id"].as_str().unwrap();
    let meta = s.metadata(id).await;
    assert_eq!(meta[0]["actor"], "http:shop");
    assert_eq!(meta[0]["source"], "http");
    // Reads are open.
    assert_eq!(s.get(&format!("/api/orders/{id}")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_retry_gets_the_first_answer_and_another_body_is_refused() {
    let s = server().await;
    let post = |body: serde_json::Value| {
        answer(
            s.client
                .post(s.url("/api/orders"))
                .bearer_auth(OPS)
                .header("idempotency-key", "create-1")
                .json(&body),
        )
    };
    let first = post(mug_order()).await;
    let again = post(mug_order()).await;
    assert_eq!(first.status, 201);
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(
        s.services.read.head(None).await.unwrap().position,
        1,
        "one effect"
    );
    let mut other = mug_order();
    other["customer_id"] = json!("bob");
    let reused = post(other).await;
    assert_eq!(
        (reused.status, reused.body["error"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
}

on_both_backends!(
    fifty_concurrent_identical_requests_have_one_effect_and_one_answer,
    fifty_concurrent_identical_requests_have_one_effect_on_postgres,
    fifty_identical,
    4
);

async fn fifty_identical(backend: Backend) {
    let s = server_on(backend).await;
    let id = s.create().await;
    let url = s.url(&format!("/api/orders/{id}/pay"));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let req = s
                .client
                .post(&url)
                .bearer_auth(OPS)
                .header("idempotency-key", "pay-once")
                .json(&json!({"method": "card", "amount": "25.00"}));
            tokio::spawn(answer(req))
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for a in &answers {
        assert_eq!((a.status, &a.body), (200, &answers[0].body), "{}", a.body);
    }
    assert_eq!(answers[0].body["version"], 2);
    let events = s.metadata(&id).await;
    assert_eq!(events.len(), 2, "created and paid once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_with_a_stale_version_is_412_and_changes_nothing() {
    let s = server().await;
    let id = s.create().await;
    let add = |version: &str| {
        answer(
            s.client
                .post(s.url(&format!("/api/orders/{id}/items")))
                .bearer_auth(OPS)
                .header("if-match", version)
                .json(&json!({"sku": "TEE", "quantity": 1, "unit_price": "20.00"})),
        )
    };
    let ok = add("\"1\"").await;
    assert_eq!(
        (ok.status, ok.header("etag")),
        (200, Some("\"2\"")),
        "{}",
        ok.body
    );
    let stale = add("\"1\"").await;
    assert_eq!(
        (stale.status, stale.body["error"].as_str()),
        (412, Some("precondition_failed"))
    );
    assert_eq!(s.metadata(&id).await.len(), 2);
    let bad = add("one").await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("if-match"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlation_and_trace_ids_are_echoed_and_stored_in_every_event() {
    let s = server().await;
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let a = answer(
        s.client
            .post(s.url("/api/orders"))
            .bearer_auth(OPS)
            .header("x-correlation-id", "checkout-77")
            .header("traceparent", tp)
            .json(&mug_order()),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.header("x-correlation-id"), Some("checkout-77"));
    assert_eq!(a.header("traceparent"), Some(tp));
    let id = a.body["order_id"].as_str().unwrap();
    let meta = s.metadata(id).await;
    assert_eq!(meta[0]["correlation_id"], "checkout-77");
    assert_eq!(meta[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    // Not exported here: the caller's span is the parent a later projection span joins.
    assert_eq!(meta[0]["span_id"], "00f067aa0ba902b7");

    // Without one, a correlation id is generated, echoed and stored.
    let b = s.post("/api/orders", mug_order()).await;
    let generated = b.header("x-correlation-id").unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
    let meta = s.metadata(b.body["order_id"].as_str().unwrap()).await;
    assert_eq!(meta[0]["correlation_id"].as_str(), Some(generated.as_str()));
    assert!(meta[0].get("trace_id").is_none());

    let bad = answer(
        s.client
            .get(s.url("/healthz"))
            .header("traceparent", "00-zz-00-01"),
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("traceparent"))
    );
}
