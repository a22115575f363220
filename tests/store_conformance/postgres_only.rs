//! What only the PostgreSQL backend has to prove: a global log that never skips an event
//! whose transaction commits late, the horizon report that names who holds it, the schema
//! it keeps (bytes, collation), and one-statement appends.

use std::time::Duration;

use chronicle::store::{self, Access, StoreError};
use sqlx::{Connection as _, PgConnection};

use crate::common::{event, pg};
use crate::support::{Factory, Fixture, PostgresFactory, req, whole_log};

async fn fresh() -> Fixture {
    Fixture::fresh::<PostgresFactory>().await
}

async fn raw(url: &str) -> PgConnection {
    PgConnection::connect(url).await.expect("raw connection")
}

/// A writer that took a position and has not committed holds the log back: nothing
/// committed after it is read until it ends, and then its event comes first. Positions
/// alone would have skipped it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_commits_late_is_read_before_those_that_committed_after_it() {
    let fx = fresh().await;
    let store = fx.events();
    store.append(req("early", 0, &[event(1)])).await.unwrap();
    let mut late = raw(&fx.url).await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut late)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut late).await.unwrap();
    let late_position: i64 = sqlx::query_scalar(
        "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, \
         recorded_at) VALUES ('late', 1, 'Test', 1, '{\"n\":2}', '{}', now()) \
         RETURNING global_position",
    )
    .fetch_one(&mut late)
    .await
    .unwrap();
    for (i, s) in ["after-1", "after-2", "after-3"].iter().enumerate() {
        let got = store
            .append(req(s, 0, &[event(3 + i as u32)]))
            .await
            .unwrap();
        assert!(got.last_position > late_position);
    }
    // Committed, but behind the open transaction: a follower reads only "early".
    let seen = whole_log(&store, 10).await;
    assert_eq!(
        seen.iter()
            .map(|e| e.stream_id.as_str())
            .collect::<Vec<_>>(),
        ["early"]
    );
    let held = store
        .server_status()
        .await
        .unwrap()
        .held_back_by
        .expect("held back");
    assert_eq!(held.pid, Some(pid), "{held}");
    assert_eq!(held.waiting_events, 3, "{held}");
    assert!(held.state.contains("idle in transaction"), "{held}");
    assert!(held.to_string().contains(&format!("backend pid {pid}")));
    // The follower goes on from the last event it saw once the writer commits.
    sqlx::query("COMMIT").execute(&mut late).await.unwrap();
    let after = store.read_all(seen[0].global_position, 10).await.unwrap();
    assert_eq!(
        after
            .iter()
            .map(|e| e.stream_id.as_str())
            .collect::<Vec<_>>(),
        ["late", "after-1", "after-2", "after-3"],
        "the late event first: its transaction began before the others"
    );
    assert_eq!(after[0].global_position, late_position);
    assert_eq!(store.count_after(seen[0].global_position).await.unwrap(), 4);
    assert_eq!(
        store.count_after(after[3].global_position).await.unwrap(),
        0
    );
    assert!(store.server_status().await.unwrap().held_back_by.is_none());
}

/// A writer that rolls back holds the log only while it is open, and leaves no event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_writer_releases_the_log_and_leaves_nothing() {
    let fx = fresh().await;
    let store = fx.events();
    let mut late = raw(&fx.url).await;
    sqlx::query("BEGIN").execute(&mut late).await.unwrap();
    sqlx::query(
        "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, \
         recorded_at) VALUES ('gone', 1, 'Test', 1, '{}', '{}', now())",
    )
    .execute(&mut late)
    .await
    .unwrap();
    store.append(req("kept", 0, &[event(1)])).await.unwrap();
    assert!(whole_log(&store, 10).await.is_empty());
    sqlx::query("ROLLBACK").execute(&mut late).await.unwrap();
    // Other tests' transactions on the same server can hold the horizon a moment longer
    // (one that ends between the snapshot and the activity read counts as this database's).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut log = whole_log(&store, 10).await;
    while log.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        log = whole_log(&store, 10).await;
    }
    assert_eq!(
        log.iter().map(|e| e.stream_id.as_str()).collect::<Vec<_>>(),
        ["kept"]
    );
}

