//! Paired per-round ratios: each round measures Chronicle and its baseline back to back, so
//! the ratio of that round cancels the machine's noise of that moment; the median of those
//! ratios (with their min and max) is the result, never the best run.

use std::time::Duration;

/// The per-round ratios `baseline / chronicle` (above 1: Chronicle is faster), summarised.
pub struct Paired {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rounds: usize,
}

/// Ratios of paired rounds; `ours[i]` and `base[i]` must come from the same round.
pub fn paired(ours: &[Duration], base: &[Duration]) -> Paired {
    assert_eq!(ours.len(), base.len(), "unpaired rounds");
    let mut r: Vec<f64> = ours
        .iter()
        .zip(base)
        .map(|(o, b)| b.as_secs_f64() / o.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    Paired {
        median: r[r.len() / 2],
        min: r[0],
        max: r[r.len() - 1],
        rounds: r.len(),
    }
}

impl std::fmt::Display for Paired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "paired ratio {:.2} (min {:.2}, max {:.2}, {} rounds)",
            self.median, self.min, self.max, self.rounds
        )
    }
}
