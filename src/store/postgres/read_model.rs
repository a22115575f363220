//! The read model on PostgreSQL: `order_summary`, `projector_state`, `dead_letters`.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Transaction};

use super::PgStore;
use super::rows::{Write, write_rows, write_rows_raw};
use super::sql::{EVENT_COLS, big, cursor, event_from_row};
use crate::store::codec::RowRecord;
use crate::store::read_model::{DeadLetter, ProjectionTx, ProjectorState, ReadModel, SummaryRow};
use crate::store::{Lease, StoreError, StoredEvent};

pub(super) const ROW_COLS: &str = "order_id, customer_id, status, currency, total, item_count, \
     line_count, tracking_number, created_at, updated_at, lines, version, last_position";
const DL_COLS: &str = "global_position, stream_id, version, event_type, error, attempts, \
     first_failed_at, last_failed_at, next_retry_at";
const NAME: &str = "order_summary";

#[derive(sqlx::FromRow)]
struct DeadRecord {
    global_position: i64,
    stream_id: String,
    version: i64,
    event_type: String,
    error: String,
    attempts: i32,
    first_failed_at: DateTime<Utc>,
    last_failed_at: DateTime<Utc>,
    next_retry_at: Option<DateTime<Utc>>,
}

impl From<DeadRecord> for DeadLetter {
    fn from(d: DeadRecord) -> Self {
        DeadLetter {
            global_position: d.global_position,
            stream_id: d.stream_id,
            version: d.version.max(0) as u64,
            event_type: d.event_type,
            error: d.error,
            attempts: d.attempts.max(0) as u32,
            first_failed_at: d.first_failed_at,
            last_failed_at: d.last_failed_at,
            next_retry_at: d.next_retry_at,
        }
    }
}

#[async_trait]
impl ReadModel for PgStore {
    async fn projector_state(&self) -> Result<ProjectorState, StoreError> {
        let (position, generation): (i64, i64) =
            sqlx::query_as("SELECT position, generation FROM projector_state WHERE name = $1")
                .bind(NAME)
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::from)?;
        Ok(ProjectorState {
            position,
            generation,
        })
    }

    async fn rows(&self, order_ids: &[String]) -> Result<Vec<SummaryRow>, StoreError> {
        let sql = format!("SELECT {ROW_COLS} FROM order_summary WHERE order_id = ANY($1)");
        let rows: Vec<RowRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(order_ids)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(SummaryRow::from).collect())
    }

    async fn rows_after(&self, after: &str, limit: u32) -> Result<Vec<SummaryRow>, StoreError> {
        let sql = format!(
            "SELECT {ROW_COLS} FROM order_summary WHERE order_id > $1 ORDER BY order_id LIMIT $2"
        );
        let rows: Vec<RowRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(SummaryRow::from).collect())
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = format!("SELECT {DL_COLS} FROM dead_letters ORDER BY global_position");
        let rows: Vec<DeadRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(DeadLetter::from).collect())
    }

    async fn dead_letter_count(&self) -> Result<usize, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dead_letters")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(n.max(0) as usize)
    }

    async fn blocked_streams(&self) -> Result<HashSet<String>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT DISTINCT stream_id FROM dead_letters")
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(ids.into_iter().collect())
    }

    async fn begin_projection(&self) -> Result<Box<dyn ProjectionTx>, StoreError> {
        self.writable()?;
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        // The state row is the projection's lock: transactions over the read model queue
        // here, and each then reads the state its predecessor committed.
        let (position, generation): (i64, i64) = sqlx::query_as(
            "SELECT position, generation FROM projector_state WHERE name = $1 FOR UPDATE",
        )
        .bind(NAME)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        Ok(Box::new(PgProjectionTx {
            tx,
            state: ProjectorState {
                position,
                generation,
            },
        }))
    }

    async fn try_lead(&self) -> Result<Option<Box<dyn Lease>>, StoreError> {
        self.writable()?;
        Ok(super::server::try_lead(&self.options)
            .await?
            .map(|l| Box::new(l) as Box<dyn Lease>))
    }
}

struct PgProjectionTx {
    tx: Transaction<'static, Postgres>,
    /// The state as locked, then as set in this transaction.
    state: ProjectorState,
}

impl PgProjectionTx {
    fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

#[async_trait]
impl ProjectionTx for PgProjectionTx {
    async fn state(&mut self) -> Result<ProjectorState, StoreError> {
        Ok(self.state)
    }

