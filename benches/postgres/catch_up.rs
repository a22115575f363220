//! The projector's catch-up over a demo-shaped log beside a raw sqlx scan of the same events
//! table with the same decoding.

use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::demo::{DemoSpec, generate};
use chronicle::domain::{OrderEvent, UpcastContext};
use chronicle::store::{ProjectionTx as _, ProjectorState, Store};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;

use crate::paired::paired;
use crate::{Bench, median, rate};

/// A log row as the baseline reads it: the projector's columns (`EVENT_COLS`).
type RawEvent = (i64, String, i64, String, i32, String, String, DateTime<Utc>);

/// The demo log of `benches/projector.rs`, seeded the same way (slices of at most 10,000
/// orders, seeds 1000, 1001, …): returns the events and orders written.
async fn seed(db: &Store, events: usize) -> (usize, usize) {
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
    (written, orders)
}

/// Baseline: the events table in position order, pages of `page`, every payload decoded.
async fn raw_scan(url: &str, page: u32) -> (Duration, usize) {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let ctx = UpcastContext::default();
    let started = Instant::now();
    let (mut after, mut n) = (0i64, 0usize);
    loop {
        let rows: Vec<RawEvent> = sqlx::query_as(
            "SELECT global_position, stream_id, version, event_type, schema_version, \
             payload::text, metadata::text, recorded_at FROM events \
             WHERE global_position > $1 ORDER BY global_position LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(page))
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

/// What `rebuild` does before it catches up: rows and dead letters gone, checkpoint at 0.
async fn reset(db: &Store) {
    let mut tx = db.read_model().begin_projection().await.unwrap();
    let state = tx.state().await.unwrap();
    tx.delete_rows(None).await.unwrap();
    tx.delete_dead_letters(None, None).await.unwrap();
    let zero = ProjectorState {
        position: 0,
        generation: state.generation + 1,
    };
    tx.set_state(zero).await.unwrap();
    tx.commit().await.unwrap();
}

/// Paired rounds: reset (untimed), then catch-up to the head vs the raw scan, in turn first.
/// Returns the times and the dead letters of the last catch-up.
async fn rounds(bench: &Bench, url: &str, services: &Services, events: usize) -> Timed {
    let page = services.config.projector_batch_size;
    let mut t = Timed::default();
    for round in 0..bench.rounds() {
        reset(&services.store).await;
        if round % 2 == 0 {
            t.base.push(scan(bench, url, page, events).await);
        }
        bench.checkpoint();
        let started = Instant::now();
        let total = services.projector.catch_up(|_| {}).await.unwrap();
        t.ours.push(started.elapsed());
        assert_eq!(total.applied + total.parked + total.dead_lettered, events);
        t.dead_lettered = total.dead_lettered;
        if round % 2 == 1 {
            t.base.push(scan(bench, url, page, events).await);
        }
    }
    t
}

#[derive(Default)]
struct Timed {
    ours: Vec<Duration>,
    base: Vec<Duration>,
    dead_lettered: usize,
}

async fn scan(bench: &Bench, url: &str, page: u32, events: usize) -> Duration {
    bench.checkpoint();
    let (took, n) = raw_scan(url, page).await;
    assert_eq!(n, events);
    took
}

/// 2. Projector catch-up vs raw scan + decode, with the defaults, then without retries.
pub async fn catch_up(bench: &Bench) {
    let target = if bench.quick { 20_000 } else { 1_000_000 };
    let (url, name) = bench.database();
    let db = crate::open(&url).await;
    let started = Instant::now();
    let (events, orders) = seed(&db, target).await;
    // Hint bits and statistics, as autovacuum would leave them, so no side pays for them.
    bench.psql(&name, "VACUUM ANALYZE");
    let config = Config::default();
    let batch = config.projector_batch_size;
    println!(
        "catch-up log: {events} events, {orders} orders (imported and vacuumed in {:.1} s); \
         every round starts after a full projection, reset as rebuild resets",
        started.elapsed().as_secs_f64()
    );
    let services = crate::services(db.clone());
    // The first catch-up fills the read model, so every timed one finds what a rebuild finds.
    services.projector.catch_up(|_| {}).await.unwrap();
    let t = rounds(bench, &url, &services, events).await;
    let backoff: u64 = (0..config.projector_max_retries)
        .map(|i| config.projector_base_backoff_ms << i)
        .sum();
    println!(
        "projector catch-up, default config (batch {batch}, {} retries): {} events/s, raw scan \
         + decode (pages of {batch}) {} events/s: {} (target >= 0.70); {} dead letters, each \
         {backoff} ms of retry backoff",
        config.projector_max_retries,
        rate(events, median(t.ours.clone())),
        rate(events, median(t.base.clone())),
        paired(&t.ours, &t.base),
        t.dead_lettered
    );
    if t.dead_lettered > 0 {
        no_retries(bench, &url, &db, events).await;
    }
}

/// Diagnostic: the same rounds with `projector_max_retries = 0`, the backoff taken out.
async fn no_retries(bench: &Bench, url: &str, db: &Store, events: usize) {
    let config = Config {
        projector_max_retries: 0,
        ..Config::default()
    };
    let services = Services::new(db.clone(), &config);
    let t = rounds(bench, url, &services, events).await;
    println!(
        "  (diagnostic) the same with projector_max_retries = 0 (no backoff on the demo's \
         poison events): {} events/s, raw {} events/s: {}",
        rate(events, median(t.ours.clone())),
        rate(events, median(t.base.clone())),
        paired(&t.ours, &t.base)
    );
}
