//! How hard a run pushes and what it reports: the kill count, the seeded kill timing, and
//! the one-line summary each scenario prints.

use std::time::{Duration, Instant};

use crate::shared::Backend;

/// SIGKILLs per scenario and backend: `CHRONICLE_CRASH_KILLS` (stress mode), else 3.
pub fn kills() -> usize {
    match std::env::var("CHRONICLE_CRASH_KILLS") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .unwrap_or_else(|| panic!("CHRONICLE_CRASH_KILLS={v:?}: want 1 to 1000")),
        Err(_) => 3,
    }
}

/// The kill timing's random source: `CHRONICLE_CRASH_SEED`, else the clock. Printed, so a
/// failing run can be repeated.
pub fn rng(scenario: &str, backend: Backend) -> fastrand::Rng {
    let seed = std::env::var("CHRONICLE_CRASH_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!(
        "crash {scenario} on {}: seed {seed} (CHRONICLE_CRASH_SEED={seed} repeats it)",
        backend.name()
    );
    fastrand::Rng::with_seed(seed)
}

/// A delay drawn uniformly from `lo..hi`.
pub fn between(rng: &mut fastrand::Rng, lo: Duration, hi: Duration) -> Duration {
    let (lo, hi) = (lo.as_micros() as u64, hi.as_micros() as u64);
    Duration::from_micros(rng.u64(lo..hi.max(lo + 1)))
}

/// What a scenario did, printed as one line on stderr at its end.
pub struct Summary {
    pub scenario: &'static str,
    pub backend: Backend,
    pub kills: usize,
    pub acknowledged: usize,
    pub lost: usize,
    pub partial: usize,
    /// Scenario-specific figures (`12 killed after commit`).
    pub note: String,
    started: Instant,
}

impl Summary {
    pub fn start(scenario: &'static str, backend: Backend) -> Summary {
        Summary {
            scenario,
            backend,
            kills: 0,
            acknowledged: 0,
            lost: 0,
            partial: 0,
            note: String::new(),
            started: Instant::now(),
        }
    }

    /// Prints the line, then fails if anything acknowledged was lost or half-written.
    pub fn finish(&self) {
        eprintln!(
            "crash summary: {} backend={} kills={} acknowledged={} lost={} partial={} seconds={:.1}{}{}",
            self.scenario,
            self.backend.name(),
            self.kills,
            self.acknowledged,
            self.lost,
            self.partial,
            self.started.elapsed().as_secs_f64(),
            if self.note.is_empty() { "" } else { " " },
            self.note
        );
        assert_eq!((self.lost, self.partial), (0, 0), "lost and partial");
    }
}
