//! Errors of the use cases, each mapping to one exit code at the edge.

use crate::domain::{DecodeError, DomainError, OrderId};
use crate::store::StoreError;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A domain rule refused the command; nothing was appended.
    #[error("rejected: {0}")]
    Rejected(#[from] DomainError),
    /// The stream moved under the caller; nothing was appended.
    #[error(
        "conflict: order {order_id} is at version {actual}, not the expected {expected}; reload and retry"
    )]
    Conflict {
        /// The order.
        order_id: OrderId,
        /// What the caller expected.
        expected: u64,
        /// Where the stream is.
        actual: u64,
    },
    /// The idempotency key was first used with a different command.
    #[error("idempotency key {0:?} was already used for a different command")]
    KeyReused(String),
    /// No such order (or not at that version or time).
    #[error("not found: {0}")]
    NotFound(String),
    /// Input that cannot be acted on.
    #[error("{0}")]
    BadInput(String),
    /// A stored event or snapshot that no longer decodes.
    #[error("corrupt event at global position {position}: {reason}")]
    Corrupt {
        /// Where it is stored.
        position: i64,
        /// Why it does not decode.
        reason: DecodeError,
    },
    /// A stored row that is not what was written (metadata or payload that is no JSON).
    #[error("corrupt {what} at global position {position}: {reason}")]
    CorruptRow {
        /// Where it is stored.
        position: i64,
        /// Which part of it.
        what: &'static str,
        /// Why it does not read.
        reason: String,
    },
    /// A bug or a crashed task, not the database: nothing was acknowledged.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed.
    #[error("{0}")]
    Storage(StoreError),
    /// The output the caller handed over could not be written (a closed pipe, a full
    /// disk); kept as the IO error so an adapter can tell a reader that left from a fault.
    #[error("writing output: {0}")]
    Output(#[source] std::io::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Storage(e)
    }
}

impl AppError {
    /// True when the database could not be reached: worth showing as "disconnected" and
    /// trying again, not as a failure of what was asked.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Storage(e) if e.is_retryable())
    }
}
