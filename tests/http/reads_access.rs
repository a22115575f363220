//! `--reads token` (or `api_reads = "token"`): the reads and /metrics need a configured
//! token; the probes and the OpenAPI document stay open.

use crate::support::{OPS, SHOP, answer, server, server_with_private_reads};

const PRIVATE: [&str; 3] = ["/api/orders", "/api/orders/{id}", "/metrics"];
const OPEN: [&str; 3] = ["/healthz", "/readyz", "/openapi.json"];

#[tokio::test]
async fn private_reads_need_a_token_and_probes_stay_open() {
    let s = server_with_private_reads().await;
    let id = s.create().await;
    for path in PRIVATE.map(|p| p.replace("{id}", &id)) {
        let anonymous = answer(s.client.get(s.url(&path))).await;
        assert_eq!(anonymous.status, 401, "{path}: {}", anonymous.body);
        assert_eq!(anonymous.body["error"], "unauthorized", "{path}");
        let wrong = answer(
            s.client
                .get(s.url(&path))
                .bearer_auth("not-a-token-at-all-0000"),
        )
        .await;
        assert_eq!(wrong.status, 401, "{path}");
        for token in [OPS, SHOP] {
            let r = s
                .client
                .get(s.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} with a token");
        }
    }
    for path in OPEN {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path} stays open");
    }
}

#[tokio::test]
async fn open_reads_take_no_token() {
    let s = server().await;
    let id = s.create().await;
    for path in PRIVATE.map(|p| p.replace("{id}", &id)) {
        let r = s.client.get(s.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}
