//! `chronicle-peer`: Chronicle's benchmark workload on cqrs-es + sqlite-es, driven by
//! `benches/peer.rs`. Each run measures inside the process (start-up, schema and seeding
//! excluded) and prints one JSON line on stdout.
//!
//! ```text
//! chronicle-peer flows --clients N --flows M --db PATH [--connections C]
//! chronicle-peer load --events E --snapshots on|off --db PATH --reps R
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::EventStore as _;
use cqrs_es::persist::PersistedEventStore;
use sqlite_es::{SqliteCqrs, SqliteEventRepository, sqlite_cqrs, sqlite_snapshot_cqrs};

mod db;
// The orchestrator alone sizes the load stream (`full_tail_length`).
#[allow(dead_code)]
#[path = "../../common/flow_spec.rs"]
mod flow_spec;
mod order;

use order::{LineItem, Order, OrderCommand};

/// The pool sqlite-es's `default_sqlite_pool` opens; the peer's own choice, kept.
const DEFAULT_CONNECTIONS: u32 = 10;

/// `--name value` pairs after the subcommand.
struct Args(HashMap<String, String>);

impl Args {
    fn parse(rest: &[String]) -> Self {
        let mut map = HashMap::new();
        for pair in rest.chunks(2) {
            match pair {
                [k, v] if k.starts_with("--") => map.insert(k[2..].to_string(), v.clone()),
                _ => usage(),
            };
        }
        Args(map)
    }

    fn get<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.0
            .get(name)
            .map(|v| v.parse().unwrap_or_else(|_| usage()))
    }

    fn need<T: std::str::FromStr>(&self, name: &str) -> T {
        self.get(name).unwrap_or_else(|| usage())
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: chronicle-peer flows --clients N --flows M --db PATH [--connections C]\n       \
         chronicle-peer load --events E --snapshots on|off --db PATH --reps R"
    );
    std::process::exit(2)
}

fn money(s: &str) -> rust_decimal::Decimal {
    s.parse().expect("flow_spec holds valid amounts")
}

fn line(sku: &str, quantity: u32, price: &str) -> LineItem {
    LineItem {
        sku: sku.to_string(),
        quantity,
        unit_price: money(price),
    }
}

/// The metadata Chronicle's commands carry at least: who and from where.
fn metadata() -> HashMap<String, String> {
    HashMap::from([
        ("actor".to_string(), flow_spec::ACTOR.to_string()),
        ("source".to_string(), flow_spec::SOURCE.to_string()),
    ])
}

/// The flow of `flow_spec`: create → pay → ship, each command waiting for the one before.
async fn run_flow(cqrs: &SqliteCqrs<Order>, tag: &str) {
    use flow_spec::{CURRENCY, NOW, PAY_AMOUNT, PAY_METHOD, QUANTITY, SKU, UNIT_PRICE};
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let commands = [
        OrderCommand::Create {
            customer_id: flow_spec::customer(tag),
            items: vec![line(SKU, QUANTITY, UNIT_PRICE)],
            currency: CURRENCY.to_string(),
            at: NOW.to_string(),
        },
        OrderCommand::Pay {
            method: PAY_METHOD.to_string(),
            amount: money(PAY_AMOUNT),
            at: NOW.to_string(),
        },
        OrderCommand::Ship {
            tracking_number: flow_spec::tracking(tag),
            at: NOW.to_string(),
        },
    ];
    for command in commands {
        cqrs.execute_with_metadata(&id, command, metadata())
            .await
            .expect("the peer refused a benchmark command");
    }
}

