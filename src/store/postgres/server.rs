//! What PostgreSQL can tell about the log beyond its rows: who holds the readers' horizon
//! back, how far a standby trails, which projector leads; and the listener that turns
//! `NOTIFY` into wake-ups.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool};
use sqlx::{Connection as _, PgConnection};
use tokio::sync::watch;

use super::CHANNEL;
use super::sql::HORIZON;
use crate::store::{HeldBack, Lease, ServerStatus, StoreError};

/// The projector's advisory lock: (`'CHRN'`, 1), a two-key lock so `pg_locks` names it
/// exactly (classid, objid, objsubid = 2).
const LOCK_CLASS: i32 = 0x4348_524E;
const LOCK_PROJECTOR: i32 = 1;

/// One statement: events committed but beyond the horizon, the oldest transaction holding
/// it, the standby's replay delay, and the leading projector's backend.
fn status_sql() -> String {
    format!(
        "WITH waiting AS (SELECT COUNT(*) AS n FROM events WHERE transaction_id >= {HORIZON}), \
         holder AS (SELECT pid, COALESCE(state, '') AS st, \
                    EXTRACT(EPOCH FROM clock_timestamp() - xact_start)::float8 AS secs \
                    FROM pg_stat_activity WHERE backend_xid IS NOT NULL \
                    AND datname = current_database() AND pid <> pg_backend_pid() \
                    ORDER BY age(backend_xid) DESC LIMIT 1) \
         SELECT (SELECT n FROM waiting), \
                (SELECT pid FROM holder), (SELECT st FROM holder), (SELECT secs FROM holder), \
                CASE WHEN pg_is_in_recovery() THEN \
                  CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
                  ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 END \
                END, \
                (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
                 AND classid = $1::oid AND objid = $2::oid AND objsubid = 2 LIMIT 1)"
    )
}

type StatusRow = (
    i64,
    Option<i32>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<i32>,
);

pub(super) async fn status(pool: &PgPool) -> Result<ServerStatus, StoreError> {
    let (waiting, pid, state, secs, replica_lag, leader): StatusRow =
        sqlx::query_as(sqlx::AssertSqlSafe(status_sql()))
            .bind(i64::from(LOCK_CLASS))
            .bind(i64::from(LOCK_PROJECTOR))
            .fetch_one(pool)
            .await
            .map_err(StoreError::from)?;
    let held_back_by = (waiting > 0).then(|| HeldBack {
        pid,
        state: state.unwrap_or_default(),
        seconds: secs.unwrap_or(0.0).max(0.0),
        waiting_events: waiting.max(0) as u64,
    });
    Ok(ServerStatus {
        held_back_by,
        replica_lag_seconds: replica_lag.map(|s| s.max(0.0)),
        projector_leader: leader,
    })
}

/// Starts this process's listener: a task that counts notifications on `CHANNEL`. On a
/// lost connection it reconnects (the readers' own polling covers the gap).
pub(super) fn listen(pool: PgPool) -> watch::Receiver<u64> {
    let (tx, rx) = watch::channel(0u64);
    tokio::spawn(async move {
        loop {
            let listener = async {
                let mut l = PgListener::connect_with(&pool).await?;
                l.listen(CHANNEL).await?;
                Ok::<_, sqlx::Error>(l)
            };
            let mut listener = match listener.await {
                Ok(l) => l,
                Err(_) if pool.is_closed() || tx.is_closed() => return,
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            loop {
                tokio::select! {
                    got = listener.recv() => match got {
                        Ok(_) => { tx.send_modify(|n| *n += 1); }
                        Err(_) => break,
                    },
                    () = tx.closed() => return,
                }
            }
            if pool.is_closed() {
                return;
            }
        }
    });
    rx
}

/// The projector's lease: a session advisory lock on a connection of its own, so it ends
/// the moment that connection does (the process died, the server restarted).
pub(super) struct PgLease {
    conn: PgConnection,
}

#[async_trait]
impl Lease for PgLease {
    async fn holds(&mut self) -> bool {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND pid = pg_backend_pid() AND classid = $1::oid AND objid = $2::oid AND objsubid = 2)",
        )
        .bind(i64::from(LOCK_CLASS))
        .bind(i64::from(LOCK_PROJECTOR))
        .fetch_one(&mut self.conn)
        .await
        .unwrap_or(false)
    }
}

/// Tries once to become the projector: `None` while another connection holds the lock.
pub(super) async fn try_lead(options: &PgConnectOptions) -> Result<Option<PgLease>, StoreError> {
    let mut conn = PgConnection::connect_with(options)
        .await
        .map_err(StoreError::from)?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(LOCK_PROJECTOR)
        .fetch_one(&mut conn)
        .await
        .map_err(StoreError::from)?;
    if got {
        Ok(Some(PgLease { conn }))
    } else {
        let _ = conn.close().await;
        Ok(None)
    }
}
