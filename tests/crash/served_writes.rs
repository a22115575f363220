//! SIGKILL of `chronicle serve` while eight HTTP clients send commands at once, so that
//! the server commits them in batches (group commit). Each client takes its own orders
//! through their lifecycle, every command with its own `Idempotency-Key`; a request that
//! gets no answer (the server died) is sent again, with its key, to the restarted server,
//! as a client would. Afterwards every acknowledged command (a 2xx answer) has its event in
//! the log at the version it was told, exactly once, nothing is there that no client was
//! told of, the snapshots agree with the events, the read model converges, and the
//! last server's metrics show commits that carried more than one command.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::audit::{Ack, snapshots_disagreeing, verify_log};
use crate::serve::{OPS, Served};
use crate::shared::{Backend, Target};
use crate::summary::{Summary, between, kills, rng};

const CLIENTS: usize = 8;
/// A snapshot every 3 events: batches carry snapshots beside their events.
const CONFIG: &str = "snapshot_every = 3\n";

#[derive(Default)]
struct Shared {
    /// The live server's address; replaced at each restart.
    base: RwLock<String>,
    acked: AtomicUsize,
    /// Requests that got no answer and were sent again.
    resent: AtomicUsize,
    stop: AtomicBool,
}

pub fn scenario(backend: Backend) {
    let mut summary = Summary::start("served-writes", backend);
    let t = Target::new(backend, CONFIG);
    t.ok(&["migrate"]);
    let mut rng = rng("served-writes", backend);
    let mut served = Served::start(&t);
    let shared = Arc::new(Shared::default());
    shared.base.write().unwrap().clone_from(&served.base);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| runtime.spawn(client(c, shared.clone())))
        .collect();
    let (want, deadline) = (kills(), Instant::now() + Duration::from_secs(150));
    while summary.kills < want {
        assert!(Instant::now() < deadline, "{} kills landed", summary.kills);
        std::thread::sleep(between(
            &mut rng,
            Duration::from_millis(200),
            Duration::from_millis(700),
        ));
        served.kill();
        summary.kills += 1;
        served = Served::start(&t);
        shared.base.write().unwrap().clone_from(&served.base);
    }
    // Enough commands through the last server for its metrics to show how it committed.
    let at_restart = shared.acked.load(Ordering::SeqCst);
    while shared.acked.load(Ordering::SeqCst) < (20 * want).max(at_restart + 200) {
        assert!(Instant::now() < deadline, "too few commands acknowledged");
        std::thread::sleep(Duration::from_millis(10));
    }
    shared.stop.store(true, Ordering::SeqCst);
    let acks: Vec<Ack> = runtime.block_on(async {
        let mut all = Vec::new();
        for c in clients {
            all.extend(c.await.expect("a client"));
        }
        all
    });
    let (commits, commands) = runtime.block_on(batches(&served.base));
    served.stop();
    summary.acknowledged = acks.len();
    let (lost, partial) = verify_log(&t, &acks);
    summary.lost = lost;
    summary.partial = partial + snapshots_disagreeing(&t.url);
    assert!(
        commands > commits,
        "the last server committed {commands} commands in {commits} commits: no batch formed"
    );
    t.ok(&["projector", "run", "--once"]);
    assert_eq!(t.findings(), vec![], "the read model converges");
    t.assert_intact();
    summary.note = format!(
        "resent={} last_server_commits={commits} last_server_commands={commands}",
        shared.resent.load(Ordering::SeqCst)
    );
    summary.finish();
}

/// One client: orders taken through their lifecycle one command at a time, until told to
/// stop (between commands, so nothing it sent is left unacknowledged).
async fn client(c: usize, shared: Arc<Shared>) -> Vec<Ack> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut acks = Vec::new();
    for i in 0.. {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let mut order = String::new();
        for n in 0.. {
            let Some((method, path, body, event)) = step(&order, n, &format!("{c}-{i}")) else {
                break;
            };
            let key = format!("http-{c}-{i}-{n}");
            let answer = acknowledged(&http, &shared, method, &path, &body, &key).await;
            if order.is_empty() {
                order = answer["order_id"].as_str().expect("order_id").to_string();
            }
            let version = answer["version"].as_u64().expect("version");
            acks.push(Ack {
                key,
                order: order.clone(),
                version,
                event,
            });
            shared.acked.fetch_add(1, Ordering::SeqCst);
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
        }
    }
    acks
}

/// The `n`th command of an order: method, path, body and the event it appends.
fn step(id: &str, n: usize, tag: &str) -> Option<(Method, String, Value, &'static str)> {
    let on = |what: &str| format!("/api/orders/{id}/{what}");
    Some(match n {
        0 => (
            Method::POST,
            "/api/orders".into(),
            json!({"customer_id": format!("http-{tag}"), "currency": "EUR", "items": [
                {"sku": "A", "quantity": 1, "unit_price": "9.99"},
                {"sku": "B", "quantity": 2, "unit_price": "0.50"}]}),
            "OrderCreated",
        ),
        1..=3 => (
            Method::POST,
            on("items"),
            json!({"sku": format!("C{n}"), "quantity": 1, "unit_price": "1.25"}),
            "ItemAdded",
        ),
        4 => (Method::DELETE, on("items/B"), Value::Null, "ItemRemoved"),
        // 9.99 + 3 × 1.25, B removed.
        5 => (
            Method::POST,
            on("pay"),
            json!({"method": "card", "amount": "13.74"}),
            "OrderPaid",
        ),
        6 => (
            Method::POST,
            on("ship"),
            json!({"tracking_number": format!("TRK-{tag}")}),
            "OrderShipped",
        ),
        7 => (Method::POST, on("deliver"), Value::Null, "OrderDelivered"),
        _ => return None,
    })
}

/// Sends the request until it is answered 2xx, sending it again with the same key while the
/// server is down (no answer, or 503 while it starts); any other answer fails the test.
async fn acknowledged(
    http: &reqwest::Client,
    shared: &Shared,
    method: Method,
    path: &str,
    body: &Value,
    key: &str,
) -> Value {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        assert!(
            Instant::now() < deadline,
            "{method} {path} ({key}) never answered"
        );
        let base = shared.base.read().unwrap().clone();
        let mut req = http
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(OPS)
            .header("idempotency-key", key);
        if !body.is_null() {
            req = req.json(body);
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => {
                return resp.json().await.expect("a JSON answer");
            }
            Ok(resp) if resp.status().as_u16() == 503 => {}
            Ok(resp) => {
                let status = resp.status();
                panic!(
                    "{method} {path} ({key}): {status} {}",
                    resp.text().await.unwrap_or_default()
                );
            }
            Err(_) => {}
        }
        shared.resent.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The commits the server made and the commands they carried, from its `/metrics`.
async fn batches(base: &str) -> (f64, f64) {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let sample = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map_or(0.0, |v| v.parse().expect("a number"))
    };
    (
        sample("chronicle_append_batch_commands_count"),
        sample("chronicle_append_batch_commands_sum"),
    )
}
