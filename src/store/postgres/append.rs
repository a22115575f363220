//! One command's append on its own: the path a lone command takes, and the one every command
//! of a batch falls back to when the batch as a whole fails (so each gets its own error).

use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPool;

use super::sql::{EventColumns, big, is_version_conflict, unnest_events};
use crate::store::group::{Outcome, Pending};
use crate::store::{Appended, IdempotencyRecord, StoreError};

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

/// Claims a key unless it is held by a record newer than the last parameter.
pub(super) const CLAIM_KEY: &str = "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET \
     command_hash = EXCLUDED.command_hash, stream_id = EXCLUDED.stream_id, \
     version = EXCLUDED.version, created_at = EXCLUDED.created_at \
     WHERE idempotency.created_at < $6";

/// Records `rec` for this append unless the key is held by a record that has not expired;
/// whether it did.
pub(super) async fn claim_key<'c, E>(
    exec: E,
    p: &Pending,
    rec: &IdempotencyRecord,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let claimed = sqlx::query(CLAIM_KEY)
        .bind(rec.key.as_str())
        .bind(rec.command_hash.as_str())
        .bind(p.stream_id.as_str())
        .bind(big(p.version_after()))
        .bind(rec.created_at)
        .bind(p.expired_before)
        .execute(exec)
        .await?
        .rows_affected();
    Ok(claimed > 0)
}

/// Runs the append statement on `exec`; `Ok(None)` when the stream was not at the
/// expected version.
async fn insert_events<'c, E>(exec: E, p: &Pending) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let n = p.events.len();
    let sql = append_sql(n == 1, p.snapshot.is_some());
    let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).bind(p.stream_id.as_str());
    if let [e] = p.events.as_slice() {
        q = q
            .bind(big(p.expected_version + 1))
            .bind(e.event_type.as_str())
            .bind(e.schema_version.min(i32::MAX as u32) as i32)
            .bind(e.payload.as_str())
            .bind(e.metadata.as_str())
            .bind(e.recorded_at);
    } else {
        let mut cols = EventColumns::with_capacity(n);
        for (i, e) in p.events.iter().enumerate() {
            cols.push(p.expected_version + 1 + i as u64, e);
        }
        q = q
            .bind(cols.versions)
            .bind(cols.types)
            .bind(cols.schema_versions)
            .bind(cols.payloads)
            .bind(cols.metadata)
            .bind(cols.recorded_at);
    }
    q = q.bind(big(p.expected_version));
    if let Some(s) = &p.snapshot {
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
    pool: &PgPool,
    p: &Pending,
    rec: &IdempotencyRecord,
) -> Result<Result<Option<i64>, StoreError>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(last) = insert_events(&mut *tx, p).await? else {
        return Ok(Ok(None));
    };
    if !claim_key(&mut *tx, p, rec).await? {
        return Ok(Err(StoreError::IdempotencyKeyTaken(rec.key.clone())));
    }
    tx.commit().await?;
    Ok(Ok(Some(last)))
}

/// The stream's current version.
pub(super) async fn stream_version(pool: &PgPool, stream_id: &str) -> Result<u64, StoreError> {
    let v: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1")
            .bind(stream_id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from)?;
    Ok(v.max(0) as u64)
}

/// A plain command is one statement (atomic by itself, the version check in it); one that
/// records a key opens a transaction.
pub(super) async fn append_one(pool: &PgPool, p: &Pending) -> Outcome {
    let outcome = match &p.idempotency {
        None => insert_events(pool, p).await.map(Ok),
        Some(rec) => append_keyed(pool, p, rec).await,
    };
    let landed = match outcome {
        Ok(Ok(landed)) => landed,
        Ok(Err(taken)) => return Err(taken),
        Err(e) if is_version_conflict(&e) => None,
        Err(e) => return Err(StoreError::from(e)),
    };
    match landed {
        Some(last_position) => Ok(Appended {
            version: p.version_after(),
            last_position,
        }),
        None => match stream_version(pool, &p.stream_id).await {
            Ok(actual) => Err(StoreError::Conflict {
                stream_id: p.stream_id.clone(),
                expected: p.expected_version,
                actual,
            }),
            Err(e) => Err(e),
        },
    }
}
