//! The global log never skips: many writers commit out of position order while the
//! projector runs live, and a writer that holds its transaction open is waited for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chronicle::app::projection::{Rejected, project};
use chronicle::app::projector::{Projector, ProjectorSettings};
use chronicle::domain::{OrderEvent, UpcastContext};
use chronicle::store::{self, Access, EventStore, Store, StoredEvent, SummaryRow};
use sqlx::{Connection as _, PgConnection};

use crate::common::Shop;
use crate::support::{Live, caught_up, chronicle, database, ok, until};

/// How often each event, by (stream, version), was applied. Streams are UUIDs, so tests
/// running side by side on their own databases never share a key.
type Counts = Mutex<HashMap<(String, u64), u32>>;

fn counts() -> &'static Counts {
    static COUNTS: OnceLock<Counts> = OnceLock::new();
    COUNTS.get_or_init(Counts::default)
}

/// The real projection, counting every application of every event.
fn counting(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    *counts()
        .lock()
        .unwrap()
        .entry((stored.stream_id.clone(), stored.version))
        .or_default() += 1;
    project(row, stored, event)
}

fn applied(e: &StoredEvent) -> Option<u32> {
    counts()
        .lock()
        .unwrap()
        .get(&(e.stream_id.clone(), e.version))
        .copied()
}

fn projector(store: &Store) -> Projector {
    Projector::new(
        store.events(),
        store.read_model(),
        UpcastContext::default(),
        ProjectorSettings {
            batch_size: 200,
            poll_interval: Duration::from_millis(200),
            ..ProjectorSettings::default()
        },
    )
    .with_projection(counting)
}

