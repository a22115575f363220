//! The event store: three traits ([`EventStore`], [`ReadModel`], [`BrowseStore`]), one module
//! per backend, picked by URL in [`open`]. No driver type crosses the traits.
//!
//! # The contract
//!
//! What every backend guarantees, whoever else has the database open (other handles, other
//! processes). `tests/store_conformance` checks each point against each backend; a new
//! backend adds its factory there.
//!
//! - **Appends are atomic.** [`EventStore::append`] writes all of a command's events or none,
//!   and its idempotency record and snapshot in the same transaction. A refused append
//!   (`Conflict`, `IdempotencyKeyTaken`, any error) leaves events, snapshots and keys as they
//!   were; no reader ever sees part of an append.
//! - **Versions are contiguous from 1 per stream,** and the unique (stream, version) key is
//!   the concurrency check: an append whose expected version is not the stream's current one
//!   is [`StoreError::Conflict`] (with the actual version) and writes nothing, so of
//!   concurrent appends at one version exactly one lands.
//! - **The global log never skips or repeats.** Every event has a positive, unique
//!   position, and [`EventStore::read_all`] yields the log in one fixed order: following
//!   it from the last event seen yields every committed event exactly once, under any
//!   concurrency. A stream's events come in version order (its positions increase). On
//!   SQLite (one writer) the log order is position order. On PostgreSQL, where a
//!   transaction that took a lower position can commit after a higher one, it is
//!   (transaction id, position), and an event enters the log only once every transaction
//!   that could come before it has ended: a long or idle writing transaction holds the
//!   readers back ([`EventStore::server_status`] names it). Positions may have gaps:
//!   count events with [`EventStore::count_after`], which counts in log order too.
//! - **Import sessions and projection transactions are isolated.** Nothing written in one
//!   ([`EventStore::begin_import`], [`ReadModel::begin_projection`]) is visible before
//!   `commit`, and dropping it uncommitted leaves no trace. While an import session is open
//!   the versions it read stay true: a concurrent append to its streams waits (and then
//!   conflicts) or makes the import fail, never both land. Projection transactions are
//!   serialised with one another: a read-then-write of the projector state loses no other
//!   transaction's committed write.
//! - **Ids order by bytes.** Stream and order ids compare as their UTF-8 bytes, never by a
//!   collation (`"B" < "a" < "é"`): keyset paging, [`EventStore::read_by_stream`],
//!   [`EventStore::list_streams`], [`ReadModel::rows_after`] and
//!   [`BrowseStore::streams_with_prefix`] order that way, and a prefix matches every id that
//!   starts with it.
//! - **Text comes back as stored.** Payload, metadata, snapshot state and row `lines` read
//!   back byte for byte (key order, whitespace, unicode escapes); the store never
//!   re-serialises them. A read-model field whose text does not parse reads back as
//!   [`Stored::Invalid`] with that text.
//! - **Searches match alike on every backend.** [`BrowseStore::find_in_stream`] and
//!   [`BrowseStore::find_events`] fold ASCII case only, never by a locale, and an id search
//!   reads the parsed metadata, however it is spaced or escaped.
//! - **Read-only writes nothing.** A handle opened [`Access::ReadOnly`] refuses every write
//!   (append, snapshot, import, projection transaction) with [`StoreError::ReadOnly`] before
//!   any check, and leaves the database unchanged. `ReadOnly` and `ReadWrite` on a missing
//!   database are [`StoreError::Missing`] and create nothing.
//! - **Timestamps round-trip to the microsecond** (finer digits are not kept) and compare as
//!   instants.
//! - **What is committed is durable:** every other handle, and every later open, reads it.

