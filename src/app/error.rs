//! Errors of the use cases, each mapping to one exit code at the edge.

use crate::domain::{DecodeError, DomainError, OrderId};
use crate::store::StoreError;

/// The end of a conflict's message: what the caller expected, or, when it expected nothing,
/// that the order kept moving while the command was decided again.
fn conflict_tail(expected: Option<u64>) -> String {
    match expected {
        Some(v) => format!("not the expected {v}; reload and retry"),
        None => "moved on each time the command was decided again; retry".to_string(),
    }
}

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A domain rule refused the command; nothing was appended.
    #[error("rejected: {0}")]
    Rejected(#[from] DomainError),
    /// The stream moved under the caller; nothing was appended.
    #[error("conflict: order {order_id} is at version {actual}, {}", conflict_tail(*.expected))]
    Conflict {
        /// The order.
        order_id: OrderId,
        /// What the caller expected, when it said (`--expected-version`, `If-Match`).
        expected: Option<u64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_names_an_expected_version_only_when_the_caller_gave_one() {
        let order_id = OrderId(uuid::Uuid::from_u128(1));
        let given = AppError::Conflict {
            order_id,
            expected: Some(81),
            actual: 82,
        };
        assert!(
            given
                .to_string()
                .contains("at version 82, not the expected 81")
        );
        let none = AppError::Conflict {
            order_id,
            expected: None,
            actual: 82,
        }
        .to_string();
        assert!(!none.contains("expected"), "{none}");
        assert!(none.contains("at version 82, moved on each time"), "{none}");
    }
}
