//! `/openapi.json` is an OpenAPI 3 document whose operations are exactly the routes served.

use std::collections::BTreeSet;

use crate::support::server;

/// Every route the server has, as (method, path template).
const ROUTES: [(&str, &str); 15] = [
    ("post", "/api/orders"),
    ("get", "/api/orders"),
    ("get", "/api/orders/{id}"),
    ("post", "/api/orders/{id}/items"),
    ("delete", "/api/orders/{id}/items/{sku}"),
    ("post", "/api/orders/{id}/pay"),
    ("post", "/api/orders/{id}/ship"),
    ("post", "/api/orders/{id}/deliver"),
    ("post", "/api/orders/{id}/cancel"),
    ("get", "/api/orders/{id}/events"),
    ("get", "/api/orders/{id}/divergence"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_exactly_the_served_operations_with_their_types() {
    let s = server().await;
    let doc = s.get("/openapi.json").await;
    assert_eq!(doc.status, 200);
    let version = doc.body["openapi"].as_str().unwrap();
    assert!(version.starts_with("3."), "{version}");
    let mut documented = BTreeSet::new();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "delete", "put", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_string(), (*p).to_string()))
        .collect();
    assert_eq!(documented, expected);
    // Each documented operation reaches a handler: never the router's fallback or a 405.
    let id = "00000000-0000-4000-8000-000000000000";
    for (method, path) in &documented {
        let url = s.url(&path.replace("{id}", id).replace("{sku}", "MUG"));
        let req = match method.as_str() {
            "get" => s.client.get(&url),
            "post" => s.client.post(&url),
            _ => s.client.delete(&url),
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !text.contains("no such endpoint"),
            "{method} {path}: {text}"
        );
    }
    // The request types are there with their fields.
    let create = &doc.body["components"]["schemas"]["CreateBody"]["properties"];
    for field in ["customer_id", "items", "currency"] {
        assert!(create.get(field).is_some(), "CreateBody.{field}: {create}");
    }
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
}
