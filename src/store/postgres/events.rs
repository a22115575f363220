//! The event log on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row as _};
use tokio::sync::watch;

use super::PgStore;
use super::import::PgImport;
use super::sql::{
    EVENT_COLS, EventColumns, after_cursor, big, event_from_row, final_only, is_version_conflict,
    rows_to_events, unnest_events,
};
use crate::store::{
    AppendRequest, Appended, EventStore, IdempotencyRecord, ImportSession, LoadedStream,
    ServerStatus, SnapshotRecord, StoreError, StoredEvent, StreamInfo,
};

/// The expected-version check, without reading the stream's head: versions are contiguous,
/// so the stream is at `$8` exactly when version `$8` exists (or `$8` is 0) and `$8 + 1`
/// does not, which the unique key refuses on insert.
const AT_EXPECTED: &str =
    "($8 = 0 OR EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND version = $8))";

/// One command's events, inserted only while the stream is at the expected version, with
/// the snapshot beside them when there is one: one statement, returning the positions. A
/// lone event binds its columns directly; several come as arrays through one `UNNEST`.
fn append_sql(single: bool, snapshot: bool) -> &'static str {
    static SQL: std::sync::OnceLock<[String; 4]> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        let build = |single: bool, snapshot: bool| {
            let source = if single {
                "(SELECT $2::int8 AS version, $3::text AS event_type, $4::int4 AS schema_version, \
                 $5::text AS payload, $6::text AS metadata, $7::timestamptz AS recorded_at) v"
                    .to_string()
            } else {
                unnest_events(2)
            };
            let insert = format!(
                "INSERT INTO events (stream_id, version, event_type, schema_version, payload, \
                 metadata, recorded_at) \
                 SELECT $1, v.version, v.event_type, v.schema_version, v.payload::json, \
                 v.metadata::json, v.recorded_at FROM {source} WHERE {AT_EXPECTED} \
                 ORDER BY v.version RETURNING global_position"
            );
            if snapshot {
                format!(
                    "WITH ins AS ({insert}), \
                     snap AS (INSERT INTO snapshots (stream_id, version, schema_version, state) \
                       SELECT $1, $9::int8, $10::int4, $11::text::json \
                       WHERE EXISTS (SELECT 1 FROM ins) \
                       ON CONFLICT (stream_id, version) DO UPDATE \
                       SET schema_version = EXCLUDED.schema_version, state = EXCLUDED.state) \
                     SELECT global_position FROM ins"
                )
            } else {
                insert
            }
        };
        [
            build(false, false),
            build(false, true),
            build(true, false),
            build(true, true),
        ]
    });
    &all[usize::from(single) * 2 + usize::from(snapshot)]
}

const IDEMPOTENCY_SQL: &str = "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET \
     command_hash = EXCLUDED.command_hash, stream_id = EXCLUDED.stream_id, \
     version = EXCLUDED.version, created_at = EXCLUDED.created_at \
     WHERE idempotency.created_at < $6";

impl PgStore {
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

