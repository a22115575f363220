//! Failing events: parking per order at once, retries with backoff beside the batches,
//! dead letters, retry and skip.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chronicle::app::AppError;
use chronicle::app::divergence::{self, Class, OrderCheck};
use chronicle::app::projection::{Rejected, project};
use chronicle::app::projector::ProjectorSettings;
use chronicle::domain::{OrderEvent, OrderId};
use chronicle::store::{StoredEvent, SummaryRow};
use chrono::Utc;
use common::{Db, Shop, failing_projection, planted_error, poisoned, settings, t0};

/// The real projection with the poison failing its first `fails` tries, counted in `tries`
/// (each planted projection below has its own counter: tests run at once).
fn poison_fails(
    tries: &AtomicU32,
    fails: u32,
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    if poisoned(event) && tries.fetch_add(1, Ordering::SeqCst) < fails {
        return Err(Rejected::new(planted_error(), row));
    }
    project(row, stored, event)
}

static COUNTED: AtomicU32 = AtomicU32::new(0);

/// The planted bug, counting its failures (one test only uses it).
fn failing_counted(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    poison_fails(&COUNTED, u32::MAX, row, stored, event)
}

/// Other orders all along, and a victim: v1 created, v2 the poisoned item (dead), then
/// v3 another item and v4 its payment (parked behind it).
struct Poisoned {
    db: Db,
    shop: Shop,
    others: Vec<OrderId>,
    victim: OrderId,
    dead_position: i64,
}

async fn scenario() -> Poisoned {
    let db = Db::new();
    let shop = db.shop().await;
    let victim = shop.create("victim", &["A:2:10.00"]).await;
    let mut others = shop.workload(6).await;
    let dead_position = shop.add(victim, "POISON:1:5.00").await.last_position;
    others.push(shop.create("after", &["C:1:3.00"]).await);
    shop.add(victim, "B:1:1.00").await;
    shop.add(others[5], "D:1:1.00").await;
    shop.pay(victim).await;
    shop.add(others[6], "E:3:1.00").await;
    Poisoned {
        db,
        shop,
        others,
        victim,
        dead_position,
    }
}

async fn check_one(shop: &Shop, id: OrderId) -> OrderCheck {
    let r = divergence::check(&shop.loader, shop.read_model.as_ref(), Some(id), |_| {});
    r.await.unwrap().divergent.pop().unwrap_or(OrderCheck {
        order_id: id.to_stream_id(),
        class: Class::InSync,
        behind: 0,
        fields: vec![],
        corrupt: None,
    })
}

async fn assert_others_projected(w: &Poisoned) {
    for id in &w.others {
        let row = w.shop.row(*id).await.unwrap();
        assert_eq!(row.version as u64, w.shop.version(*id).await);
        assert_eq!(check_one(&w.shop, *id).await.class, Class::InSync);
    }
}

#[tokio::test]
async fn a_failing_event_parks_its_order_at_once_and_the_others_go_on() {
    let w = scenario().await;
    // A backoff of a minute: the old in-line retries would have slept for seven.
    let s = ProjectorSettings {
        base_backoff: Duration::from_mins(1),
        ..settings(4)
    };
    let p = w.shop.projector(s).with_projection(failing_projection);
    let started = Instant::now();
    let (before, total) = (Utc::now(), p.catch_up(|_| {}).await.unwrap());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "no retry in line"
    );
    let head = w.shop.store.head_position().await.unwrap();
    assert_eq!(
        (total.dead_lettered, total.parked, total.recovered),
        (1, 2, 0)
    );
    assert_eq!(total.applied as i64, head - 3);
    assert_eq!(total.position, head);
    assert_others_projected(&w).await;

    let d = w.shop.read_model.dead_letters().await.unwrap().remove(0);
    assert_eq!((d.global_position, d.attempts), (w.dead_position, 1));
    let next = d.next_retry_at.expect("a retry is scheduled");
    let wait = next - d.last_failed_at;
    assert_eq!(wait, chrono::Duration::seconds(60), "the first backoff");
    assert!(d.first_failed_at >= before - chrono::Duration::milliseconds(1));
    assert_eq!(total.next_retry_at, Some(next), "the report says when");
    // Not due yet: another catch-up leaves it alone.
    p.catch_up(|_| {}).await.unwrap();
    let again = w.shop.read_model.dead_letters().await.unwrap();
    assert_eq!(again, vec![d]);
}

