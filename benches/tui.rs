//! Debugger speed benchmarks (design §5), each a large case against a small one in the same
//! run:
//!
//! 1. one step (`l`/`h`: update, the worker's state and window reads against the SQLite file,
//!    then a render to a 120×40 `TestBackend`) on a 100,000-event stream vs a 10-event one;
//! 2. the first frame (open, build, first page with badges, first order's stream, state and
//!    divergence, one render) on a 1,000,000-event database vs a 1,000-event one;
//! 3. peak memory of a session (first frame, 400 steps, a few orders pages) on those two
//!    databases, each in a child process (this binary, re-run) so seeding does not count.
//!
//! `cargo bench --bench tui` (`BENCH_QUICK=1` for a smoke run with small sizes). It reports;
//! a missed target does not fail it.

#[path = "tui/drive.rs"]
mod drive;
#[path = "common/paired.rs"]
mod paired;
#[path = "tui/probe.rs"]
mod probe;
#[path = "tui/seed.rs"]
mod seed;
#[path = "tui/trouble.rs"]
mod trouble;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use drive::{Cache, Steps};

/// Set in a memory child: the database to open.
const CHILD_DB: &str = "CHRONICLE_TUI_BENCH_CHILD";
/// Set in a memory child: the order to step through.
const CHILD_ORDER: &str = "CHRONICLE_TUI_BENCH_ORDER";

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if let Some(db) = std::env::var_os(CHILD_DB) {
        let order = std::env::var(CHILD_ORDER).expect("the order to step through");
        rt.block_on(drive::memory_child(Path::new(&db), &order));
    } else {
        rt.block_on(run());
    }
}

fn sorted(v: &[Duration]) -> Vec<Duration> {
    let mut s = v.to_vec();
    s.sort();
    s
}

fn median(v: &[Duration]) -> Duration {
    sorted(v)[v.len() / 2]
}

fn p95(v: &[Duration]) -> Duration {
    sorted(v)[(v.len() - 1) * 95 / 100]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn ratio(large: Duration, small: Duration) -> f64 {
    large.as_secs_f64() / small.as_secs_f64()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Step runs through a stream of `events`: `runs` runs of `len` steps, forward and back in
/// turn. On a long stream each run starts in fresh territory (400 versions apart, around the
/// middle), so no state is cached from an earlier run and each run crosses a window edge.
fn plan(events: u64, runs: u64, len: u64) -> Vec<(u64, bool, u64)> {
    if events <= len {
        let len = events - 1;
        return (0..runs)
            .map(|r| {
                let forward = r % 2 == 0;
                (if forward { 1 } else { events }, forward, len)
            })
            .collect();
    }
    let stride = 400;
    let first = events / 2 - runs / 2 * stride;
    (0..runs)
        .map(|r| {
            let base = first + r * stride;
            let forward = r % 2 == 0;
            (if forward { base } else { base + len }, forward, len)
        })
        .collect()
}

fn print_steps(name: &str, s: &Steps) {
    println!(
        "  {name:<22} {:>5} steps, {:>5} states read from the store: median {} p95 {} max {} | update+worker {} (forward {} back {}) render {} | step forward {} back {} | {} window reloads, median {}",
        s.all.len(),
        s.loads,
        ms(median(&s.all)),
        ms(p95(&s.all)),
        ms(*sorted(&s.all).last().unwrap()),
        ms(median(&s.send)),
        ms(median(&s.send_forward)),
        ms(median(&s.send_back)),
        ms(median(&s.render)),
        ms(median(&s.forward)),
        ms(median(&s.back)),
        s.reloads.len(),
        if s.reloads.is_empty() {
            "-".into()
        } else {
            ms(median(&s.reloads))
        },
    );
}

/// Runs a memory child on `db`; returns its peak RSS in kB.
fn peak_rss(db: &Path, order: &str) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_DB, db)
        .env(CHILD_ORDER, order)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM "))
        .and_then(|v| v.parse().ok())
        .expect("the child prints its VmHWM")
}

