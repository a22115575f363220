//! One batch of commands committed together (see `store/group`). Plain commands are one
//! `INSERT … SELECT … RETURNING` in autocommit; with keys or snapshots in the batch it is a
//! transaction of a few statements, each covering every command that needs it. Events are
//! immutable (a trigger refuses deletes), so keys are claimed before the events go in: a
//! command whose key is held inserts nothing.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};

use super::append::{append_one, claim_key};
use super::sql::{
    batch_append_sql, bind_event, bind_snapshot, placeholders, repeat_values, snapshots_sql,
};
use crate::store::StoreError;
use crate::store::group::{
    BatchWriter, Claims, Outcome, Pending, conflicting, keyed, landed, outcomes, split_claims,
};

/// The writer connection, as the committer drives it.
pub(super) struct Writer(pub(super) SqlitePool);

#[async_trait]
impl BatchWriter for Writer {
    async fn append_one(&self, p: &Pending) -> Outcome {
        append_one(&self.0, p).await
    }

    async fn append_together(&self, appends: &[&Pending]) -> Result<Vec<Outcome>, StoreError> {
        commit_together(&self.0, appends).await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

/// Every command's outcome, in order; `Err` when the batch as a whole failed and nothing of
/// it was written.
async fn commit_together(
    pool: &SqlitePool,
    appends: &[&Pending],
) -> Result<Vec<Outcome>, StoreError> {
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
        let sql = format!(
            "DELETE FROM idempotency WHERE key IN ({})",
            placeholders(unused.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for key in unused {
            q = q.bind(key);
        }
        q.execute(&mut *tx).await?;
    }
    put_snapshots(&mut tx, &writing, &landed).await?;
    let outcomes = results(&mut tx, appends, &landed, &claims.taken).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Inserts every command's events whose stream is at the command's expected version; the
/// last position per stream that landed.
async fn insert_events(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
) -> Result<HashMap<String, i64>, StoreError> {
    if appends.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = appends.iter().map(|p| p.events.len()).sum();
    let mut q = sqlx::query(AssertSqlSafe(batch_append_sql(rows)));
    for p in appends {
        for (i, e) in p.events.iter().enumerate() {
            let version = p.expected_version + 1 + i as u64;
            q = bind_event(q, &p.stream_id, version, e).bind(p.expected_version as i64);
        }
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let rows = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?;
    Ok(landed(rows))
}

/// Claims every command's key before any event goes in (events cannot be taken back):
/// new keys in one statement, a key already on record as the single path would (reused once
/// its record has expired). The keys claimed, by stream, and the streams whose key another
/// command holds.
async fn claim_keys(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
) -> Result<Claims, StoreError> {
    let keyed = keyed(appends);
    if keyed.is_empty() {
        return Ok(Claims::default());
    }
    let sql = format!(
        "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) VALUES {} \
         ON CONFLICT (key) DO NOTHING RETURNING key",
        repeat_values(5, keyed.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
    for (p, rec) in &keyed {
        q = q
            .bind(rec.key.as_str())
            .bind(rec.command_hash.as_str())
            .bind(p.stream_id.as_str())
            .bind(p.version_after() as i64)
            .bind(crate::store::codec::format_time(rec.created_at));
    }
    let mut won: HashSet<String> = q.fetch_all(&mut *conn).await?.into_iter().collect();
    for (p, rec) in &keyed {
        // A key already on record: reused if that record has expired, as alone.
        if !won.contains(&rec.key) && claim_key(&mut *conn, p, rec).await? {
            won.insert(rec.key.clone());
        }
    }
    Ok(split_claims(&keyed, &won))
}

async fn put_snapshots(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let snapshots: Vec<_> = appends
        .iter()
        .filter(|p| landed.contains_key(&p.stream_id))
        .filter_map(|p| p.snapshot.as_ref())
        .collect();
    if snapshots.is_empty() {
        return Ok(());
    }
    let mut q = sqlx::query(AssertSqlSafe(snapshots_sql(snapshots.len())));
    for s in snapshots {
        q = bind_snapshot(q, s);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Each command's result, the versions of conflicting streams read in one statement.
async fn results(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
    taken: &HashSet<String>,
) -> Result<Vec<Outcome>, StoreError> {
    let conflicting = conflicting(appends, landed, taken);
    let mut actual: HashMap<String, i64> = HashMap::new();
    if !conflicting.is_empty() {
        let sql = format!(
            "SELECT stream_id, MAX(version) FROM events WHERE stream_id IN ({}) GROUP BY stream_id",
            placeholders(conflicting.len())
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql));
        for s in &conflicting {
            q = q.bind(*s);
        }
        actual = q.fetch_all(&mut *conn).await?.into_iter().collect();
    }
    Ok(outcomes(appends, landed, taken, &actual))
}