    /// Runs the append statement on `exec`; `Ok(None)` when the stream was not at the
    /// expected version.
    async fn insert_events<'c, E>(
        exec: E,
        req: &AppendRequest<'_>,
    ) -> Result<Option<i64>, sqlx::Error>
    where
        E: sqlx::Executor<'c, Database = sqlx::Postgres>,
    {
        let n = req.events.len();
        let sql = append_sql(n == 1, req.snapshot.is_some());
        let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).bind(req.stream_id);
        if let [e] = req.events {
            q = q
                .bind(big(req.expected_version + 1))
                .bind(e.event_type.as_str())
                .bind(e.schema_version.min(i32::MAX as u32) as i32)
                .bind(e.payload.as_str())
                .bind(e.metadata.as_str())
                .bind(e.recorded_at);
        } else {
            let mut cols = EventColumns::with_capacity(n);
            for (i, e) in req.events.iter().enumerate() {
                cols.push(req.expected_version + 1 + i as u64, e);
            }
            q = q
                .bind(cols.versions)
                .bind(cols.types)
                .bind(cols.schema_versions)
                .bind(cols.payloads)
                .bind(cols.metadata)
                .bind(cols.recorded_at);
        }
        q = q.bind(big(req.expected_version));
        if let Some(s) = req.snapshot {
            q = q
                .bind(big(s.version))
                .bind(s.schema_version.min(i32::MAX as u32) as i32)
                .bind(s.state.as_str());
        }
        let positions = q.fetch_all(exec).await?;
        Ok((positions.len() == n).then(|| positions.into_iter().max().unwrap_or(0)))
    }

    /// The append with its idempotency record, in one transaction.
    async fn append_keyed(
        &self,
        req: &AppendRequest<'_>,
        rec: &IdempotencyRecord,
    ) -> Result<Result<Option<i64>, StoreError>, sqlx::Error> {
        let version = req.expected_version + req.events.len() as u64;
        let mut tx = self.pool.begin().await?;
        let Some(last) = Self::insert_events(&mut *tx, req).await? else {
            return Ok(Ok(None));
        };
        let recorded = sqlx::query(IDEMPOTENCY_SQL)
            .bind(rec.key.as_str())
            .bind(rec.command_hash.as_str())
            .bind(req.stream_id)
            .bind(big(version))
            .bind(rec.created_at)
            .bind(req.idempotency_expired_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if recorded == 0 {
            return Ok(Err(StoreError::IdempotencyKeyTaken(rec.key.clone())));
        }
        tx.commit().await?;
        Ok(Ok(Some(last)))
    }
}

#[async_trait]
impl EventStore for PgStore {
    async fn append(&self, req: AppendRequest<'_>) -> Result<Appended, StoreError> {
        self.writable()?;
        if req.events.is_empty() {
            return Err(StoreError::backend("append of no events"));
        }
        if req.stream_id.is_empty() {
            return Err(StoreError::backend("append to an empty stream id"));
        }
        let outcome = match req.idempotency {
            None => Self::insert_events(&self.pool, &req).await.map(Ok),
            Some(rec) => self.append_keyed(&req, rec).await,
        };
        let landed = match outcome {
            Ok(Ok(landed)) => landed,
            Ok(Err(taken)) => return Err(taken),
            Err(e) if is_version_conflict(&e) => None,
            Err(e) => return Err(StoreError::from(e)),
        };
        match landed {
            Some(last_position) => {
                self.announce();
                Ok(Appended {
                    version: req.expected_version + req.events.len() as u64,
                    last_position,
                })
            }
            None => Err(self.conflict(req.stream_id, req.expected_version).await),
        }
    }