/// The schema keeps payloads as `json` (bytes as written, JSON refused otherwise) and ids
/// in the "C" collation; the projector's lock is exclusive across handles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_keeps_bytes_and_orders_ids_by_bytes() {
    let fx = fresh().await;
    let name = fx.url.rsplit('/').next().unwrap().to_string();
    let types = tokio::task::spawn_blocking(move || {
        pg::cluster().psql(
            &name,
            "SELECT column_name || ':' || data_type || ':' || COALESCE(collation_name, '') \
             FROM information_schema.columns WHERE table_name = 'events' \
             AND column_name IN ('stream_id', 'payload', 'metadata', 'transaction_id') \
             ORDER BY column_name",
        )
    })
    .await
    .unwrap();
    assert_eq!(
        types.lines().collect::<Vec<_>>(),
        [
            "metadata:json:",
            "payload:json:",
            "stream_id:text:C",
            "transaction_id:xid8:"
        ]
    );
    let mut bad = event(1);
    bad.payload = "not json".into();
    let refused = fx.events().append(req("s", 0, &[bad])).await;
    assert!(
        matches!(refused, Err(StoreError::Backend { .. })),
        "{refused:?}"
    );
    assert!(whole_log(&fx.events(), 10).await.is_empty());
}

/// One projector leads: a second claim waits until the first one's connection ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_lease_at_a_time_and_it_ends_with_its_connection() {
    let fx = fresh().await;
    let other = fx.handle(Access::ReadWrite).await;
    let mut first = fx
        .read_model()
        .try_lead()
        .await
        .unwrap()
        .expect("first lead");
    assert!(first.holds().await);
    assert!(other.read_model().try_lead().await.unwrap().is_none());
    let leader = fx.events().server_status().await.unwrap().projector_leader;
    assert!(leader.is_some(), "the leader's pid is shown");
    drop(first);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut second = loop {
        if let Some(l) = other.read_model().try_lead().await.unwrap() {
            break l;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lock was never released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(second.holds().await);
    let ro = fx.handle(Access::ReadOnly).await;
    assert!(matches!(
        ro.read_model().try_lead().await,
        Err(StoreError::ReadOnly)
    ));
}

/// A commit on one handle wakes a listener on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_wakes_the_listeners_of_other_handles() {
    let fx = fresh().await;
    let watcher = fx.handle(Access::ReadOnly).await;
    let mut appends = watcher
        .events()
        .appends()
        .expect("PostgreSQL pushes appends");
    // The listener connects in the background: wait until it hears a first append.
    let writer = fx.events();
    let mut n = 0;
    let heard = loop {
        n += 1;
        writer
            .append(req(&format!("s{n}"), 0, &[event(n)]))
            .await
            .unwrap();
        if tokio::time::timeout(Duration::from_millis(500), appends.changed())
            .await
            .is_ok()
        {
            break true;
        }
        if n > 20 {
            break false;
        }
    };
    assert!(heard, "no notification in 20 appends");
    writer.append(req("last", 0, &[event(99)])).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), appends.changed())
        .await
        .expect("woken within 5 s")
        .unwrap();
}

/// A database URL whose server does not answer, or refuses the password, is one clear
/// error without the password; a missing database is `Missing`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_servers_and_wrong_passwords_are_clear_errors() {
    let c = pg::cluster();
    let wrong = c
        .url("postgres")
        .replace(c.password(), "not-the-password-x9");
    let err = store::open(&wrong, Access::ReadOnly)
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("not-the-password-x9"), "{text}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nobody = format!("postgres://u:hunter2@127.0.0.1:{port}/x");
    let started = std::time::Instant::now();
    let err = store::open(&nobody, Access::ReadOnly)
        .await
        .err()
        .expect("refused");
    assert!(err.is_retryable(), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let vacant = PostgresFactory::vacant().await;
    let err = store::open(&vacant.url, Access::ReadWrite)
        .await
        .err()
        .expect("missing");
    assert!(matches!(err, StoreError::Missing(_)), "{err:?}");
    assert!(!PostgresFactory::exists(&vacant.url).await);
}
