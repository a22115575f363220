//! SIGKILL of `chronicle projector run` and of `chronicle projector rebuild` in the middle
//! of their batches, again and again, while a client keeps creating orders. Afterwards
//! `projector run --once` converges: the read model, row for row and column for column,
//! equals a clean rebuild of a copy of the database; the one planted dead letter is there
//! once, with the same attempts; `check` finds the planted order and nothing else; every
//! acknowledged order is in the log; and SQLite's integrity check is ok.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::fixtures::{Watcher, Writer, missing_orders, seeded};
use crate::seed::seed_file;
use crate::shared::{Backend, Target, describe, kill};
use crate::summary::{Summary, between, kills, rng};

/// Small batches, so a kill lands between and inside many of them; retries and polls fast.
const CONFIG: &str = "projector_batch_size = 10\nprojector_poll_interval_ms = 20\n\
                      projector_base_backoff_ms = 5\n";

/// Enough log for every kill of a run to land before its end (about 8 events an order).
fn orders() -> usize {
    (40 * kills()).max(1000)
}

pub fn run_scenario(backend: Backend) {
    let mut summary = Summary::start("projector-run", backend);
    let (t, planted) = seeded(backend, CONFIG, &seed_file(orders()));
    let mut rng = rng("projector-run", backend);
    let watcher = Watcher::open(&t.url);
    let seeded_head = watcher.head();
    let writer = Writer::start(&t);
    let mut mid_log = 0;
    while summary.kills < kills() {
        let start = watcher.checkpoint();
        let mut child = t.spawn(&["projector", "run"]);
        wait_for_progress(&watcher, start, &mut child);
        std::thread::sleep(between(&mut rng, Duration::ZERO, Duration::from_millis(60)));
        assert!(kill(&mut child), "`projector run` ended by itself");
        summary.kills += 1;
        let at = watcher.checkpoint();
        assert!(at >= start, "the checkpoint went back from {start} to {at}");
        mid_log += usize::from(at < seeded_head);
    }
    let acked = writer.stop();
    watcher.close();
    summary.acknowledged = acked.len();
    summary.lost = missing_orders(&t, &acked);
    summary.note = format!("killed_before_the_seeded_head={mid_log}");
    converge(&t, &planted, &mut summary);
}

pub fn rebuild_scenario(backend: Backend) {
    let mut summary = Summary::start("projector-rebuild", backend);
    let (t, planted) = seeded(backend, CONFIG, &seed_file(1000));
    let mut rng = rng("projector-rebuild", backend);
    t.ok(&["projector", "run", "--once", "--batch-size", "1000"]);
    // A clean rebuild first: how long one takes, so that the kills land inside one.
    let started = Instant::now();
    t.ok(&["projector", "rebuild"]);
    let took = started.elapsed();
    let watcher = Watcher::open(&t.url);
    let seeded_head = watcher.head();
    let writer = Writer::start(&t);
    let (mut attempts, mut mid_log) = (0, 0);
    while summary.kills < kills() {
        attempts += 1;
        let tries = 5 * kills() + 10;
        assert!(
            attempts <= tries,
            "{attempts} tries for {} kills",
            summary.kills
        );
        let mut child = t.spawn(&["projector", "rebuild"]);
        std::thread::sleep(between(&mut rng, took / 10, took * 9 / 10));
        if !kill(&mut child) {
            continue;
        }
        summary.kills += 1;
        mid_log += usize::from(watcher.checkpoint() < seeded_head);
    }
    let acked = writer.stop();
    watcher.close();
    summary.acknowledged = acked.len();
    summary.lost = missing_orders(&t, &acked);
    summary.note = format!(
        "clean_rebuild_ms={} killed_before_the_seeded_head={mid_log}",
        took.as_millis()
    );
    converge(&t, &planted, &mut summary);
}

/// Waits (30 s at most) until a projector process has moved the checkpoint past `start`.
fn wait_for_progress(watcher: &Watcher, start: i64, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while watcher.checkpoint() <= start {
        if child.try_wait().expect("try_wait").is_some() || Instant::now() > deadline {
            let _ = child.kill();
            let out = child_output(child);
            panic!("the projector made no progress past {start}: {out}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn child_output(child: &mut Child) -> String {
    let _ = child.wait();
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        use std::io::Read as _;
        let _ = stderr.read_to_string(&mut err);
    }
    err
}

/// `projector run --once`, then the read model against a clean rebuild of a copy, the dead
/// letters, `check`, and SQLite's integrity; prints the summary.
fn converge(t: &Target, planted: &str, summary: &mut Summary) {
    let out = t.run(&["projector", "run", "--once", "--batch-size", "1000"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let planted_only = vec![(planted.to_string(), "corrupt".to_string())];
    assert_eq!(
        t.findings(),
        planted_only,
        "check finds the planted fault only"
    );
    let copy = t.copy();
    copy.ok(&["projector", "rebuild"]);
    let (got, want) = (Watcher::open(&t.url), Watcher::open(&copy.url));
    let ((rows, letters), (want_rows, want_letters)) = (got.read_side(), want.read_side());
    got.close();
    want.close();
    let differing = rows.iter().zip(&want_rows).filter(|(a, b)| a != b).count();
    summary.partial += differing + rows.len().abs_diff(want_rows.len());
    if let Some((got, want)) = rows.iter().zip(&want_rows).find(|(a, b)| a != b) {
        eprintln!("partial: row {got:?} where a clean rebuild has {want:?}");
    }
    t.assert_intact();
    copy.assert_intact();
    summary.note = format!("{} rows={}", summary.note, rows.len());
    summary.finish();
    assert_eq!(letters, want_letters, "the dead letters of a clean rebuild");
    assert_eq!(
        letters.len(),
        1,
        "the planted dead letter, once: {letters:?}"
    );
}