/// Every event of the log applied exactly once: none missing, none twice.
async fn assert_each_applied_once(store: &Arc<dyn EventStore>) -> usize {
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = store.read_all(after, 5000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.global_position;
        for e in &page {
            n += 1;
            assert_eq!(
                applied(e),
                Some(1),
                "event #{} ({} v{}) applied {:?} times",
                e.global_position,
                e.stream_id,
                e.version,
                applied(e)
            );
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_writer_tasks_and_a_live_projector_apply_every_event_once() {
    let (url, store) = database().await;
    let live = Live::start(projector(&store));
    let mut writers = Vec::new();
    for w in 0..8 {
        let url = url.clone();
        writers.push(tokio::spawn(async move {
            // Each writer its own handle, as separate processes would be.
            let handle = store::open(&url, Access::ReadWrite).await.unwrap();
            let shop = Shop::over(&handle);
            let ids = shop.workload(70).await;
            assert_eq!(ids.len(), 70, "writer {w}");
        }));
    }
    for w in writers {
        w.await.expect("a writer panicked");
    }
    caught_up(&store, 60).await;
    live.stop().await;
    let log = store.events().count_after(0).await.unwrap();
    assert!(log >= 8 * 70 * 4, "only {log} events");
    eprintln!("8 writer tasks appended {log} events");
    assert_eq!(assert_each_applied_once(&store.events()).await as u64, log);
    let out = chronicle(&url, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_writer_holding_its_transaction_two_seconds_is_waited_for_then_applied_once() {
    let (url, store) = database().await;
    let shop = Shop::over(&store);
    let late_order = shop.create("late", &["A:1:1.00"]).await;
    let template = shop.create("template", &["A:1:1.00"]).await;
    shop.add(template, "B:2:3.00").await;
    let item_added = store
        .events()
        .read_stream(&template.to_string(), 2, 2, 1)
        .await
        .unwrap()
        .remove(0);
    let live = Live::start(projector(&store));
    caught_up(&store, 60).await;

    // Takes a position for the late order's second event, then holds its transaction.
    let mut late = PgConnection::connect(&url).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut late)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut late).await.unwrap();
    let late_position: i64 = sqlx::query_scalar(
        "INSERT INTO events (stream_id, version, event_type, schema_version, payload, metadata, \
         recorded_at) VALUES ($1, 2, $2, $3, $4::json, $5::json, now()) RETURNING global_position",
    )
    .bind(late_order.to_string())
    .bind(&item_added.event_type)
    .bind(item_added.schema_version as i32)
    .bind(&item_added.payload)
    .bind(&item_added.metadata)
    .fetch_one(&mut late)
    .await
    .unwrap();

    // Others commit while it is held: four writers, for two seconds.
    let held_since = std::time::Instant::now();
    let mut writers = Vec::new();
    for w in 0..4 {
        let url = url.clone();
        writers.push(tokio::spawn(async move {
            let handle = store::open(&url, Access::ReadWrite).await.unwrap();
            let shop = Shop::over(&handle);
            let mut n = 0;
            while held_since.elapsed() < Duration::from_secs(2) {
                let id = shop.create(&format!("w{w}-{n}"), &["C:1:2.00"]).await;
                shop.pay(id).await;
                n += 1;
            }
            n
        }));
    }
    // While held: the status names the transaction, and the late order is not applied.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let status = ok(&url, &["projector", "status"]);
    assert!(
        status.contains(&format!("held back by backend pid {pid}")),
        "{status}"
    );
    let json = ok(&url, &["projector", "status", "--json"]);
    assert!(json.contains(&format!("\"pid\":{pid}")), "{json}");
    let row = |store: &Store| {
        let rm = store.read_model();
        let id = late_order.to_string();
        async move { rm.rows(&[id]).await.unwrap().remove(0).version }
    };
    assert_eq!(row(&store).await, 1, "applied before its transaction ended");
    let mut committed = 0;
    for w in writers {
        committed += w.await.unwrap();
    }
    assert!(
        committed > 0,
        "no writer committed while the transaction was held"
    );
    assert_eq!(row(&store).await, 1);
    sqlx::query("COMMIT").execute(&mut late).await.unwrap();

    caught_up(&store, 60).await;
    until(10, "the late event is applied", || async {
        row(&store).await == 2
    })
    .await;
    live.stop().await;
    let late_event = store
        .events()
        .read_stream(&late_order.to_string(), 2, 2, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(late_event.global_position, late_position);
    assert_eq!(applied(&late_event), Some(1));
    assert_each_applied_once(&store.events()).await;
    let status = ok(&url, &["projector", "status"]);
    assert!(!status.contains("held back"), "{status}");
    let out = chronicle(&url, &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The debugger's header names the transaction holding the log back, and drops it once
/// the transaction ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debugger_header_names_a_held_transaction() {
    use chronicle::app::Services;
    use chronicle::app::config::Config;
    use chronicle::tui::Driver;
    use chronicle::tui::action::Action;
    use chronicle::tui::keymap::Keymap;
    use chronicle::tui::state::App;
    use chronicle::tui::theme::Theme;
    use chronicle::tui::worker::{Deps, Worker};

    let (url, store) = database().await;
    let shop = Shop::over(&store);
    let id = shop.create("held", &["A:1:1.00"]).await;
    let services = Services::new(store.clone(), &Config::default());
    let app = App::new(store.url(), false, Keymap::default(), Theme::monochrome());
    let mut tui = Driver::new(app, Worker::new(Deps::new(services, "tester".into())));
    tui.start().await;
    let header = |tui: &Driver| {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 20)).unwrap();
        tui.render(&mut term);
        (0..200)
            .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
            .collect::<String>()
    };
    assert!(!header(&tui).contains("log held"), "{}", header(&tui));

    let mut late = PgConnection::connect(&url).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut late)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut late).await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut late)
        .await
        .unwrap();
    shop.add(id, "B:1:2.00").await;
    tui.send(Action::Tick).await;
    let shown = header(&tui);
    assert!(shown.contains(&format!("log held by pid {pid}")), "{shown}");
    assert!(shown.contains("(1 event waiting)"), "{shown}");
    sqlx::query("COMMIT").execute(&mut late).await.unwrap();
    tui.send(Action::Tick).await;
    assert!(!header(&tui).contains("log held"), "{}", header(&tui));
}
