//! The values that cross the store's traits: events to append and as stored, snapshots,
//! idempotency records, and the shapes of appends, loads and imports.

use chrono::{DateTime, Utc};

/// An event ready to be appended; the store gives it a global position and a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Stored type name.
    pub event_type: String,
    /// Schema version of `payload`.
    pub schema_version: u32,
    /// Payload JSON.
    pub payload: String,
    /// Metadata JSON.
    pub metadata: String,
    /// When the store took it (UTC).
    pub recorded_at: DateTime<Utc>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the global log, strictly increasing in commit order.
    pub global_position: i64,
    /// The stream (order id).
    pub stream_id: String,
    /// 1-based, contiguous within the stream.
    pub version: u64,
    /// Stored type name.
    pub event_type: String,
    /// Schema version of `payload`.
    pub schema_version: u32,
    /// Payload JSON as stored.
    pub payload: String,
    /// Metadata JSON as stored.
    pub metadata: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Why the stored row is no readable event, when it is not (a BLOB payload or a time that
    /// does not parse, written behind the application's back); the fields it spoils are then
    /// placeholders. Every decode refuses such a row, so it is isolated to its order.
    pub fault: Option<String>,
}

/// A serialised aggregate state at a stream version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRecord {
    /// The stream.
    pub stream_id: String,
    /// Version the state reflects.
    pub version: u64,
    /// Version of the state's serialised shape.
    pub schema_version: u32,
    /// The state as JSON.
    pub state: String,
}

/// What a command's idempotency key remembers: the command's hash and its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The caller's key.
    pub key: String,
    /// Hash of the command the key was first used with.
    pub command_hash: String,
    /// Stream the command wrote to.
    pub stream_id: String,
    /// Stream version after the command.
    pub version: u64,
    /// When the key was first used.
    pub created_at: DateTime<Utc>,
}

/// One command's append: all of `events` or none.
#[derive(Debug, Clone, Copy)]
pub struct AppendRequest<'a> {
    /// The stream.
    pub stream_id: &'a str,
    /// The version the caller decided against; the append fails with `Conflict` otherwise.
    pub expected_version: u64,
    /// The events, in order.
    pub events: &'a [NewEvent],
    /// Recorded in the same transaction, when given (with this request's stream and
    /// resulting version, whatever the record says).
    pub idempotency: Option<&'a IdempotencyRecord>,
    /// Keys older than this may be reused.
    pub idempotency_expired_before: Option<DateTime<Utc>>,
    /// Written after the events (a snapshot is a cache: losing one loses nothing).
    pub snapshot: Option<&'a SnapshotRecord>,
}

/// Where an append landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Stream version after the append.
    pub version: u64,
    /// Global position of the last event appended.
    pub last_position: i64,
}

/// A stream's nearest snapshot at or below a version plus the events after it.
#[derive(Debug, Clone, Default)]
pub struct LoadedStream {
    /// The snapshot, if any; the caller decides whether it is usable.
    pub snapshot: Option<SnapshotRecord>,
    /// Events after the snapshot (or from version 1), in version order.
    pub events: Vec<StoredEvent>,
}

/// A stream and its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// The stream.
    pub stream_id: String,
    /// Its current version.
    pub version: u64,
}

/// A whole stream (or its continuation) to import, with the versions it had.
#[derive(Debug, Clone)]
pub struct ImportStream {
    /// The stream.
    pub stream_id: String,
    /// Version before the first event; the target must be at exactly this version.
    pub expected_version: u64,
    /// Events in version order.
    pub events: Vec<NewEvent>,
    /// Snapshots computed while validating.
    pub snapshots: Vec<SnapshotRecord>,
}

/// One event of an import at the version it had in its source.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The stream.
    pub stream_id: String,
    /// Its version in the stream.
    pub version: u64,
    /// The event as stored in the source.
    pub event: NewEvent,
}
