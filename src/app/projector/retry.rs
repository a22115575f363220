//! Retries beside the batches: a failing event parks its order at once, and the order is
//! tried again once its backoff has passed, while every other order goes on. A retry that
//! comes due during a catch-up replays, from memory, the events parked since the failure;
//! one that comes due later is retried from the store when the next catch-up starts.

use chrono::{DateTime, Utc};

use super::catch_up::Change;
use super::{HashMap, HashSet, Projector, ProjectorSettings, Rejected, Resolve, Schedule};
use crate::app::error::AppError;
use crate::store::{DeadLetter, StoredEvent, SummaryRow};

/// Events of one parked order held in memory at most: past that, the order waits for the
/// next catch-up, which retries it from the store.
const MAX_HELD: usize = 10_000;

impl ProjectorSettings {
    /// When a letter that has failed `attempts` times is tried again: the base backoff,
    /// doubled for each attempt after the first; `None` once the retries are spent (or the
    /// delay is past any date).
    pub fn next_retry(&self, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts == 0 || attempts > self.max_retries {
            return None;
        }
        let factor = 2u32.checked_pow(attempts - 1)?;
        let delay = chrono::Duration::from_std(self.base_backoff.checked_mul(factor)?).ok()?;
        now.checked_add_signed(delay)
    }
}

/// One parked order: its letter, its row before the failing event, and that event followed
/// by the order's events read since.
struct Parked {
    letter: DeadLetter,
    row: Option<SummaryRow>,
    events: Vec<StoredEvent>,
}

/// The orders parked during one catch-up whose retries are still to come.
#[derive(Default)]
pub(super) struct Retries {
    parked: HashMap<String, Parked>,
    /// The earliest retry of an order let go of (too many events held): the store has it.
    let_go: Option<DateTime<Utc>>,
}

/// What the due retries of one batch did, for its commit and its report.
#[derive(Default)]
pub(super) struct Retried {
    /// Letters that no longer stand (their order moved past them).
    pub resolved: Vec<i64>,
    /// Events the retries applied.
    pub recovered: usize,
}

/// The rows, dirty ids, letters and blocked orders of the batch being built.
pub(super) struct Work<'a> {
    pub rows: &'a mut HashMap<String, SummaryRow>,
    pub dirty: &'a mut HashMap<String, Change>,
    pub dead: &'a mut Vec<DeadLetter>,
    pub blocked: &'a mut HashSet<String>,
}

pub(super) fn earliest(
    a: Option<DateTime<Utc>>,
    b: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Retries {
    /// Starts holding a just-parked order when its letter has a retry to come.
    pub(super) fn watch(
        &mut self,
        letter: &DeadLetter,
        event: &StoredEvent,
        row: Option<&SummaryRow>,
    ) {
        if letter.next_retry_at.is_some() {
            let parked = Parked {
                letter: letter.clone(),
                row: row.cloned(),
                events: vec![event.clone()],
            };
            self.parked.insert(letter.stream_id.clone(), parked);
        }
    }

    /// Holds an event of a parked order for its retry.
    pub(super) fn hold(&mut self, e: &StoredEvent) {
        let Some(p) = self.parked.get_mut(&e.stream_id) else {
            return;
        };
        if p.events.len() < MAX_HELD {
            p.events.push(e.clone());
        } else if let Some(p) = self.parked.remove(&e.stream_id) {
            self.let_go = earliest(self.let_go, p.letter.next_retry_at);
        }
    }

    /// The next retry to come, of the orders held or let go of.
    pub(super) fn next_due(&self) -> Option<DateTime<Utc>> {
        let held = self
            .parked
            .values()
            .filter_map(|p| p.letter.next_retry_at)
            .min();
        earliest(held, self.let_go)
    }

    fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Parked> {
        let due: Vec<String> = self
            .parked
            .iter()
            .filter(|(_, p)| p.letter.next_retry_at.is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        due.iter().filter_map(|id| self.parked.remove(id)).collect()
    }
}

impl Projector {
    /// Retries the held orders that are due, into the batch being built.
    pub(super) fn retry_due(
        &self,
        retries: &mut Retries,
        work: &mut Work<'_>,
        now: DateTime<Utc>,
    ) -> Retried {
        let mut out = Retried::default();
        for p in retries.take_due(now) {
            let id = p.letter.stream_id.clone();
            let old = p.letter.global_position;
            let (row, failed, applied) = self.replay_held(p, now);
            out.recovered += applied;
            if applied > 0
                && let Some(r) = &row
            {
                work.rows.insert(id.clone(), r.clone());
                // Whether the order has a stored row is not known here: upsert it.
                work.dirty.insert(id.clone(), Change::Existing);
            }
            match failed {
                None => {
                    work.blocked.remove(&id);
                    work.dead.retain(|d| d.global_position != old);
                    out.resolved.push(old);
                }
                Some((letter, rest)) => {
                    if letter.global_position != old {
                        work.dead.retain(|d| d.global_position != old);
                        out.resolved.push(old);
                    }
                    work.dead.push(letter.clone());
                    if letter.next_retry_at.is_some() {
                        let parked = Parked {
                            letter,
                            row,
                            events: rest,
                        };
                        retries.parked.insert(id, parked);
                    }
                }
            }
        }
        out
    }

    /// Applies a held order's events in order: the row after them, the new letter and the
    /// events from the failing one on (when one fails), and how many applied.
    #[allow(clippy::type_complexity)]
    fn replay_held(
        &self,
        p: Parked,
        now: DateTime<Utc>,
    ) -> (
        Option<SummaryRow>,
        Option<(DeadLetter, Vec<StoredEvent>)>,
        usize,
    ) {
        let mut row = p.row;
        for (k, e) in p.events.iter().enumerate() {
            match self.apply(row.take(), e) {
                Ok(r) => row = Some(r),
                Err(rejected) => {
                    let Rejected {
                        error: err,
                        row: back,
                    } = *rejected;
                    row = back;
                    let again = e.global_position == p.letter.global_position;
                    let (attempts, first) = if again {
                        (
                            p.letter.attempts.saturating_add(1),
                            p.letter.first_failed_at,
                        )
                    } else {
                        (1, now)
                    };
                    let letter = self.dead_letter(e, &err, attempts, first, now);
                    let rest = p.events[k..].to_vec();
                    return (row, Some((letter, rest)), k);
                }
            }
        }
        let n = p.events.len();
        (row, None, n)
    }

    /// Retries the stored letters that are due (each in its own transaction), then returns
    /// the letters that stand.
    pub(super) async fn retry_stored(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeadLetter>, AppError> {
        let letters = self.read_model.dead_letters().await?;
        let due: Vec<i64> = letters
            .iter()
            .filter(|d| d.next_retry_at.is_some_and(|t| t <= now))
            .map(|d| d.global_position)
            .collect();
        if due.is_empty() {
            return Ok(letters);
        }
        for position in due {
            match self
                .resolve(position, Resolve::Retry, Schedule::Backoff, now)
                .await
            {
                // Gone already: an operator or another projector resolved it.
                Ok(_) | Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.read_model.dead_letters().await?)
    }
}

/// How long from now until `at` (nothing, once it has passed).
pub(super) fn wait_until(at: DateTime<Utc>) -> std::time::Duration {
    (at - Utc::now()).to_std().unwrap_or_default()
}

/// The earliest scheduled retry among `letters`.
pub(super) fn next_of(letters: &[DeadLetter]) -> Option<DateTime<Utc>> {
    letters.iter().filter_map(|d| d.next_retry_at).min()
}
