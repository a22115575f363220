//! PostgreSQL backend: a connection pool, one statement per plain command, and a global log
//! whose readers never skip an event that commits late.
//!
//! Positions come from a sequence taken at insert, so they can commit out of order. Every
//! event also records its transaction id, and the log is read in (transaction id,
//! position) order and only below the oldest transaction still running: the order there is
//! final. A checkpoint stays one position (an event's): the transaction id is looked up
//! from the event it names. See `migrations/postgres/0001_events.sql`.

use std::str::FromStr as _;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tokio::sync::watch;

mod append;
mod batch;
mod browse;
mod events;
mod import;
mod notify;
mod read_model;
mod rows;
mod server;
mod sql;

use super::group::Committer;
use super::{Access, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel appends are announced on (payload empty: listeners re-read the log).
const CHANNEL: &str = "chronicle_events";

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    options: PgConnectOptions,
    read_only: bool,
    /// Announces commits to the listeners of every process.
    announcer: Arc<notify::Announcer>,
    /// Counts notifications seen by this process's listener, started on first use.
    appends: Arc<OnceLock<watch::Receiver<u64>>>,
    /// Connected to a hot standby: it cannot LISTEN, so its readers poll.
    standby: bool,
    /// Where appends go (group commit); none on a read-only handle.
    committer: Option<Committer>,
}

/// Connection options from a URL, with this program's name for `pg_stat_activity`.
fn connect_options(url: &str, access: Access) -> Result<PgConnectOptions, StoreError> {
    let shown = super::redact(url);
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| {
            StoreError::InvalidUrl(format!(
                "database URL {shown:?} is not valid: {}",
                redact_error(&e, url)
            ))
        })?
        .application_name("chronicle");
    Ok(if access.writes() {
        options
    } else {
        // The server itself refuses writes: read-only holds even if a path forgot to check.
        options.options([("default_transaction_read_only", "on")])
    })
}

/// A driver error's text with the URL's password taken out, should it appear.
fn redact_error(e: &sqlx::Error, url: &str) -> String {
    let text = e.to_string();
    match password(url) {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text,
    }
}

fn password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    userinfo.split_once(':').map(|(_, p)| p)
}

/// True when the server says the database does not exist.
fn is_missing_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000"))
}

impl PgStore {
    /// Connects; creates the database when missing and asked to; migrates unless read-only.
    pub async fn open(url: &str, access: Access) -> Result<Self, StoreError> {
        let shown = super::redact(url);
        let options = connect_options(url, access)?;
        let connect = || {
            PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
        };
        // One plain connection first: the pool would retry a refused connection until its
        // acquire timeout and then report only that it timed out; this says what failed, at
        // once, and tells a missing database apart.
        let probe = {
            use sqlx::Connection as _;
            match sqlx::PgConnection::connect_with(&options).await {
                Ok(conn) => conn.close().await.map_err(|e| (false, open_error(&e, url))),
                Err(e) => Err((is_missing_database(&e), open_error(&e, url))),
            }
        };
        let pool = match probe.map(|()| connect()) {
            Ok(pending) => pending.await.map_err(|e| open_error(&e, url))?,
            Err((true, _)) if access == Access::CreateIfMissing => {
                use sqlx::migrate::MigrateDatabase as _;
                sqlx::Postgres::create_database(url).await.map_err(|e| {
                    StoreError::from(e).context(&format!("cannot create database {shown}"))
                })?;
                connect().await.map_err(|e| open_error(&e, url))?
            }
            Err((true, _)) => return Err(StoreError::Missing(shown)),
            Err((false, e)) => return Err(e),
        };
        if access.writes() {
            MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| StoreError::backend(format!("migrating {shown}: {e}")))?;
        } else {
            schema_is_current(&pool, &shown).await?;
        }
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await
            .map_err(StoreError::from)?;
        let announcer = notify::Announcer::start(&pool, access.writes());
        let committer = access
            .writes()
            .then(|| Committer::start(batch::Writer(pool.clone())));
        Ok(PgStore {
            pool,
            options,
            read_only: !access.writes(),
            announcer,
            appends: Arc::new(OnceLock::new()),
            standby,
            committer,
        })
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Announces a commit; bursts collapse into one notification.
    fn announce(&self) {
        self.announcer.commit();
    }
}

/// A connection failure as one line: the kind kept, the password never shown.
fn open_error(e: &sqlx::Error, url: &str) -> StoreError {
    let message = format!(
        "cannot connect to {}: {}",
        super::redact(url),
        redact_error(e, url)
    );
    let transient = match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| super::error::transient_code(&c)),
        _ => false,
    };
    if transient {
        StoreError::Unavailable {
            message,
            source: None,
        }
    } else {
        StoreError::backend(message)
    }
}

/// A read-only open migrates nothing, so it refuses a schema older than this build's.
async fn schema_is_current(pool: &PgPool, shown: &str) -> Result<(), StoreError> {
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .map_err(|e| {
                StoreError::from(e).context(&format!("{shown} is not a Chronicle database"))
            })?;
    if applied.unwrap_or(0) < latest {
        return Err(StoreError::backend(format!(
            "{shown} has an older schema than this build; `chronicle migrate` upgrades it"
        )));
    }
    Ok(())
}

/// Drops the database the URL names (from the server's `postgres` database, as `createdb`
/// and `dropdb` do). Refused while other sessions use it: nothing is cut off.
pub(super) async fn drop_database(url: &str) -> Result<(), StoreError> {
    use sqlx::Connection as _;
    let options = connect_options(url, Access::ReadWrite)?;
    let Some(name) = options.get_database().map(str::to_string) else {
        return Err(StoreError::InvalidUrl(format!(
            "database URL {:?} names no database",
            super::redact(url)
        )));
    };
    let mut admin = sqlx::PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .map_err(|e| open_error(&e, url))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {quoted}"
    )))
    .execute(&mut admin)
    .await;
    let _ = admin.close().await;
    dropped
        .map_err(|e| StoreError::from(e).context(&format!("cannot drop {}", super::redact(url))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_survives_into_a_message() {
        let url = "postgres://app:s3cr@t!@db.internal:5432/shop";
        assert_eq!(password(url), Some("s3cr@t!"));
        assert_eq!(password("postgres://app@db/shop"), None);
        let e = sqlx::Error::Protocol("the server echoed s3cr@t! back".into());
        let shown = redact_error(&e, url);
        assert!(!shown.contains("s3cr@t!"), "{shown}");
        let failure = open_error(&e, url).to_string();
        assert!(!failure.contains("s3cr@t!"), "{failure}");
        assert!(
            failure.contains("app:***@db.internal:5432/shop"),
            "{failure}"
        );
    }
}
