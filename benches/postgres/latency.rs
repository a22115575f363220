//! Commit-to-screen: how soon a second, read-only handle learns of a command committed on
//! the first, told by LISTEN/NOTIFY (`EventStore::appends`) or by polling the head on the
//! debugger's tick.

use std::time::{Duration, Instant};

use chronicle::app::config::Config;
use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, Services};
use chronicle::domain::{OrderCommand, OrderId};
use chronicle::store::{self, Access, Store};
use chrono::Utc;
use tokio::sync::watch;

use crate::Bench;
use crate::paired::paired;

/// The newest head a reader has seen and when its query returned.
type Seen = watch::Receiver<(i64, Instant)>;

/// Publishes a head that moved; false once nobody listens.
fn publish(tx: &watch::Sender<(i64, Instant)>, head: i64) -> bool {
    tx.send_if_modified(|seen| {
        let moved = head > seen.0;
        if moved {
            *seen = (head, Instant::now());
        }
        moved
    });
    !tx.is_closed()
}

/// (a) Woken by the server's notification, then reads the head.
fn by_notify(reader: &Store) -> Seen {
    let events = reader.events();
    let mut appends = events.appends().expect("PostgreSQL pushes appends");
    let (tx, seen) = watch::channel((0, Instant::now()));
    tokio::spawn(async move {
        while appends.changed().await.is_ok() {
            // An error here is the handle closing at the end of the run.
            let Ok(head) = events.head_position().await else {
                return;
            };
            if !publish(&tx, head) {
                return;
            }
        }
    });
    seen
}

/// (b) Reads the head every `tick`, as the debugger's loop does without notifications.
fn by_poll(reader: &Store, tick: Duration) -> Seen {
    let events = reader.events();
    let (tx, seen) = watch::channel((0, Instant::now()));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let Ok(head) = events.head_position().await else {
                return;
            };
            if !publish(&tx, head) {
                return;
            }
        }
    });
    seen
}

/// One commit (a new order) and how long until `seen` shows it. A random pause first, so
/// commits land at any phase of the polling tick.
async fn commit_and_wait(writer: &Services, seen: &mut Seen, tick: Duration) -> Duration {
    let pause = fastrand::u64(..tick.as_millis() as u64);
    tokio::time::sleep(Duration::from_millis(pause)).await;
    let req = CommandRequest {
        order_id: OrderId(uuid::Uuid::new_v4()),
        command: OrderCommand::CreateOrder {
            customer_id: "cust-latency".into(),
            items: vec!["BOOK-1:2:12.49".parse().unwrap()],
            currency: "EUR".parse().unwrap(),
        },
        expected_version: None,
        id_generated: false,
        context: CommandContext {
            actor: "bench@local".into(),
            source: "bench".into(),
            ..CommandContext::default()
        },
    };
    let done = writer.commands.execute(&req, Utc::now()).await.unwrap();
    let committed = Instant::now();
    let shown = tokio::time::timeout(
        Duration::from_secs(30),
        seen.wait_for(|s| s.0 >= done.last_position),
    );
    let at = shown
        .await
        .expect("the reader never saw the commit")
        .unwrap()
        .1;
    at.saturating_duration_since(committed)
}

async fn phase(writer: &Services, seen: &mut Seen, tick: Duration, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(commit_and_wait(writer, seen, tick).await);
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median and p95 of all samples.
fn quantiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let p95 = (v.len() * 95).div_ceil(100).max(1) - 1;
    (v[v.len() / 2], v[p95])
}

/// The listener connects on first use: untimed commits until one is seen through it.
async fn listening(writer: &Services, notified: &mut Seen, tick: Duration) {
    let wait = Duration::from_secs(2);
    while tokio::time::timeout(wait, commit_and_wait(writer, notified, tick))
        .await
        .is_err()
    {}
}

/// (4) Commit-to-screen latency, notified vs polled, per round the medians paired.
pub async fn latency(bench: &Bench) {
    let per_round = if bench.quick { 5 } else { 12 };
    let tick = Duration::from_millis(Config::default().tui.poll_interval_ms);
    let (url, _) = bench.database();
    let writer = crate::services(crate::open(&url).await);
    let (notified_reader, polled_reader) = (
        store::open(&url, Access::ReadOnly).await.unwrap(),
        store::open(&url, Access::ReadOnly).await.unwrap(),
    );
    let mut notified = by_notify(&notified_reader);
    let mut polled = by_poll(&polled_reader, tick);
    listening(&writer, &mut notified, tick).await;
    let (mut all_n, mut all_p) = (Vec::new(), Vec::new());
    // A round's figure on each side is the median of its commits.
    let r = bench
        .alternate(
            async || {
                let n = phase(&writer, &mut notified, tick, per_round).await;
                all_n.extend_from_slice(&n);
                crate::median(n)
            },
            async || {
                let p = phase(&writer, &mut polled, tick, per_round).await;
                all_p.extend_from_slice(&p);
                crate::median(p)
            },
        )
        .await;
    let count = all_n.len();
    let ((n50, n95), (p50, p95)) = (quantiles(all_n), quantiles(all_p));
    println!(
        "commit-to-screen latency ({count} commits each, read-only second handle): LISTEN/NOTIFY \
         median {:.1} ms (p95 {:.1} ms), polling head_position every {} ms (tui.poll_interval_ms) \
         median {:.1} ms (p95 {:.1} ms): polled/notified {}",
        ms(n50),
        ms(n95),
        tick.as_millis(),
        ms(p50),
        ms(p95),
        paired(&r.ours, &r.base)
    );
    drop((notified, polled));
    for s in [&writer.store, &notified_reader, &polled_reader] {
        s.close().await;
    }
}
