//! SQLite backend: WAL, one writer connection, a small reader pool.
//!
//! sqlx hands every statement to a worker thread (~50-70 µs each), so statement count is
//! what decides speed: a plain command is one multi-row `INSERT … SELECT … WHERE` in
//! autocommit that inserts only if the stream is at the expected version (atomic by
//! itself, and the concurrency check at once); only commands that also record an
//! idempotency key or a snapshot open a transaction. Bulk import checks versions once per
//! batch under `BEGIN IMMEDIATE` instead of once per row.

use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Executor, Row, Sqlite};

use super::{
    AppendRequest, Appended, EventStore, IdempotencyRecord, ImportStream, LoadedStream, NewEvent,
    SnapshotRecord, StoreError, StoredEvent, StreamInfo, format_time, parse_time,
};

const EVENT_COLS: &str = "global_position, stream_id, version, event_type, schema_version, payload, metadata, recorded_at";
const INSERT_HEAD: &str = "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, recorded_at) VALUES ";
/// Rows per statement on bulk paths: 7 parameters a row stays far below SQLite's 32,766.
const BULK_ROWS: usize = 1000;
/// Events per import transaction (whole streams only).
const IMPORT_BATCH_EVENTS: usize = 20_000;

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file when it is missing (writes, demo, import).
    CreateIfMissing,
    /// Refuse a missing file (reads).
    MustExist,
}

/// The SQLite event store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    global_position: i64,
    stream_id: String,
    version: i64,
    event_type: String,
    schema_version: i64,
    payload: String,
    metadata: String,
    recorded_at: String,
}

impl EventRow {
    fn into_event(self) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version as u64,
            event_type: self.event_type,
            schema_version: self.schema_version as u32,
            payload: self.payload,
            metadata: self.metadata,
            recorded_at: parse_time(&self.recorded_at)?,
        })
    }
}

fn rows_to_events(rows: Vec<EventRow>) -> Result<Vec<StoredEvent>, StoreError> {
    rows.into_iter().map(EventRow::into_event).collect()
}

fn backend(e: &sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// True when the unique (stream, version) key refused a row.
fn is_version_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.message().contains("events.stream_id, events.version"),
        _ => false,
    }
}

/// `rows` rows inserted only while the stream is at the expected version (the last two
/// parameters: stream id, expected version). The common sizes are built once.
fn append_sql(rows: usize) -> String {
    static SMALL: OnceLock<Vec<String>> = OnceLock::new();
    let build = |n: usize| {
        let values = insert_sql(n);
        format!(
            "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, recorded_at) \
             SELECT column1, column2, column3, column4, column5, column6, column7 FROM ({}) \
             WHERE (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?) = ? \
             RETURNING global_position",
            &values[INSERT_HEAD.len() - "VALUES ".len()..]
        )
    };
    let small = SMALL.get_or_init(|| (0..=8).map(build).collect());
    small.get(rows).cloned().unwrap_or_else(|| build(rows))
}

/// `INSERT … VALUES (…),(…)` for `rows` rows; the common sizes are built once.
fn insert_sql(rows: usize) -> String {
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

type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds borrowed text: bulk paths copy no payloads.
fn bind_event<'q>(q: Query<'q>, stream_id: &'q str, version: u64, e: &'q NewEvent) -> Query<'q> {
    q.bind(stream_id)
        .bind(version as i64)
        .bind(e.event_type.as_str())
        .bind(i64::from(e.schema_version))
        .bind(e.payload.as_str())
        .bind(e.metadata.as_str())
        .bind(format_time(e.recorded_at))
}

