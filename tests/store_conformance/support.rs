//! What every check is built on: a backend factory, a fresh database per check, and
//! helpers that speak only the store traits.

use std::any::Any;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chronicle::store::{
    self, Access, AppendRequest, BrowseStore, DeadLetter, EventStore, IdempotencyRecord, NewEvent,
    ProjectorState, ReadModel, SnapshotRecord, Store, StoreError, StoredEvent, StreamInfo,
    SummaryRow,
};

use chronicle::domain::{Currency, OrderStatus};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::common::{Db, t0};

/// How a backend makes databases for the checks.
pub trait Factory: Send + Sync + 'static {
    /// A URL naming a database that does not exist yet and that no other check uses.
    fn vacant() -> impl Future<Output = Vacant> + Send;

    /// Whether the database `url` names exists, asked without creating it.
    fn exists(url: &str) -> impl Future<Output = bool> + Send;

    /// Whether the log's order is position order (SQLite, one writer). PostgreSQL orders it
    /// by (transaction, position): positions of different streams may come out of order,
    /// never those of one stream.
    const POSITION_ORDER: bool;

    /// The backend's name, as the store's metrics label it.
    const BACKEND: &'static str;
}

/// A place for one database; whatever `keep` holds (a temp dir, a server) outlives the check.
pub struct Vacant {
    /// Names the database.
    pub url: String,
    /// Dropped when the check ends.
    pub keep: Box<dyn Any + Send + Sync>,
}

/// SQLite: a file in a fresh temp dir.
pub struct SqliteFactory;

impl Factory for SqliteFactory {
    const POSITION_ORDER: bool = true;
    const BACKEND: &'static str = "sqlite";

    async fn vacant() -> Vacant {
        let db = Db::new();
        Vacant {
            url: db.url.clone(),
            keep: Box::new(db),
        }
    }

    async fn exists(url: &str) -> bool {
        Path::new(url.strip_prefix("sqlite://").unwrap_or(url)).exists()
    }
}

/// PostgreSQL: a database name on the test run's throwaway cluster, not created yet.
pub struct PostgresFactory;

impl Factory for PostgresFactory {
    const POSITION_ORDER: bool = false;
    const BACKEND: &'static str = "postgres";

    async fn vacant() -> Vacant {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("c_{}_{n}", std::process::id());
        Vacant {
            url: crate::common::pg::cluster().url(&name),
            keep: Box::new(()),
        }
    }

    async fn exists(url: &str) -> bool {
        let name = url.rsplit('/').next().unwrap_or_default();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || crate::common::pg::cluster().database_exists(&name))
            .await
            .expect("ask the cluster")
    }
}

/// One fresh, empty database and a read-write handle on it.
pub struct Fixture {
    /// The database's URL.
    pub url: String,
    /// The first handle (created the database).
    pub store: Store,
    _keep: Box<dyn Any + Send + Sync>,
}

impl Fixture {
    /// A new database, created through `store::open`.
    pub async fn fresh<F: Factory>() -> Fixture {
        let Vacant { url, keep } = F::vacant().await;
        let store = store::open(&url, Access::CreateIfMissing)
            .await
            .unwrap_or_else(|e| panic!("create {url}: {e}"));
        Fixture {
            url,
            store,
            _keep: keep,
        }
    }

    /// Another handle on the same database, opened as another process would open it.
    pub async fn handle(&self, access: Access) -> Store {
        store::open(&self.url, access)
            .await
            .unwrap_or_else(|e| panic!("open {} {access:?}: {e}", self.url))
    }

    pub fn events(&self) -> Arc<dyn EventStore> {
        self.store.events()
    }

    pub fn read_model(&self) -> Arc<dyn ReadModel> {
        self.store.read_model()
    }

    pub fn browse(&self) -> Arc<dyn BrowseStore> {
        self.store.browse()
    }
}

/// A plain append: no idempotency key, no snapshot.
pub fn req<'a>(stream: &'a str, expected: u64, events: &'a [NewEvent]) -> AppendRequest<'a> {
    AppendRequest {
        stream_id: stream,
        expected_version: expected,
        events,
        idempotency: None,
        idempotency_expired_before: None,
        snapshot: None,
    }
}

pub fn snapshot(stream: &str, version: u64) -> SnapshotRecord {
    SnapshotRecord {
        stream_id: stream.into(),
        version,
        schema_version: 1,
        state: format!("{{\"v\":{version}}}"),
    }
}

