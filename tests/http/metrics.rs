//! `/metrics` moves with the commands and requests it counts, and shows the projection lag.

use crate::support::server;

/// The value of the sample `name{labels}` in Prometheus text (0 when absent).
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name_and_labels) && l[name_and_labels.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(s: &crate::support::Server) -> String {
    let resp = s.client.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain"), "{ct}");
    resp.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_commands_requests_and_show_the_lag() {
    let s = server().await;
    // Servers in one test process share one recorder: compare before and after.
    let before = scrape(&s).await;
    let created = r#"chronicle_commands_total{command="CreateOrder",outcome="ok"}"#;
    let rejected = r#"chronicle_commands_total{command="PayOrder",outcome="rejected"}"#;
    let id = s.create().await;
    let a = s
        .post(
            &format!("/api/orders/{id}/pay"),
            serde_json::json!({"method": "card", "amount": "1.00"}),
        )
        .await;
    assert_eq!(a.status, 422);
    let after = scrape(&s).await;
    assert!(
        sample(&after, created) >= sample(&before, created) + 1.0,
        "{after}"
    );
    assert!(
        sample(&after, rejected) >= sample(&before, rejected) + 1.0,
        "{after}"
    );
    for name in [
        "chronicle_projection_lag_events",
        "chronicle_projection_lag_seconds",
        "chronicle_dead_letters",
        "chronicle_command_duration_seconds_bucket",
        "chronicle_http_requests_total",
    ] {
        assert!(after.contains(name), "{name} missing:\n{after}");
    }
    let posts = r#"chronicle_http_requests_total{method="POST",route="/api/orders",status="201"}"#;
    assert!(sample(&after, posts) >= 1.0, "{after}");
}

/// Fifty creates at once are committed in fewer commits than commands (group commit), and
/// `/metrics` says how many each commit carried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_share_commits_and_metrics_show_the_batches() {
    let s = std::sync::Arc::new(server().await);
    let (commits, commands) = (
        "chronicle_append_batch_commands_count",
        "chronicle_append_batch_commands_sum",
    );
    let before = scrape(&s).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let s = s.clone();
        tasks.spawn(async move { s.post("/api/orders", crate::support::mug_order()).await });
    }
    for a in tasks.join_all().await {
        assert_eq!(a.status, 201, "{:?}", a.body);
    }
    let after = scrape(&s).await;
    let carried = sample(&after, commands) - sample(&before, commands);
    let made = sample(&after, commits) - sample(&before, commits);
    assert!(carried >= 50.0, "{carried} commands counted:\n{after}");
    assert!(
        made >= 1.0 && made < carried,
        "{made} commits for {carried} commands"
    );
    assert!(
        after.contains("chronicle_append_batch_commands_bucket{le=\"8\"}"),
        "{after}"
    );
}
