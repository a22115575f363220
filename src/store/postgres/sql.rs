//! SQL text and row types shared by the PostgreSQL store's paths.

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

use crate::store::{StoreError, StoredEvent};

/// The event columns, payload and metadata read as their stored text.
pub(super) const EVENT_COLS: &str = "global_position, stream_id, version, event_type, \
     schema_version, payload::text, metadata::text, recorded_at";

/// The log order's key of the checkpoint at position `$N`: the transaction of the event
/// there; for a position that names no event, the latest transaction at or below it (the
/// start of the log for 0, everything for a position past the head).
pub(super) fn cursor(n: u8) -> String {
    // The start of the log is answered without a look: the fallback's walk of the index
    // finds nothing there, and costs most at the start of a catch-up.
    format!(
        "CASE WHEN ${n} = 0 THEN '0'::xid8 ELSE \
         COALESCE((SELECT transaction_id FROM events WHERE global_position = ${n}), \
         (SELECT transaction_id FROM events WHERE global_position <= ${n} \
          ORDER BY transaction_id DESC LIMIT 1), '0'::xid8) END"
    )
}

/// `(transaction_id, global_position)` after the checkpoint at `$N`, in log order.
pub(super) fn after_cursor(n: u8) -> String {
    format!("(transaction_id, global_position) > ({}, ${n})", cursor(n))
}

/// The log's horizon: the oldest transaction still running that could be writing to this
/// database (every one in progress, less those seen connected to another database), or,
/// when there is none, the first transaction id not yet assigned. Below it the log order
/// is final. The in-progress set is this statement's own snapshot, the one its reads of
/// `events` see; a transaction that ends before `pg_stat_activity` is read cannot be placed
/// and counts as this database's, which only holds the horizon back a moment longer.
pub(super) const HORIZON: &str = "COALESCE(\
     (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x \
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid IS NOT NULL \
        AND a.backend_xid::text::bigint = x::text::bigint % 4294967296 \
        AND a.datname IS DISTINCT FROM current_database())), \
     pg_snapshot_xmax(pg_current_snapshot()))";

/// Below the horizon: events there can no longer be joined by an earlier one.
pub(super) fn final_only() -> String {
    format!("transaction_id < {HORIZON}")
}

/// By position, not by name: the log is read a million rows at a time. Used with
/// `try_map`, so each row is decoded as it arrives instead of after all have been held.
pub(super) fn event_from_row(row: &PgRow) -> Result<StoredEvent, sqlx::Error> {
    let version: i64 = row.try_get(2)?;
    let schema_version: i32 = row.try_get(4)?;
    let recorded_at: DateTime<Utc> = row.try_get(7)?;
    Ok(StoredEvent {
        global_position: row.try_get(0)?,
        stream_id: row.try_get(1)?,
        version: version.max(0) as u64,
        event_type: row.try_get(3)?,
        schema_version: schema_version.max(0) as u32,
        payload: row.try_get(5)?,
        metadata: row.try_get(6)?,
        recorded_at,
        // The columns are typed (json, timestamptz): the server refuses what would spoil a row.
        fault: None,
    })
}

pub(super) fn rows_to_events(rows: &[PgRow]) -> Result<Vec<StoredEvent>, StoreError> {
    rows.iter()
        .map(|r| event_from_row(r).map_err(StoreError::from))
        .collect()
}

/// True when the unique (stream, version) key refused a row.
pub(super) fn is_version_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("23505")
                && db.constraint() == Some("events_stream_version")
        }
        _ => false,
    }
}

/// Saturates a `u64` version or bound into PostgreSQL's `bigint`.
pub(super) fn big(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

/// A command's events as column arrays, bound to one `UNNEST` (one statement, any count).
pub(super) struct EventColumns {
    pub(super) versions: Vec<i64>,
    pub(super) types: Vec<String>,
    pub(super) schema_versions: Vec<i32>,
    pub(super) payloads: Vec<String>,
    pub(super) metadata: Vec<String>,
    pub(super) recorded_at: Vec<DateTime<Utc>>,
}

impl EventColumns {
    pub(super) fn with_capacity(n: usize) -> Self {
        EventColumns {
            versions: Vec::with_capacity(n),
            types: Vec::with_capacity(n),
            schema_versions: Vec::with_capacity(n),
            payloads: Vec::with_capacity(n),
            metadata: Vec::with_capacity(n),
            recorded_at: Vec::with_capacity(n),
        }
    }

    /// Binds the six columns, in `unnest_events` order, as the query's next parameters.
    pub(super) fn bind_to(
        self,
        q: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
        q.bind(self.versions)
            .bind(self.types)
            .bind(self.schema_versions)
            .bind(self.payloads)
            .bind(self.metadata)
            .bind(self.recorded_at)
    }

    pub(super) fn push(&mut self, version: u64, e: &crate::store::NewEvent) {
        self.versions.push(big(version));
        self.types.push(e.event_type.clone());
        self.schema_versions
            .push(e.schema_version.min(i32::MAX as u32) as i32);
        self.payloads.push(e.payload.clone());
        self.metadata.push(e.metadata.clone());
        self.recorded_at.push(e.recorded_at);
    }
}

/// The `UNNEST` source of an event insert: parameters `$first..$first+5` are the columns.
pub(super) fn unnest_events(first: u8) -> String {
    let p = |i: u8| first + i;
    format!(
        "UNNEST(${}::int8[], ${}::text[], ${}::int4[], ${}::text[], ${}::text[], ${}::timestamptz[]) \
         AS v(version, event_type, schema_version, payload, metadata, recorded_at)",
        p(0),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    )
}
