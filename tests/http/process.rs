//! `chronicle serve` as a process: it says where it listens, serves, projects what it is
//! sent, and stops cleanly on SIGTERM.

use std::time::{Duration, Instant};

use crate::served::Served;
use crate::support::{OPS, answer, mug_order};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_projects_what_it_is_sent_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[]);
    assert!(served.first.contains("(loopback only)"), "{}", served.first);
    let base = served.base.clone();
    let client = reqwest::Client::new();
    let a = answer(
        client
            .post(format!("{base}/api/orders"))
            .bearer_auth(OPS)
            .json(&mug_order()),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["order_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let o = answer(client.get(format!("{base}/api/orders/{id}"))).await;
        if o.body["source"] == "read-model" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the projector in serve never projected it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    served.stop();
}
