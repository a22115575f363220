//! Chronicle against its peer, cqrs-es + sqlite-es, on the same order workload
//! (`common/flow_spec.rs`) and the same SQLite settings, in one run.
//!
//! `cargo bench --locked --bench peer` (`BENCH_QUICK=1`: 2 rounds, small sizes). It first
//! builds the peer, its own Cargo project in `benches/peer` (another sqlx, so it stays out
//! of this crate's graph), then runs every row in rounds that alternate which side goes
//! first, each side on a fresh database file. Chronicle runs in-process with the default
//! `Config`, as `clients.rs` does; the peer runs as a subprocess that times itself, so its
//! process start is not counted. Each row prints both sides' medians and the median of the
//! per-round ratios (peer time / Chronicle time: above 1, Chronicle is faster) with min
//! and max (`common/paired.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chronicle::app::config::Config;
use chronicle::app::{Services, stored_events};
use chronicle::domain::{Order, OrderCommand, OrderId, STATE_SCHEMA_VERSION, Sku, decide, evolve};
use chronicle::store::{self, Access, ImportStream, SnapshotRecord};
use uuid::Uuid;

#[path = "common/paired.rs"]
mod paired;
#[path = "common/workload.rs"]
mod workload;
use workload::flow_spec;

/// What Chronicle's SQLite store sets (`src/store/sqlite/mod.rs`); the peer reports its own.
const CHRONICLE_SETTINGS: &str = "journal_mode=wal, synchronous=FULL, busy_timeout 10 s, \
    1 writer connection (group commit) + 4 readers; default Config (snapshot every 100)";

/// Builds the peer (its output to stderr, this run's stdout stays the report); its binary.
fn build_peer() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    // What cargo sets for this bench describes this crate; a build script in the peer's
    // graph (ring's) tracks CARGO_MANIFEST_DIR, so passing it on would rebuild it each time.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let ours = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ];
        if ours.iter().any(|p| key.starts_with(p))
            || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&&*key)
        {
            build.env_remove(&*key);
        }
    }
    let status = build
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        // Its own target dir even when CARGO_TARGET_DIR points this crate elsewhere.
        .arg("--target-dir")
        .arg(dir.join("target"))
        .stdout(std::io::stderr())
        .status()
        .expect("cannot run cargo to build benches/peer");
    assert!(status.success(), "building benches/peer failed");
    dir.join("target/release/chronicle-peer")
}

/// Runs the peer; its one JSON line.
fn peer(bin: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(bin)
        .args(args)
        .output()
        .expect("cannot run chronicle-peer");
    assert!(
        out.status.success(),
        "chronicle-peer {args:?} failed: {out:?}"
    );
    serde_json::from_slice(&out.stdout).expect("chronicle-peer printed no JSON line")
}

fn seconds(v: &serde_json::Value) -> Duration {
    Duration::from_secs_f64(v["seconds"].as_f64().expect("seconds"))
}

async fn services(path: &Path, config: &Config) -> Services {
    let url = format!("sqlite://{}", path.display());
    let db = store::open(&url, Access::CreateIfMissing).await.unwrap();
    Services::new(db, config)
}

/// Chronicle: `clients` tasks, each running its share of the flows one command at a time.
async fn chronicle_flows(db: &Path, clients: usize, flows: usize) -> Duration {
    let services = services(db, &Config::default()).await;
    let took = workload::concurrent_flows(&services.commands, clients, flows).await;
    services.store.events().close().await;
    took
}

