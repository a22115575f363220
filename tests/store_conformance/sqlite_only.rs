//! What only the SQLite backend promises: its file, its companions and its schema.

use std::path::Path;

use chronicle::store::{self, Access, StoreError};

use crate::common::{Db, event};
use crate::support::req;

fn companions(file: &Path) -> Vec<std::path::PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut p = file.as_os_str().to_owned();
            p.push(suffix);
            p.into()
        })
        .collect()
}

#[tokio::test]
async fn a_missing_file_is_refused_for_reads_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    let url = format!("sqlite://{}", path.display());
    for access in [Access::ReadOnly, Access::ReadWrite] {
        let Err(err) = store::open(&url, access).await else {
            panic!("{access:?} opened a missing file");
        };
        assert!(
            matches!(&err, StoreError::Missing(p) if p.contains("absent.db")),
            "{err:?}"
        );
        for p in companions(&path) {
            assert!(!p.exists(), "{} was created", p.display());
        }
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn stored_events_can_be_neither_changed_nor_removed() {
    let db = Db::new();
    let store = db.open().await;
    store.append(req("s", 0, &[event(1)])).await.unwrap();
    // Whoever connects, with whatever tool: the schema itself refuses.
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    for sql in ["UPDATE events SET payload = '{}'", "DELETE FROM events"] {
        let err = sqlx::query(sql).execute(&raw).await.unwrap_err();
        assert!(
            err.to_string().contains("events are immutable"),
            "{sql}: {err}"
        );
    }
    raw.close().await;
    assert_eq!(
        store.read_stream("s", 1, 1, 1).await.unwrap()[0].payload,
        event(1).payload
    );
}

/// A read-only session over a closed database leaves its file byte for byte as it was.
#[tokio::test]
async fn a_read_only_session_leaves_the_file_untouched() {
    let db = Db::new();
    let writer = db.open_store().await;
    writer
        .events()
        .append(req("s", 0, &[event(1), event(2)]))
        .await
        .unwrap();
    writer.close().await;
    let before = std::fs::read(db.file()).unwrap();
    let ro = store::open(&db.url, Access::ReadOnly).await.unwrap();
    let events = ro.events();
    assert_eq!(events.head_position().await.unwrap(), 2);
    assert!(matches!(
        events.append(req("s", 2, &[event(3)])).await,
        Err(StoreError::ReadOnly)
    ));
    ro.close().await;
    assert_eq!(std::fs::read(db.file()).unwrap(), before);
}

/// `destroy` takes the file's WAL companions with it.
#[tokio::test]
async fn destroy_removes_the_file_and_its_companions() {
    let db = Db::new();
    let store = db.open_store().await;
    store
        .events()
        .append(req("s", 0, &[event(1)]))
        .await
        .unwrap();
    store.close().await;
    // As a crash would leave them.
    for p in &companions(&db.file())[1..] {
        if !p.exists() {
            std::fs::write(p, b"").unwrap();
        }
    }
    store::destroy(&db.url).await.unwrap();
    for p in companions(&db.file()) {
        assert!(!p.exists(), "{} is left", p.display());
    }
}

/// SQLite keeps whatever text it is given as metadata: a search by id (or by correlation
/// id, the `c` overlay's) passes over a row
/// whose metadata is no JSON instead of failing the whole search (PostgreSQL's `json`
/// column refuses such a row when it is written).
#[tokio::test]
async fn an_id_search_passes_over_metadata_that_is_no_json() {
    use chronicle::store::{EventSearch, NewEvent};
    let db = Db::new();
    let store = db.open_store().await;
    for (stream, metadata) in [
        ("broken", r#"{"event_id":"id-1""#),
        ("whole", r#"{"event_id":"id-1"}"#),
    ] {
        let e = NewEvent {
            metadata: metadata.into(),
            ..event(1)
        };
        store.events().append(req(stream, 0, &[e])).await.unwrap();
    }
    let browse = store.browse();
    let found = browse
        .find_events(&EventSearch::Id("id-1".into()), 10)
        .await
        .unwrap();
    let streams: Vec<&str> = found.iter().map(|e| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["whole"]);
    let correlated = browse.correlated("id-1", 10).await.unwrap();
    assert!(correlated.is_empty(), "{correlated:?}");
}

/// A command the database itself refuses (here a trigger, as a full disk or a constraint
/// would) fails alone: the batch it came in is rolled back and run again command by
/// command, so every neighbour lands and the refused one wrote nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_the_database_refuses_fails_alone_and_its_neighbours_land() {
    use tokio::task::JoinSet;
    let _serial = crate::batches::BATCH_METRICS.lock().await;
    let reruns_before = crate::batches::reruns("sqlite");
    let db = Db::new();
    let store = db.open().await;
    store.append(req("warm", 0, &[event(0)])).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON events WHEN NEW.stream_id LIKE 'poison%' \
         BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
    )
    .execute(&raw)
    .await
    .unwrap();
    for round in 0..20 {
        let mut tasks = JoinSet::new();
        for i in 0..10 {
            let s = store.clone();
            let stream = if i == 5 {
                format!("poison-{round}")
            } else {
                format!("r{round}-{i}")
            };
            tasks.spawn(async move {
                let evs = [event(i)];
                let outcome = s.append(req(&stream, 0, &evs)).await;
                (stream, outcome)
            });
        }
        for (stream, outcome) in tasks.join_all().await {
            if stream.starts_with("poison") {
                let err = outcome.unwrap_err();
                assert!(err.to_string().contains("poison refused"), "{err}");
                assert_eq!(store.stream_version(&stream).await.unwrap(), 0);
            } else {
                assert_eq!(outcome.unwrap().version, 1, "{stream}");
            }
        }
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(n, 1 + 20 * 9);
    // Each round's batch was refused as a whole and run again (most rounds form one batch).
    assert!(crate::batches::reruns("sqlite") > reruns_before);
}

/// A writer that closes while another handle keeps the file open truncates the WAL: it does
/// not stay as large as the writer's biggest write made it until the last handle leaves.
#[tokio::test]
async fn a_closing_writer_truncates_the_wal_while_a_reader_stays() {
    let db = Db::new();
    let reader = store::open(&db.url, Access::CreateIfMissing).await.unwrap();
    let writer = db.open_store().await;
    let events: Vec<_> = (0..400).map(event).collect();
    for i in 0..20 {
        writer
            .events()
            .append(req(&format!("s{i}"), 0, &events))
            .await
            .unwrap();
    }
    let wal = companions(&db.file())[1].clone();
    let grown = std::fs::metadata(&wal).unwrap().len();
    assert!(grown > 100_000, "the WAL held the writes: {grown} bytes");
    writer.close().await;
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
    // Nothing was lost with it: the reader sees every event.
    assert_eq!(reader.events().head_position().await.unwrap(), 20 * 400);
    reader.close().await;
}
