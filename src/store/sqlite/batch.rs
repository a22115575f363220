//! One batch of commands committed together (see `group.rs`). Plain commands are one
//! `INSERT … SELECT … RETURNING` in autocommit; with keys or snapshots in the batch it is a
//! transaction of a few statements, each covering every command that needs it.

use std::collections::{HashMap, HashSet};

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};

use super::append::{Pending, claim_key};
use super::sql::{
    batch_append_sql, bind_event, bind_snapshot, placeholders, repeat_values, snapshots_sql,
};
use crate::store::{Appended, StoreError};

type Outcome = Result<Appended, StoreError>;

/// Every command's outcome, in order; `Err` when the batch as a whole failed and nothing of
/// it was written.
pub(super) async fn commit_together(
    pool: &SqlitePool,
    appends: &[&Pending],
) -> Result<Vec<Outcome>, StoreError> {
    let mut conn = pool.acquire().await?;
    if !appends.iter().any(|p| p.writes_beside_events()) {
        let landed = insert_events(&mut conn, appends).await?;
        return outcomes(&mut conn, appends, &landed, &HashSet::new()).await;
    }
    let mut tx = conn.begin().await?;
    let mut landed = insert_events(&mut tx, appends).await?;
    let taken = claim_keys(&mut tx, appends, &landed).await?;
    for p in appends.iter().filter(|p| taken.contains(&p.stream_id)) {
        // Its events were inserted before its key turned out to be held: take them back.
        sqlx::query("DELETE FROM events WHERE stream_id = ? AND version > ?")
            .bind(p.stream_id.as_str())
            .bind(p.expected_version as i64)
            .execute(&mut *tx)
            .await?;
        landed.remove(&p.stream_id);
    }
    put_snapshots(&mut tx, appends, &landed).await?;
    let outcomes = outcomes(&mut tx, appends, &landed, &taken).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Inserts every command's events whose stream is at the command's expected version; the
/// last position per stream that landed.
async fn insert_events(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
) -> Result<HashMap<String, i64>, StoreError> {
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

/// Claims the keys of the commands that landed; the streams whose key another command holds.
async fn claim_keys(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
) -> Result<HashSet<String>, StoreError> {
    let keyed: Vec<&Pending> = appends
        .iter()
        .copied()
        .filter(|p| p.idempotency.is_some() && landed.contains_key(&p.stream_id))
        .collect();
    if keyed.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "INSERT INTO idempotency (key, command_hash, stream_id, version, created_at) VALUES {} \
         ON CONFLICT (key) DO NOTHING RETURNING key",
        repeat_values(5, keyed.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
    for p in &keyed {
        let rec = p.idempotency.as_ref().expect("filtered on a key");
        q = q
            .bind(rec.key.as_str())
            .bind(rec.command_hash.as_str())
            .bind(p.stream_id.as_str())
            .bind(p.version_after() as i64)
            .bind(crate::store::codec::format_time(rec.created_at));
    }
    let fresh: HashSet<String> = q.fetch_all(&mut *conn).await?.into_iter().collect();
    let mut taken = HashSet::new();
    for p in keyed {
        let rec = p.idempotency.as_ref().expect("filtered on a key");
        // A key already on record: reused if that record has expired, as alone.
        if !fresh.contains(&rec.key) && !claim_key(&mut *conn, p, rec).await? {
            taken.insert(p.stream_id.clone());
        }
    }
    Ok(taken)
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

/// Each command's result: where it landed, its key taken, or its conflict with the version
/// its stream is at (read in one statement for all conflicting streams).
async fn outcomes(
    conn: &mut SqliteConnection,
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
    taken: &HashSet<String>,
) -> Result<Vec<Outcome>, StoreError> {
    let conflicting: Vec<&str> = appends
        .iter()
        .filter(|p| !landed.contains_key(&p.stream_id) && !taken.contains(&p.stream_id))
        .map(|p| p.stream_id.as_str())
        .collect();
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
    Ok(appends
        .iter()
        .map(|p| {
            if let Some(&last_position) = landed.get(&p.stream_id) {
                Ok(Appended {
                    version: p.version_after(),
                    last_position,
                })
            } else if taken.contains(&p.stream_id) {
                let key = p.idempotency.as_ref().map(|r| r.key.clone());
                Err(StoreError::IdempotencyKeyTaken(key.unwrap_or_default()))
            } else {
                Err(StoreError::Conflict {
                    stream_id: p.stream_id.clone(),
                    expected: p.expected_version,
                    actual: actual.get(&p.stream_id).map_or(0, |v| *v as u64),
                })
            }
        })
        .collect())
}

/// The last position each stream's rows landed at, from `RETURNING stream_id, position`.
fn landed(rows: Vec<(String, i64)>) -> HashMap<String, i64> {
    let mut last = HashMap::new();
    for (stream, position) in rows {
        let at = last.entry(stream).or_insert(position);
        *at = (*at).max(position);
    }
    last
}
