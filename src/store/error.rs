//! What went wrong in the store, told apart by what a caller can do about it.

use std::error::Error as StdError;
use std::sync::Arc;

/// The underlying cause, kept for logs and `source()` chains (shared so errors stay `Clone`).
pub type Source = Arc<dyn StdError + Send + Sync>;

/// What went wrong in the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Optimistic concurrency: the stream was not at the expected version.
    #[error("conflict on stream {stream_id}: expected version {expected}, stream is at {actual}")]
    Conflict {
        /// The stream.
        stream_id: String,
        /// What the caller expected.
        expected: u64,
        /// What the stream is at.
        actual: u64,
    },
    /// The idempotency key is already held (by this or another command).
    #[error("idempotency key {0:?} is already recorded")]
    IdempotencyKeyTaken(String),
    /// The database does not exist and was not to be created.
    #[error("database {0} does not exist")]
    Missing(String),
    /// A database URL this build cannot or will not open (the message names it without its
    /// password).
    #[error("{0}")]
    InvalidUrl(String),
    /// A write through a handle opened read-only.
    #[error("read-only: this database was opened read-only; refusing to write")]
    ReadOnly,
    /// The database cannot be reached now (down, busy, timed out): worth retrying.
    #[error("database unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
        /// The driver's error, when there is one.
        #[source]
        source: Option<Source>,
    },
    /// A permanent failure: the database refused the statement, or returned what cannot be read.
    #[error("storage failure: {message}")]
    Backend {
        /// What happened.
        message: String,
        /// The driver's error, when there is one.
        #[source]
        source: Option<Source>,
    },
}

impl StoreError {
    /// A permanent failure without a driver error behind it.
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            source: None,
        }
    }

    /// True when retrying later may succeed (the database was down, busy or slow).
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Adds context in front of the message, keeping the kind and the source.
    #[must_use]
    pub fn context(self, what: &str) -> Self {
        match self {
            StoreError::Unavailable { message, source } => StoreError::Unavailable {
                message: format!("{what}: {message}"),
                source,
            },
            StoreError::Backend { message, source } => StoreError::Backend {
                message: format!("{what}: {message}"),
                source,
            },
            other => other,
        }
    }
}

/// Equal when the kind and the message are: the driver's error behind it is not compared.
impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        use StoreError as E;
        match (self, other) {
            (
                E::Conflict {
                    stream_id,
                    expected,
                    actual,
                },
                E::Conflict {
                    stream_id: other_stream,
                    expected: other_expected,
                    actual: other_actual,
                },
            ) => (stream_id, expected, actual) == (other_stream, other_expected, other_actual),
            (E::IdempotencyKeyTaken(a), E::IdempotencyKeyTaken(b))
            | (E::Missing(a), E::Missing(b))
            | (E::InvalidUrl(a), E::InvalidUrl(b))
            | (E::Unavailable { message: a, .. }, E::Unavailable { message: b, .. })
            | (E::Backend { message: a, .. }, E::Backend { message: b, .. }) => a == b,
            (E::ReadOnly, E::ReadOnly) => true,
            _ => false,
        }
    }
}

impl Eq for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let message = e.to_string();
        let unavailable = match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|c| transient_code(&c)),
            _ => false,
        };
        let source: Option<Source> = Some(Arc::new(e));
        if unavailable {
            StoreError::Unavailable { message, source }
        } else {
            StoreError::Backend { message, source }
        }
    }
}

/// Database error codes that mean "not now" rather than "never": SQLite's BUSY and LOCKED
/// (with their extended forms), PostgreSQL's connection (08), resource (53), shutdown (57P)
/// and serialization (40001, 40P01) classes.
pub(super) fn transient_code(code: &str) -> bool {
    let sqlite_primary = code.parse::<i64>().ok().map(|c| c & 0xff);
    matches!(sqlite_primary, Some(5 | 6))
        || code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "40001"
        || code == "40P01"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_errors_keep_their_source_and_kind() {
        let e = StoreError::from(sqlx::Error::PoolTimedOut);
        assert!(e.is_retryable());
        assert!(StdError::source(&e).is_some());
        let e = StoreError::from(sqlx::Error::RowNotFound);
        assert!(!e.is_retryable());
        assert!(e.to_string().starts_with("storage failure:"));
        assert!(StdError::source(&e).is_some());
    }

    #[test]
    fn busy_and_connection_codes_are_transient() {
        assert!(transient_code("5"));
        assert!(transient_code("517")); // SQLITE_BUSY_SNAPSHOT
        assert!(transient_code("6"));
        assert!(transient_code("08006"));
        assert!(transient_code("57P01"));
        assert!(!transient_code("19")); // SQLITE_CONSTRAINT
        assert!(!transient_code("23505"));
    }
}