/// The long order of `flow_spec`, `events` long, made by `decide` and folded by `evolve`,
/// with the snapshots the command service writes (every `SNAPSHOT_EVERY`) when `snapshots`.
/// It is imported in one go: loads read the same rows as if 10,000 commands had written
/// them, and seeding takes a second instead of minutes (the peer seeds in batches too).
fn long_stream(id: OrderId, events: u64, snapshots: bool) -> ImportStream {
    use flow_spec::{FLIP_PRICE, FLIP_SKU, KEEP_PRICE, KEEP_SKU};
    let now = workload::now();
    let create = OrderCommand::CreateOrder {
        customer_id: flow_spec::LONG_CUSTOMER.into(),
        items: vec![format!("{KEEP_SKU}:1:{KEEP_PRICE}").parse().unwrap()],
        currency: flow_spec::CURRENCY.parse().unwrap(),
    };
    let add = OrderCommand::AddItem {
        item: format!("{FLIP_SKU}:1:{FLIP_PRICE}").parse().unwrap(),
    };
    let remove = OrderCommand::RemoveItem {
        sku: Sku::new(FLIP_SKU).unwrap(),
    };
    let stream_id = id.to_stream_id();
    let mut order = Order::empty(id);
    let (mut out, mut snaps) = (Vec::new(), Vec::new());
    for v in 1..=events {
        let cmd = match v {
            1 => &create,
            v if v % 2 == 0 => &add,
            _ => &remove,
        };
        let events = decide(&order, cmd, now).unwrap();
        order = events.iter().fold(order, evolve);
        out.extend(stored_events(&events, &workload::context(), now));
        if snapshots && v.is_multiple_of(flow_spec::SNAPSHOT_EVERY) {
            snaps.push(SnapshotRecord {
                stream_id: stream_id.clone(),
                version: v,
                schema_version: STATE_SCHEMA_VERSION,
                state: serde_json::to_string(&order).unwrap(),
            });
        }
    }
    ImportStream {
        stream_id,
        expected_version: 0,
        events: out,
        snapshots: snaps,
    }
}

/// Chronicle: seeds the long order, then loads its head `reps` times; the median load.
/// Without snapshots the service runs with snapshots off, as `core.rs`'s row does.
async fn chronicle_load(db: &Path, events: u64, snapshots: bool, reps: usize) -> Duration {
    let config = if snapshots {
        Config::default()
    } else {
        Config {
            snapshot_every: u64::MAX,
            ..Config::default()
        }
    };
    let services = services(db, &config).await;
    let id = OrderId(Uuid::new_v4());
    let stream = long_stream(id, events, snapshots);
    for r in services.store.events().import(vec![stream]).await.unwrap() {
        assert_eq!(r.unwrap(), events);
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        let order = services.loader.load(id, None).await.unwrap();
        times.push(started.elapsed());
        assert_eq!((order.version, order.items.len()), (events, 1));
    }
    services.store.events().close().await;
    median(times)
}

/// One row's workload.
#[derive(Clone, Copy)]
enum Row {
    Flows { clients: usize, flows: usize },
    Load { events: u64, snapshots: bool },
}

impl Row {
    /// Events a flows row writes (each client runs an equal share).
    fn units(self) -> usize {
        match self {
            Row::Flows { clients, flows } => flows / clients * clients * 3,
            Row::Load { events, .. } => events as usize,
        }
    }
}

/// Chronicle's side of one round of `row`.
async fn chronicle(row: Row, db: &Path, reps: usize) -> Duration {
    match row {
        Row::Flows { clients, flows } => chronicle_flows(db, clients, flows).await,
        Row::Load { events, snapshots } => chronicle_load(db, events, snapshots, reps).await,
    }
}

/// The peer's side of one round of `row`, as the peer timed it.
fn cqrs_es(row: Row, db: &Path, reps: usize, bin: &Path) -> Duration {
    let out = match row {
        Row::Flows { clients, flows } => {
            let (c, f) = (clients.to_string(), flows.to_string());
            let out = peer(
                bin,
                &["flows", "--clients", &c, "--flows", &f, "--db", db_str(db)],
            );
            assert_eq!(out["events"].as_u64(), Some(row.units() as u64));
            out
        }
        Row::Load { events, snapshots } => {
            let (e, r) = (events.to_string(), reps.to_string());
            let snap = if snapshots { "on" } else { "off" };
            let args = [
                "load",
                "--events",
                &e,
                "--snapshots",
                snap,
                "--db",
                db_str(db),
                "--reps",
                &r,
            ];
            let out = peer(bin, &args);
            // The same state at the same version as Chronicle's (which asserts it too).
            let state = (out["version"].as_u64(), out["items"].as_u64());
            assert_eq!(state, (Some(events), Some(1)));
            out
        }
    };
    seconds(&out)
}