pub mod browse;
mod codec;
mod error;
mod group;
mod postgres;
pub mod read_model;
mod records;
mod server;
mod sqlite;
mod url;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use browse::{
    BrowseStore, EventSearch, ListedOrder, OrderFilter, OrderPageQuery, OrderSort, PageKey,
};
pub use error::{Source, StoreError};
pub use read_model::{DeadLetter, ProjectionTx, ProjectorState, ReadModel, Stored, SummaryRow};
pub use records::{
    AppendRequest, Appended, IdempotencyRecord, ImportRow, ImportStream, LoadedStream, NewEvent,
    SnapshotRecord, StoredEvent, StreamInfo,
};
pub use server::{HeldBack, Lease, ServerStatus, Unshared, wait_for_appends};
pub use url::{DatabaseUrl, redact};

/// One import in one transaction: nothing is visible before `commit`, and dropping the
/// session without committing leaves no trace.
#[async_trait]
pub trait ImportSession: Send {
    /// Current versions of these streams (absent ones are left out); the session holds the
    /// write lock, so they stay true until it ends.
    async fn versions(&mut self, stream_ids: &[String])
    -> Result<HashMap<String, u64>, StoreError>;

    /// Appends rows the caller has checked for contiguity against `versions`, and snapshots.
    async fn append(
        &mut self,
        rows: &[ImportRow],
        snapshots: &[SnapshotRecord],
    ) -> Result<(), StoreError>;

    /// Makes everything appended visible at once.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Imports whole streams within `session` (not committed): a stream not at its expected
/// version is refused with `Conflict`, the others are appended. Returns each stream's new
/// version.
pub async fn import_into(
    session: &mut dyn ImportSession,
    streams: Vec<ImportStream>,
) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
    let ids: Vec<String> = streams.iter().map(|s| s.stream_id.clone()).collect();
    let current = session.versions(&ids).await?;
    let mut results = Vec::with_capacity(streams.len());
    let mut rows = Vec::new();
    let mut snapshots = Vec::new();
    // The streams are consumed: their events move into the rows, payloads are not copied.
    for s in streams {
        let actual = current.get(&s.stream_id).copied().unwrap_or(0);
        if actual != s.expected_version {
            results.push(Err(StoreError::Conflict {
                stream_id: s.stream_id.clone(),
                expected: s.expected_version,
                actual,
            }));
            continue;
        }
        let mut version = s.expected_version;
        for event in s.events {
            version += 1;
            rows.push(ImportRow {
                stream_id: s.stream_id.clone(),
                version,
                event,
            });
        }
        snapshots.extend(s.snapshots);
        results.push(Ok(version));
    }
    session.append(&rows, &snapshots).await?;
    Ok(results)
}

