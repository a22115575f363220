//! The projector's catch-up over a demo-shaped log beside a raw sqlx scan of the same events
//! table with the same decoding.

use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::app::demo::{DemoSpec, generate};
use chronicle::domain::{OrderEvent, UpcastContext};
use chronicle::store::{ProjectorState, Store};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;

use crate::{Bench, Rounds};

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

/// Baseline side of a round: checkpoint, then the raw scan.
async fn scan(bench: &Bench, url: &str, page: u32, events: usize) -> Duration {
    bench.checkpoint();
    let (took, n) = raw_scan(url, page).await;
    assert_eq!(n, events);
    took
}

/// Paired rounds of reset (untimed) and catch-up to the head vs the raw scan. Also returns
/// the dead letters a catch-up made.
async fn rounds(bench: &Bench, url: &str, services: &Services, events: usize) -> (Rounds, usize) {
    let page = services.config.projector_batch_size;
    let mut dead = 0;
    let r = bench
        .alternate(
            async || {
                reset(&services.store).await;
                bench.checkpoint();
                let started = Instant::now();
                let total = services.projector.catch_up(|_| {}).await.unwrap();
                let took = started.elapsed();
                assert_eq!(total.applied + total.parked + total.dead_lettered, events);
                dead = total.dead_lettered;
                took
            },
            async || scan(bench, url, page, events).await,
        )
        .await;
    (r, dead)
}

/// (2) Projector catch-up vs raw scan + decode, with the defaults, then without retries,
/// then the store's read alone.
pub async fn catch_up(bench: &Bench) {
    let target = if bench.quick { 20_000 } else { 1_000_000 };
    let (url, name) = bench.database();
    let db = crate::open(&url).await;
    let started = Instant::now();
    let (events, orders) = seed(&db, target).await;
    // Hint bits and statistics, as autovacuum would leave them, so no side pays for them.
    bench.psql(&name, "VACUUM ANALYZE");
    println!(
        "catch-up log: {events} events, {orders} orders (imported and vacuumed in {:.1} s); \
         every round starts after a full projection, reset as rebuild resets",
        started.elapsed().as_secs_f64()
    );
    let services = crate::services(db.clone());
    // The first catch-up fills the read model, so every timed one finds what a rebuild finds.
    services.projector.catch_up(|_| {}).await.unwrap();
    let (r, dead) = rounds(bench, &url, &services, events).await;
    let c = Config::default();
    let (batch, retries) = (c.projector_batch_size, c.projector_max_retries);
    let backoff = c.projector_base_backoff_ms;
    let (ours, base, pairs) = r.rates(events);
    println!(
        "projector catch-up, default config (batch {batch}, {retries} retries): {ours} events/s, \
         raw scan + decode (pages of {batch}) {base} events/s: {pairs} (target >= 0.70); \
         {dead} dead letters, their orders parked at once and retried beside the batches \
         ({backoff} ms backoff, doubled)"
    );
    if dead > 0 {
        no_retries(bench, &url, &db, events).await;
    }
    reads_alone(bench, &url, &db, events).await;
}

/// Diagnostic: the same rounds with `projector_max_retries = 0`: no retries at all.
async fn no_retries(bench: &Bench, url: &str, db: &Store, events: usize) {
    let config = Config {
        projector_max_retries: 0,
        ..Config::default()
    };
    let services = Services::new(db.clone(), &config);
    let (ours, base, pairs) = rounds(bench, url, &services, events).await.0.rates(events);
    println!(
        "  (diagnostic) the same with projector_max_retries = 0 (the demo's poison events \
         never retried): {ours} events/s, raw {base} events/s: {pairs}"
    );
}

/// Diagnostic: Chronicle's read of the log (`EventStore::read_all`) alone vs the raw scan.
async fn reads_alone(bench: &Bench, url: &str, db: &Store, events: usize) {
    let batch = Config::default().projector_batch_size;
    let r = bench
        .alternate(
            async || {
                bench.checkpoint();
                store_scan(db, batch, events).await
            },
            async || scan(bench, url, batch, events).await,
        )
        .await;
    let (ours, base, pairs) = r.rates(events);
    println!(
        "  (diagnostic) EventStore::read_all alone, batches of {batch} one after the other, \
         decoded: {ours} events/s, raw {base} events/s: {pairs}"
    );
}

/// Chronicle's read of the log alone: `read_all` in batches, every payload decoded.
async fn store_scan(db: &Store, page: u32, events: usize) -> Duration {
    let (log, ctx) = (db.events(), UpcastContext::default());
    let started = Instant::now();
    let (mut after, mut n) = (0i64, 0usize);
    loop {
        let batch = log.read_all(after, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = last.global_position;
        for e in &batch {
            let decoded = OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &ctx);
            let _ = std::hint::black_box(decoded);
            n += 1;
        }
    }
    let took = started.elapsed();
    assert_eq!(n, events);
    took
}
