//! `Projector::run`: lead or stand by, follow the log, ride out outages.

use std::time::Duration;

use super::{AppError, BatchReport, Projector};
use crate::store::StoreError;

impl Projector {
    /// Leads or waits, then catches up and follows the log until `stop` resolves.
    ///
    /// Only the holder of the read model's lease runs batches; the others stand by and try
    /// again every `poll_interval`, so a standby takes over soon after a leader dies. When
    /// the database cannot be reached, it says so once and retries with a growing pause
    /// (capped at 30 s) instead of failing. Once caught up it sleeps until the store
    /// reports appends (PostgreSQL's notifications) or `poll_interval` passes.
    pub async fn run(
        &self,
        stop: impl std::future::Future<Output = ()>,
        mut note: impl FnMut(RunNote<'_>),
    ) -> Result<BatchReport, AppError> {
        tokio::pin!(stop);
        let mut total = BatchReport::default();
        let mut appends = self.store.appends();
        let mut outage = Duration::ZERO;
        loop {
            let attempt = self.lead_and_follow(&mut total, appends.as_mut(), &mut note);
            let result = tokio::select! {
                () = &mut stop => return Ok(total),
                r = attempt => r,
            };
            match result {
                Ok(()) => outage = Duration::ZERO,
                Err(AppError::Storage(e)) if e.is_retryable() => {
                    outage = (outage * 2).clamp(Duration::from_secs(1), Duration::from_secs(30));
                    note(RunNote::Unavailable {
                        error: &e,
                        retry_in: outage,
                    });
                    tokio::select! {
                        () = &mut stop => return Ok(total),
                        () = tokio::time::sleep(outage) => {}
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits to lead, then projects until the lease is lost (`Ok`) or an error.
    async fn lead_and_follow(
        &self,
        total: &mut BatchReport,
        mut appends: Option<&mut tokio::sync::watch::Receiver<u64>>,
        note: &mut impl FnMut(RunNote<'_>),
    ) -> Result<(), AppError> {
        let mut said_standby = false;
        let mut lease = loop {
            if let Some(lease) = self.read_model.try_lead().await? {
                break lease;
            }
            if !said_standby {
                let leader = self.store.server_status().await?.projector_leader;
                note(RunNote::Standby { leader });
                said_standby = true;
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        };
        note(RunNote::Leading);
        loop {
            let b = self.catch_up(|_| {}).await?;
            if b.applied + b.parked + b.dead_lettered + b.recovered > 0 {
                total.add(&b);
                note(RunNote::Progress(total));
            }
            total.position = b.position;
            // Woken by appends, by the poll, or for the next retry of a parked order.
            let poll = self.settings.poll_interval;
            let wait = b
                .next_retry_at
                .map_or(poll, |t| super::retry::wait_until(t).min(poll));
            crate::store::wait_for_appends(appends.as_deref_mut(), wait).await;
            if !lease.holds().await {
                note(RunNote::LostLease);
                return Ok(());
            }
        }
    }
}

/// What a running projector has to say.
#[derive(Debug)]
pub enum RunNote<'a> {
    /// Another projector leads (its backend pid, when known): this one waits.
    Standby {
        /// The leader's backend pid.
        leader: Option<i32>,
    },
    /// This projector now leads.
    Leading,
    /// The running totals after batches that did something.
    Progress(&'a BatchReport),
    /// The lease was lost (its connection ended): this projector stands for election again.
    LostLease,
    /// The database cannot be reached; the next attempt is after `retry_in`.
    Unavailable {
        /// What failed.
        error: &'a StoreError,
        /// The pause before the next attempt.
        retry_in: Duration,
    },
}