/// Both sides of `row` in `rounds` rounds, alternating who goes first, each on a new file.
async fn run_row(
    row: Row,
    rounds: usize,
    reps: usize,
    bin: &Path,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let chronicle_first = round % 2 == 0;
        for turn in 0..2 {
            let tmp = tempfile::tempdir().unwrap();
            if (turn == 0) == chronicle_first {
                ours.push(chronicle(row, &tmp.path().join("chronicle.db"), reps).await);
            } else {
                let db = tmp.path().join("peer.db");
                // The peer runs alone: nothing of Chronicle's is open while it does.
                base.push(tokio::task::block_in_place(|| cqrs_es(row, &db, reps, bin)));
            }
        }
    }
    (ours, base)
}

fn db_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The peer's settings, as it reads them back from its own connection.
fn peer_settings(bin: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("settings.db");
    let out = peer(
        bin,
        &[
            "flows",
            "--clients",
            "1",
            "--flows",
            "1",
            "--db",
            db_str(&db),
        ],
    );
    out["settings"].as_str().unwrap_or("?").to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let bin = build_peer();
    let (rounds, seq_flows, flows, long, reps) = if quick {
        (2, 64, 64, 2_000, 5)
    } else {
        (7, 1_536, 1_024, 10_000, 20)
    };
    let events = flow_spec::full_tail_length(long);
    println!(
        "chronicle vs cqrs-es (peer) benchmarks: {rounds} rounds a row, alternating who goes first, fresh database each side each round"
    );
    println!("  chronicle: {CHRONICLE_SETTINGS}");
    println!(
        "  peer:      {}; flows on its event store (no snapshots: a 3-event order never reaches one)",
        peer_settings(&bin)
    );
    let rows = [
        (
            "sequential flows (1 client)",
            Row::Flows {
                clients: 1,
                flows: seq_flows,
            },
            "≥ 1.5",
        ),
        (
            "8 concurrent clients",
            Row::Flows { clients: 8, flows },
            "≥ 3",
        ),
        (
            "32 concurrent clients",
            Row::Flows { clients: 32, flows },
            "report",
        ),
        (
            "load, snapshots every 100",
            Row::Load {
                events,
                snapshots: true,
            },
            "report",
        ),
        (
            "load, no snapshots",
            Row::Load {
                events,
                snapshots: false,
            },
            "report",
        ),
    ];
    for (name, row, target) in rows {
        let started = Instant::now();
        let (ours, base) = run_row(row, rounds, reps, &bin).await;
        let pairs = paired::paired(&ours, &base);
        let (o, b) = (median(ours), median(base));
        let what = match row {
            Row::Flows { flows, .. } => {
                let n = row.units() as f64;
                format!(
                    "{flows} flows = {n} events: chronicle {:>6.0} events/s ({:.2} s)   cqrs-es {:>6.0} events/s ({:.2} s)",
                    n / o.as_secs_f64(),
                    o.as_secs_f64(),
                    n / b.as_secs_f64(),
                    b.as_secs_f64()
                )
            }
            Row::Load { events, snapshots } => {
                let every = flow_spec::SNAPSHOT_EVERY;
                let from = if snapshots {
                    format!(
                        "snapshot at {}, tail {}",
                        events / every * every,
                        events % every
                    )
                } else {
                    format!("all {events} replayed")
                };
                format!(
                    "an order of {events} events ({from}), median of {reps} loads: chronicle {:.3} ms   cqrs-es {:.3} ms",
                    o.as_secs_f64() * 1e3,
                    b.as_secs_f64() * 1e3
                )
            }
        };
        println!("{name:<28} {what}");
        println!(
            "{:<28} {pairs} target {target}   (row took {:.0} s)",
            "",
            started.elapsed().as_secs_f64()
        );
    }
}
