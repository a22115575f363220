//! A fork as the panes show it: each step's event, the fork's state diffed with the step
//! before, and the fork's projection against its replay. Built once by the worker from the
//! read side's [`Fork`], so stepping through it is pure.

use super::fields::{FieldRow, diff_fields, event_summary};
use crate::app::divergence::FieldDiff;
use crate::app::read::{Fork, Origin};
use crate::domain::Order;
use crate::text::printable;

/// One step of the fork, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkRow {
    /// Its version in the fork.
    pub version: u64,
    /// The stored version it replays (`None`: hypothetical).
    pub real_version: Option<u64>,
    /// Where it came from.
    pub origin: Origin,
    /// Event type.
    pub event_type: String,
    /// One-line summary.
    pub summary: String,
    /// The fork's state after it, marked against the step before.
    pub fields: Vec<FieldRow>,
    /// The fork's projection against the fork's replay: differing fields, or why the
    /// projection would refuse the event.
    pub projection: Result<Vec<FieldDiff>, String>,
}

/// The fork being stepped through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkView {
    /// The order.
    pub order: String,
    /// What the fork did, as the title says it (`skip v5 OrderPaid`).
    pub what: String,
    /// The version it forks at.
    pub at: u64,
    /// The fork's state before its first step, as fields.
    pub base: Vec<FieldRow>,
    /// The steps.
    pub steps: Vec<ForkRow>,
    /// Index of the step the cursor is on; `None` before the first.
    pub cursor: Option<usize>,
    /// Real events left out at the end.
    pub cut: bool,
    /// Why the hypothetical command was refused, when it was.
    pub refused: Option<String>,
}

impl ForkView {
    /// The view of `fork`, said as `what`; the cursor on its first step.
    pub fn new(fork: &Fork, what: String) -> ForkView {
        let currency = fork
            .base
            .exists()
            .then_some(fork.base.currency)
            .or_else(|| fork.steps.first().map(|s| s.state.currency));
        let mut before: &Order = &fork.base;
        let mut steps = Vec::with_capacity(fork.steps.len());
        for (i, s) in fork.steps.iter().enumerate() {
            steps.push(ForkRow {
                version: s.version,
                real_version: s.real_version,
                origin: s.origin,
                event_type: s.event.event_type().to_string(),
                summary: printable(&event_summary(&s.event, currency)),
                fields: diff_fields(before, &s.state),
                projection: fork.divergence(i),
            });
            before = &s.state;
        }
        ForkView {
            order: fork.order_id.clone(),
            what,
            at: fork.at,
            base: diff_fields(&fork.base, &fork.base),
            cursor: (!steps.is_empty()).then_some(0),
            steps,
            cut: fork.cut,
            refused: fork.refused.as_deref().map(printable),
        }
    }

    /// The step at the cursor.
    pub fn current(&self) -> Option<&ForkRow> {
        self.cursor.and_then(|i| self.steps.get(i))
    }

    /// Moves the cursor by `by` steps, staying inside the fork (`None` is before the
    /// first step: the base). Returns whether it moved.
    pub fn step(&mut self, by: i64) -> bool {
        let len = self.steps.len() as i64;
        let at = self.cursor.map_or(-1, |i| i as i64);
        let to = (at + by).clamp(-1, len - 1);
        let moved = to != at;
        self.cursor = usize::try_from(to).ok();
        moved
    }
}
