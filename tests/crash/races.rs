//! Races through the real binary: 32 writer processes adding items to one order at once,
//! half of them guarded by `--expected-version`; 100 identical idempotent creates at once,
//! as CLI processes and as HTTP requests to a `chronicle serve` process.

use std::process::Child;

use serde_json::{Value, json};

use crate::serve::{OPS, Served};
use crate::shared::{Backend, Target, block_on, describe, parse_json, str_of};
use crate::summary::Summary;

const WRITERS: usize = 32;
const IDENTICAL: usize = 100;

/// 32 processes add one item each (SKU `S<i>`) to one order; the odd ones with
/// `--expected-version 1`. Every success has its own version, the versions follow one
/// another from 2, the event at each is the item its writer added (nothing overwritten);
/// at least one writer lands and at most one guarded one (at version 2); every other
/// writer is a conflict: exit 4, one `chronicle:` line, its item nowhere in the stream.
pub fn writers(backend: Backend) {
    let mut summary = Summary::start("race-32-writers", backend);
    let t = Target::new(backend, "");
    let create = [
        "order",
        "create",
        "--customer",
        "race",
        "--item",
        "A:1:10",
        "--json",
    ];
    let id = str_of(&t.json(&create), "order_id");
    let (mut won, conflicts) = race(&t, &id);
    won.sort_unstable();
    let guarded: Vec<&(u64, usize)> = won.iter().filter(|(_, i)| i % 2 == 1).collect();
    assert!(!won.is_empty(), "every writer gave up: none succeeded");
    assert!(
        guarded.len() <= 1 && guarded.iter().all(|(v, _)| *v == 2),
        "{guarded:?}"
    );
    let versions: Vec<u64> = won.iter().map(|(v, _)| *v).collect();
    let want: Vec<u64> = (2..2 + won.len() as u64).collect();
    assert_eq!(versions, want, "each success got its own next version");
    let skus = added_skus(&t, &id);
    summary.acknowledged = won.len();
    summary.lost = won
        .iter()
        .filter(|(v, i)| skus.get(*v as usize) != Some(&format!("S{i}")))
        .count();
    summary.partial = skus.len().saturating_sub(2 + won.len())
        + conflicts
            .iter()
            .filter(|i| skus.contains(&format!("S{i}")))
            .count();
    let items = t.json(&["order", "show", &id, "--json"])["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(items, Some(1 + won.len()), "one line per success");
    t.ok(&["projector", "run", "--once"]);
    assert_eq!(t.findings(), vec![], "the read model agrees");
    t.assert_intact();
    summary.note = format!(
        "conflicts={} guarded_won={}",
        conflicts.len(),
        guarded.len()
    );
    summary.finish();
}

/// The 32 writers at once: (version, writer) of each success, and the writers refused as
/// conflicts (exit 4, one `chronicle:` line naming the conflict, nothing on stdout).
fn race(t: &Target, id: &str) -> (Vec<(u64, usize)>, Vec<usize>) {
    let children: Vec<Child> = (0..WRITERS)
        .map(|i| {
            let item = format!("S{i}:1:1");
            let mut args = vec!["order", "add-item", id, "--item", &item, "--json"];
            if i % 2 == 1 {
                args.extend(["--expected-version", "1"]);
            }
            t.spawn(&args)
        })
        .collect();
    let (mut won, mut conflicts) = (Vec::new(), Vec::new());
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait");
        match out.status.code() {
            Some(0) => {
                let answer = parse_json(String::from_utf8_lossy(&out.stdout).trim());
                won.push((answer["version"].as_u64().expect("version"), i));
            }
            Some(4) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let one_line = stderr.lines().count() == 1 && out.stdout.is_empty();
                let says = stderr.starts_with("chronicle: ") && stderr.contains("conflict");
                assert!(one_line && says, "{}", describe(&out));
                conflicts.push(i);
            }
            _ => panic!("writer {i}: {}", describe(&out)),
        }
    }
    (won, conflicts)
}

