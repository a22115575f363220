//! SQL text, row types and binding helpers shared by the SQLite store's paths.

use std::sync::OnceLock;

use sqlx::Sqlite;

use chrono::DateTime;

use crate::store::codec::{format_time, parse_time};
use crate::store::{NewEvent, SnapshotRecord, StoredEvent};

pub(super) const EVENT_COLS: &str = "global_position, stream_id, version, event_type, schema_version, payload, metadata, recorded_at";
const INSERT_HEAD: &str = "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, recorded_at) VALUES ";

pub(super) struct EventRow {
    pub(super) global_position: i64,
    pub(super) stream_id: String,
    pub(super) version: i64,
    pub(super) event_type: String,
    pub(super) schema_version: i64,
    pub(super) payload: String,
    pub(super) metadata: String,
    pub(super) recorded_at: String,
    /// Why a column could not be read as what the application writes there.
    fault: Option<String>,
}

/// A text column as text; anything else SQLite lets a hand edit store there (a BLOB, a
/// number, NULL) is a fault of this row only, never an error of the whole read.
fn text_column(
    row: &sqlx::sqlite::SqliteRow,
    index: usize,
    name: &str,
    fault: &mut Option<String>,
) -> String {
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    if let Ok(s) = row.try_get::<String, _>(index) {
        return s;
    }
    let kind = row.try_get_raw(index).map_or_else(
        |_| "unreadable".to_string(),
        |v| v.type_info().name().to_string(),
    );
    fault.get_or_insert_with(|| format!("its {name} is {kind}, not text"));
    String::new()
}

/// By position, not by name: the log is read a million rows at a time. The position, stream
/// and versions are the row's identity and must read; the rest may be spoiled (`fault`).
impl sqlx::FromRow<'_, sqlx::sqlite::SqliteRow> for EventRow {
    fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row as _;
        let mut fault = None;
        let event_type = text_column(row, 3, "event type", &mut fault);
        let payload = text_column(row, 5, "payload", &mut fault);
        let metadata = text_column(row, 6, "metadata", &mut fault);
        let recorded_at = text_column(row, 7, "recorded_at", &mut fault);
        Ok(EventRow {
            global_position: row.try_get(0)?,
            stream_id: row.try_get(1)?,
            version: row.try_get(2)?,
            event_type,
            schema_version: row.try_get(4)?,
            payload,
            metadata,
            recorded_at,
            fault,
        })
    }
}

impl EventRow {
    fn into_event(self) -> StoredEvent {
        let (recorded_at, fault) = match parse_time(&self.recorded_at) {
            Ok(t) => (t, self.fault),
            Err(_) if self.fault.is_some() => (DateTime::UNIX_EPOCH, self.fault),
            Err(_) => (
                DateTime::UNIX_EPOCH,
                Some(format!(
                    "its recorded_at '{}' is not a time",
                    crate::domain::quoted(&self.recorded_at)
                )),
            ),
        };
        StoredEvent {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version as u64,
            event_type: self.event_type,
            schema_version: self.schema_version as u32,
            payload: self.payload,
            metadata: self.metadata,
            recorded_at,
            fault,
        }
    }
}

/// Never fails: a row that does not read is handed on with its `fault`, for the reader of
/// its order to refuse, named by its position.
pub(super) fn rows_to_events(rows: Vec<EventRow>) -> Vec<StoredEvent> {
    rows.into_iter().map(EventRow::into_event).collect()
}

/// True when the unique (stream, version) key refused a row.
pub(super) fn is_version_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.message().contains("events.stream_id, events.version"),
        _ => false,
    }
}

/// `rows` rows inserted only while the stream is at the expected version (the last two
/// parameters: stream id, expected version). The common sizes are built once.
pub(super) fn append_sql(rows: usize) -> String {
    static SMALL: OnceLock<Vec<String>> = OnceLock::new();
    let build = |n: usize| {
        let values = insert_sql(n);
        format!(
            "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, recorded_at) \
             SELECT column1, column2, column3, column4, column5, column6, column7 FROM ({}) \
             WHERE (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?) = ?",
            &values[INSERT_HEAD.len() - "VALUES ".len()..]
        )
    };
    let small = SMALL.get_or_init(|| (0..=8).map(build).collect());
    small.get(rows).cloned().unwrap_or_else(|| build(rows))
}

/// Several commands' events in one statement: each row carries its command's expected
/// version (the eighth value) and lands only while its stream is at it. Streams in one
/// batch are distinct, and SQLite computes a `SELECT` that reads the table it inserts into
/// before inserting, so each row is checked against the log as it was before the statement.
/// `RETURNING` tells which commands landed, and where.
pub(super) fn batch_append_sql(rows: usize) -> String {
    format!(
        "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, recorded_at) \
         SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 \
         FROM (VALUES {}) AS v \
         WHERE (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = v.column1) = v.column8 \
         RETURNING stream_id, global_position",
        repeat_values(8, rows)
    )
}

/// `(?,…,?),(?,…,?)`: `rows` tuples of `cols` parameters.
pub(super) fn repeat_values(cols: usize, rows: usize) -> String {
    let tuple = format!("({})", placeholders(cols));
    let mut s = String::with_capacity((tuple.len() + 1) * rows);
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&tuple);
    }
    s
}

/// `INSERT OR REPLACE` of `rows` snapshots (a cache: the newest write wins); bind each with
/// [`bind_snapshot`].
pub(super) fn snapshots_sql(rows: usize) -> String {
    format!(
        "INSERT OR REPLACE INTO snapshots (stream_id, version, schema_version, state) VALUES {}",
        repeat_values(4, rows)
    )
}

pub(super) fn bind_snapshot<'q>(q: Query<'q>, s: &'q SnapshotRecord) -> Query<'q> {
    q.bind(s.stream_id.as_str())
        .bind(s.version as i64)
        .bind(i64::from(s.schema_version))
        .bind(s.state.as_str())
}

/// `INSERT … VALUES (…),(…)` for `rows` rows; the common sizes are built once.
pub(super) fn insert_sql(rows: usize) -> String {
    static SMALL: OnceLock<Vec<String>> = OnceLock::new();
    let build = |n: usize| {
        let mut s = String::from(INSERT_HEAD);
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            s.push_str("(?,?,?,?,?,?,?)");
        }
        s
    };
    let small = SMALL.get_or_init(|| (0..=8).map(build).collect());
    small.get(rows).cloned().unwrap_or_else(|| build(rows))
}

pub(super) type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds borrowed text: bulk paths copy no payloads.
pub(super) fn bind_event<'q>(
    q: Query<'q>,
    stream_id: &'q str,
    version: u64,
    e: &'q NewEvent,
) -> Query<'q> {
    q.bind(stream_id)
        .bind(version as i64)
        .bind(e.event_type.as_str())
        .bind(i64::from(e.schema_version))
        .bind(e.payload.as_str())
        .bind(e.metadata.as_str())
        .bind(format_time(e.recorded_at))
}

/// `?,?,…,?`: `n` bound parameters for an `IN (…)` list.
pub(super) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2);
    for i in 0..n {
        s.push_str(if i == 0 { "?" } else { ",?" });
    }
    s
}
