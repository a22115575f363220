//! What only a server backend has, offered to every caller with defaults for SQLite: who
//! holds the log back, a standby's lag, the projector's lease, and pushed wake-ups.

use std::time::Duration;

use async_trait::async_trait;

/// Waits until `appends` moves (when there is one) or `timeout` passes: how readers idle.
pub async fn wait_for_appends(
    appends: Option<&mut tokio::sync::watch::Receiver<u64>>,
    timeout: Duration,
) {
    match appends {
        Some(rx) => {
            let _ = tokio::time::timeout(timeout, rx.changed()).await;
        }
        None => tokio::time::sleep(timeout).await,
    }
}

/// What the server says about the log beyond its rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ServerStatus {
    /// A transaction that keeps committed events from the log's readers: they wait for it.
    pub held_back_by: Option<HeldBack>,
    /// Seconds a standby's replay trails its primary (0 when caught up), on a standby.
    pub replica_lag_seconds: Option<f64>,
    /// The backend pid of the projector holding the leader lock, when one does.
    pub projector_leader: Option<i32>,
}

/// The transaction holding the log's readers back, and what waits behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HeldBack {
    /// Its backend's process id, when the server shows it to this role.
    pub pid: Option<i32>,
    /// Its backend's state (`idle in transaction`, `active`, …).
    pub state: String,
    /// How long its transaction has been open.
    pub seconds: f64,
    /// Committed events readers cannot take yet.
    pub waiting_events: u64,
}

impl std::fmt::Display for HeldBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = self.pid.map_or_else(
            || "a transaction".to_string(),
            |p| format!("backend pid {p}"),
        );
        write!(
            f,
            "held back by {who} ({}, open {}): {} committed events wait",
            if self.state.is_empty() {
                "state hidden"
            } else {
                &self.state
            },
            crate::text::human_seconds(self.seconds),
            self.waiting_events
        )
    }
}

/// A projector's claim to lead: while it holds, no other projector runs batches.
#[async_trait]
pub trait Lease: Send {
    /// Whether the claim still holds (its connection is alive and owns the lock).
    async fn holds(&mut self) -> bool;
}

/// The lease of a backend with one database per process group and no lock to take.
pub struct Unshared;

#[async_trait]
impl Lease for Unshared {
    async fn holds(&mut self) -> bool {
        true
    }
}