/// `t0` plus a number of microseconds: times that only survive a microsecond round trip.
pub fn at_micros(micros: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::microseconds(micros)
}

/// A read-model row with every field set, and times that need their microseconds.
pub fn summary_row(order_id: &str) -> SummaryRow {
    SummaryRow {
        order_id: order_id.into(),
        customer_id: format!("cust-{order_id}"),
        status: OrderStatus::Paid.into(),
        currency: Currency::EUR.into(),
        total: Decimal::new(1250, 2).into(),
        item_count: 3,
        line_count: 2,
        tracking_number: Some("TRK-1".into()),
        created_at: at_micros(123_456).into(),
        updated_at: at_micros(7_000_001).into(),
        lines: r#"[{"sku":"A","quantity":3}]"#.into(),
        version: 4,
        last_position: 9,
    }
}

pub fn dead_letter(position: i64, stream: &str, version: u64) -> DeadLetter {
    DeadLetter {
        global_position: position,
        stream_id: stream.into(),
        version,
        event_type: "ItemAdded".into(),
        error: format!("cannot apply {position}"),
        attempts: 3,
        first_failed_at: at_micros(1_000_001),
        last_failed_at: at_micros(2_000_002),
        next_retry_at: Some(at_micros(3_000_003)),
    }
}

/// Writes rows in one committed projection transaction.
pub async fn put_rows(read_model: &Arc<dyn ReadModel>, rows: &[SummaryRow]) {
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.upsert_rows(rows).await.unwrap();
    tx.commit().await.unwrap();
}

pub fn versions(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.version).collect()
}

/// The whole log, read in pages of `page`.
pub async fn whole_log(store: &Arc<dyn EventStore>, page: u32) -> Vec<StoredEvent> {
    let mut out: Vec<StoredEvent> = Vec::new();
    loop {
        let after = out.last().map_or(0, |e| e.global_position);
        let next = store.read_all(after, page).await.unwrap();
        if next.is_empty() {
            return out;
        }
        out.extend(next);
    }
}

/// The log holds exactly `n` events, and the head is the newest one's position.
pub async fn assert_log_len(store: &Arc<dyn EventStore>, n: u64) {
    let log = whole_log(store, 1000).await;
    assert_eq!(log.len() as u64, n, "events in the log");
    assert_eq!(store.count_after(0).await.unwrap(), n, "count_after(0)");
    let head = log.last().map_or(0, |e| e.global_position);
    assert_eq!(store.head_position().await.unwrap(), head, "head position");
}

/// Every read-model row, in id order.
pub async fn all_rows(read_model: &Arc<dyn ReadModel>) -> Vec<SummaryRow> {
    let mut out: Vec<SummaryRow> = Vec::new();
    loop {
        let after = out.last().map(|r| r.order_id.clone()).unwrap_or_default();
        let page = read_model.rows_after(&after, 100).await.unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Everything the traits can read back from a database, to tell whether it changed.
#[derive(Debug, PartialEq)]
pub struct Dump {
    events: Vec<StoredEvent>,
    streams: Vec<StreamInfo>,
    snapshots: Vec<Option<SnapshotRecord>>,
    keys: Vec<Option<IdempotencyRecord>>,
    state: ProjectorState,
    rows: Vec<SummaryRow>,
    dead: Vec<DeadLetter>,
}

/// Reads a [`Dump`]; `keys` are the idempotency keys to look up.
pub async fn dump(store: &Store, keys: &[&str]) -> Dump {
    let events = store.events();
    let read_model = store.read_model();
    let streams = events.list_streams(None, 10_000).await.unwrap();
    let mut snapshots = Vec::new();
    for s in &streams {
        snapshots.push(events.load(&s.stream_id, None).await.unwrap().snapshot);
    }
    let mut found = Vec::new();
    for k in keys {
        found.push(events.find_idempotency(k).await.unwrap());
    }
    Dump {
        events: whole_log(&events, 500).await,
        streams,
        snapshots,
        keys: found,
        state: read_model.projector_state().await.unwrap(),
        rows: all_rows(&read_model).await,
        dead: read_model.dead_letters().await.unwrap(),
    }
}

/// Runs a check that must not hang: it fails after `secs` seconds.
pub async fn bounded<T>(secs: u64, what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {secs} s"))
}

/// The `Err` of a result whose `Ok` cannot be printed (sessions, transactions).
pub fn refusal<T>(r: Result<T, StoreError>) -> StoreError {
    match r {
        Ok(_) => panic!("expected an error, got a success"),
        Err(e) => e,
    }
}
