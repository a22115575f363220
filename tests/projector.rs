//! The projector on real SQLite files: batches, catch-up, rebuild, concurrent writers of the
//! read model, polling, and status.

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chronicle::app::AppError;
use chronicle::app::divergence;
use chronicle::app::projection::{Rejected, project};
use chronicle::app::projector::BatchReport;
use chronicle::domain::{OrderEvent, OrderId, OrderStatus};
use chronicle::store::{Stored, StoredEvent, SummaryRow};
use chrono::Utc;
use common::{Db, Shop, new_id, settings, t0};
use rust_decimal::Decimal;

async fn assert_all_in_sync(shop: &Shop, orders: usize) {
    let report = divergence::check(&shop.loader, shop.read_model.as_ref(), None, |_| {})
        .await
        .unwrap();
    assert!(report.all_in_sync(), "{:?}", report.divergent);
    assert_eq!(report.orders, orders);
    assert_eq!(report.counts["in-sync"], orders);
}

#[tokio::test]
async fn incremental_batches_interleaved_with_commands_equal_a_full_rebuild() {
    let db = Db::new();
    let shop = db.shop().await;
    let p = shop.projector(settings(7));
    let mut ids = Vec::new();
    let mut batches = 0;
    for i in 0..24 {
        ids.push(shop.create(&format!("cust-{i}"), &["A:1:9.99"]).await);
        if i % 4 == 3 {
            p.run_batch(Utc::now()).await.unwrap();
            batches += 1;
        }
    }
    for step in 0..6 {
        for (i, id) in ids.iter().enumerate() {
            if shop.step(*id, i, step).await && i % 5 == 0 {
                let b = p.run_batch(Utc::now()).await.unwrap();
                assert!(b.applied <= 7, "{b:?}");
                batches += 1;
            }
        }
    }
    let head = shop.store.head_position().await.unwrap();
    let mut calls = 0;
    let total = p.catch_up(|_| calls += 1).await.unwrap();
    assert!(total.caught_up);
    assert_eq!(total.position, head);
    assert!(
        batches > 10 && calls >= 2,
        "{batches} batches, {calls} calls"
    );
    assert_eq!(
        shop.read_model.projector_state().await.unwrap().position,
        head
    );
    assert!(shop.read_model.dead_letters().await.unwrap().is_empty());

    let incremental = shop.rows().await;
    assert_eq!(incremental.len(), ids.len());
    for id in &ids {
        let row = shop.row(*id).await.unwrap();
        let stream = id.to_stream_id();
        let events = shop.store.read_stream(&stream, 1, u64::MAX, 100);
        let last = events.await.unwrap().pop().unwrap();
        assert_eq!(row.version, last.version as i64);
        assert_eq!(row.last_position, last.global_position);
    }
    // Spot checks against hand-computed values, not only against the replay.
    let delivered = shop.row(ids[0]).await.unwrap();
    assert_eq!(
        (
            delivered.status.to_string().as_str(),
            delivered.total.to_string().as_str()
        ),
        ("Delivered", "11.04")
    );
    assert_eq!(delivered.tracking_number.as_deref(), Some("TRK-0"));
    assert_eq!((delivered.item_count, delivered.line_count), (2, 2));
    let shipped = shop.row(ids[2]).await.unwrap();
    assert_eq!(
        (shipped.status.to_string().as_str(), shipped.item_count),
        ("Shipped", 4)
    );
    assert_eq!(
        shop.row(ids[5]).await.unwrap().status.to_string(),
        "Pending"
    );
    assert_all_in_sync(&shop, ids.len()).await;

    let rebuilt = p.rebuild(None, |_| {}).await.unwrap();
    assert_eq!(rebuilt.applied as i64, head);
    assert_eq!(rebuilt.position, head);
    assert_eq!(shop.rows().await, incremental);
    let state = shop.read_model.projector_state().await.unwrap();
    assert_eq!(state.position, head);
    assert!(state.generation >= 1, "a rebuild bumps the generation");
}

#[tokio::test]
async fn rebuilding_one_order_replays_it_up_to_the_checkpoint() {
    let db = Db::new();
    let shop = db.shop().await;
    let ids = shop.workload(12).await;
    let p = shop.projector(settings(50));
    p.catch_up(|_| {}).await.unwrap();
    let before = shop.rows().await;
    let checkpoint = shop.read_model.projector_state().await.unwrap().position;

    // A row edited behind the projector's back is put right.
    let mut row = shop.row(ids[0]).await.unwrap();
    row.total = Stored::Valid(Decimal::ZERO);
    row.status = Stored::Valid(OrderStatus::Cancelled);
    shop.put_row(&row).await;
    let report = p.rebuild(Some(ids[0]), |_| {}).await.unwrap();
    assert_eq!(report.applied as u64, shop.version(ids[0]).await);
    assert_eq!(report.position, checkpoint);
    assert_eq!(shop.rows().await, before);

    // Events past the checkpoint are left to the next batch, which applies them once.
    shop.add(ids[5], "LATE:2:1.00").await;
    shop.add(ids[5], "LATE:1:1.00").await;
    p.rebuild(Some(ids[5]), |_| {}).await.unwrap();
    assert_eq!(shop.rows().await, before);
    p.catch_up(|_| {}).await.unwrap();
    let late = shop.row(ids[5]).await.unwrap();
    assert_eq!(late.version as u64, shop.version(ids[5]).await);
    assert_eq!(late.item_count, 1 + 1 + 3);
    assert_all_in_sync(&shop, ids.len()).await;
    let incremental = shop.rows().await;
    p.rebuild(None, |_| {}).await.unwrap();
    assert_eq!(shop.rows().await, incremental);

    let err = p.rebuild(Some(new_id()), |_| {}).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");
    assert_eq!(
        shop.rows().await,
        incremental,
        "a failed rebuild changes nothing"
    );
}