impl SqliteStore {
    /// Opens (and migrates) the database at a `sqlite://` URL or plain path.
    pub async fn open(url: &str, mode: OpenMode) -> Result<Self, StoreError> {
        let normalized = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let base = SqliteConnectOptions::from_str(&normalized)
            .map_err(|e| StoreError::Backend(format!("bad database url {url:?}: {e}")))?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let path = base.get_filename().to_path_buf();
        let in_memory = path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:");
        if mode == OpenMode::MustExist && !in_memory && !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        let open_err = |e: sqlx::Error| {
            StoreError::Backend(format!("cannot open database {}: {e}", path.display()))
        };
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(mode == OpenMode::CreateIfMissing),
            )
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating {}: {e}", path.display())))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(base)
            .await
            .map_err(open_err)?;
        Ok(SqliteStore { writer, reader })
    }

    /// Closes both pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn conflict(&self, stream_id: &str, expected: u64) -> StoreError {
        match self.stream_version(stream_id).await {
            Ok(actual) => StoreError::Conflict {
                stream_id: stream_id.to_string(),
                expected,
                actual,
            },
            Err(e) => e,
        }
    }

    async fn import_batch(
        &self,
        batch: &[ImportStream],
    ) -> Result<Vec<Result<u64, StoreError>>, sqlx::Error> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let mut current = std::collections::HashMap::new();
        for ids in batch.chunks(500) {
            let mut sql =
                String::from("SELECT stream_id, MAX(version) FROM events WHERE stream_id IN (");
            for i in 0..ids.len() {
                sql.push_str(if i == 0 { "?" } else { ",?" });
            }
            sql.push_str(") GROUP BY stream_id");
            let mut q = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql));
            for s in ids {
                q = q.bind(s.stream_id.clone());
            }
            for (id, v) in q.fetch_all(&mut *tx).await? {
                current.insert(id, v as u64);
            }
        }
        let mut results = Vec::with_capacity(batch.len());
        let mut rows: Vec<(&str, u64, &NewEvent)> = Vec::new();
        let mut snaps: Vec<&SnapshotRecord> = Vec::new();
        for s in batch {
            let actual = current.get(&s.stream_id).copied().unwrap_or(0);
            if actual == s.expected_version {
                let mut v = s.expected_version;
                for e in &s.events {
                    v += 1;
                    rows.push((&s.stream_id, v, e));
                }
                snaps.extend(&s.snapshots);
                results.push(Ok(v));
            } else {
                results.push(Err(StoreError::Conflict {
                    stream_id: s.stream_id.clone(),
                    expected: s.expected_version,
                    actual,
                }));
            }
        }
        for chunk in rows.chunks(BULK_ROWS) {
            let mut q = sqlx::query(AssertSqlSafe(insert_sql(chunk.len())));
            for (id, v, e) in chunk {
                q = bind_event(q, id, *v, e);
            }
            tx.execute(q).await?;
        }
        for chunk in snaps.chunks(BULK_ROWS) {
            let mut sql = String::from(
                "INSERT OR REPLACE INTO snapshots (stream_id, version, schema_version, state) VALUES ",
            );
            for i in 0..chunk.len() {
                let _ = write!(sql, "{}(?,?,?,?)", if i == 0 { "" } else { "," });
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                q = q
                    .bind(s.stream_id.clone())
                    .bind(s.version as i64)
                    .bind(i64::from(s.schema_version))
                    .bind(s.state.clone());
            }
            tx.execute(q).await?;
        }
        tx.commit().await?;
        Ok(results)
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(&self, req: AppendRequest<'_>) -> Result<Appended, StoreError> {
        if req.events.is_empty() {
            return Err(StoreError::Backend("append of no events".into()));
        }
        let mut q = sqlx::query(AssertSqlSafe(append_sql(req.events.len())));
        for (i, e) in req.events.iter().enumerate() {
            q = bind_event(q, req.stream_id, req.expected_version + 1 + i as u64, e);
        }
        let q = q.bind(req.stream_id).bind(req.expected_version as i64);
        // Nothing inserted means the stream was not at the expected version.
        let inserted = |rows: Vec<sqlx::sqlite::SqliteRow>| {
            let last = rows
                .iter()
                .filter_map(|r| r.try_get::<i64, _>(0).ok())
                .max();
            match last {
                Some(last) if rows.len() == req.events.len() => Ok(last),
                _ => Err((true, sqlx::Error::RowNotFound)),
            }
        };
        let version = req.expected_version + req.events.len() as u64;
        let map = |e: sqlx::Error| (is_version_conflict(&e), e);
        let outcome: Result<i64, (bool, sqlx::Error)> = if req.idempotency.is_none()
            && req.snapshot.is_none()
        {
            q.fetch_all(&self.writer)
                .await
                .map_err(map)
                .and_then(inserted)
        } else {
            let attempt = async {
                let mut tx = self.writer.begin().await.map_err(map)?;
                let last = inserted(tx.fetch_all(q).await.map_err(map)?)?;
                if let Some(rec) = req.idempotency {
                    let expired = req
                        .idempotency_expired_before
                        .map_or_else(String::new, format_time);
                    let taken = sqlx::query(
                        "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) \
                         VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET \
                         command_hash = excluded.command_hash, stream_id = excluded.stream_id, \
                         version = excluded.version, created_at = excluded.created_at \
                         WHERE idempotency.created_at < ?",
                    )
                    .bind(rec.key.clone())
                    .bind(rec.command_hash.clone())
                    .bind(req.stream_id.to_string())
                    .bind(version as i64)
                    .bind(format_time(rec.created_at))
                    .bind(expired)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected()
                        == 0;
                    if taken {
                        return Ok(Err(StoreError::IdempotencyKeyTaken(rec.key.clone())));
                    }
                }
                if let Some(s) = req.snapshot {
                    sqlx::query("INSERT OR REPLACE INTO snapshots (stream_id, version, schema_version, state) VALUES (?, ?, ?, ?)")
                        .bind(s.stream_id.clone())
                        .bind(s.version as i64)
                        .bind(i64::from(s.schema_version))
                        .bind(s.state.clone())
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                }
                tx.commit().await.map_err(map)?;
                Ok(Ok(last))
            };
            match attempt.await {
                Ok(Ok(last)) => Ok(last),
                Ok(Err(taken)) => return Err(taken),
                Err(e) => Err(e),
            }
        };
        match outcome {
            Ok(last_position) => Ok(Appended {
                version,
                last_position,
            }),
            Err((true, _)) => Err(self.conflict(req.stream_id, req.expected_version).await),
            Err((false, e)) => Err(backend(&e)),
        }
    }

    async fn load(&self, stream_id: &str, up_to: Option<u64>) -> Result<LoadedStream, StoreError> {
        // Snapshot and tail in one statement: one worker handoff per load.
        let sql = "WITH snap AS (SELECT version, schema_version, state FROM snapshots \
                   WHERE stream_id = ?1 AND version <= ?2 ORDER BY version DESC LIMIT 1) \
                   SELECT 0 AS global_position, ?1 AS stream_id, version, '' AS event_type, \
                   schema_version, state AS payload, '' AS metadata, '' AS recorded_at FROM snap \
                   UNION ALL \
                   SELECT global_position, stream_id, version, event_type, schema_version, payload, \
                   metadata, recorded_at FROM events WHERE stream_id = ?1 AND version <= ?2 \
                   AND version > COALESCE((SELECT version FROM snap), 0) \
                   ORDER BY 1, 3";
        let up_to = up_to.map_or(i64::MAX, |v| v.min(i64::MAX as u64) as i64);
        let rows: Vec<EventRow> = sqlx::query_as(sql)
            .bind(stream_id)
            .bind(up_to)
            .fetch_all(&self.reader)
            .await
            .map_err(|e| backend(&e))?;
        let mut out = LoadedStream::default();
        let mut rows = rows.into_iter().peekable();
        if let Some(first) = rows.next_if(|r| r.global_position == 0) {
            out.snapshot = Some(SnapshotRecord {
                stream_id: stream_id.to_string(),
                version: first.version as u64,
                schema_version: first.schema_version as u32,
                state: first.payload,
            });
        }
        out.events = rows_to_events(rows.collect())?;
        Ok(out)
    }

    async fn read_stream(
        &self,
        stream_id: &str,
        from: u64,
        to: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE stream_id = ? AND version >= ? AND version <= ? \
             ORDER BY version LIMIT ?"
        );
        let rows: Vec<EventRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(stream_id)
            .bind(from.min(i64::MAX as u64) as i64)
            .bind(to.min(i64::MAX as u64) as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| backend(&e))?;
        rows_to_events(rows)
    }

    async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?"
        );
        let rows: Vec<EventRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(after_position)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| backend(&e))?;
        rows_to_events(rows)
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        let v: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?")
                .bind(stream_id)
                .fetch_one(&self.reader)
                .await
                .map_err(|e| backend(&e))?;
        Ok(v as u64)
    }

    async fn version_at_time(&self, stream_id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ? AND recorded_at <= ?",
        )
        .bind(stream_id)
        .bind(format_time(at))
        .fetch_one(&self.reader)
        .await
        .map_err(|e| backend(&e))?;
        Ok(v as u64)
    }

    async fn list_streams(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StreamInfo>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stream_id, MAX(version) FROM events WHERE stream_id > ? \
             GROUP BY stream_id ORDER BY stream_id LIMIT ?",
        )
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(|e| backend(&e))?;
        Ok(rows
            .into_iter()
            .map(|(stream_id, v)| StreamInfo {
                stream_id,
                version: v as u64,
            })
            .collect())
    }

    async fn put_snapshot(&self, s: &SnapshotRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO snapshots (stream_id, version, schema_version, state) VALUES (?, ?, ?, ?)")
            .bind(s.stream_id.clone())
            .bind(s.version as i64)
            .bind(i64::from(s.schema_version))
            .bind(s.state.clone())
            .execute(&self.writer)
            .await
            .map_err(|e| backend(&e))?;
        Ok(())
    }

    async fn find_idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row: Option<(String, String, i64, String)> = sqlx::query_as(
            "SELECT command_hash, stream_id, version, created_at FROM idempotency WHERE key = ?",
        )
        .bind(key)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| backend(&e))?;
        row.map(|(command_hash, stream_id, version, created_at)| {
            Ok(IdempotencyRecord {
                key: key.to_string(),
                command_hash,
                stream_id,
                version: version as u64,
                created_at: parse_time(&created_at)?,
            })
        })
        .transpose()
    }

    async fn import(&self, streams: &[ImportStream]) -> Vec<Result<u64, StoreError>> {
        let mut results = Vec::with_capacity(streams.len());
        let mut start = 0;
        while start < streams.len() {
            let mut end = start;
            let mut events = 0;
            while end < streams.len()
                && (end == start || events + streams[end].events.len() <= IMPORT_BATCH_EVENTS)
            {
                events += streams[end].events.len();
                end += 1;
            }
            let batch = &streams[start..end];
            match self.import_batch(batch).await {
                Ok(r) => results.extend(r),
                // A batch that fails as a whole is retried stream by stream, so one bad
                // stream cannot take the others down with it.
                Err(_) if batch.len() > 1 => {
                    for one in batch {
                        match self.import_batch(std::slice::from_ref(one)).await {
                            Ok(mut r) => results.append(&mut r),
                            Err(e) => results.push(Err(backend(&e))),
                        }
                    }
                }
                Err(e) => results.push(Err(backend(&e))),
            }
            start = end;
        }
        results
    }

    async fn head_position(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
            .fetch_one(&self.reader)
            .await
            .map_err(|e| backend(&e))
    }
}
