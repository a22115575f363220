//! The read model on SQLite: `order_summary`, `projector_state`, `dead_letters`.

use std::collections::HashSet;
use std::fmt::Write as _;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Executor, Sqlite, SqliteConnection, Transaction};

use super::SqliteStore;
use super::sql::{EVENT_COLS, EventRow, placeholders, rows_to_events};
use crate::store::codec::{
    RowRecord, format_time, parse_time, write_currency, write_status, write_time, write_total,
};
use crate::store::read_model::{DeadLetter, ProjectionTx, ProjectorState, ReadModel, SummaryRow};
use crate::store::{StoreError, StoredEvent};

const ROW_COLS: &str = "order_id, customer_id, status, currency, total, item_count, line_count, \
                        tracking_number, created_at, updated_at, lines, version, last_position";
const DL_COLS: &str = "global_position, stream_id, version, event_type, error, attempts, first_failed_at, last_failed_at, next_retry_at";
/// Rows per upsert: 13 parameters a row.
const ROWS_PER_STATEMENT: usize = 1000;
const NAME: &str = "order_summary";

#[derive(sqlx::FromRow)]
struct DeadRecord {
    global_position: i64,
    stream_id: String,
    version: i64,
    event_type: String,
    error: String,
    attempts: i64,
    first_failed_at: String,
    last_failed_at: String,
    next_retry_at: Option<String>,
}

impl DeadRecord {
    fn into_letter(self) -> Result<DeadLetter, StoreError> {
        Ok(DeadLetter {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version as u64,
            event_type: self.event_type,
            error: self.error,
            attempts: self.attempts as u32,
            first_failed_at: parse_time(&self.first_failed_at)?,
            last_failed_at: parse_time(&self.last_failed_at)?,
            next_retry_at: self.next_retry_at.as_deref().map(parse_time).transpose()?,
        })
    }
}

fn letters(records: Vec<DeadRecord>) -> Result<Vec<DeadLetter>, StoreError> {
    records.into_iter().map(DeadRecord::into_letter).collect()
}

#[async_trait]
impl ReadModel for SqliteStore {
    async fn projector_state(&self) -> Result<ProjectorState, StoreError> {
        let (position, generation): (i64, i64) =
            sqlx::query_as("SELECT position, generation FROM projector_state WHERE name = ?")
                .bind(NAME)
                .fetch_one(&self.reader)
                .await
                .map_err(StoreError::from)?;
        Ok(ProjectorState {
            position,
            generation,
        })
    }

    async fn rows(&self, order_ids: &[String]) -> Result<Vec<SummaryRow>, StoreError> {
        let mut out = Vec::with_capacity(order_ids.len());
        for ids in order_ids.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT {ROW_COLS} FROM order_summary WHERE order_id IN ({})",
                placeholders(ids.len())
            );
            let mut q = sqlx::query_as::<_, RowRecord>(AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(id.as_str());
            }
            out.extend(
                q.fetch_all(&self.reader)
                    .await
                    .map_err(StoreError::from)?
                    .into_iter()
                    .map(SummaryRow::from),
            );
        }
        Ok(out)
    }

    async fn rows_after(&self, after: &str, limit: u32) -> Result<Vec<SummaryRow>, StoreError> {
        let sql = format!(
            "SELECT {ROW_COLS} FROM order_summary WHERE order_id > ? ORDER BY order_id LIMIT ?"
        );
        let rows: Vec<RowRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(SummaryRow::from).collect())
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = format!("SELECT {DL_COLS} FROM dead_letters ORDER BY global_position");
        letters(
            sqlx::query_as(AssertSqlSafe(sql))
                .fetch_all(&self.reader)
                .await
                .map_err(StoreError::from)?,
        )
    }

    async fn dead_letter_count(&self) -> Result<usize, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dead_letters")
            .fetch_one(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(n.max(0) as usize)
    }

    async fn blocked_streams(&self) -> Result<HashSet<String>, StoreError> {
        let ids: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT stream_id FROM dead_letters")
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(ids.into_iter().map(|(s,)| s).collect())
    }

    async fn begin_projection(&self) -> Result<Box<dyn ProjectionTx>, StoreError> {
        self.writable()?;
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::from)?;
        Ok(Box::new(SqliteProjectionTx { tx }))
    }
}

struct SqliteProjectionTx {
    tx: Transaction<'static, Sqlite>,
}