/// Holds a batch in the middle of its computation until the test lets it go.
struct Gate {
    armed: AtomicBool,
    entered: Barrier,
    released: Barrier,
}

impl Gate {
    const fn new() -> Gate {
        Gate {
            armed: AtomicBool::new(false),
            entered: Barrier::new(2),
            released: Barrier::new(2),
        }
    }

    /// Called by the projection: blocks the first `GATE` item added while armed.
    fn pass(&self, event: &OrderEvent) {
        if matches!(event, OrderEvent::ItemAdded(e) if e.item.sku.as_str() == "GATE")
            && self.armed.swap(false, Ordering::SeqCst)
        {
            self.entered.wait();
            self.released.wait();
        }
    }

    /// Arms the gate, waits until a batch is held in it, runs `meanwhile`, lets it go.
    async fn hold(&'static self, meanwhile: impl Future<Output = ()>) {
        tokio::task::spawn_blocking(|| self.entered.wait())
            .await
            .unwrap();
        meanwhile.await;
        tokio::task::spawn_blocking(|| self.released.wait())
            .await
            .unwrap();
    }
}

static GATE: Gate = Gate::new();
static GATE_CATCH_UP: Gate = Gate::new();

fn gated(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    GATE.pass(event);
    project(row, stored, event)
}

fn gated_catch_up(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    GATE_CATCH_UP.pass(event);
    project(row, stored, event)
}