#[tokio::test]
async fn retries_back_off_beside_the_batches_then_wait_for_an_operator() {
    let w = scenario().await;
    let s = ProjectorSettings {
        base_backoff: Duration::from_millis(10),
        ..settings(4)
    };
    let p = w.shop.projector(s).with_projection(failing_counted);
    let started = Instant::now();
    let total = p.settle(|_| {}).await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(10 + 20 + 40),
        "{elapsed:?}"
    );
    assert_eq!(
        COUNTED.load(Ordering::SeqCst),
        4,
        "one try and three retries"
    );
    assert_eq!(total.next_retry_at, None, "nothing left to come");
    let dead = w.shop.read_model.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let d = &dead[0];
    assert_eq!(d.global_position, w.dead_position);
    assert_eq!(d.stream_id, w.victim.to_stream_id());
    assert_eq!((d.version, d.event_type.as_str()), (2, "ItemAdded"));
    assert_eq!(d.error, planted_error().to_string());
    assert_eq!((d.attempts, d.next_retry_at), (s.max_retries + 1, None));
    // The times are the attempts' own: the last came after the three backoffs.
    let spread = d.last_failed_at - d.first_failed_at;
    assert!(spread >= chrono::Duration::milliseconds(70), "{spread:?}");

    let row = w.shop.row(w.victim).await.unwrap();
    assert_eq!((row.version, row.total.to_string().as_str()), (1, "20.00"));
    assert_eq!(row.status.to_string(), "Pending");
    assert_others_projected(&w).await;
}

static FLAKY_HELD: AtomicU32 = AtomicU32::new(0);

/// The poison fails its first three tries, then applies (a transient failure).
fn flaky_held(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    poison_fails(&FLAKY_HELD, 3, row, stored, event)
}

static FLAKY_STORED: AtomicU32 = AtomicU32::new(0);

/// The poison fails its first two tries, then applies.
fn flaky_stored(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    poison_fails(&FLAKY_STORED, 2, row, stored, event)
}

/// The victim and every other order in sync, no letter left.
async fn assert_all_recovered(w: &Poisoned) {
    assert!(w.shop.read_model.dead_letters().await.unwrap().is_empty());
    let row = w.shop.row(w.victim).await.unwrap();
    assert_eq!(row.version as u64, w.shop.version(w.victim).await);
    assert_eq!(check_one(&w.shop, w.victim).await.class, Class::InSync);
    assert_others_projected(w).await;
}

#[tokio::test]
async fn a_retry_due_during_a_catch_up_applies_the_events_held_since() {
    let w = scenario().await;
    // Batches of one and no backoff: the retries come due batch by batch, while the
    // victim's next event is read and held behind its letter.
    let s = ProjectorSettings {
        base_backoff: Duration::ZERO,
        max_retries: 5,
        ..settings(1)
    };
    let p = w.shop.projector(s).with_projection(flaky_held);
    let total = p.catch_up(|_| {}).await.unwrap();
    assert_eq!(
        FLAKY_HELD.load(Ordering::SeqCst),
        4,
        "three failures, one success"
    );
    assert_eq!(total.dead_lettered, 1);
    assert!(
        total.recovered >= 2,
        "the poison and a held event: {total:?}"
    );
    assert_eq!(total.next_retry_at, None);
    assert_all_recovered(&w).await;
    let rows = w.shop.rows().await;
    w.db.shop()
        .await
        .projector(settings(50))
        .rebuild(None, |_| {})
        .await
        .unwrap();
    assert_eq!(w.shop.rows().await, rows, "the same rows as a rebuild");
}