/// The SKU each event of `id` added, by version (index 0: none; the create's is `A`).
fn added_skus(t: &Target, id: &str) -> Vec<String> {
    let mut skus = vec![String::new()];
    for line in t.ok(&["order", "events", id, "--json"]).lines() {
        let e = parse_json(line);
        assert_eq!(
            e["version"].as_u64(),
            Some(skus.len() as u64),
            "contiguous: {e}"
        );
        let sku = e["payload"]["item"]["sku"].as_str().unwrap_or("A");
        skus.push(sku.to_string());
    }
    skus
}

/// 100 identical `order create --idempotency-key K` processes at once, without `--id`:
/// every one succeeds with the same order, version and total; exactly one appended (the
/// others answer as retries); the log holds exactly one event.
pub fn idempotent_cli(backend: Backend) {
    let mut summary = Summary::start("race-100-idempotent-cli", backend);
    let t = Target::new(backend, "");
    t.ok(&["migrate"]);
    let args = [
        "order",
        "create",
        "--customer",
        "race",
        "--item",
        "A:1:5",
        "--item",
        "B:2:1.25",
        "--idempotency-key",
        "race-create",
        "--json",
    ];
    let children: Vec<Child> = (0..IDENTICAL).map(|_| t.spawn(&args)).collect();
    let answers: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
            parse_json(String::from_utf8_lossy(&out.stdout).trim())
        })
        .collect();
    let fresh = answers.iter().filter(|a| a["replayed"] == false).count();
    assert_eq!(fresh, 1, "exactly one run appends");
    let first = answers
        .iter()
        .find(|a| a["replayed"] == false)
        .expect("the first");
    let same = |a: &Value| ["order_id", "version", "status", "total"].map(|k| a[k].clone());
    for a in &answers {
        assert_eq!(same(a), same(first), "every answer is the first one's");
    }
    summary.acknowledged = answers.len();
    (summary.lost, summary.partial) = one_order(&t, &str_of(first, "order_id"));
    t.assert_intact();
    summary.finish();
}

/// 100 identical `POST /api/orders` with one `Idempotency-Key` at once, to a `chronicle
/// serve` process: all 201 with the same body, `Location` and `ETag`; one order created.
pub fn idempotent_http(backend: Backend) {
    let mut summary = Summary::start("race-100-idempotent-http", backend);
    let t = Target::new(backend, "");
    t.ok(&["migrate"]);
    let served = Served::start(&t);
    let url = format!("{}/api/orders", served.base);
    let body = json!({
        "customer_id": "race",
        "items": [{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}],
        "currency": "EUR"
    });
    let answers = block_on(async {
        let client = reqwest::Client::new();
        let tasks: Vec<_> = (0..IDENTICAL)
            .map(|_| tokio::spawn(post(client.clone(), url.clone(), body.clone())))
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("the request task"));
        }
        answers
    });
    served.stop();
    for a in &answers {
        assert_eq!(a, &answers[0], "every answer is the first one's");
    }
    let (status, _, _, text) = &answers[0];
    assert_eq!(*status, 201, "{text}");
    let created = parse_json(text);
    assert_eq!(created["version"], 1, "{created}");
    summary.acknowledged = answers.len();
    (summary.lost, summary.partial) = one_order(&t, &str_of(&created, "order_id"));
    t.assert_intact();
    summary.finish();
}

/// Status, `Location`, `ETag` and body text of one create.
async fn post(client: reqwest::Client, url: String, body: Value) -> (u16, String, String, String) {
    let resp = client
        .post(url)
        .bearer_auth(OPS)
        .header("idempotency-key", "race-create")
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let header = |name: &str| {
        let value = resp.headers().get(name).and_then(|v| v.to_str().ok());
        value.unwrap_or_default().to_string()
    };
    let (location, etag) = (header("location"), header("etag"));
    let status = resp.status().as_u16();
    (status, location, etag, resp.text().await.expect("the body"))
}

/// The log holds exactly one event, `id`'s creation: (lost, partial).
fn one_order(t: &Target, id: &str) -> (usize, usize) {
    let log = t.export();
    let ours = log
        .iter()
        .filter(|e| e["stream_id"] == id && e["version"] == 1)
        .count();
    let key = log
        .first()
        .map(|e| e["metadata"]["idempotency_key"].clone());
    assert_eq!(key, Some(json!("race-create")), "{log:?}");
    (1 - ours.min(1), log.len() - ours.min(1))
}
