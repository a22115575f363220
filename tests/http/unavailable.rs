//! A database that goes away is 503 for every request that needs it, `/readyz` says so,
//! `/healthz` still answers, nothing is a 500 or a panic, and service resumes when it is
//! back. On a private PostgreSQL cluster, stopped as by a crash.

use std::time::{Duration, Instant};

use crate::common::pg::Cluster;
use crate::support::{mug_order, server_at};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_is_503_and_service_resumes_when_it_is_back() {
    // Durable, unlike the shared test cluster: it is stopped as by a crash, and what was
    // acknowledged before must be there after.
    let durable = [("fsync", "on"), ("synchronous_commit", "on")];
    let cluster = tokio::task::spawn_blocking(move || Cluster::start_with(&durable))
        .await
        .unwrap();
    let url = cluster.url("postgres");
    let s = server_at(&url).await;
    let id = s.create().await;
    let order = format!("/api/orders/{id}");

    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop_now();
        cluster
    })
    .await
    .unwrap();
    // Each waits at most the pool's acquire timeout (5 s) for a connection, then says so.
    let within = |started: Instant, what: &str| {
        let took = started.elapsed();
        assert!(took < Duration::from_secs(8), "{what} took {took:?}");
    };
    for path in [order.as_str(), "/readyz"] {
        let started = Instant::now();
        let a = s.get(path).await;
        within(started, path);
        assert_eq!(a.status, 503, "{path}: {}", a.body);
        assert_eq!(a.body["error"], "unavailable", "{path}: {}", a.body);
        let message = a.body["message"].as_str().unwrap_or_default();
        assert!(!message.contains(cluster.password()), "{message}");
    }
    let started = Instant::now();
    let write = s.post("/api/orders", mug_order()).await;
    within(started, "the write");
    assert_eq!(write.status, 503, "{}", write.body);
    assert_eq!(s.get("/healthz").await.status, 200, "the process is up");

    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start();
        cluster
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = s.get(&order).await;
        if a.status == 200 {
            break;
        }
        assert_eq!(a.status, 503, "only 503 while reconnecting: {}", a.body);
        assert!(Instant::now() < deadline, "never recovered: {}", a.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.post("/api/orders", mug_order()).await.status, 201);
    drop(cluster);
}
