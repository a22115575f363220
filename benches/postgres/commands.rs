//! Writes: create → pay → ship through `CommandService` beside raw single-row inserts, and
//! what the never-skip log (transaction id column, log index) costs the same workload.

use std::sync::Arc;
use std::time::Duration;

use chronicle::app::CommandService;
use chronicle::domain::OrderId;
use chronicle::store::{AppendRequest, EventStore, NewEvent};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::{Bench, concurrently};

/// `migrations/postgres/0001_events.sql`'s events table without `transaction_id` (and so
/// without the log index), and without the correlation index: columns and keys only.
const RAW_TABLE: &str = "CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text COLLATE \"C\" NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    event_type text NOT NULL,
    schema_version integer NOT NULL,
    payload json NOT NULL,
    metadata json NOT NULL,
    recorded_at timestamptz NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_id, version))";
const RAW_INSERT: &str = "INSERT INTO events (stream_id, version, event_type, schema_version, \
     payload, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5::json, $6::json, $7)";
/// What appends cost without the never-skip mechanism (reads there would be wrong).
const WITHOUT_NEVER_SKIP: &str =
    "ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT '0'::xid8; DROP INDEX events_log;";

/// Chronicle's pool size (`src/store/postgres/mod.rs`): the raw side gets the same.
const POOL: u32 = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Schema {
    Normal,
    WithoutNeverSkip,
}

/// Flows per client: a few seconds a side in a full run, a fraction of one when quick.
fn flows(bench: &Bench, clients: usize) -> usize {
    match (bench.quick, clients) {
        (true, 1) => 40,
        (true, _) => 10,
        (false, 1) => 1500,
        (false, _) => 300,
    }
}

/// One client: its own orders, each created, paid and shipped, one command per transaction.
async fn client(svc: Arc<CommandService>, client: usize, flows: usize) {
    for i in 0..flows {
        crate::workload::run_flow(&svc, &format!("{client}-{i}")).await;
    }
}

/// Chronicle: `clients` concurrent clients on one `Services`, on a fresh database.
async fn chronicle(bench: &Bench, schema: Schema, clients: usize, flows: usize) -> Duration {
    let (url, db) = bench.database();
    let services = crate::services(crate::open(&url).await);
    if schema == Schema::WithoutNeverSkip {
        bench.psql(&db, WITHOUT_NEVER_SKIP);
    }
    bench.checkpoint();
    let svc = &services.commands;
    let took = concurrently(clients, |c| client(svc.clone(), c, flows)).await;
    services.store.close().await;
    took
}

/// Baseline: the same rows as Chronicle appends, one autocommit single-row insert each, on
/// a fresh database with a pool of Chronicle's size.
async fn raw(bench: &Bench, rows: &Arc<Vec<NewEvent>>, clients: usize, flows: usize) -> Duration {
    let (url, _) = bench.database();
    let pool = PgPoolOptions::new()
        .max_connections(POOL)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query(RAW_TABLE).execute(&pool).await.unwrap();
    bench.checkpoint();
    let took = concurrently(clients, |_| raw_client(pool.clone(), rows.clone(), flows)).await;
    pool.close().await;
    took
}

