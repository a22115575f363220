//! One command's append on its own: the path a lone command takes, and the one every command
//! of a batch falls back to when the batch as a whole fails (so each gets its own error).

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, Executor};

use super::sql::{append_sql, bind_event, bind_snapshot, is_version_conflict, snapshots_sql};
use crate::store::codec::format_time;
use crate::store::group::Pending;
use crate::store::{Appended, IdempotencyRecord, StoreError};

/// The stream's current version, read on `pool` (the writer's, after a conflict, so it sees
/// what the writer committed).
pub(super) async fn stream_version(pool: &SqlitePool, stream_id: &str) -> Result<u64, StoreError> {
    let v: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?")
            .bind(stream_id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from)?;
    Ok(v as u64)
}

async fn conflict(pool: &SqlitePool, stream_id: &str, expected: u64) -> StoreError {
    match stream_version(pool, stream_id).await {
        Ok(actual) => StoreError::Conflict {
            stream_id: stream_id.to_string(),
            expected,
            actual,
        },
        Err(e) => e,
    }
}

/// Claims a key unless it is held by a record newer than the last parameter.
const CLAIM_KEY: &str = "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) \
     VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET \
     command_hash = excluded.command_hash, stream_id = excluded.stream_id, \
     version = excluded.version, created_at = excluded.created_at \
     WHERE idempotency.created_at < ?";

/// Records `rec` for this append unless the key is held by a record that has not expired;
/// whether it did.
pub(super) async fn claim_key(
    conn: &mut SqliteConnection,
    p: &Pending,
    rec: &IdempotencyRecord,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(CLAIM_KEY)
        .bind(rec.key.as_str())
        .bind(rec.command_hash.as_str())
        .bind(p.stream_id.as_str())
        .bind(p.version_after() as i64)
        .bind(format_time(rec.created_at))
        .bind(p.expired_before.map_or_else(String::new, format_time))
        .execute(conn)
        .await?
        .rows_affected();
    Ok(claimed > 0)
}

/// A plain command is one statement in autocommit (atomic by itself, and the version check
/// at once); one that records a key or a snapshot opens a transaction.
pub(super) async fn append_one(pool: &SqlitePool, p: &Pending) -> Result<Appended, StoreError> {
    let mut q = sqlx::query(AssertSqlSafe(append_sql(p.events.len())));
    for (i, e) in p.events.iter().enumerate() {
        q = bind_event(q, &p.stream_id, p.expected_version + 1 + i as u64, e);
    }
    let q = q.bind(p.stream_id.as_str()).bind(p.expected_version as i64);
    // Nothing inserted means the stream was not at the expected version. (`execute`, not
    // `RETURNING`: streaming a row back costs sqlx one more thread handoff.)
    let inserted = |r: sqlx::sqlite::SqliteQueryResult| {
        if r.rows_affected() == p.events.len() as u64 {
            Ok(r.last_insert_rowid())
        } else {
            Err((true, sqlx::Error::RowNotFound))
        }
    };
    let map = |e: sqlx::Error| (is_version_conflict(&e), e);
    let outcome: Result<i64, (bool, sqlx::Error)> = if p.writes_beside_events() {
        let attempt = async {
            let mut tx = pool.begin().await.map_err(map)?;
            let last = inserted(tx.execute(q).await.map_err(map)?)?;
            if let Some(rec) = &p.idempotency
                && !claim_key(&mut tx, p, rec).await.map_err(map)?
            {
                return Ok(Err(StoreError::IdempotencyKeyTaken(rec.key.clone())));
            }
            if let Some(s) = &p.snapshot {
                let q = bind_snapshot(sqlx::query(AssertSqlSafe(snapshots_sql(1))), s);
                q.execute(&mut *tx).await.map_err(map)?;
            }
            tx.commit().await.map_err(map)?;
            Ok(Ok(last))
        };
        match attempt.await {
            Ok(Ok(last)) => Ok(last),
            Ok(Err(taken)) => return Err(taken),
            Err(e) => Err(e),
        }
    } else {
        q.execute(pool).await.map_err(map).and_then(inserted)
    };
    match outcome {
        Ok(last_position) => Ok(Appended {
            version: p.version_after(),
            last_position,
        }),
        Err((true, _)) => Err(conflict(pool, &p.stream_id, p.expected_version).await),
        Err((false, e)) => Err(StoreError::from(e)),
    }
}
