//! `chronicle serve` as a process: it says where it listens, serves, projects what it is
//! sent, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{OPS, answer, mug_order};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_projects_what_it_is_sent_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
        .env("CHRONICLE_API_TOKENS", format!("ops={OPS}"))
        .env("CHRONICLE_CONFIG", &config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("(loopback only)"), "{first}");
    let base = first
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches('/')
        .to_string();
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
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let rest: Vec<String> = out.lines().map_while(Result::ok).collect();
    assert!(status.success(), "{status:?} {rest:?}");
    assert_eq!(rest.last().map(String::as_str), Some("stopped"), "{rest:?}");
}
