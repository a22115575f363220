//! The HTTP API's overhead (issue 10): create-order requests through `chronicle serve`'s
//! router by keep-alive clients on loopback vs the same commands issued directly on the
//! command service, in the same run, with 1 and 16 concurrent clients.
//!
//! `cargo bench --bench http` (`BENCH_QUICK=1` for a smoke run). Each side of a round gets a
//! fresh SQLite file with the default configuration; rounds alternate which side goes first;
//! every row prints the median of the per-round ratios with min and max, and the HTTP side's
//! p50 and p99 request latency over all its rounds.

use std::time::{Duration, Instant};

use chronicle::app::config::Config;
use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, Services};
use chronicle::domain::{Currency, LineItem, OrderCommand, OrderId, Sku};
use chronicle::http::{self, ApiState, auth::Tokens};
use rust_decimal::Decimal;

#[path = "common/paired.rs"]
mod paired;

const TOKEN: &str = "bench-token-0123456789";

/// A fresh database in `dir` and the services over it, as the binary builds them.
async fn services(dir: &tempfile::TempDir, name: &str) -> Services {
    let url = format!("sqlite://{}", dir.path().join(name).display());
    let store = chronicle::store::open(&url, chronicle::store::Access::CreateIfMissing)
        .await
        .unwrap();
    Services::new(store, &Config::default())
}

fn create_command() -> OrderCommand {
    OrderCommand::CreateOrder {
        customer_id: "alice".into(),
        items: vec![LineItem {
            sku: Sku::new("MUG").unwrap(),
            quantity: 2,
            unit_price: Decimal::new(1250, 2),
        }],
        currency: Currency::EUR,
    }
}

/// Baseline: `clients` tasks each executing `each` creates on the command service.
async fn direct(services: &Services, clients: usize, each: usize) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let s = services.clone();
            tokio::spawn(async move {
                for _ in 0..each {
                    let req = CommandRequest {
                        order_id: OrderId(uuid::Uuid::new_v4()),
                        command: create_command(),
                        expected_version: None,
                        id_generated: true,
                        context: CommandContext {
                            actor: "http:bench".into(),
                            source: "http".into(),
                            ..CommandContext::default()
                        },
                    };
                    s.commands.execute(&req, chrono::Utc::now()).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// Chronicle over HTTP: a server on loopback and `clients` keep-alive clients each sending
/// `each` create requests one after another; also every request's latency.
async fn over_http(services: Services, clients: usize, each: usize) -> (Duration, Vec<Duration>) {
    let state = ApiState {
        services,
        tokens: Tokens::parse(&format!("bench={TOKEN}")).unwrap(),
        read_only: false,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/orders", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let body = serde_json::json!({
        "customer_id": "alice",
        "items": [{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}],
        "currency": "EUR"
    });
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (url, body) = (base.clone(), body.clone());
            tokio::spawn(async move {
                // One client per task: its own keep-alive connection.
                let client = reqwest::Client::new();
                let mut latencies = Vec::with_capacity(each);
                for _ in 0..each {
                    let t = Instant::now();
                    let r = client.post(&url).bearer_auth(TOKEN).json(&body).send();
                    let r = r.await.unwrap();
                    assert_eq!(r.status().as_u16(), 201);
                    let _ = r.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let took = started.elapsed();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    (took, latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn row(clients: usize, total: usize, rounds: usize) {
    let each = total / clients;
    let (mut ours, mut base, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            services(&dir, "http.db").await,
            services(&dir, "direct.db").await,
        );
        let mut run_http = async || {
            let (took, lat) = over_http(a.clone(), clients, each).await;
            all.extend(lat);
            ours.push(took);
        };
        if round % 2 == 0 {
            base.push(direct(&b, clients, each).await);
            run_http().await;
        } else {
            run_http().await;
            base.push(direct(&b, clients, each).await);
        }
    }
    all.sort();
    let n = (each * clients) as f64;
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let pairs = paired::paired(&ours, &base);
    let (o, b) = (median(&mut ours.clone()), median(&mut base.clone()));
    println!(
        "create-order, {clients} client(s), {} requests: HTTP {:.0} req/s, direct on the command service {:.0} commands/s: {pairs} (target >= 0.80); HTTP latency p50 {:.2} ms, p99 {:.2} ms",
        each * clients,
        n / o.as_secs_f64(),
        n / b.as_secs_f64(),
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (total, rounds) = if quick { (160, 2) } else { (3_200, 9) };
    println!(
        "chronicle HTTP benchmark: SQLite, default Config, {rounds} paired rounds a row, loopback keep-alive clients"
    );
    row(1, total, rounds).await;
    row(16, total, rounds).await;
}