#[tokio::test]
async fn a_letter_due_when_a_catch_up_starts_is_retried_from_the_store() {
    let w = scenario().await;
    // One batch holds the whole log: the letter is not due before the catch-up ends.
    let backoff = ProjectorSettings {
        base_backoff: Duration::from_millis(20),
        ..settings(1000)
    };
    let p = w.shop.projector(backoff).with_projection(flaky_stored);
    p.catch_up(|_| {}).await.unwrap();
    let letter = w.shop.read_model.dead_letters().await.unwrap().remove(0);
    assert_eq!(letter.attempts, 1);
    tokio::time::sleep(Duration::from_millis(30)).await;
    // Due now: retried (and failing) before the batch, rescheduled with a longer backoff.
    let report = p.catch_up(|_| {}).await.unwrap();
    let letter = w.shop.read_model.dead_letters().await.unwrap().remove(0);
    assert_eq!(
        (letter.attempts, letter.next_retry_at),
        (2, report.next_retry_at)
    );
    let wait = letter.next_retry_at.unwrap() - letter.last_failed_at;
    assert_eq!(wait, chrono::Duration::milliseconds(40), "doubled");
    let total = p.settle(|_| {}).await.unwrap();
    assert_eq!(FLAKY_STORED.load(Ordering::SeqCst), 3);
    assert_eq!(total.next_retry_at, None);
    assert_all_recovered(&w).await;
}

