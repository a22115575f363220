//! SQLite backend: WAL, one writer connection, a small reader pool.
//!
//! sqlx hands every statement to a worker thread (~50-70 µs each), so statement count is
//! what decides speed: a plain command is one multi-row `INSERT … SELECT … WHERE` in
//! autocommit that inserts only if the stream is at the expected version (atomic by
//! itself, and the concurrency check at once); only commands that also record an
//! idempotency key or a snapshot open a transaction. Import runs in one `BEGIN IMMEDIATE`
//! transaction and checks versions once per new stream instead of once per row.
//!
//! Appends go through one writer task (`group.rs`): commands that queue while a batch
//! commits are committed together, one statement for all their events and one flush
//! (`batch.rs`); a lone command takes the single-command path above (`append.rs`).

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod append;
mod batch;
mod browse;
mod import;
mod read_model;
mod sql;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A read-only open migrates nothing, so it refuses a schema older than this build's.
async fn schema_is_current(pool: &SqlitePool, shown: &str) -> Result<(), StoreError> {
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .map_err(|e| {
                StoreError::from(e).context(&format!("{shown} is not a Chronicle database"))
            })?;
    if applied.unwrap_or(0) < latest {
        return Err(StoreError::backend(format!(
            "{shown} has an older schema than this build; `chronicle migrate` upgrades it"
        )));
    }
    Ok(())
}

/// Removes a database file and its WAL companions; absent files are fine.
pub(super) fn remove_files(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::backend(format!(
                    "cannot remove {}: {e}",
                    Path::new(&p).display()
                )));
            }
        }
    }
    Ok(())
}

use super::group::{Committer, Pending};
use import::SqliteImport;
use sql::{EVENT_COLS, EventRow, rows_to_events};

use super::{
    Access, AppendRequest, Appended, EventStore, IdempotencyRecord, ImportSession, LoadedStream,
    SnapshotRecord, StoreError, StoredEvent, StreamInfo,
};
use crate::store::codec::{format_time, parse_time};

/// The SQLite event store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    read_only: bool,
    /// Where appends go (group commit); none on a read-only handle.
    committer: Option<Committer>,
}

impl SqliteStore {
    /// Opens the database file; migrates it unless read-only.
    pub async fn open(path: &Path, access: Access) -> Result<Self, StoreError> {
        if access != Access::CreateIfMissing && !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        if !access.writes() {
            return Self::open_read_only(path).await;
        }
        let base = Self::options(path).journal_mode(SqliteJournalMode::Wal);
        let shown = path.display().to_string();
        let open_err =
            |e: sqlx::Error| StoreError::from(e).context(&format!("cannot open database {shown}"));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(
                base.clone()
                    .create_if_missing(access == Access::CreateIfMissing),
            )
            .await
            .map_err(open_err)?;
        MIGRATOR
            .run(&writer)
            .await
            .map_err(|e| StoreError::backend(format!("migrating {shown}: {e}")))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(base)
            .await
            .map_err(open_err)?;
        Ok(SqliteStore {
            committer: Some(Committer::start(batch::Writer(writer.clone()))),
            writer,
            reader,
            read_only: false,
        })
    }

    fn options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
    }

    /// Read-only as `sqlite3 -readonly` is: the file is opened for reading (SQLite refuses
    /// any write on it), its journal mode is left as it is, nothing is migrated or created.
    /// A WAL database in a directory this process cannot write (so no `-shm` can be made)
    /// is opened immutable, as a snapshot: nobody can be writing it from here either.
    async fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        let base = Self::options(path).read_only(true);
        let pool = |options: SqliteConnectOptions| {
            SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .connect_with(options)
        };
        let reader = match pool(base.clone()).await {
            Ok(p) => p,
            Err(first) => pool(base.immutable(true)).await.map_err(|_| {
                StoreError::from(first).context(&format!("cannot open database {shown}"))
            })?,
        };
        schema_is_current(&reader, &shown).await?;
        Ok(SqliteStore {
            writer: reader.clone(),
            reader,
            read_only: true,
            committer: None,
        })
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly)
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(&self, req: AppendRequest<'_>) -> Result<Appended, StoreError> {
        self.writable()?;
        if req.events.is_empty() {
            return Err(StoreError::backend("append of no events"));
        }
        if req.stream_id.is_empty() {
            return Err(StoreError::backend("append to an empty stream id"));
        }
        let Some(committer) = &self.committer else {
            return Err(StoreError::ReadOnly);
        };
        committer.append(Pending::new(&req)).await
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
            .map_err(StoreError::from)?;
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
        out.events = rows_to_events(rows.collect());
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
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
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
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
    }

    async fn read_by_stream(
        &self,
        after_stream: &str,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE (stream_id, version) > (?, ?) \
             ORDER BY stream_id, version LIMIT ?"
        );
        let rows: Vec<EventRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(after_stream)
            .bind(after_version.min(i64::MAX as u64) as i64)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        append::stream_version(&self.reader, stream_id).await
    }

    async fn version_at_time(&self, stream_id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ? AND recorded_at <= ?",
        )
        .bind(stream_id)
        .bind(format_time(at))
        .fetch_one(&self.reader)
        .await
        .map_err(StoreError::from)?;
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
        .map_err(StoreError::from)?;
        Ok(rows
            .into_iter()
            .map(|(stream_id, v)| StreamInfo {
                stream_id,
                version: v as u64,
            })
            .collect())
    }

    async fn put_snapshot(&self, s: &SnapshotRecord) -> Result<(), StoreError> {
        self.writable()?;
        let q = sql::bind_snapshot(sqlx::query(AssertSqlSafe(sql::snapshots_sql(1))), s);
        q.execute(&self.writer).await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn find_idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row: Option<(String, String, i64, String)> = sqlx::query_as(
            "SELECT command_hash, stream_id, version, created_at FROM idempotency WHERE key = ?",
        )
        .bind(key)
        .fetch_optional(&self.reader)
        .await
        .map_err(StoreError::from)?;
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

    async fn begin_import(&self) -> Result<Box<dyn ImportSession>, StoreError> {
        self.writable()?;
        // IMMEDIATE takes the write lock now, so versions read in the session stay true.
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::from)?;
        Ok(Box::new(SqliteImport { tx }))
    }

    async fn close(&self) {
        self.reader.close().await;
        if !self.read_only {
            // SQLite removes the WAL only when the last connection closes; while another
            // handle (the debugger's, a second process) keeps the file open it stays as
            // large as the biggest write made it. A writer leaving truncates it, waiting
            // briefly, not the busy timeout, for a reader in the middle of a read.
            let truncate = async {
                sqlx::query("PRAGMA busy_timeout = 250")
                    .execute(&self.writer)
                    .await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.writer)
                    .await
            };
            if let Err(e) = truncate.await {
                tracing::debug!(error = %e, "the WAL was not truncated at close");
            }
        }
        self.writer.close().await;
    }

    async fn count_after(&self, position: i64) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE global_position > ?")
            .bind(position)
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(n as u64)
    }

    async fn head_position(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::from)
    }
}
