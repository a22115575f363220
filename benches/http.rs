//! The HTTP API's overhead (issue 10): create-order requests through `chronicle serve`'s
//! router by keep-alive clients on loopback vs the same commands issued directly on the
//! command service, in the same run, with 1 and 16 concurrent clients.
//!
//! `cargo bench --bench http` (`BENCH_QUICK=1` for a smoke run, `BENCH_CLIENTS=1` for the
//! 1-client rows only). Each side of a round gets a fresh SQLite file with the default
//! configuration; rounds alternate which side goes first; every row prints the median of the
//! per-round ratios with min and max, and the HTTP side's p50 and p99 request latency over
//! all its rounds, and how many commands each commit carried on either side (group commit
//! batches both alike). Three clients: a raw socket one (wrk's way), a lean hyper one and
//! reqwest. Two diagnostic lines follow: the router alone in process (the HTTP
//! layer's own cost, without socket or hyper) and the `/healthz` round trip (the floor a
//! request pays on this machine's loopback before any work).

use std::time::{Duration, Instant};

use chronicle::app::config::{Config, ReadAccess};
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

/// The load generator's client. Both are keep-alive HTTP/1.1 clients sharing the two cores
/// with the server, so the client's own cost lands in the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// One socket per client, the request's bytes made once and written as they are, the
    /// answer read to its `Content-Length` and its head checked with `httparse`: what wrk
    /// does, all clients on a thread of their own, as another process would be.
    Raw,
    /// One hyper connection per client, driven in the client's own task, the request
    /// built from bytes made once, all clients on a thread of their own: a lean load
    /// generator, as wrk or oha are, in its own process as a client would be.
    Lean,
    /// `reqwest`, as an application would call the API: pooled, its connection driven
    /// on a task of its own, the body serialised per request, on the server's runtime.
    Reqwest,
}

impl Client {
    fn name(self) -> &'static str {
        match self {
            Client::Raw => "raw socket client",
            Client::Lean => "lean hyper client",
            Client::Reqwest => "reqwest client",
        }
    }
}

const BODY: &str = r#"{"customer_id":"alice","items":[{"sku":"MUG","quantity":2,"unit_price":"12.50"}],"currency":"EUR"}"#;

/// One keep-alive HTTP/1.1 connection to `addr`, without Nagle: its request half and the
/// connection future the caller drives.
async fn connect<B>(
    addr: std::net::SocketAddr,
) -> (
    hyper::client::conn::http1::SendRequest<B>,
    hyper::client::conn::http1::Connection<hyper_util::rt::TokioIo<tokio::net::TcpStream>, B>,
)
where
    B: hyper::body::Body + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let io = hyper_util::rt::TokioIo::new(tcp);
    hyper::client::conn::http1::handshake(io).await.unwrap()
}

/// `each` creates, one after another, on one hyper connection; each request's latency.
async fn lean(addr: std::net::SocketAddr, each: usize) -> Vec<Duration> {
    use http_body_util::{BodyExt as _, Full};
    let (mut sender, conn) = connect(addr).await;
    let (host, auth) = (addr.to_string(), format!("Bearer {TOKEN}"));
    let body = axum::body::Bytes::from_static(BODY.as_bytes());
    let requests = async move {
        let mut latencies = Vec::with_capacity(each);
        for _ in 0..each {
            let t = Instant::now();
            let req = hyper::Request::post("/api/orders")
                .header("host", host.as_str())
                .header("authorization", auth.as_str())
                .header("content-type", "application/json")
                .body(Full::new(body.clone()))
                .unwrap();
            let r = sender.send_request(req).await.unwrap();
            assert_eq!(r.status().as_u16(), 201);
            let _ = r.into_body().collect().await.unwrap();
            latencies.push(t.elapsed());
        }
        latencies
    };
    // The connection is driven in this task, beside the requests: no hand-off per request.
    let (latencies, _) = tokio::join!(requests, conn);
    latencies
}

