//! One batch of commands committed together (see `store/group`). Plain commands are one
//! `INSERT … SELECT … FROM UNNEST … RETURNING` in autocommit; with keys or snapshots in the
//! batch it is one transaction of a few statements, each covering every command that needs
//! it. Events are immutable here (a trigger refuses deletes), so keys are claimed before
//! the events go in: a command whose key is held inserts nothing.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Connection as _, Row as _};

use super::append::{append_one, claim_key};
use super::sql::{EventColumns, big};
use crate::store::StoreError;
use crate::store::group::{
    BatchWriter, Claims, Outcome, Pending, conflicting, keyed, landed, outcomes, split_claims,
};

/// The pool, as the committer drives it.
pub(super) struct Writer(pub(super) PgPool);

#[async_trait]
impl BatchWriter for Writer {
    async fn append_one(&self, p: &Pending) -> Outcome {
        append_one(&self.0, p).await
    }

    async fn append_together(&self, appends: &[&Pending]) -> Result<Vec<Outcome>, StoreError> {
        commit_together(&self.0, appends).await
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// Every command's events in one statement. A row goes in only while its command's stream
/// is at the command's expected version, the same test for every row of a command, so a
/// command lands whole or not at all. A writer elsewhere that gets in between makes the
/// unique key refuse the statement, and the batch runs again command by command. The test
/// is a scalar subquery, not `EXISTS`: the planner turns `EXISTS` into a join and, for an
/// array of unknown length, may hash the whole table; a scalar subquery stays one probe of
/// the (stream, version) index per row.
const BATCH_SQL: &str = "INSERT INTO events (stream_id, version, event_type, schema_version, \
     payload, metadata, recorded_at) \
     SELECT v.stream_id, v.version, v.event_type, v.schema_version, v.payload::json, \
     v.metadata::json, v.recorded_at \
     FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], $6::text[], \
     $7::timestamptz[], $8::int8[]) WITH ORDINALITY \
     AS v(stream_id, version, event_type, schema_version, payload, metadata, recorded_at, \
     expected, ord) \
     WHERE COALESCE((SELECT max(e.version) FROM events e WHERE e.stream_id = v.stream_id), 0) \
       = v.expected \
     ORDER BY v.ord RETURNING stream_id, global_position";

const KEYS_SQL: &str = "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) \
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::timestamptz[]) \
     ON CONFLICT (key) DO NOTHING RETURNING key";

const SNAPSHOTS_SQL: &str = "INSERT INTO snapshots (stream_id, version, schema_version, state) \
     SELECT s, v, sv, st::json FROM UNNEST($1::text[], $2::int8[], $3::int4[], $4::text[]) \
     AS u(s, v, sv, st) \
     ON CONFLICT (stream_id, version) DO UPDATE \
     SET schema_version = EXCLUDED.schema_version, state = EXCLUDED.state";

/// Every command's outcome, in order; `Err` when the batch as a whole failed and nothing of
/// it was written.
async fn commit_together(pool: &PgPool, appends: &[&Pending]) -> Result<Vec<Outcome>, StoreError> {
    let mut conn = pool.acquire().await?;
    if !appends.iter().any(|p| p.writes_beside_events()) {
        let landed = insert_events(&mut conn, appends).await?;
        return results(&mut conn, appends, &landed, &HashSet::new()).await;
    }
    let mut tx = conn.begin().await?;
    let claims = claim_keys(&mut tx, appends).await?;
    let writing = claims.writing(appends);
    let landed = insert_events(&mut tx, &writing).await?;
    let unused = claims.unused(&landed);
    if !unused.is_empty() {
        sqlx::query("DELETE FROM idempotency WHERE key = ANY($1)")
            .bind(unused)
            .execute(&mut *tx)
            .await?;
    }
    put_snapshots(&mut tx, &writing, &landed).await?;
    tx.commit().await?;
    results(&mut conn, appends, &landed, &claims.taken).await
}

/// Inserts every command's events whose stream is at the command's expected version; the
/// last position per stream that landed.
async fn insert_events(
    conn: &mut PgConnection,
    appends: &[&Pending],
) -> Result<HashMap<String, i64>, StoreError> {
    if appends.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: usize = appends.iter().map(|p| p.events.len()).sum();
    let mut cols = EventColumns::with_capacity(rows);
    let (mut streams, mut expected) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    for p in appends {
        for (i, e) in p.events.iter().enumerate() {
            cols.push(p.expected_version + 1 + i as u64, e);
            streams.push(p.stream_id.as_str());
            expected.push(big(p.expected_version));
        }
    }
    let rows = cols
        .bind_to(sqlx::query(BATCH_SQL).bind(streams))
        .bind(expected)
        .fetch_all(&mut *conn)
        .await?;
    let rows = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?;
    Ok(landed(rows))
}

/// Claims every command's key: new keys in one statement, a key already on record as the
/// single path would (reused once its record has expired). The keys claimed, by stream, and
/// the streams whose key another command holds.
async fn claim_keys(conn: &mut PgConnection, appends: &[&Pending]) -> Result<Claims, StoreError> {
    let keyed = keyed(appends);
    if keyed.is_empty() {
        return Ok(Claims::default());
    }
    let keys: Vec<&str> = keyed.iter().map(|(_, r)| r.key.as_str()).collect();
    let hashes: Vec<&str> = keyed.iter().map(|(_, r)| r.command_hash.as_str()).collect();
    let streams: Vec<&str> = keyed.iter().map(|(p, _)| p.stream_id.as_str()).collect();
    let versions: Vec<i64> = keyed.iter().map(|(p, _)| big(p.version_after())).collect();
    let created: Vec<DateTime<Utc>> = keyed.iter().map(|(_, r)| r.created_at).collect();
    let mut won: HashSet<String> = sqlx::query_scalar::<_, String>(KEYS_SQL)
        .bind(keys)
        .bind(hashes)
        .bind(streams)
        .bind(versions)
        .bind(created)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    for (p, rec) in &keyed {
        // A key already on record: reused if that record has expired, as alone.
        if !won.contains(&rec.key) && claim_key(&mut *conn, p, rec).await? {
            won.insert(rec.key.clone());
        }
    }
    Ok(split_claims(&keyed, &won))
}

async fn put_snapshots(
    conn: &mut PgConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let mut cols: (Vec<&str>, Vec<i64>, Vec<i32>, Vec<&str>) = Default::default();
    for s in appends
        .iter()
        .filter(|p| landed.contains_key(&p.stream_id))
        .filter_map(|p| p.snapshot.as_ref())
    {
        cols.0.push(s.stream_id.as_str());
        cols.1.push(big(s.version));
        cols.2.push(s.schema_version.min(i32::MAX as u32) as i32);
        cols.3.push(s.state.as_str());
    }
    if cols.0.is_empty() {
        return Ok(());
    }
    sqlx::query(SNAPSHOTS_SQL)
        .bind(cols.0)
        .bind(cols.1)
        .bind(cols.2)
        .bind(cols.3)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Each command's result, the versions of conflicting streams read in one statement.
async fn results(
    conn: &mut PgConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
    taken: &HashSet<String>,
) -> Result<Vec<Outcome>, StoreError> {
    let conflicting = conflicting(appends, landed, taken);
    let mut actual: HashMap<String, i64> = HashMap::new();
    if !conflicting.is_empty() {
        actual = sqlx::query_as::<_, (String, i64)>(
            "SELECT stream_id, MAX(version) FROM events WHERE stream_id = ANY($1) \
             GROUP BY stream_id",
        )
        .bind(conflicting)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    }
    Ok(outcomes(appends, landed, taken, &actual))
}