impl SqliteProjectionTx {
    fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

#[async_trait]
impl ProjectionTx for SqliteProjectionTx {
    async fn state(&mut self) -> Result<ProjectorState, StoreError> {
        let (position, generation): (i64, i64) =
            sqlx::query_as("SELECT position, generation FROM projector_state WHERE name = ?")
                .bind(NAME)
                .fetch_one(self.conn())
                .await
                .map_err(StoreError::from)?;
        Ok(ProjectorState {
            position,
            generation,
        })
    }

    async fn set_state(&mut self, state: ProjectorState) -> Result<(), StoreError> {
        sqlx::query("UPDATE projector_state SET position = ?, generation = ?, updated_at = ? WHERE name = ?")
            .bind(state.position)
            .bind(state.generation)
            .bind(format_time(chrono::Utc::now()))
            .bind(NAME)
            .execute(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    async fn stream_events(
        &mut self,
        stream_id: &str,
        after_version: u64,
        up_to_position: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE stream_id = ? AND version > ? AND global_position <= ? ORDER BY version"
        );
        let rows: Vec<EventRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(stream_id)
            .bind(after_version as i64)
            .bind(up_to_position)
            .fetch_all(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
    }

    async fn row(&mut self, order_id: &str) -> Result<Option<SummaryRow>, StoreError> {
        let sql = format!("SELECT {ROW_COLS} FROM order_summary WHERE order_id = ?");
        let row: Option<RowRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(order_id)
            .fetch_optional(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(row.map(SummaryRow::from))
    }

    async fn upsert_rows(&mut self, rows: &[SummaryRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = format!("INSERT OR REPLACE INTO order_summary ({ROW_COLS}) VALUES ");
            for i in 0..chunk.len() {
                let _ = write!(
                    sql,
                    "{}(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    if i == 0 { "" } else { "," }
                );
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.order_id.as_str())
                    .bind(r.customer_id.as_str())
                    .bind(write_status(&r.status))
                    .bind(write_currency(&r.currency))
                    .bind(write_total(&r.total))
                    .bind(r.item_count)
                    .bind(r.line_count)
                    .bind(r.tracking_number.as_deref())
                    .bind(write_time(&r.created_at))
                    .bind(write_time(&r.updated_at))
                    .bind(r.lines.as_str())
                    .bind(r.version)
                    .bind(r.last_position);
            }
            self.tx.execute(q).await.map_err(StoreError::from)?;
        }
        Ok(())
    }

    async fn delete_rows(&mut self, order_id: Option<&str>) -> Result<(), StoreError> {
        let q = match order_id {
            Some(id) => sqlx::query("DELETE FROM order_summary WHERE order_id = ?").bind(id),
            None => sqlx::query("DELETE FROM order_summary"),
        };
        q.execute(self.conn()).await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn dead_letters(
        &mut self,
        stream_id: Option<&str>,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = format!(
            "SELECT {DL_COLS} FROM dead_letters WHERE ?1 IS NULL OR stream_id = ?1 ORDER BY global_position"
        );
        letters(
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(stream_id)
                .fetch_all(self.conn())
                .await
                .map_err(StoreError::from)?,
        )
    }

    async fn put_dead_letters(&mut self, list: &[DeadLetter]) -> Result<(), StoreError> {
        for d in list {
            sqlx::query(
                "INSERT OR REPLACE INTO dead_letters (global_position, stream_id, version, event_type, \
                 error, attempts, first_failed_at, last_failed_at, next_retry_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(d.global_position)
            .bind(d.stream_id.as_str())
            .bind(d.version as i64)
            .bind(d.event_type.as_str())
            .bind(d.error.as_str())
            .bind(i64::from(d.attempts))
            .bind(format_time(d.first_failed_at))
            .bind(format_time(d.last_failed_at))
            .bind(d.next_retry_at.map(format_time))
            .execute(self.conn())
            .await
            .map_err(StoreError::from)?;
        }
        Ok(())
    }

    async fn delete_dead_letters(
        &mut self,
        position: Option<i64>,
        stream_id: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM dead_letters WHERE (?1 IS NULL OR global_position = ?1) AND (?2 IS NULL OR stream_id = ?2)",
        )
        .bind(position)
        .bind(stream_id)
        .execute(self.conn())
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::from)
    }
}