/// `each` creates, one after another, on one raw keep-alive socket; each request's latency.
async fn raw(addr: std::net::SocketAddr, each: usize) -> Vec<Duration> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let request = format!(
        "POST /api/orders HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let (mut buf, mut latencies) = (Vec::with_capacity(4096), Vec::with_capacity(each));
    for _ in 0..each {
        let t = Instant::now();
        tcp.write_all(request.as_bytes()).await.unwrap();
        buf.clear();
        let (status, whole) = loop {
            assert!(
                tcp.read_buf(&mut buf).await.unwrap() > 0,
                "the server closed"
            );
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut head = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(n) = head.parse(&buf).unwrap() {
                let length = head
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map(|h| {
                        std::str::from_utf8(h.value)
                            .unwrap()
                            .parse::<usize>()
                            .unwrap()
                    })
                    .expect("a Content-Length");
                break (head.code.unwrap(), n + length);
            }
        };
        while buf.len() < whole {
            assert!(
                tcp.read_buf(&mut buf).await.unwrap() > 0,
                "the server closed"
            );
        }
        assert_eq!(status, 201);
        latencies.push(t.elapsed());
    }
    latencies
}

/// `each` creates, one after another, through one `reqwest` client.
async fn with_reqwest(url: String, each: usize) -> Vec<Duration> {
    let body: serde_json::Value = serde_json::from_str(BODY).unwrap();
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
}

/// Chronicle over HTTP: a server on loopback and `clients` keep-alive clients each sending
/// `each` create requests one after another; also every request's latency.
async fn over_http(
    services: Services,
    client: Client,
    clients: usize,
    each: usize,
) -> (Duration, Vec<Duration>) {
    let state = ApiState {
        services,
        tokens: Tokens::parse(&format!("bench={TOKEN}")).unwrap(),
        read_only: false,
        reads: ReadAccess::Open,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/api/orders");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    let latencies = match client {
        Client::Raw | Client::Lean => {
            // The load generator on a thread of its own, as another process would be: its
            // tasks do not take the server's worker threads.
            let generator = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let tasks: Vec<_> = (0..clients)
                        .map(|_| {
                            if client == Client::Raw {
                                tokio::spawn(raw(addr, each))
                            } else {
                                tokio::spawn(lean(addr, each))
                            }
                        })
                        .collect();
                    let mut latencies = Vec::new();
                    for t in tasks {
                        latencies.extend(t.await.unwrap());
                    }
                    latencies
                })
            });
            tokio::task::spawn_blocking(move || generator.join().unwrap())
                .await
                .unwrap()
        }
        Client::Reqwest => {
            // One client per task: its own keep-alive connection.
            let tasks: Vec<_> = (0..clients)
                .map(|_| tokio::spawn(with_reqwest(url.clone(), each)))
                .collect();
            let mut latencies = Vec::new();
            for t in tasks {
                latencies.extend(t.await.unwrap());
            }
            latencies
        }
    };
    let took = started.elapsed();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    (took, latencies)
}

/// Commits and the commands they carried so far in this process (group commit's histogram),
/// to show that both sides batch alike.
fn commits() -> (f64, f64) {
    let text = http::metrics::handle().unwrap().render();
    let sample = |name: &str| {
        text.lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    (
        sample("chronicle_append_batch_commands_count"),
        sample("chronicle_append_batch_commands_sum"),
    )
}

/// Adds to `total` the commits and commands since `before`.
fn add_since(total: &mut (f64, f64), before: (f64, f64)) {
    let now = commits();
    total.0 += now.0 - before.0;
    total.1 += now.1 - before.1;
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The router alone, in this process (no socket, no hyper): `n` creates through
/// `Router::oneshot`, token, JSON and middlewares included.
async fn in_process(services: Services, n: usize) -> Duration {
    use tower::ServiceExt as _;
    let router = http::router(ApiState {
        services,
        tokens: Tokens::parse(&format!("bench={TOKEN}")).unwrap(),
        read_only: false,
        reads: ReadAccess::Open,
    });
    let started = Instant::now();
    for _ in 0..n {
        let req = axum::http::Request::post("/api/orders")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(BODY))
            .unwrap();
        let r = router.clone().oneshot(req).await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let _ = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap();
    }
    started.elapsed()
}

/// What the router costs without the network: one client, `total` creates a side.
async fn in_process_row(total: usize, rounds: usize) {
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            services(&dir, "router.db").await,
            services(&dir, "direct.db").await,
        );
        if round % 2 == 0 {
            base.push(direct(&b, 1, total).await);
            ours.push(in_process(a, total).await);
        } else {
            ours.push(in_process(a, total).await);
            base.push(direct(&b, 1, total).await);
        }
    }
    println!(
        "create-order through the router in process (no socket), 1 caller, {total} requests: {} (the HTTP layer's own cost)",
        paired::paired(&ours, &base)
    );
}

