//! Read-side benchmarks: projector catch-up and `check`, each beside a raw sqlx scan of the
//! same global log with the same JSON decoding, in the same run.
//!
//! `cargo bench --bench projector` (`BENCH_QUICK=1` for a smoke run).

use std::path::Path;
use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::demo::{DemoSpec, generate};
use chronicle::domain::{OrderEvent, UpcastContext};
use chronicle::store::{self, Access, Store};
use sqlx::sqlite::SqlitePoolOptions;

#[path = "projector/faults.rs"]
mod faults;
#[path = "common/paired.rs"]
mod paired;
use paired::paired;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A demo-shaped log of about `events` events, written in slices of orders.
async fn seed(path: &Path, events: usize) -> (Store, usize, usize) {
    let db = store::open(
        &format!("sqlite://{}", path.display()),
        Access::CreateIfMissing,
    )
    .await
    .unwrap();
    let (mut written, mut orders, mut slice) = (0, 0, 0u64);
    while written < events {
        let want = ((events - written) / 7).clamp(1, 10_000);
        let streams = generate(DemoSpec {
            orders: want,
            seed: 1000 + slice,
            snapshot_every: 100,
        });
        written += streams.iter().map(|s| s.events.len()).sum::<usize>();
        orders += streams.len();
        for r in db.events().import(streams).await.unwrap() {
            r.unwrap();
        }
        slice += 1;
    }
    (db, written, orders)
}

/// A log row as the baseline reads it.
type RawEvent = (i64, String, i64, String, i64, String, String, String);

/// Baseline: the global log read with plain sqlx in pages, every payload decoded.
async fn raw_scan(path: &Path, page: i64) -> (Duration, usize) {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let ctx = UpcastContext::default();
    let started = Instant::now();
    let (mut after, mut n) = (0i64, 0usize);
    loop {
        let rows: Vec<RawEvent> = sqlx::query_as(
            "SELECT global_position, stream_id, version, event_type, schema_version, payload, metadata, recorded_at \
             FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?",
        )
        .bind(after)
        .bind(page)
        .fetch_all(&pool)
        .await
        .unwrap();
        let Some(last) = rows.last() else { break };
        after = last.0;
        for r in &rows {
            // Undecodable events count too: the projector also has to look at them.
            let _ = std::hint::black_box(OrderEvent::decode(&r.3, r.4 as u32, &r.5, &ctx));
            n += 1;
        }
    }
    let took = started.elapsed();
    pool.close().await;
    (took, n)
}

/// The services as the binary builds them: the default settings, retries and backoff
/// included, but for the batch size when `BENCH_BATCH` names one.
fn services(db: &Store, batch_size: u32) -> Services {
    let config = Config {
        projector_batch_size: batch_size,
        ..Config::default()
    };
    Services::new(db.clone(), &config)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (events, rounds) = if quick { (20_000, 1) } else { (1_000_000, 5) };
    let events = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(events);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("log.db");
    let started = Instant::now();
    let (db, events, orders) = seed(&path, events).await;
    println!(
        "chronicle read-side benchmarks: {events} events, {orders} orders (seeded in {:.1}s), {rounds} rounds, medians",
        started.elapsed().as_secs_f64()
    );
    let batch: u32 = std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Config::default().projector_batch_size);
    let services = services(&db, batch);
    let p = &services.projector;
    if std::env::var_os("BENCH_PROFILE").is_some() {
        // Catch-up alone, for a profiler.
        let s = Instant::now();
        p.rebuild(None, |_| {}).await.unwrap();
        println!("catch-up alone: {:?}", s.elapsed());
        return;
    }
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let mut scanned = 0;
    for round in 0..rounds {
        // `rebuild` resets the read model and catches up: exactly a projector's full catch-up.
        let run_ours = async {
            let s = Instant::now();
            let total = p.rebuild(None, |_| {}).await.unwrap();
            (s.elapsed(), total)
        };
        if round % 2 == 0 {
            let (t, n) = raw_scan(&path, 1000).await;
            base.push(t);
            scanned = n;
            let (t, total) = run_ours.await;
            assert_eq!(total.applied + total.parked + total.dead_lettered, events);
            ours.push(t);
        } else {
            let (t, total) = run_ours.await;
            assert_eq!(total.applied + total.parked + total.dead_lettered, events);
            ours.push(t);
            base.push(raw_scan(&path, 1000).await.0);
        }
    }
    assert_eq!(scanned, events);
    let pairs = paired(&ours, &base);
    let (o, b) = (median(ours), median(base.clone()));
    println!(
        "projector catch-up, default settings{} (retries and backoff on, the seeded poison events parked)   {:>10.0} events/s   raw scan + decode {:>10.0} events/s   {pairs}",
        if batch == Config::default().projector_batch_size {
            String::new()
        } else {
            format!(" but batch {batch}")
        },
        events as f64 / o.as_secs_f64(),
        events as f64 / b.as_secs_f64(),
    );

    // Faults of every class, so that check compares fields, finds partings and reads past
    // corrupt events, as it would on a log worth checking.
    let each = (orders / 500).max(1);
    faults::plant(&db, &services, each).await;
    let planted_events = events + each * 2;
    let (mut checks, mut check_base) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            check_base.push(raw_scan(&path, 1000).await.0);
        }
        let s = Instant::now();
        let report = services.read.check(None, |_| {}).await.unwrap();
        checks.push(s.elapsed());
        assert_eq!(
            report.orders,
            orders + each,
            "the planted orphans count as orders"
        );
        for class in ["diverged", "missing", "orphan", "lagging", "corrupt"] {
            assert_eq!(report.counts[class], each, "{class}: {:?}", report.counts);
        }
        assert!(report.counts["parked"] > 0, "{:?}", report.counts);
        if round % 2 == 1 {
            check_base.push(raw_scan(&path, 1000).await.0);
        }
    }
    let pairs = paired(&checks, &check_base);
    let c = median(checks);
    println!(
        "check over {orders} orders, {each} planted of each class {:>10.0} orders/s ({:.0} events/s, {:.2} s)   raw scan + decode of the same log: {pairs}",
        orders as f64 / c.as_secs_f64(),
        planted_events as f64 / c.as_secs_f64(),
        c.as_secs_f64(),
    );
}