#[allow(clippy::too_many_lines)] // one section per measure, then the table
async fn run() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (long_events, big_events, frame_rounds, step_rounds, runs) = if quick {
        (10_000, 50_000, 3, 1, 4)
    } else {
        (100_000, 1_000_000, 5, 5, 16)
    };
    let (short_events, small_events, len) = (10, 1_000, 100);
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| tmp.path().join(name);
    let started = Instant::now();
    let order = seed::seed_long(&path("short.db"), short_events).await;
    seed::seed_long(&path("long.db"), long_events).await;
    let small = seed::seed_demo(&path("small.db"), small_events).await;
    let big = seed::seed_demo(&path("big.db"), big_events).await;
    println!(
        "chronicle debugger benchmarks{}: seeded in {:.1}s",
        if quick {
            " (BENCH_QUICK: small sizes, the targets are for the full ones)"
        } else {
            ""
        },
        started.elapsed().as_secs_f64()
    );

    // 1. Steps.
    let (mut short, mut long, mut cold) = (Steps::default(), Steps::default(), Steps::default());
    // Each round's median step, per configuration, for the paired ratios.
    let (mut short_r, mut long_r, mut cold_r) = (Vec::new(), Vec::new(), Vec::new());
    let short_plan = plan(short_events, runs * len / (short_events - 1), len);
    let long_plan = plan(long_events, runs, len);
    for round in 0..step_rounds {
        // Each configuration goes first in turn, so machine noise spreads over all three.
        for which in 0..3 {
            let mut s = Steps::default();
            let (db, run_plan, cache, into, medians) = match (round + which) % 3 {
                0 => (
                    "short.db",
                    &short_plan,
                    Cache::Kept,
                    &mut short,
                    &mut short_r,
                ),
                1 => (
                    "short.db",
                    &short_plan,
                    Cache::Emptied,
                    &mut cold,
                    &mut cold_r,
                ),
                _ => ("long.db", &long_plan, Cache::Kept, &mut long, &mut long_r),
            };
            drive::steps(&path(db), run_plan, cache, &mut s).await;
            medians.push(median(&s.all));
            into.extend(s);
        }
    }
    // The control is cold only if every one of its steps read its state from the store.
    assert_eq!(
        cold.loads,
        cold.all.len() as u64,
        "the cold control hit the cache"
    );
    let lo = long_plan
        .iter()
        .map(|&(v, f, n)| if f { v } else { v - n })
        .min();
    let hi = long_plan
        .iter()
        .map(|&(v, f, n)| if f { v + n } else { v })
        .max();
    let (lo, hi) = (lo.unwrap(), hi.unwrap());
    println!(
        "steps (send(l/h) + render 120x40), {step_rounds} round(s); long stream stepped in v{lo}..v{hi}:"
    );
    print_steps(&format!("{short_events} events"), &short);
    print_steps(&format!("{long_events} events"), &long);
    print_steps(&format!("{short_events} ev, cache emptied"), &cold);
    let mid = long_events / 2;
    let short_versions: Vec<u64> = (0..99).map(|i| 2 + i % (short_events - 1)).collect();
    let long_versions: Vec<u64> = (mid..mid + 100).collect();
    for (name, db, versions) in [
        ("short", "short.db", &short_versions),
        ("long", "long.db", &long_versions),
    ] {
        let p = probe::probe(&path(db), &order, versions).await;
        println!(
            "  {name} stream, store calls (medians): one event + fold {}, snapshot + tail load {}, head + 200-event window {}",
            ms(p.one_event),
            ms(p.load),
            ms(p.window)
        );
    }

    // 2. First frame.
    let (mut small_frames, mut big_frames) = (Vec::new(), Vec::new());
    for round in 0..frame_rounds {
        for which in 0..2 {
            let large = (round + which) % 2 == 1;
            let (db, times) = if large {
                ("big.db", &mut big_frames)
            } else {
                ("small.db", &mut small_frames)
            };
            let (t, store) = drive::first_frame(&path(db)).await;
            times.push(t);
            store.close().await;
        }
    }
    println!(
        "first frame, {frame_rounds} rounds: {} events / {} orders: median {} (all: {:?}); {} events / {} orders: median {} (all: {:?})",
        small.events,
        small.orders,
        ms(median(&small_frames)),
        small_frames,
        big.events,
        big.orders,
        ms(median(&big_frames)),
        big_frames
    );
    for (name, db) in [("small", "small.db"), ("large", "big.db")] {
        let parts = drive::first_frame_breakdown(&path(db)).await;
        let text: Vec<String> = parts
            .iter()
            .map(|(n, t)| format!("{n} {}", ms(*t)))
            .collect();
        println!(
            "  {name} first frame, effect by effect: {}",
            text.join(", ")
        );
    }

    // 4. `]` to the next out-of-sync order, large log against small, in paired rounds.
    trouble::plant(&path("small.db")).await;
    trouble::plant(&path("big.db")).await;
    let mut jumps = Vec::new();
    for checked in [false, true] {
        let (mut small_t, mut big_t) = (Vec::new(), Vec::new());
        for round in 0..frame_rounds {
            for which in 0..2 {
                let large = (round + which) % 2 == 1;
                let db = if large { "big.db" } else { "small.db" };
                let t = median(&trouble::presses(&path(db), 9, checked).await);
                if large {
                    big_t.push(t);
                } else {
                    small_t.push(t);
                }
            }
        }
        jumps.push((
            checked,
            median(&small_t),
            median(&big_t),
            paired::paired(&small_t, &big_t),
        ));
    }
    let (mut small_at, mut big_at) = (Vec::new(), Vec::new());
    for round in 0..frame_rounds {
        for which in 0..2 {
            let large = (round + which) % 2 == 1;
            let db = if large { "big.db" } else { "small.db" };
            let t = median(&trouble::at_points(&path(db), 9).await);
            if large {
                big_at.push(t);
            } else {
                small_at.push(t);
            }
        }
    }
    let at_pair = paired::paired(&small_at, &big_at);

    // 3. Peak memory, in child processes.
    let small_rss = peak_rss(&path("small.db"), &small.long_order);
    let big_rss = peak_rss(&path("big.db"), &big.long_order);
    // /proc reports KiB; MB here are 10^6 bytes.
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    let growth = mb(big_rss) - mb(small_rss);

    // `paired(a, b)` is b / a per round: the long stream's step over the control's.
    let step_pair = paired::paired(&short_r, &long_r);
    let cold_pair = paired::paired(&cold_r, &long_r);
    let p95_ratio = ratio(p95(&long.all), p95(&short.all));
    let frame_pair = paired::paired(&small_frames, &big_frames);
    println!();
    println!(
        "| measure | small | large | ratio / growth | target | result |\n| --- | --- | --- | --- | --- | --- |"
    );
    println!(
        "| step, median ({short_events} vs {long_events} events, states cached as the debugger runs) | {} | {} | {:.2}x (min {:.2}, max {:.2}, {} paired rounds) | <= 1.5x | {} |",
        ms(median(&short.all)),
        ms(median(&long.all)),
        step_pair.median,
        step_pair.min,
        step_pair.max,
        step_pair.rounds,
        verdict(step_pair.median <= 1.5)
    );
    println!(
        "| step, p95 | {} | {} | {p95_ratio:.2}x | report | - |",
        ms(p95(&short.all)),
        ms(p95(&long.all)),
    );
    println!(
        "| step, median, against a cold control (10-event stream, the worker's cache emptied before every step: each step reads its state) | {} | {} | {:.2}x (min {:.2}, max {:.2}, {} paired rounds) | <= 1.5x | {} |",
        ms(median(&cold.all)),
        ms(median(&long.all)),
        cold_pair.median,
        cold_pair.min,
        cold_pair.max,
        cold_pair.rounds,
        verdict(cold_pair.median <= 1.5)
    );
    println!(
        "| first frame, median ({} vs {} events) | {} | {} | {:.2}x (min {:.2}, max {:.2}, {} paired rounds) | <= 2x | {} |",
        small.events,
        big.events,
        ms(median(&small_frames)),
        ms(median(&big_frames)),
        frame_pair.median,
        frame_pair.min,
        frame_pair.max,
        frame_pair.rounds,
        verdict(frame_pair.median <= 2.0)
    );
    println!(
        "| peak RSS ({} vs {} events) | {:.1} MB | {:.1} MB | {growth:+.1} MB | < 50 MB | {} |",
        small.events,
        big.events,
        mb(small_rss),
        mb(big_rss),
        verdict(growth < 50.0)
    );
    for (checked, small_t, big_t, p) in &jumps {
        let case = if *checked {
            "after :check (diverged rows known)"
        } else {
            "fresh session (parked, unprojected)"
        };
        println!(
            "| `]` to the next out-of-sync order, {case}, median of 9 presses | {} | {} | {:.2}x (min {:.2}, max {:.2}, {} paired rounds) | < 100 ms at {} events | {} |",
            ms(*small_t),
            ms(*big_t),
            p.median,
            p.min,
            p.max,
            p.rounds,
            big.events,
            verdict(*big_t < Duration::from_millis(100))
        );
    }
    println!(
        "| `:at #P`, 9 points spread over the log, median | {} | {} | {:.2}x (min {:.2}, max {:.2}, {} paired rounds) | < 100 ms at {} events | {} |",
        ms(median(&small_at)),
        ms(median(&big_at)),
        at_pair.median,
        at_pair.min,
        at_pair.max,
        at_pair.rounds,
        big.events,
        verdict(median(&big_at) < Duration::from_millis(100))
    );
    println!(
        "total {:.1}s{}",
        started.elapsed().as_secs_f64(),
        if quick {
            " (BENCH_QUICK: sizes are small, PASS/FAIL says little)"
        } else {
            ""
        }
    );
}
