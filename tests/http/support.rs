//! A real server on 127.0.0.1 over a real SQLite file, and a real HTTP client.

use std::net::SocketAddr;

use chronicle::app::Services;
use chronicle::app::config::{Config, ReadAccess};
use chronicle::http::{self, ApiState, auth::Tokens};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::common::Db;

pub const OPS: &str = "ops-token-0123456789";
pub const SHOP: &str = "shop-token-9876543210";

/// A server in this process; it stops (finishing requests in flight) when dropped.
pub struct Server {
    /// The SQLite file's dir, kept for the server's life (`None` on PostgreSQL).
    _db: Option<Db>,
    pub services: Services,
    pub base: String,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// One test body run twice, as `$sqlite` on a SQLite file and as `$postgres` on the test
/// run's PostgreSQL cluster: `$body` is an `async fn(Backend)`.
macro_rules! on_both_backends {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        on_both_backends!($sqlite, $postgres, $body, 2);
    };
    ($sqlite:ident, $postgres:ident, $body:ident, $threads:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
        async fn $sqlite() {
            $body($crate::support::Backend::Sqlite).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
        async fn $postgres() {
            $body($crate::support::Backend::Postgres).await;
        }
    };
}

/// Which database a server runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// A SQLite file in a temp dir.
    Sqlite,
    /// A fresh database on the test run's PostgreSQL cluster.
    Postgres,
}

pub async fn server() -> Server {
    server_with(false).await
}

pub async fn server_with(read_only: bool) -> Server {
    start(Backend::Sqlite, read_only, ReadAccess::Open).await
}

/// A server whose reads need a token.
pub async fn server_with_private_reads() -> Server {
    start(Backend::Sqlite, false, ReadAccess::Token).await
}

pub async fn server_on(backend: Backend) -> Server {
    start(backend, false, ReadAccess::Open).await
}

/// A server on the database at `url` (e.g. on a private PostgreSQL cluster).
pub async fn server_at(url: &str) -> Server {
    serve_url(None, url, false, ReadAccess::Open).await
}

async fn start(backend: Backend, read_only: bool, reads: ReadAccess) -> Server {
    let (db, url) = match backend {
        Backend::Sqlite => {
            let db = Db::new();
            let url = db.url.clone();
            (Some(db), url)
        }
        Backend::Postgres => {
            let url =
                tokio::task::spawn_blocking(|| crate::common::pg::cluster().create_database())
                    .await
                    .unwrap();
            (None, url)
        }
    };
    serve_url(db, &url, read_only, reads).await
}

async fn serve_url(db: Option<Db>, url: &str, read_only: bool, reads: ReadAccess) -> Server {
    let store = chronicle::store::open(url, chronicle::store::Access::CreateIfMissing)
        .await
        .unwrap();
    let services = Services::new(store, &Config::default());
    let state = ApiState {
        services: services.clone(),
        tokens: Tokens::parse(&format!("ops={OPS},shop={SHOP}")).unwrap(),
        read_only,
        reads,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Server {
        _db: db,
        services,
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        stop: Some(tx),
    }
}

/// A response's status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn answer(r: reqwest::RequestBuilder) -> Answer {
    let resp = r.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST path` with `body` as ops.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        answer(
            self.client
                .post(self.url(path))
                .bearer_auth(OPS)
                .json(&body),
        )
        .await
    }

    /// A write without a body (`DELETE …/items/{sku}`, `POST …/deliver`) as ops.
    pub async fn write(&self, method: reqwest::Method, path: &str) -> Answer {
        answer(self.client.request(method, self.url(path)).bearer_auth(OPS)).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(self.client.get(self.url(path))).await
    }

    /// Creates an order of one MUG at 12.50 and returns its id.
    pub async fn create(&self) -> String {
        let a = self.post("/api/orders", mug_order()).await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body["order_id"].as_str().unwrap().to_string()
    }

    /// The stored metadata of every event of `id`.
    pub async fn metadata(&self, id: &str) -> Vec<Value> {
        let a = self.get(&format!("/api/orders/{id}/events")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["metadata"].clone())
            .collect()
    }
}

pub fn mug_order() -> Value {
    serde_json::json!({
        "customer_id": "alice",
        "items": [{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}],
        "currency": "EUR"
    })
}

/// A write's answer: 200 with the order at `version`.
pub fn written(a: &Answer, version: u64) {
    assert_eq!(
        (a.status, a.body["version"].as_u64()),
        (200, Some(version)),
        "{}",
        a.body
    );
}
