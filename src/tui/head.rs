//! What the header knows of the log: its head, the projector's place, and what the server
//! adds (a transaction holding the log back, a standby's lag, whether it answers at all).

use crate::app::read::Head;

/// The log's head and the projector's place in it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HeadInfo {
    /// Newest global position.
    pub position: i64,
    /// The projector's checkpoint.
    pub projected: i64,
    /// Events after the checkpoint.
    pub lag: u64,
    /// Dead letters waiting.
    pub dead_letters: usize,
    /// A transaction keeping committed events from the projector.
    pub held: Option<Held>,
    /// Seconds a standby's replay trails its primary, on a standby.
    pub replica_lag: Option<f64>,
}

/// A transaction holding the log's horizon back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Held {
    /// Its backend pid, when the server shows it.
    pub pid: Option<i32>,
    /// How long its transaction has been open.
    pub seconds: f64,
    /// Committed events waiting behind it.
    pub waiting: u64,
}

impl HeadInfo {
    /// The header's view of a read-side head.
    pub fn from_head(h: &Head) -> HeadInfo {
        HeadInfo {
            position: h.position,
            projected: h.projected,
            lag: h.lag,
            dead_letters: h.dead_letters,
            held: h.server.held_back_by.as_ref().map(|b| Held {
                pid: b.pid,
                seconds: b.seconds,
                waiting: b.waiting_events,
            }),
            replica_lag: h.server.replica_lag_seconds,
        }
    }

    /// Whether the log or the read side moved between two polls (what reloads the panes;
    /// a held transaction's age ticking does not).
    pub fn moved(&self, before: &HeadInfo) -> bool {
        (self.position, self.projected, self.lag, self.dead_letters)
            != (
                before.position,
                before.projected,
                before.lag,
                before.dead_letters,
            )
    }
}

/// Whether the database answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The last poll was answered.
    Up,
    /// The last poll could not reach the database (the reason); polls go on and the
    /// header recovers on the next answer.
    Down(String),
}