/// The event store. Implementations keep `append` atomic and versions contiguous.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends one command's events atomically at the expected version.
    async fn append(&self, req: AppendRequest<'_>) -> Result<Appended, StoreError>;

    /// The nearest snapshot at or below `up_to` (all versions when `None`) and the events after it.
    async fn load(&self, stream_id: &str, up_to: Option<u64>) -> Result<LoadedStream, StoreError>;

    /// Events of a stream with `from <= version <= to`, at most `limit` of them.
    async fn read_stream(
        &self,
        stream_id: &str,
        from: u64,
        to: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The global log after `after_position`, at most `limit` events.
    async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Events in (stream id, version) order after `(after_stream, after_version)`: a whole-log
    /// scan that yields each stream contiguously.
    async fn read_by_stream(
        &self,
        after_stream: &str,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The stream's current version (0 when it has no events).
    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError>;

    /// The last version recorded at or before `at` (0 when none).
    async fn version_at_time(&self, stream_id: &str, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Streams in id order after `after`, at most `limit`.
    async fn list_streams(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StreamInfo>, StoreError>;

    /// Writes (or rewrites) a snapshot.
    async fn put_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StoreError>;

    /// The record of an idempotency key, expired or not.
    async fn find_idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Starts an import session (one transaction holding the write lock).
    async fn begin_import(&self) -> Result<Box<dyn ImportSession>, StoreError>;

    /// Imports whole streams in one transaction; a stream not at its expected version is
    /// refused with `Conflict`, the others land. Returns the new version of each stream.
    async fn import(
        &self,
        streams: Vec<ImportStream>,
    ) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        let mut session = self.begin_import().await?;
        let results = import_into(session.as_mut(), streams).await?;
        session.commit().await?;
        Ok(results)
    }

    /// How many events lie after `position`.
    async fn count_after(&self, position: i64) -> Result<u64, StoreError>;

    /// Position of the newest event (0 when empty).
    async fn head_position(&self) -> Result<i64, StoreError>;

    /// What the server knows beyond the rows: who holds the log's horizon back, how far a
    /// standby trails, which projector leads. SQLite has none of these.
    async fn server_status(&self) -> Result<ServerStatus, StoreError> {
        Ok(ServerStatus::default())
    }

    /// A counter that moves when another handle's appends may have committed, pushed by
    /// the server (PostgreSQL's LISTEN/NOTIFY); `None` where readers must poll.
    fn appends(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }

    /// Closes the connections, waiting for them (SQLite checkpoints its WAL here).
    async fn close(&self);
}

/// How a database is opened; every backend reads it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The database must exist; reads and writes (the debugger, whose prompt writes).
    ReadWrite,
    /// The database must exist; every write is refused with [`StoreError::ReadOnly`] and
    /// nothing is written on open (no migration: an older schema is refused).
    ReadOnly,
    /// Created (and migrated) when missing; reads and writes.
    CreateIfMissing,
}

impl Access {
    /// True unless read-only.
    pub fn writes(self) -> bool {
        self != Access::ReadOnly
    }
}

/// Everything one database offers: the event log, the read model and the browse queries.
pub trait Backend: EventStore + ReadModel + BrowseStore {}

impl<T: EventStore + ReadModel + BrowseStore> Backend for T {}

/// One open database: the handle every service is built from. Cloning shares the
/// connections.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    url: DatabaseUrl,
    access: Access,
}

impl Store {
    /// The event log.
    pub fn events(&self) -> Arc<dyn EventStore> {
        self.backend.clone()
    }

    /// The read model.
    pub fn read_model(&self) -> Arc<dyn ReadModel> {
        self.backend.clone()
    }

    /// The browse queries.
    pub fn browse(&self) -> Arc<dyn BrowseStore> {
        self.backend.clone()
    }

    /// The database as shown to people (no password).
    pub fn url(&self) -> String {
        self.url.display()
    }

    /// How it was opened.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Closes the connections and waits for them.
    pub async fn close(&self) {
        self.backend.close().await;
    }
}

/// Opens the database a URL names: the one place that reads a URL and picks the backend.
/// A URL this build cannot open, or one whose database would not outlive the process, is
/// [`StoreError::InvalidUrl`]; a missing database (unless `CreateIfMissing`) is
/// [`StoreError::Missing`].
pub async fn open(url: &str, access: Access) -> Result<Store, StoreError> {
    let parsed = DatabaseUrl::parse(url)?;
    let backend: Arc<dyn Backend> = match &parsed {
        DatabaseUrl::Sqlite { path } => Arc::new(sqlite::SqliteStore::open(path, access).await?),
        DatabaseUrl::Postgres { url } => Arc::new(postgres::PgStore::open(url, access).await?),
    };
    Ok(Store {
        backend,
        url: parsed,
        access,
    })
}

/// Removes the database a URL names, with everything that belongs to it (SQLite: the file
/// and its `-wal` and `-shm` companions; PostgreSQL: the database, refused while others
/// use it). A missing database is not an error.
pub async fn destroy(url: &str) -> Result<(), StoreError> {
    match DatabaseUrl::parse(url)? {
        DatabaseUrl::Sqlite { path } => sqlite::remove_files(&path),
        DatabaseUrl::Postgres { url } => postgres::drop_database(&url).await,
    }
}
