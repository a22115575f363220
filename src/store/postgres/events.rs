//! The event log on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row as _};
use tokio::sync::watch;

use super::PgStore;
use super::import::PgImport;
use super::sql::{EVENT_COLS, after_cursor, big, event_from_row, final_only, rows_to_events};
use crate::store::group::Pending;
use crate::store::{
    AppendRequest, Appended, EventStore, IdempotencyRecord, ImportSession, LoadedStream,
    ServerStatus, SnapshotRecord, StoreError, StoredEvent, StreamInfo,
};

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
        let Some(committer) = &self.committer else {
            return Err(StoreError::ReadOnly);
        };
        let appended = committer.append(Pending::new(&req)).await?;
        self.announce();
        Ok(appended)
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
        super::append::stream_version(&self.pool, stream_id).await
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
