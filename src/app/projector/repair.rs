//! Work on the read model outside the batch loop: rebuilds, dead-letter retry and skip,
//! and status.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{BatchReport, Projector, ProjectorStatus};
use crate::app::error::AppError;
use crate::domain::OrderId;
use crate::store::{DeadLetter, ProjectionTx, ProjectorState, StoreError, StoredEvent, SummaryRow};

/// What to do with a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// Apply it again, then the events parked behind it.
    Retry,
    /// Account for it without applying it, then apply the parked events.
    Skip,
}

/// When a letter that fails again is tried next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Its backoff: the projector's own retries.
    Backoff,
    /// Never on its own: an operator retried it, and it waits for an operator again.
    Operator,
}

/// One order's progress while events are applied outside a batch (rebuild, retry, skip).
pub(super) struct Replay {
    row: Option<SummaryRow>,
    dead: Option<DeadLetter>,
}

impl Projector {
    /// Applies `events` (in version order) to `replay`; the first failure becomes the dead
    /// letter and every later event stays parked.
    fn replay_events(&self, replay: &mut Replay, events: &[StoredEvent], now: DateTime<Utc>) {
        for e in events {
            if replay.dead.is_some() {
                return;
            }
            match self.apply(replay.row.take(), e) {
                Ok(r) => replay.row = Some(r),
                Err(rejected) => {
                    let rejected = *rejected;
                    replay.row = rejected.row;
                    replay.dead = Some(self.dead_letter(e, &rejected.error, 1, now, now));
                }
            }
        }
    }

    async fn finish(
        tx: &mut Box<dyn ProjectionTx>,
        replay: &Replay,
        state: ProjectorState,
    ) -> Result<(), StoreError> {
        if let Some(row) = &replay.row {
            tx.upsert_rows(std::slice::from_ref(row)).await?;
        }
        if let Some(d) = &replay.dead {
            tx.put_dead_letters(std::slice::from_ref(d)).await?;
        }
        tx.set_state(ProjectorState {
            position: state.position,
            generation: state.generation + 1,
        })
        .await
    }

    /// Rebuilds the read model from zero: every order, or one. Commands may keep arriving:
    /// the full rebuild resets the checkpoint and catches up until the log is exhausted and
    /// the parked orders' retries are done or spent; the one-order rebuild replays that
    /// stream up to the checkpoint in one transaction.
    pub async fn rebuild(
        &self,
        order: Option<OrderId>,
        progress: impl FnMut(&BatchReport),
    ) -> Result<BatchReport, AppError> {
        let mut tx = self.read_model.begin_projection().await?;
        let state = tx.state().await?;
        let Some(id) = order else {
            tx.delete_rows(None).await?;
            tx.delete_dead_letters(None, None).await?;
            tx.set_state(ProjectorState {
                position: 0,
                generation: state.generation + 1,
            })
            .await?;
            tx.commit().await?;
            // Settled, as `run --once` is: the parked orders' retries are waited out too.
            return self.settle(progress).await;
        };
        let stream = id.to_stream_id();
        tx.delete_rows(Some(&stream)).await?;
        tx.delete_dead_letters(None, Some(&stream)).await?;
        let events = tx.stream_events(&stream, 0, state.position).await?;
        if events.is_empty() && self.store.stream_version(&stream).await? == 0 {
            return Err(AppError::NotFound(format!("order {id}")));
        }
        let mut replay = Replay {
            row: None,
            dead: None,
        };
        self.replay_events(&mut replay, &events, Utc::now());
        Self::finish(&mut tx, &replay, state).await?;
        tx.commit().await?;
        Ok(BatchReport {
            applied: events.len() - usize::from(replay.dead.is_some()),
            dead_lettered: usize::from(replay.dead.is_some()),
            position: state.position,
            caught_up: true,
            ..BatchReport::default()
        })
    }

    /// Retries a dead letter (and then the events parked behind it), or skips it and
    /// applies only the parked ones, for an operator. Returns the dead letter left for the
    /// order, if any: one that fails again waits for an operator again.
    pub async fn resolve_dead_letter(
        &self,
        position: i64,
        skip: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<DeadLetter>, AppError> {
        let how = if skip { Resolve::Skip } else { Resolve::Retry };
        self.resolve(position, how, Schedule::Operator, now).await
    }

    /// Resolves a dead letter as `how` says; one that fails again is scheduled as
    /// `schedule` says. Returns the dead letter left for the order, if any.
    pub async fn resolve(
        &self,
        position: i64,
        how: Resolve,
        schedule: Schedule,
        now: DateTime<Utc>,
    ) -> Result<Option<DeadLetter>, AppError> {
        let skip = how == Resolve::Skip;
        let mut tx = self.read_model.begin_projection().await?;
        let state = tx.state().await?;
        let letter = tx
            .dead_letters(None)
            .await?
            .into_iter()
            .find(|d| d.global_position == position)
            .ok_or_else(|| {
                AppError::NotFound(format!("no dead letter at global position {position}"))
            })?;
        let from = if skip {
            letter.version
        } else {
            letter.version - 1
        };
        let events = tx
            .stream_events(&letter.stream_id, from, state.position)
            .await?;
        let mut replay = Replay {
            row: tx.row(&letter.stream_id).await?,
            dead: None,
        };
        self.replay_events(&mut replay, &events, now);
        // A skipped event is accounted for, not applied: the row moves past its version so the
        // order reads as diverged (its effect is missing), never as forever lagging.
        if let Some(row) = &mut replay.row
            && skip
            && row.version < letter.version as i64
        {
            row.version = letter.version as i64;
            row.last_position = letter.global_position;
        }
        tx.delete_dead_letters(Some(position), None).await?;
        if let Some(d) = &mut replay.dead
            && d.global_position == letter.global_position
        {
            d.attempts = letter.attempts.saturating_add(1);
            d.first_failed_at = letter.first_failed_at;
            d.next_retry_at = match schedule {
                Schedule::Backoff => self.settings.next_retry(d.attempts, now),
                Schedule::Operator => None,
            };
        }
        Self::finish(&mut tx, &replay, state).await?;
        tx.commit().await?;
        Ok(replay.dead)
    }

    /// Checkpoint, head, lag and dead letters.
    pub async fn status(&self, now: DateTime<Utc>) -> Result<ProjectorStatus, AppError> {
        let state = self.read_model.projector_state().await?;
        let head = self.store.head_position().await?;
        let lag_events = self.store.count_after(state.position).await?;
        let lag_seconds = match self.store.read_all(state.position, 1).await?.first() {
            Some(oldest) => ((now - oldest.recorded_at).num_milliseconds().max(0) as f64) / 1000.0,
            None => 0.0,
        };
        let dead = self.read_model.dead_letters().await?;
        let parked: HashSet<&str> = dead.iter().map(|d| d.stream_id.as_str()).collect();
        Ok(ProjectorStatus {
            checkpoint: state.position,
            head,
            lag_events,
            lag_seconds,
            dead_letters: dead.len(),
            parked_orders: parked.len(),
            server: self.store.server_status().await?,
        })
    }
}