#[tokio::test]
async fn parked_events_wait_and_a_retry_applies_them_in_order() {
    let w = scenario().await;
    let buggy = w
        .shop
        .projector(settings(3))
        .with_projection(failing_projection);
    buggy.catch_up(|_| {}).await.unwrap();
    assert_eq!(w.shop.row(w.victim).await.unwrap().version, 1);
    assert_others_projected(&w).await;
    let st = buggy.status(Utc::now()).await.unwrap();
    assert_eq!((st.dead_letters, st.parked_orders), (1, 1));
    assert_eq!((st.checkpoint, st.lag_events), (st.head, 0));
    let verdict = check_one(&w.shop, w.victim).await;
    assert_eq!((verdict.class, verdict.behind), (Class::Parked, 3));

    // Still parked: a later event of the victim waits too; other orders go on.
    w.shop.ship(w.victim, "TRK-V").await;
    w.shop.add(w.others[5], "F:1:1.00").await;
    let batch = buggy.catch_up(|_| {}).await.unwrap();
    assert_eq!(
        (batch.applied, batch.parked, batch.dead_lettered),
        (1, 1, 0)
    );
    assert_eq!(w.shop.row(w.victim).await.unwrap().version, 1);

    // Retrying with the bug still there fails again: one letter, attempts add up.
    let first = w.shop.read_model.dead_letters().await.unwrap().remove(0);
    let when = t0() + chrono::Duration::days(30);
    let again = buggy
        .resolve_dead_letter(w.dead_position, false, when)
        .await;
    let again = again.unwrap().expect("the bug is still there");
    assert_eq!(
        (again.global_position, again.attempts, again.next_retry_at),
        (w.dead_position, first.attempts + 1, None),
        "one more attempt, and it waits for an operator"
    );
    assert_eq!(again.first_failed_at, first.first_failed_at);
    assert_eq!(again.last_failed_at, when);
    assert_eq!(w.shop.read_model.dead_letters().await.unwrap(), vec![again]);
    assert_eq!(w.shop.row(w.victim).await.unwrap().version, 1);

    // One more event arrives, not yet read by any batch.
    let beyond = w.shop.deliver(w.victim).await;
    // The fixed code, on another handle: the dead event, then the parked ones.
    let fixed = w.db.shop().await.projector(settings(3));
    assert!(
        fixed
            .resolve_dead_letter(w.dead_position, false, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(w.shop.read_model.dead_letters().await.unwrap().is_empty());
    let row = w.shop.row(w.victim).await.unwrap();
    assert_eq!(row.version, 5, "applied up to the checkpoint");
    assert_eq!(
        (
            row.status.to_string().as_str(),
            row.total.to_string().as_str()
        ),
        ("Shipped", "26.00")
    );
    assert_eq!((row.item_count, row.line_count), (4, 3));
    assert_eq!(row.tracking_number.as_deref(), Some("TRK-V"));
    fixed.catch_up(|_| {}).await.unwrap();
    let row = w.shop.row(w.victim).await.unwrap();
    assert_eq!((row.version, row.last_position), (6, beyond.last_position));
    assert_eq!(row.status.to_string(), "Delivered");
    let s = fixed.status(Utc::now()).await.unwrap();
    assert_eq!((s.dead_letters, s.parked_orders, s.lag_events), (0, 0, 0));
    let report = divergence::check(&w.shop.loader, w.shop.read_model.as_ref(), None, |_| {});
    assert!(report.await.unwrap().all_in_sync());
    let retried = w.shop.rows().await;
    fixed.rebuild(None, |_| {}).await.unwrap();
    assert_eq!(w.shop.rows().await, retried, "the same rows as a rebuild");
}

#[tokio::test]
async fn skipping_applies_only_the_parked_events() {
    let w = scenario().await;
    let p = w
        .shop
        .projector(settings(5))
        .with_projection(failing_projection);
    p.catch_up(|_| {}).await.unwrap();
    let fixed = w.db.shop().await.projector(settings(5));
    assert!(
        fixed
            .resolve_dead_letter(w.dead_position, true, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(w.shop.read_model.dead_letters().await.unwrap().is_empty());
    let row = w.shop.row(w.victim).await.unwrap();
    assert_eq!(row.version as u64, w.shop.version(w.victim).await);
    assert_eq!(
        (
            row.status.to_string().as_str(),
            row.total.to_string().as_str()
        ),
        ("Paid", "21.00")
    );
    let c = check_one(&w.shop, w.victim).await;
    assert_eq!(c.class, Class::Diverged);
    let fields: Vec<_> = c
        .fields
        .iter()
        .map(|f| (f.field, f.read_model.as_str(), f.replay.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("total", "21.00", "26.00"),
            ("item_count", "3", "4"),
            ("line_count", "2", "3"),
            (
                "lines",
                "A×2@10.00, B×1@1.00",
                "A×2@10.00, B×1@1.00, POISON×1@5.00"
            )
        ]
    );
    assert_others_projected(&w).await;
    let s = fixed.status(Utc::now()).await.unwrap();
    assert_eq!((s.dead_letters, s.parked_orders), (0, 0));
}

#[tokio::test]
async fn skipping_the_last_event_of_an_order_does_not_leave_it_lagging() {
    let db = Db::new();
    let shop = db.shop().await;
    let victim = shop.create("victim", &["A:1:1.00"]).await;
    let dead = shop.add(victim, "POISON:1:1.00").await.last_position;
    let p = shop
        .projector(settings(5))
        .with_projection(failing_projection);
    p.catch_up(|_| {}).await.unwrap();
    p.resolve_dead_letter(dead, true, Utc::now()).await.unwrap();
    p.catch_up(|_| {}).await.unwrap();
    assert_eq!(p.status(Utc::now()).await.unwrap().lag_events, 0);
    let c = check_one(&shop, victim).await;
    assert_ne!(c.class, Class::Lagging, "{c:?}");
    assert_eq!(
        c.class,
        Class::Diverged,
        "the skipped item is missing from the row"
    );
}

#[tokio::test]
async fn resolving_a_position_without_a_dead_letter_is_not_found() {
    let w = scenario().await;
    let p = w
        .shop
        .projector(settings(50))
        .with_projection(failing_projection);
    p.catch_up(|_| {}).await.unwrap();
    for position in [999_999, w.dead_position - 1] {
        for skip in [false, true] {
            let err = p
                .resolve_dead_letter(position, skip, Utc::now())
                .await
                .unwrap_err();
            assert!(matches!(err, AppError::NotFound(_)), "{err}");
        }
    }
    assert_eq!(w.shop.read_model.dead_letters().await.unwrap().len(), 1);
}
