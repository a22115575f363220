//! The PostgreSQL import session: one transaction that locks appends out, bulk inserts.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{Postgres, Transaction};

use super::sql::{EventColumns, big};
use crate::store::{ImportRow, ImportSession, SnapshotRecord, StoreError};

/// Rows per statement: arrays keep the statement text fixed; this bounds one message.
const BULK_ROWS: usize = 5000;

/// An open import; dropping it rolls back.
pub(super) struct PgImport {
    pub(super) tx: Transaction<'static, Postgres>,
    pub(super) announcer: std::sync::Arc<super::notify::Announcer>,
}

#[async_trait]
impl ImportSession for PgImport {
    async fn versions(
        &mut self,
        stream_ids: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stream_id, MAX(version) FROM events WHERE stream_id = ANY($1) GROUP BY stream_id",
        )
        .bind(stream_ids)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(StoreError::from)?;
        let current: HashMap<String, u64> = rows
            .into_iter()
            .map(|(id, v)| (id, v.max(0) as u64))
            .collect();
        Ok(current)
    }

    async fn append(
        &mut self,
        rows: &[ImportRow],
        snapshots: &[SnapshotRecord],
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO events (stream_id, version, event_type, schema_version, payload, \
                   metadata, recorded_at) \
                   SELECT v.stream_id, v.version, v.event_type, v.schema_version, v.payload::json, \
                   v.metadata::json, v.recorded_at \
                   FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], \
                   $6::text[], $7::timestamptz[]) WITH ORDINALITY \
                   AS v(stream_id, version, event_type, schema_version, payload, metadata, recorded_at, n) \
                   ORDER BY v.n";
        for chunk in rows.chunks(BULK_ROWS) {
            let mut cols = EventColumns::with_capacity(chunk.len());
            let mut streams = Vec::with_capacity(chunk.len());
            for r in chunk {
                cols.push(r.version, &r.event);
                streams.push(r.stream_id.clone());
            }
            cols.bind_to(sqlx::query(sql).bind(streams))
                .execute(&mut *self.tx)
                .await
                .map_err(StoreError::from)?;
        }
        for chunk in snapshots.chunks(BULK_ROWS) {
            let ids: Vec<&str> = chunk.iter().map(|s| s.stream_id.as_str()).collect();
            let versions: Vec<i64> = chunk.iter().map(|s| big(s.version)).collect();
            let schemas: Vec<i32> = chunk
                .iter()
                .map(|s| s.schema_version.min(i32::MAX as u32) as i32)
                .collect();
            let states: Vec<&str> = chunk.iter().map(|s| s.state.as_str()).collect();
            sqlx::query(
                "INSERT INTO snapshots (stream_id, version, schema_version, state) \
                 SELECT s, v, sv, st::json FROM UNNEST($1::text[], $2::int8[], $3::int4[], $4::text[]) \
                 AS u(s, v, sv, st) ON CONFLICT (stream_id, version) DO UPDATE \
                 SET schema_version = EXCLUDED.schema_version, state = EXCLUDED.state",
            )
            .bind(ids)
            .bind(versions)
            .bind(schemas)
            .bind(states)
            .execute(&mut *self.tx)
            .await
            .map_err(StoreError::from)?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let announcer = self.announcer.clone();
        self.tx.commit().await.map_err(StoreError::from)?;
        announcer.commit();
        Ok(())
    }
}