/// `clients` tasks, each running its share of `flows` one command at a time. The peer runs
/// the event store without snapshots: a three-event order never reaches a snapshot, and the
/// snapshot store would add a snapshot SELECT to every command.
async fn flows(args: &Args) -> (String, String) {
    let clients: usize = args.need("clients");
    let flows: usize = args.need("flows");
    let connections = args.get("connections").unwrap_or(DEFAULT_CONNECTIONS);
    let pool = db::create(&args.need::<PathBuf>("db"), connections).await;
    let settings = db::settings(&pool).await;
    let cqrs = Arc::new(sqlite_cqrs(pool.clone(), vec![], ()));
    let each = flows / clients;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let cqrs = cqrs.clone();
            tokio::spawn(async move {
                for i in c * each..(c + 1) * each {
                    run_flow(&cqrs, &i.to_string()).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a client failed");
    }
    let took = started.elapsed();
    let events = each * clients * 3;
    pool.close().await;
    let json = format!(
        r#"{{"events":{events},"seconds":{:.6},"clients":{clients}}}"#,
        took.as_secs_f64()
    );
    (json, settings)
}

/// The long stream of `flow_spec`, `events` long: the create, then the add/remove steps in
/// batches (see `OrderCommand::Batch`) that end where a snapshot falls (`every`), so
/// seeding takes a commit per snapshot instead of one per event. A batch must not run past
/// a snapshot point: sqlite-es labels the snapshot with the batch's last sequence, not the
/// one cqrs-es took it at.
async fn seed(cqrs: &SqliteCqrs<Order>, id: &str, events: u64, every: u64) {
    use flow_spec::{FLIP_PRICE, FLIP_SKU, KEEP_PRICE, KEEP_SKU, NOW};
    let at = || NOW.to_string();
    let create = OrderCommand::Create {
        customer_id: flow_spec::LONG_CUSTOMER.to_string(),
        items: vec![line(KEEP_SKU, 1, KEEP_PRICE)],
        currency: flow_spec::CURRENCY.to_string(),
        at: at(),
    };
    let mut batches = vec![create];
    let mut batch = Vec::new();
    for v in 2..=events {
        batch.push(if v % 2 == 0 {
            OrderCommand::AddItem {
                item: line(FLIP_SKU, 1, FLIP_PRICE),
                at: at(),
            }
        } else {
            OrderCommand::RemoveItem {
                sku: FLIP_SKU.to_string(),
                at: at(),
            }
        });
        if v % every == 0 || v == events {
            batches.push(OrderCommand::Batch(std::mem::take(&mut batch)));
        }
    }
    for command in batches {
        cqrs.execute_with_metadata(id, command, metadata())
            .await
            .expect("the peer refused a seeding command");
    }
}

/// Seeds one order of `events` events, then loads it `reps` times as a command would
/// (cqrs-es loads the head: with snapshots on, the newest snapshot and the events after
/// it). Prints the median load time.
async fn load(args: &Args) -> (String, String) {
    let events: u64 = args.need("events");
    let reps: usize = args.need("reps");
    let snapshots = match args.need::<String>("snapshots").as_str() {
        "on" => true,
        "off" => false,
        _ => usage(),
    };
    let pool = db::create(&args.need::<PathBuf>("db"), DEFAULT_CONNECTIONS).await;
    let settings = db::settings(&pool).await;
    let every = flow_spec::SNAPSHOT_EVERY as usize;
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    let seeder = if snapshots {
        sqlite_snapshot_cqrs(pool.clone(), vec![], every, ())
    } else {
        sqlite_cqrs(pool.clone(), vec![], ())
    };
    // Without snapshots there is nothing to align to: one batch after the create.
    let batch = if snapshots { every as u64 } else { u64::MAX };
    seed(&seeder, &id, events, batch).await;
    let store: PersistedEventStore<_, Order> = {
        let repo = SqliteEventRepository::new(pool.clone());
        if snapshots {
            PersistedEventStore::new_snapshot_store(repo, every)
        } else {
            PersistedEventStore::new_event_store(repo)
        }
    };
    let mut times: Vec<Duration> = Vec::with_capacity(reps);
    let mut items = 0;
    for _ in 0..reps {
        let started = Instant::now();
        let context = store.load_aggregate(&id).await.expect("load");
        times.push(started.elapsed());
        assert_eq!(context.current_sequence as u64, events, "loaded the head");
        items = context.aggregate.items.len();
    }
    times.sort();
    let snapshot: Option<i64> =
        sqlx::query_scalar("SELECT MAX(last_sequence) FROM snapshots WHERE aggregate_id = ?")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .expect("snapshot row");
    let snapshot = snapshot.unwrap_or(0);
    pool.close().await;
    let json = format!(
        r#"{{"events":{events},"seconds":{:.9},"reps":{reps},"version":{events},"items":{items},"snapshot_at":{snapshot}}}"#,
        times[times.len() / 2].as_secs_f64()
    );
    (json, settings)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        usage()
    };
    let args = Args::parse(rest);
    let (json, settings) = match command.as_str() {
        "flows" => flows(&args).await,
        "load" => load(&args).await,
        _ => usage(),
    };
    // One line: the measurement and the settings SQLite reports for it.
    let json = json.trim_end_matches('}');
    println!(r#"{json},"settings":"cqrs-es 0.5 + sqlite-es 0.5, SQLite {settings}"}}"#);
}
