//! The shared knobs: how many cases each target runs, a runner that writes no files, and a
//! tally per input kind printed when the target ends.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestRunner};

/// Cases per target when `CHRONICLE_FUZZ_CASES` is unset: enough for CI's debug build to
/// stay within seconds per target.
const DEFAULT_CASES: u32 = 2_000;

/// Cases per target: `CHRONICLE_FUZZ_CASES`, else [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    match std::env::var("CHRONICLE_FUZZ_CASES") {
        Ok(v) => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("CHRONICLE_FUZZ_CASES={v:?} is not a number of cases")),
        Err(_) => DEFAULT_CASES,
    }
}

/// A runner for `cases()` cases that persists no failures (nothing is written into the repo).
pub fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        // A failure at volume is shrunk, but not for ever.
        max_shrink_iters: 4_096,
        // Filters reject a few inputs in a hundred: at a million cases that adds up.
        max_local_rejects: u32::MAX,
        max_global_rejects: u32::MAX,
        ..Config::default()
    })
}

/// How many cases of each kind ran.
pub struct Tally {
    target: &'static str,
    kinds: &'static [&'static str],
    counts: Vec<AtomicU64>,
    started: Instant,
}

impl Tally {
    pub fn new(target: &'static str, kinds: &'static [&'static str]) -> Tally {
        Tally {
            target,
            kinds,
            counts: kinds.iter().map(|_| AtomicU64::new(0)).collect(),
            started: Instant::now(),
        }
    }

    /// Counts one case of kind `kind` (an index into `kinds`).
    pub fn hit(&self, kind: usize) {
        self.counts[kind].fetch_add(1, Ordering::Relaxed);
    }

    fn report(&self) {
        let counts: Vec<u64> = self
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .zip(&counts)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        // Straight to the process's stderr: the harness captures `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "fuzz {}: {total} cases in {:.1} s ({})",
            self.target,
            self.started.elapsed().as_secs_f64(),
            kinds.join(", ")
        );
    }
}

/// Runs `check` on `cases()` inputs of `strategy`, counting them, and fails the test with
/// proptest's minimal failing input when a check panics or fails.
pub fn run<S: Strategy>(
    target: &'static str,
    kinds: &'static [&'static str],
    strategy: S,
    check: impl Fn(&Tally, S::Value),
) {
    let tally = Tally::new(target, kinds);
    let result = runner().run(&strategy, |input| {
        check(&tally, input);
        Ok(())
    });
    tally.report();
    if let Err(e) = result {
        panic!("fuzz {target}: {e}");
    }
}
