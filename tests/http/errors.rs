//! Bad input of every kind gets its status and a JSON body naming what is wrong, and
//! changes nothing.

use serde_json::json;

use crate::support::{Backend, OPS, answer, server_on, server_with};

on_both_backends!(
    malformed_or_invalid_bodies_are_400_naming_the_field,
    malformed_or_invalid_bodies_are_400_naming_the_field_on_postgres,
    malformed_or_invalid_bodies_are_400_naming_the_field_on
);

async fn malformed_or_invalid_bodies_are_400_naming_the_field_on(backend: Backend) {
    let s = server_on(backend).await;
    let raw = answer(
        s.client
            .post(s.url("/api/orders"))
            .bearer_auth(OPS)
            .header("content-type", "application/json")
            .body("{\"customer_id\": "),
    )
    .await;
    assert_eq!(
        (raw.status, raw.body["error"].as_str()),
        (400, Some("bad_request"))
    );
    let cases = [
        (
            json!({"customer_id": "a", "items": [{"sku": "MUG", "quantity": 1, "unit_price": "x"}]}),
            "items[0].unit_price",
        ),
        (
            json!({"customer_id": "a", "items": [{"sku": "MUG", "quantity": -1, "unit_price": "1"}]}),
            "items[0].quantity",
        ),
        (
            json!({"customer_id": "a", "items": [{"sku": "M\u{1b}G", "quantity": 1, "unit_price": "1"}]}),
            "items[0].sku",
        ),
        (
            json!({"customer_id": "a", "items": [], "currency": "XYZ"}),
            "currency",
        ),
        (
            json!({"customer_id": "a", "items": [], "extra": 1}),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let a = s.post("/api/orders", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(
            a.body["field"].as_str().is_some_and(|f| f.contains(field))
                || a.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(field)),
            "{body}: {}",
            a.body
        );
    }
    // What serde would quote in full and raw (an unknown key with an escape sequence, a
    // 50 kB value) comes back as a short escaped prefix.
    let key = format!("k\u{1b}[2J{}", "x".repeat(50_000));
    let hostile = [
        json!({"customer_id": "a", "items": [], &key: 1}),
        json!({"customer_id": "a", "items": [], "currency": "\u{1b}]0;t\u{7}".repeat(2_000)}),
    ];
    for body in hostile {
        let a = s.post("/api/orders", body).await;
        assert_eq!(a.status, 400, "{}", a.body);
        let text = a.body.to_string();
        assert!(text.len() < 1_000, "{} bytes: {}", text.len(), &text[..300]);
        let message = a.body["message"].as_str().unwrap_or_default();
        assert!(!message.contains(['\u{1b}', '\u{7}']), "{message:?}");
    }
    assert_eq!(s.services.read.head(None).await.unwrap().position, 0);
}

on_both_backends!(
    unknown_orders_are_404_and_bad_ids_400,
    unknown_orders_are_404_and_bad_ids_400_on_postgres,
    unknown_orders_are_404_and_bad_ids_400_on
);

async fn unknown_orders_are_404_and_bad_ids_400_on(backend: Backend) {
    let s = server_on(backend).await;
    let missing = "00000000-0000-4000-8000-000000000000";
    for path in [
        format!("/api/orders/{missing}"),
        format!("/api/orders/{missing}/events"),
    ] {
        let a = s.get(&path).await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let pay = s
        .post(
            &format!("/api/orders/{missing}/pay"),
            json!({"method": "card", "amount": "1"}),
        )
        .await;
    assert!(matches!(pay.status, 404 | 422), "{}", pay.body);
    let bad = s.get("/api/orders/not-an-id").await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (400, Some("id")));
    let nowhere = s.get("/api/nothing").await;
    assert_eq!(nowhere.status, 404);
    let limit = s.get("/api/orders?limit=100000").await;
    assert_eq!(
        (limit.status, limit.body["field"].as_str()),
        (400, Some("limit"))
    );
}

on_both_backends!(
    a_domain_rejection_is_422_and_appends_nothing,
    a_domain_rejection_is_422_and_appends_nothing_on_postgres,
    a_domain_rejection_is_422_and_appends_nothing_on
);

async fn a_domain_rejection_is_422_and_appends_nothing_on(backend: Backend) {
    let s = server_on(backend).await;
    let id = s.create().await;
    let wrong = s
        .post(
            &format!("/api/orders/{id}/pay"),
            json!({"method": "card", "amount": "1.00"}),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (422, Some("rejected")),
        "{}",
        wrong.body
    );
    let early = s
        .post(
            &format!("/api/orders/{id}/ship"),
            json!({"tracking_number": "T"}),
        )
        .await;
    assert_eq!(early.status, 422);
    assert_eq!(s.metadata(&id).await.len(), 1);
}

on_both_backends!(
    a_body_over_the_limit_is_413,
    a_body_over_the_limit_is_413_on_postgres,
    a_body_over_the_limit_is_413_on
);

async fn a_body_over_the_limit_is_413_on(backend: Backend) {
    let s = server_on(backend).await;
    let big = json!({"customer_id": "x".repeat(100_000), "items": []});
    let a = s.post("/api/orders", big).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (413, Some("payload_too_large")),
        "{}",
        a.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_server_refuses_writes_and_serves_reads() {
    let s = server_with(true).await;
    let a = s.post("/api/orders", crate::support::mug_order()).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (403, Some("read_only"))
    );
    assert_eq!(s.get("/healthz").await.status, 200);
}