/// The floor under the 1-client row: `GET /healthz` (no database) round trips on one
/// keep-alive connection from the generator's thread.
async fn healthz_round_trips(services: Services, n: usize) {
    use http_body_util::{BodyExt as _, Empty};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ApiState {
        services,
        tokens: Tokens::default(),
        read_only: false,
        reads: ReadAccess::Open,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let generator = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (mut sender, conn) = connect(addr).await;
            let host = addr.to_string();
            let trips = async move {
                let mut l = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    let req = hyper::Request::get("/healthz")
                        .header("host", host.as_str())
                        .body(Empty::<axum::body::Bytes>::new())
                        .unwrap();
                    let r = sender.send_request(req).await.unwrap();
                    let _ = r.into_body().collect().await.unwrap();
                    l.push(t.elapsed());
                }
                l
            };
            tokio::join!(trips, conn).0
        })
    });
    let mut l = tokio::task::spawn_blocking(move || generator.join().unwrap())
        .await
        .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    l.sort();
    println!(
        "GET /healthz round trip (no database), {n} requests: p10 {:.1} µs, p50 {:.1} µs, p90 {:.1} µs",
        percentile(&l, 0.10).as_secs_f64() * 1e6,
        percentile(&l, 0.50).as_secs_f64() * 1e6,
        percentile(&l, 0.90).as_secs_f64() * 1e6,
    );
}

async fn row(client: Client, clients: usize, total: usize, rounds: usize) {
    let each = total / clients;
    let (mut ours, mut base, mut all) = (Vec::new(), Vec::new(), Vec::new());
    // (commits, commands) of the HTTP side and of the direct side.
    let (mut http_batches, mut direct_batches) = ((0.0, 0.0), (0.0, 0.0));
    http::metrics::handle();
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            services(&dir, "http.db").await,
            services(&dir, "direct.db").await,
        );
        let mut run_http = async || {
            let before = commits();
            let (took, lat) = over_http(a.clone(), client, clients, each).await;
            add_since(&mut http_batches, before);
            all.extend(lat);
            ours.push(took);
        };
        let mut run_direct = async || {
            let before = commits();
            base.push(direct(&b, clients, each).await);
            add_since(&mut direct_batches, before);
        };
        if round % 2 == 0 {
            run_direct().await;
            run_http().await;
        } else {
            run_http().await;
            run_direct().await;
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
        "create-order, {clients} client(s), {}, {} requests: HTTP {:.0} req/s, direct on the command service {:.0} commands/s: {pairs} (target >= 0.80); HTTP latency p50 {:.2} ms, p99 {:.2} ms; commands per commit: HTTP {:.1}, direct {:.1}",
        client.name(),
        each * clients,
        n / o.as_secs_f64(),
        n / b.as_secs_f64(),
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        http_batches.1 / http_batches.0,
        direct_batches.1 / direct_batches.0,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (total, rounds) = if quick { (160, 2) } else { (3_200, 9) };
    println!(
        "chronicle HTTP benchmark: SQLite, default Config, {rounds} paired rounds a row, loopback keep-alive clients"
    );
    // `BENCH_CLIENTS=1` runs only the rows with that many clients (for profiling one).
    let only: Option<usize> = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok());
    for client in [Client::Raw, Client::Lean, Client::Reqwest] {
        for clients in [1, 16].into_iter().filter(|c| only.is_none_or(|o| o == *c)) {
            row(client, clients, total, rounds).await;
        }
    }
    if only.is_none() {
        in_process_row(total, rounds).await;
        let dir = tempfile::tempdir().unwrap();
        healthz_round_trips(services(&dir, "healthz.db").await, total * 2).await;
    }
}
