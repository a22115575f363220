//! Concurrent clients (issue 13, group commit): create → pay → ship flows through the
//! command service with 1, 8 and 32 clients, against raw sqlx writers doing one single-row
//! insert per transaction, in the same run, on SQLite (WAL, synchronous=FULL, the default
//! configuration).
//!
//! `cargo bench --locked --bench clients` (`BENCH_QUICK=1` for a smoke run). Each round gives
//! every side a fresh file and alternates which goes first; each row prints the median of
//! the per-round ratios with min and max (`common/paired.rs`).
//!
//! The raw baselines insert the same rows (the events of a real flow): `raw, 1 writer` one
//! after another, `raw, 8 writers` from eight tasks sharing one connection (sqlx queues
//! them, as the store's writer would) and `raw, 8 connections` from eight tasks with a
//! connection each (SQLite's lock and busy handler decide who writes). The target holds
//! against the faster of the two 8-writer baselines.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::store::{self, Access, NewEvent};
use sqlx::AssertSqlSafe;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[path = "common/paired.rs"]
mod paired;
#[path = "common/workload.rs"]
mod workload;

const RAW_TABLE: &str = "CREATE TABLE IF NOT EXISTS events (\
    global_position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, \
    version INTEGER NOT NULL, event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, \
    payload TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, \
    UNIQUE (stream_id, version))";
const RAW_INSERT: &str = "INSERT INTO events (stream_id, version, event_type, schema_version, \
    payload, metadata, recorded_at) VALUES (?,?,?,?,?,?,?)";

async fn services(path: &Path) -> Services {
    let url = format!("sqlite://{}", path.display());
    let db = store::open(&url, Access::CreateIfMissing).await.unwrap();
    Services::new(db, &Config::default())
}

/// Chronicle: `clients` tasks, each running its share of the flows one command at a time.
async fn chronicle(dir: &Path, clients: usize, flows: usize) -> Duration {
    let services = services(&dir.join(format!("chronicle-{clients}.db"))).await;
    let took = workload::concurrent_flows(&services.commands, clients, flows).await;
    services.store.events().close().await;
    took
}

/// The raw baseline: `writers` tasks over `connections` connections, one autocommit
/// single-row insert per event.
async fn raw(dir: &Path, rows: &Arc<Vec<NewEvent>>, writers: usize, connections: u32) -> Duration {
    let opts = SqliteConnectOptions::new()
        .filename(dir.join(format!("raw-{writers}-{connections}.db")))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .min_connections(connections)
        .connect_with(opts)
        .await
        .unwrap();
    sqlx::query(RAW_TABLE).execute(&pool).await.unwrap();
    let each = rows.len() / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (pool, rows) = (pool.clone(), rows.clone());
            tokio::spawn(async move {
                for i in w * each..(w + 1) * each {
                    let e = &rows[i];
                    sqlx::query(AssertSqlSafe(RAW_INSERT))
                        .bind(format!("stream-{}", i / 3))
                        .bind((i % 3 + 1) as i64)
                        .bind(e.event_type.as_str())
                        .bind(i64::from(e.schema_version))
                        .bind(e.payload.as_str())
                        .bind(e.metadata.as_str())
                        .bind(e.recorded_at.to_rfc3339())
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed();
    pool.close().await;
    took
}

/// The events of real flows, for the raw baselines to insert.
async fn sample_rows(flows: usize) -> Arc<Vec<NewEvent>> {
    let tmp = tempfile::tempdir().unwrap();
    let services = services(&tmp.path().join("sample.db")).await;
    workload::run_flow(&services.commands, "0").await;
    let sample = services.store.events().read_all(0, 3).await.unwrap();
    let rows = (0..flows * 3)
        .map(|i| {
            let e = &sample[i % 3];
            NewEvent {
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                payload: e.payload.clone(),
                metadata: e.metadata.clone(),
                recorded_at: e.recorded_at,
            }
        })
        .collect();
    Arc::new(rows)
}

/// One side of a round.
#[derive(Clone, Copy)]
enum Side {
    Chronicle(usize),
    Raw { writers: usize, connections: u32 },
}

async fn measure(side: Side, rows: &Arc<Vec<NewEvent>>) -> Duration {
    let tmp = tempfile::tempdir().unwrap();
    match side {
        Side::Chronicle(clients) => chronicle(tmp.path(), clients, rows.len() / 3).await,
        Side::Raw {
            writers,
            connections,
        } => raw(tmp.path(), rows, writers, connections).await,
    }
}

/// Rounds of `sides`, alternating their order; every side's times, in `sides` order.
async fn rounds(rounds: usize, sides: &[Side], rows: &Arc<Vec<NewEvent>>) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::new(); sides.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..sides.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            times[i].push(measure(sides[i], rows).await);
        }
    }
    times
}

fn rate(times: &[Duration], events: usize) -> f64 {
    let mut t = times.to_vec();
    t.sort();
    events as f64 / t[t.len() / 2].as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok();
    let (n_rounds, flows) = if quick { (2, 64) } else { (7, 1_024) };
    let rows = sample_rows(flows).await;
    let events = rows.len();
    println!(
        "chronicle concurrent-client benchmarks ({n_rounds} rounds, {flows} create>pay>ship flows = {events} events per side; SQLite WAL, synchronous=FULL, defaults)"
    );
    let sides = [
        Side::Raw {
            writers: 1,
            connections: 1,
        },
        Side::Raw {
            writers: 8,
            connections: 1,
        },
        Side::Raw {
            writers: 8,
            connections: 8,
        },
        Side::Chronicle(1),
        Side::Chronicle(8),
        Side::Chronicle(32),
    ];
    let t = rounds(n_rounds, &sides, &rows).await;
    let names = [
        "raw, 1 writer",
        "raw, 8 writers on 1 connection",
        "raw, 8 writers on 8 connections",
        "chronicle, 1 client",
        "chronicle, 8 clients",
        "chronicle, 32 clients",
    ];
    for (name, times) in names.iter().zip(&t) {
        println!(
            "  {name:<34} {:>9.0} events/s (median)",
            rate(times, events)
        );
    }
    let faster_raw8 = if rate(&t[1], events) >= rate(&t[2], events) {
        1
    } else {
        2
    };
    let rows_out = [
        ("1 client vs raw, 1 writer", 3, 0, "≥ 0.9"),
        (
            "8 clients vs raw, 8 writers (faster)",
            4,
            faster_raw8,
            "≥ 3",
        ),
        (
            "32 clients vs raw, 8 writers (faster)",
            5,
            faster_raw8,
            "report",
        ),
        ("32 clients vs 8 clients", 5, 4, "≥ 1 (no worse)"),
    ];
    for (name, ours, base, target) in rows_out {
        println!(
            "  {name:<40} {} target {target}",
            paired::paired(&t[ours], &t[base])
        );
    }
}