/// Six orders, the last with a `GATE` item; a second handle on the same file.
async fn gated_db() -> (Db, Shop, Vec<OrderId>, Shop) {
    let db = Db::new();
    let shop = db.shop().await;
    let ids = shop.workload(6).await;
    shop.add(ids[5], "GATE:1:1.00").await;
    let other = db.shop().await;
    (db, shop, ids, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_computed_before_a_rebuild_does_not_commit() {
    let (_db, shop, ids, other) = gated_db().await;
    GATE.armed.store(true, Ordering::SeqCst);
    let stale = shop.projector(settings(1000)).with_projection(gated);
    let batch = tokio::spawn(async move {
        let report = stale.run_batch(Utc::now()).await;
        (stale, report)
    });
    // The batch has read checkpoint 0 and every row; a rebuild of one order commits now.
    let rebuild = other.projector(settings(1000));
    GATE.hold(async {
        rebuild.rebuild(Some(ids[0]), |_| {}).await.unwrap();
    })
    .await;
    let (stale, report) = batch.await.unwrap();
    assert_eq!(
        report.unwrap(),
        BatchReport::default(),
        "the batch was dropped"
    );
    let place = shop.read_model.projector_state().await.unwrap();
    assert_eq!((place.position, place.generation), (0, 1));
    assert!(
        shop.rows().await.is_empty(),
        "nothing of the stale batch landed"
    );

    stale.catch_up(|_| {}).await.unwrap();
    assert_all_in_sync(&shop, ids.len()).await;
    let incremental = shop.rows().await;
    rebuild.rebuild(None, |_| {}).await.unwrap();
    assert_eq!(shop.rows().await, incremental);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_counts_only_what_it_committed() {
    let (_db, shop, ids, other) = gated_db().await;
    let head = shop.store.head_position().await.unwrap();
    GATE_CATCH_UP.armed.store(true, Ordering::SeqCst);
    let p = shop
        .projector(settings(1000))
        .with_projection(gated_catch_up);
    let run = tokio::spawn(async move { p.catch_up(|_| {}).await });
    let rebuild = other.projector(settings(1000));
    GATE_CATCH_UP
        .hold(async {
            rebuild.rebuild(Some(ids[0]), |_| {}).await.unwrap();
        })
        .await;
    let total = run.await.unwrap().unwrap();
    assert_all_in_sync(&shop, ids.len()).await;
    assert_eq!(total.position, head);
    assert_eq!(total.applied as i64, head, "{total:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_projectors_on_one_file_apply_each_event_once() {
    let db = Db::new();
    let shop = db.shop().await;
    let ids = shop.workload(30).await;
    let head = shop.store.head_position().await.unwrap();
    let (a, b) = (db.shop().await, db.shop().await);
    let run = |s: Shop, size| {
        tokio::spawn(async move { s.projector(settings(size)).catch_up(|_| {}).await })
    };
    let (ra, rb) = (run(a, 3), run(b, 4));
    let (ra, rb) = (ra.await.unwrap().unwrap(), rb.await.unwrap().unwrap());
    assert_eq!((ra.position, rb.position), (head, head));
    assert!(ra.caught_up && rb.caught_up);
    assert_eq!(
        shop.read_model.projector_state().await.unwrap().position,
        head
    );
    assert_all_in_sync(&shop, ids.len()).await;
    let concurrent = shop.rows().await;
    shop.projector(settings(100))
        .rebuild(None, |_| {})
        .await
        .unwrap();
    assert_eq!(shop.rows().await, concurrent);
}

#[tokio::test]
async fn status_reports_checkpoint_head_and_exact_lag() {
    let db = Db::new();
    let shop = db.shop().await;
    let p = shop.projector(settings(4));
    let empty = p.status(t0()).await.unwrap();
    assert_eq!((empty.checkpoint, empty.head, empty.lag_events), (0, 0, 0));
    assert!(empty.lag_seconds.abs() < f64::EPSILON);
    assert_eq!((empty.dead_letters, empty.parked_orders), (0, 0));

    shop.workload(5).await;
    let events = shop.store.read_all(0, 1000).await.unwrap();
    p.run_batch(Utc::now()).await.unwrap();
    let now = t0() + chrono::Duration::seconds(1000);
    let s = p.status(now).await.unwrap();
    assert_eq!(s.checkpoint, events[3].global_position);
    assert_eq!(s.head, events.last().unwrap().global_position);
    assert_eq!(s.lag_events, events.len() as u64 - 4);
    // The oldest event not yet projected was recorded at t0 + 5 s.
    assert_eq!(events[4].recorded_at, t0() + chrono::Duration::seconds(5));
    assert!((s.lag_seconds - 995.0).abs() < 1e-9, "{s:?}");
    let early = p.status(t0()).await.unwrap();
    assert!(
        early.lag_seconds.abs() < f64::EPSILON,
        "never negative: {early:?}"
    );

    p.catch_up(|_| {}).await.unwrap();
    let s = p.status(now).await.unwrap();
    assert_eq!((s.checkpoint, s.lag_events), (s.head, 0));
    assert!(s.lag_seconds.abs() < f64::EPSILON);
    let json = serde_json::to_value(&s).unwrap();
    for key in [
        "checkpoint",
        "head",
        "lag_events",
        "lag_seconds",
        "dead_letters",
        "parked_orders",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_keeps_polling_until_stopped() {
    let db = Db::new();
    let shop = db.shop().await;
    let ids = shop.workload(6).await;
    let (halt, halted) = tokio::sync::oneshot::channel::<()>();
    let runner = db.shop().await;
    let handle = tokio::spawn(async move {
        let p = runner.projector(settings(3));
        p.run(
            async {
                let _ = halted.await;
            },
            |_| {},
        )
        .await
    });
    // Commands arrive while it runs: it must pick them up without being restarted.
    let mut all = ids.clone();
    for i in 0..5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        all.push(shop.create(&format!("late-{i}"), &["L:1:1.00"]).await);
        shop.add(ids[5], &format!("M{i}:1:0.10")).await;
    }
    let head = shop.store.head_position().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while shop.read_model.projector_state().await.unwrap().position < head {
        assert!(
            std::time::Instant::now() < deadline,
            "the projector stalled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!handle.is_finished(), "run returned before it was stopped");
    halt.send(()).unwrap();
    let total = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("run stops once told to")
        .unwrap()
        .unwrap();
    assert_eq!(total.applied as i64, head);
    assert_eq!(total.position, head);
    assert_all_in_sync(&shop, all.len()).await;
}

/// Commits run behind the batches being applied; a batch that reads rows from the store
/// waits for the commits that write them. Here the first commit is stuck behind another
/// writer while the third batch needs the rows the first one made (the second batch does
/// not touch them, so they are not in memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_reads_the_rows_an_earlier_commit_writes_only_once_it_landed() {
    use sqlx::Connection as _;
    let db = Db::new();
    let shop = db.shop().await;
    let (a, b) = (
        shop.create("cust-a", &["A:1:1.00"]).await,
        shop.create("cust-b", &["B:1:2.00"]).await,
    );
    let c = shop.create("cust-c", &["C:1:3.00"]).await;
    shop.add(c, "D:1:4.00").await;
    shop.add(a, "E:2:5.00").await;
    shop.add(b, "F:3:6.00").await;
    let mut blocker = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let p = shop.projector(settings(2));
    let run = tokio::spawn(async move { p.catch_up(|_| {}).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!run.is_finished(), "the first commit waits for the lock");
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    let total = run.await.unwrap().unwrap();
    assert_eq!((total.applied, total.dead_lettered), (6, 0), "{total:?}");
    assert_all_in_sync(&shop, 3).await;
    assert_eq!(shop.row(a).await.unwrap().item_count, 3);
    assert_eq!(shop.row(b).await.unwrap().total.to_string(), "20.00");
}