    async fn load(&self, stream_id: &str, up_to: Option<u64>) -> Result<LoadedStream, StoreError> {
        // Snapshot and tail in one statement: one round trip per load.
        let sql = "WITH snap AS (SELECT version, schema_version, state FROM snapshots \
                   WHERE stream_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 1) \
                   SELECT 0::int8, $1::text, version, ''::text, schema_version, state::text, \
                   ''::text, 'epoch'::timestamptz FROM snap \
                   UNION ALL \
                   SELECT global_position, stream_id::text, version, event_type, \
                   schema_version, payload::text, metadata::text, recorded_at FROM events \
                   WHERE stream_id = $1 AND version <= $2 \
                   AND version > COALESCE((SELECT version FROM snap), 0) ORDER BY 1, 3";
        let up_to = up_to.map_or(i64::MAX, big);
        let rows = sqlx::query(sql)
            .bind(stream_id)
            .bind(up_to)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        let mut out = LoadedStream::default();
        let mut rest = &rows[..];
        if let Some(first) = rows.first() {
            let position: i64 = first.try_get(0).map_err(StoreError::from)?;
            if position == 0 {
                let version: i64 = first.try_get(2).map_err(StoreError::from)?;
                let schema_version: i32 = first.try_get(4).map_err(StoreError::from)?;
                out.snapshot = Some(SnapshotRecord {
                    stream_id: stream_id.to_string(),
                    version: version.max(0) as u64,
                    schema_version: schema_version.max(0) as u32,
                    state: first.try_get(5).map_err(StoreError::from)?,
                });
                rest = &rows[1..];
            }
        }
        out.events = rows_to_events(rest)?;
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
            "SELECT {EVENT_COLS} FROM events WHERE stream_id = $1 AND version >= $2 \
             AND version <= $3 ORDER BY version LIMIT $4"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(stream_id)
            .bind(big(from))
            .bind(big(to))
            .bind(i64::from(limit))
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn read_all(
        &self,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE {} AND {} \
             ORDER BY transaction_id, global_position LIMIT $2",
            after_cursor(1),
            final_only()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(after_position)
            .bind(i64::from(limit))
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn read_by_stream(
        &self,
        after_stream: &str,
        after_version: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE (stream_id, version) > ($1, $2) \
             ORDER BY stream_id, version LIMIT $3"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(after_stream)
            .bind(big(after_version))
            .bind(i64::from(limit))
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        let v: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1")
                .bind(stream_id)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::from)?;
        Ok(v.max(0) as u64)
    }

    async fn version_at_time(&self, stream_id: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1 AND recorded_at <= $2",
        )
        .bind(stream_id)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(v.max(0) as u64)
    }

    async fn list_streams(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StreamInfo>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stream_id, MAX(version) FROM events WHERE stream_id > $1 \
             GROUP BY stream_id ORDER BY stream_id LIMIT $2",
        )
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(rows
            .into_iter()
            .map(|(stream_id, v)| StreamInfo {
                stream_id,
                version: v.max(0) as u64,
            })
            .collect())
    }

    async fn put_snapshot(&self, s: &SnapshotRecord) -> Result<(), StoreError> {
        self.writable()?;
        sqlx::query(
            "INSERT INTO snapshots (stream_id, version, schema_version, state) \
             VALUES ($1, $2, $3, $4::text::json) ON CONFLICT (stream_id, version) DO UPDATE \
             SET schema_version = EXCLUDED.schema_version, state = EXCLUDED.state",
        )
        .bind(s.stream_id.as_str())
        .bind(big(s.version))
        .bind(s.schema_version.min(i32::MAX as u32) as i32)
        .bind(s.state.as_str())
        .execute(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    async fn find_idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row: Option<(String, String, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT command_hash, stream_id, version, created_at FROM idempotency WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(row.map(
            |(command_hash, stream_id, version, created_at)| IdempotencyRecord {
                key: key.to_string(),
                command_hash,
                stream_id,
                version: version.max(0) as u64,
                created_at,
            },
        ))
    }

    async fn begin_import(&self) -> Result<Box<dyn ImportSession>, StoreError> {
        self.writable()?;
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        // Appends take ROW EXCLUSIVE: they wait for the import, then see its versions.
        sqlx::query("LOCK TABLE events IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        Ok(Box::new(PgImport {
            tx,
            announcer: self.announcer.clone(),
        }))
    }

    async fn count_after(&self, position: i64) -> Result<u64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM events WHERE {}", after_cursor(1));
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(position)
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(n.max(0) as u64)
    }

    async fn head_position(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn server_status(&self) -> Result<ServerStatus, StoreError> {
        super::server::status(&self.pool).await
    }

    fn appends(&self) -> Option<watch::Receiver<u64>> {
        if self.standby {
            return None;
        }
        Some(
            self.appends
                .get_or_init(|| super::server::listen(self.pool.clone()))
                .clone(),
        )
    }

    async fn close(&self) {
        self.announcer.flush(&self.pool).await;
        self.pool.close().await;
    }
}
