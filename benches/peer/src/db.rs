//! The peer's SQLite database: Chronicle's settings (WAL, synchronous=FULL, a 10 s busy
//! timeout, foreign keys on; `src/store/sqlite/mod.rs`) instead of sqlite-es's
//! `default_sqlite_pool` (synchronous=NORMAL, which does not flush every commit), and
//! sqlite-es's own schema (its `migrations/…_init.sql`, without the example view).

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};

const SCHEMA: [&str; 2] = [
    "CREATE TABLE events (
        aggregate_type text NOT NULL,
        aggregate_id   text NOT NULL,
        sequence       integer CHECK (sequence >= 0) NOT NULL,
        event_type     text NOT NULL,
        event_version  text NOT NULL,
        payload        text NOT NULL,
        metadata       text NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id, sequence)
    ) STRICT",
    "CREATE TABLE snapshots (
        aggregate_type   text NOT NULL,
        aggregate_id     text NOT NULL,
        last_sequence    integer CHECK (last_sequence >= 0) NOT NULL,
        current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
        payload          text NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
    ) STRICT",
];

/// A new database at `path` (which must not exist) with `connections` pooled connections.
pub async fn create(path: &Path, connections: u32) -> Pool<Sqlite> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .min_connections(connections)
        .connect_with(options)
        .await
        .expect("cannot open the peer's database");
    for sql in SCHEMA {
        sqlx::query(sql).execute(&pool).await.expect("schema");
    }
    pool
}

/// The settings a connection of `pool` really has, read back from SQLite.
pub async fn settings(pool: &Pool<Sqlite>) -> String {
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .expect("journal_mode");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .expect("synchronous");
    let sync = ["OFF", "NORMAL", "FULL", "EXTRA"]
        .get(sync as usize)
        .copied()
        .unwrap_or("?");
    format!(
        "journal_mode={journal}, synchronous={sync}, {} connections",
        pool.size()
    )
}