    async fn set_state(&mut self, state: ProjectorState) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE projector_state SET position = $1, generation = $2, updated_at = now() \
             WHERE name = $3",
        )
        .bind(state.position)
        .bind(state.generation)
        .bind(NAME)
        .execute(self.conn())
        .await
        .map_err(StoreError::from)?;
        self.state = state;
        Ok(())
    }

    async fn stream_events(
        &mut self,
        stream_id: &str,
        after_version: u64,
        up_to_position: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        // "Up to the checkpoint" in log order: (transaction, position) at or before the
        // checkpoint's, which is not the same as positions at or below it.
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events WHERE stream_id = $1 AND version > $2 \
             AND (transaction_id, global_position) <= ({}, $3) ORDER BY version",
            cursor(3)
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(stream_id)
            .bind(big(after_version))
            .bind(up_to_position)
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(self.conn())
            .await
            .map_err(StoreError::from)
    }

    async fn row(&mut self, order_id: &str) -> Result<Option<SummaryRow>, StoreError> {
        let sql = format!("SELECT {ROW_COLS} FROM order_summary WHERE order_id = $1");
        let row: Option<RowRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(order_id)
            .fetch_optional(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(row.map(SummaryRow::from))
    }

    async fn upsert_rows(&mut self, rows: &[SummaryRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        // One statement may not touch a row twice: the last write of an order wins, as a
        // sequence of single upserts would have it.
        let mut seen = HashSet::new();
        let mut rows: Vec<&SummaryRow> = rows
            .iter()
            .rev()
            .filter(|r| seen.insert(r.order_id.as_str()))
            .collect();
        rows.reverse();
        write_rows(self.conn(), &rows, Write::Upsert).await
    }

    async fn insert_new_rows(&mut self, rows: &[SummaryRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        // A plain insert skips the conflict arbiter's extra index descent per row. A row
        // that exists after all (an orphan, a row written behind the projector's back)
        // makes it fail: then back to the savepoint and upsert, as if nothing was assumed.
        let refs: Vec<&SummaryRow> = rows.iter().collect();
        sqlx::query("SAVEPOINT new_rows")
            .execute(self.conn())
            .await
            .map_err(StoreError::from)?;
        match write_rows_raw(self.conn(), &refs, Write::Insert).await {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => {
                sqlx::query("ROLLBACK TO SAVEPOINT new_rows")
                    .execute(self.conn())
                    .await
                    .map_err(StoreError::from)?;
                return self.upsert_rows(rows).await;
            }
            Err(e) => return Err(StoreError::from(e)),
        }
        sqlx::query("RELEASE SAVEPOINT new_rows")
            .execute(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    async fn delete_rows(&mut self, order_id: Option<&str>) -> Result<(), StoreError> {
        let Some(id) = order_id else {
            // A rebuild empties the table: TRUNCATE (transactional here) leaves no dead
            // rows behind for the rebuild's inserts to step over, as a DELETE would until
            // vacuum. Readers wait for this short transaction instead of seeing it half done.
            sqlx::query("TRUNCATE order_summary")
                .execute(self.conn())
                .await
                .map_err(StoreError::from)?;
            return Ok(());
        };
        sqlx::query("DELETE FROM order_summary WHERE order_id = $1")
            .bind(id)
            .execute(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    async fn dead_letters(
        &mut self,
        stream_id: Option<&str>,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        let sql = format!(
            "SELECT {DL_COLS} FROM dead_letters WHERE $1::text IS NULL OR stream_id = $1 \
             ORDER BY global_position"
        );
        let rows: Vec<DeadRecord> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(stream_id)
            .fetch_all(self.conn())
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(DeadLetter::from).collect())
    }

    async fn put_dead_letters(&mut self, list: &[DeadLetter]) -> Result<(), StoreError> {
        if list.is_empty() {
            return Ok(());
        }
        let mut seen = HashSet::new();
        let mut list: Vec<&DeadLetter> = list
            .iter()
            .rev()
            .filter(|d| seen.insert(d.global_position))
            .collect();
        list.reverse();
        sqlx::query(
            "INSERT INTO dead_letters (global_position, stream_id, version, event_type, error, \
             attempts, first_failed_at, last_failed_at, next_retry_at) \
             SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int8[], $4::text[], $5::text[], \
             $6::int4[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[]) \
             ON CONFLICT (global_position) DO UPDATE SET stream_id = EXCLUDED.stream_id, \
             version = EXCLUDED.version, event_type = EXCLUDED.event_type, error = EXCLUDED.error, \
             attempts = EXCLUDED.attempts, first_failed_at = EXCLUDED.first_failed_at, \
             last_failed_at = EXCLUDED.last_failed_at, next_retry_at = EXCLUDED.next_retry_at",
        )
        .bind(list.iter().map(|d| d.global_position).collect::<Vec<_>>())
        .bind(list.iter().map(|d| d.stream_id.clone()).collect::<Vec<_>>())
        .bind(list.iter().map(|d| big(d.version)).collect::<Vec<_>>())
        .bind(
            list.iter()
                .map(|d| d.event_type.clone())
                .collect::<Vec<_>>(),
        )
        .bind(list.iter().map(|d| d.error.clone()).collect::<Vec<_>>())
        .bind(
            list.iter()
                .map(|d| d.attempts.min(i32::MAX as u32) as i32)
                .collect::<Vec<_>>(),
        )
        .bind(list.iter().map(|d| d.first_failed_at).collect::<Vec<_>>())
        .bind(list.iter().map(|d| d.last_failed_at).collect::<Vec<_>>())
        .bind(list.iter().map(|d| d.next_retry_at).collect::<Vec<_>>())
        .execute(self.conn())
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }

    async fn delete_dead_letters(
        &mut self,
        position: Option<i64>,
        stream_id: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM dead_letters WHERE ($1::int8 IS NULL OR global_position = $1) \
             AND ($2::text IS NULL OR stream_id = $2)",
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
