//! The SQLite import session: one `BEGIN IMMEDIATE` transaction, multi-row inserts.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Executor, Sqlite, Transaction};

use super::sql::{bind_event, bind_snapshot, insert_sql, placeholders, snapshots_sql};
use crate::store::{ImportRow, ImportSession, SnapshotRecord, StoreError};

/// Rows per statement: 7 parameters a row stays far below SQLite's 32,766.
const BULK_ROWS: usize = 1000;
/// Stream ids per version query.
const IDS_PER_QUERY: usize = 500;

/// An open import; dropping it rolls back.
pub(super) struct SqliteImport {
    pub(super) tx: Transaction<'static, Sqlite>,
}

#[async_trait]
impl ImportSession for SqliteImport {
    async fn versions(
        &mut self,
        stream_ids: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let mut current = HashMap::new();
        for ids in stream_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT stream_id, MAX(version) FROM events WHERE stream_id IN ({}) GROUP BY stream_id",
                placeholders(ids.len())
            );
            let mut q = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(id.as_str());
            }
            for (id, v) in q.fetch_all(&mut *self.tx).await.map_err(StoreError::from)? {
                current.insert(id, v as u64);
            }
        }
        Ok(current)
    }

    async fn append(
        &mut self,
        rows: &[ImportRow],
        snapshots: &[SnapshotRecord],
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(BULK_ROWS) {
            let mut q = sqlx::query(AssertSqlSafe(insert_sql(chunk.len())));
            for r in chunk {
                q = bind_event(q, &r.stream_id, r.version, &r.event);
            }
            self.tx.execute(q).await.map_err(StoreError::from)?;
        }
        for chunk in snapshots.chunks(BULK_ROWS) {
            let mut q = sqlx::query(AssertSqlSafe(snapshots_sql(chunk.len())));
            for s in chunk {
                q = bind_snapshot(q, s);
            }
            self.tx.execute(q).await.map_err(StoreError::from)?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::from)
    }
}
