//! PostgreSQL benchmarks (issue 9), each measured beside a raw sqlx baseline in the same run,
//! on a throwaway server started for the run with durability on (`fsync`,
//! `synchronous_commit` and `full_page_writes`; the test harness turns them off).
//!
//! `cargo bench --bench postgres` (`BENCH_QUICK=1` for a smoke run), 9 paired rounds a row. Rounds alternate which
//! side runs first; every row prints the median of the per-round ratios with their min and
//! max (`common/paired.rs`). Chronicle runs with `Config::default()` throughout.

use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::store::{self, Access, Store};

#[path = "postgres/catch_up.rs"]
mod catch_up;
#[path = "postgres/commands.rs"]
mod commands;
#[path = "postgres/latency.rs"]
mod latency;
#[path = "common/paired.rs"]
mod paired;
#[path = "../tests/common/pg.rs"]
mod pg;
#[path = "common/workload.rs"]
mod workload;

/// What the figures are for: a server that flushes every commit.
const DURABLE: [(&str, &str); 3] = [
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("full_page_writes", "on"),
];

/// What every benchmark shares: the server and the size of the run.
pub struct Bench {
    cluster: pg::Cluster,
    /// `BENCH_QUICK`: small counts, 2 rounds.
    pub quick: bool,
}

impl Bench {
    /// Paired rounds per comparison: 9, because a command round is about a second a side
    /// and 5 of them left the median moving by ±0.1 between runs on these machines.
    pub fn rounds(&self) -> usize {
        if self.quick { 2 } else { 9 }
    }

    /// A fresh database: its URL and its name.
    pub fn database(&self) -> (String, String) {
        let url = tokio::task::block_in_place(|| self.cluster.create_database());
        let name = url.rsplit('/').next().unwrap_or_default().to_string();
        (url, name)
    }

    /// Runs SQL in `db` through psql (off the async workers' queue).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        tokio::task::block_in_place(|| self.cluster.psql(db, sql))
    }

    /// Flushes dirty pages before a timed side, so no side inherits another's checkpoint.
    pub fn checkpoint(&self) {
        self.psql("postgres", "CHECKPOINT");
    }

    /// Paired rounds: the baseline first in even rounds, Chronicle first in odd ones.
    pub async fn alternate(
        &self,
        mut ours: impl AsyncFnMut() -> Duration,
        mut base: impl AsyncFnMut() -> Duration,
    ) -> Rounds {
        let mut r = Rounds::default();
        for round in 0..self.rounds() {
            if round % 2 == 0 {
                r.base.push(base().await);
                r.ours.push(ours().await);
            } else {
                r.ours.push(ours().await);
                r.base.push(base().await);
            }
        }
        r
    }
}

/// The times of paired rounds, index for index.
#[derive(Default)]
pub struct Rounds {
    /// Chronicle's times.
    pub ours: Vec<Duration>,
    /// The baseline's times.
    pub base: Vec<Duration>,
}

impl Rounds {
    /// Both sides' rates (of their median times) and the paired per-round ratio.
    pub fn rates(&self, units: usize) -> (String, String, paired::Paired) {
        let (ours, base) = (median(self.ours.clone()), median(self.base.clone()));
        let pairs = paired::paired(&self.ours, &self.base);
        (rate(units, ours), rate(units, base), pairs)
    }
}

/// Runs `client(0..clients)` at once on the runtime; the time until the last one is done.
pub async fn concurrently<F>(clients: usize, client: impl Fn(usize) -> F) -> Duration
where
    F: Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients).map(|c| tokio::spawn(client(c))).collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// Chronicle on a database URL, opened as the binary opens it.
pub async fn open(url: &str) -> Store {
    store::open(url, Access::CreateIfMissing).await.unwrap()
}

/// The services as the binary builds them: the default configuration.
pub fn services(store: Store) -> Services {
    Services::new(store, &Config::default())
}

/// The middle of the samples.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `units / took`, rounded, with thousands separators: `4,210`.
pub fn rate(units: usize, took: Duration) -> String {
    let digits = format!("{:.0}", units as f64 / took.as_secs_f64());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let started = Instant::now();
    let cluster = tokio::task::block_in_place(|| pg::Cluster::start_with(&DURABLE));
    let settings = cluster.psql(
        "postgres",
        "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) \
         FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', \
         'shared_buffers', 'wal_level', 'max_wal_size', 'checkpoint_timeout')",
    );
    let version = cluster.psql("postgres", "SHOW server_version");
    let bench = Bench { cluster, quick };
    println!(
        "chronicle PostgreSQL benchmarks: PostgreSQL {version}, durable server ({settings}); \
         {} rounds per row, default Config, CHECKPOINT before every timed side",
        bench.rounds()
    );
    // `BENCH_ONLY=catch_up` (or `commands`, `latency`) runs one part, for diagnosis.
    let only = std::env::var("BENCH_ONLY").ok();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if run("commands") {
        commands::commands(&bench, 1).await;
        commands::commands(&bench, 8).await;
        commands::commands(&bench, 32).await;
        commands::never_skip_cost(&bench).await;
        commands::transactions_per_command(&bench).await;
    }
    if run("catch_up") {
        catch_up::catch_up(&bench).await;
    }
    if run("latency") {
        latency::latency(&bench).await;
    }
    println!("whole run {:.0} s", started.elapsed().as_secs_f64());
}