async fn raw_client(pool: PgPool, rows: Arc<Vec<NewEvent>>, flows: usize) {
    for _ in 0..flows {
        let stream = OrderId(uuid::Uuid::new_v4()).to_stream_id();
        for (v, e) in rows.iter().enumerate() {
            sqlx::query(RAW_INSERT)
                .bind(&stream)
                .bind(v as i64 + 1)
                .bind(&e.event_type)
                .bind(i64::from(e.schema_version))
                .bind(&e.payload)
                .bind(&e.metadata)
                .bind(e.recorded_at)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
}

/// Diagnostic: the store's append alone, the same rows one event per call (no domain, no
/// metadata building), `clients` at once.
async fn store_only(
    bench: &Bench,
    rows: &Arc<Vec<NewEvent>>,
    clients: usize,
    flows: usize,
) -> Duration {
    let (url, _) = bench.database();
    let store = crate::open(&url).await;
    bench.checkpoint();
    let took = concurrently(clients, |_| {
        append_client(store.events(), rows.clone(), flows)
    })
    .await;
    store.close().await;
    took
}

async fn append_client(events: Arc<dyn EventStore>, rows: Arc<Vec<NewEvent>>, flows: usize) {
    for _ in 0..flows {
        let stream = OrderId(uuid::Uuid::new_v4()).to_stream_id();
        for (v, e) in rows.iter().enumerate() {
            let req = AppendRequest {
                stream_id: &stream,
                expected_version: v as u64,
                events: std::slice::from_ref(e),
                idempotency: None,
                idempotency_expired_before: None,
                snapshot: None,
            };
            events.append(req).await.unwrap();
        }
    }
}

/// The three events of one flow as Chronicle stored them: the raw side's rows.
async fn sample(bench: &Bench) -> Arc<Vec<NewEvent>> {
    let (url, _) = bench.database();
    let services = crate::services(crate::open(&url).await);
    client(services.commands.clone(), 0, 1).await;
    let stored = services.store.events().read_all(0, 3).await.unwrap();
    services.store.close().await;
    assert_eq!(stored.len(), 3);
    let rows = stored.into_iter().map(|e| NewEvent {
        event_type: e.event_type,
        schema_version: e.schema_version,
        payload: e.payload,
        metadata: e.metadata,
        recorded_at: e.recorded_at,
    });
    Arc::new(rows.collect())
}

/// (1) Commands through Chronicle vs raw single-row insert transactions, `clients` at once;
/// then the store's append alone vs the same baseline.
pub async fn commands(bench: &Bench, clients: usize) {
    let rows = sample(bench).await;
    let flows = flows(bench, clients);
    let events = clients * flows * 3;
    let plural = if clients == 1 { "" } else { "s" };
    let r = bench
        .alternate(
            async || chronicle(bench, Schema::Normal, clients, flows).await,
            async || raw(bench, &rows, clients, flows).await,
        )
        .await;
    let (ours, base, pairs) = r.rates(events);
    let target = match clients {
        1 => ">= 0.9 (issue 13)",
        8 => ">= 3 (issue 13, group commit)",
        _ => "report; no worse than 8 clients",
    };
    println!(
        "commands, {clients} client{plural} ({events} commands, create>pay>ship): chronicle \
         {ours} events/s, raw single-row INSERT {base} events/s: {pairs} (target {target})"
    );
    let r = bench
        .alternate(
            async || store_only(bench, &rows, clients, flows).await,
            async || raw(bench, &rows, clients, flows).await,
        )
        .await;
    let (ours, base, pairs) = r.rates(events);
    println!(
        "  (diagnostic) EventStore::append alone, same rows, {clients} client{plural}: \
         {ours} events/s, raw {base} events/s: {pairs}"
    );
}

/// (3) The same 8-client workload with and without the never-skip mechanism.
pub async fn never_skip_cost(bench: &Bench) {
    let (clients, flows) = (8, flows(bench, 8));
    let r = bench
        .alternate(
            async || chronicle(bench, Schema::Normal, clients, flows).await,
            async || chronicle(bench, Schema::WithoutNeverSkip, clients, flows).await,
        )
        .await;
    let commands = clients * flows * 3;
    let (normal, without, pairs) = r.rates(commands);
    println!(
        "never-skip cost, {clients} clients ({commands} commands): normal schema {normal} \
         commands/s, without transaction id and log index {without} commands/s: {pairs}"
    );
}

/// Commits the server has counted in a database, once every connection to it has closed
/// (a backend flushes its statistics when it exits).
async fn commits(bench: &Bench, db: &str) -> i64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sql = format!("SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'");
    bench.psql("postgres", &sql).parse().unwrap()
}

/// Diagnostic: server transactions per command, 1 client (the raw side makes one). An open
/// alone is counted first and taken off.
pub async fn transactions_per_command(bench: &Bench) {
    let flows = flows(bench, 8);
    let (url, db) = bench.database();
    crate::open(&url).await.close().await;
    let migrated = commits(bench, &db).await;
    crate::open(&url).await.close().await;
    let opened = commits(bench, &db).await;
    let services = crate::services(crate::open(&url).await);
    client(services.commands.clone(), 0, flows).await;
    services.store.close().await;
    let run = commits(bench, &db).await - opened - (opened - migrated);
    println!(
        "  (diagnostic) server transactions committed per command, 1 client: chronicle {:.2}, \
         raw 1 by construction",
        run as f64 / (flows * 3) as f64
    );
}
