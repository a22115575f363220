//! `]` on a demo-shaped log: faults planted behind the projector's back, then the key timed
//! from press to the order on screen (the search, the list page that leads with it, its
//! stream, state and comparison), in a fresh session and after `:check`.

use std::path::Path;
use std::time::{Duration, Instant};

use chronicle::app::demo::{DemoSpec, generate};
use chronicle::store::Access;

use crate::drive::{ch, driver, submit};
use crate::seed::open;

/// Rows rewritten behind the projector's back: found only by a comparison.
const DIVERGED: usize = 5;
/// Orders written after the projector's last pass: missing rows.
const UNPROJECTED: usize = 20;

/// Plants the faults: orders the projector has not seen, and rows that lie.
pub async fn plant(path: &Path) {
    let db = open(path, Access::ReadWrite).await;
    let streams = generate(DemoSpec {
        orders: UNPROJECTED,
        seed: 424_242,
        snapshot_every: 100,
    });
    for r in db.events().import(streams).await.unwrap() {
        r.unwrap();
    }
    let rm = db.read_model();
    let mut rows = rm.rows_after("", 5_000).await.unwrap();
    // Spread over the id range, so `]` crosses pages.
    let step = rows.len() / DIVERGED;
    let mut liars = Vec::new();
    for i in 0..DIVERGED {
        let mut row = rows.swap_remove(i * step.saturating_sub(1));
        row.customer_id = format!("{}-edited", row.customer_id);
        liars.push(row);
    }
    let mut tx = rm.begin_projection().await.unwrap();
    tx.upsert_rows(&liars).await.unwrap();
    tx.commit().await.unwrap();
    db.close().await;
}

/// A `:` command line, typed and run.
async fn prompt(d: &mut chronicle::tui::Driver, line: &str) {
    d.send(ch(':')).await;
    submit(d, line).await;
}

/// `presses` presses of `]` in one session, each timed to a settled screen; after a
/// `:check` when `checked`. Every press must land on an out-of-sync order.
pub async fn presses(path: &Path, presses: usize, checked: bool) -> Vec<Duration> {
    let db = open(path, Access::ReadWrite).await;
    let mut d = driver(&db, path);
    d.start().await;
    if checked {
        prompt(&mut d, "check").await;
        assert!(
            d.app
                .status
                .current()
                .is_some_and(|m| m.text.contains("check:")),
            "{:?}",
            d.app.status.current()
        );
    }
    let mut out = Vec::with_capacity(presses);
    for _ in 0..presses {
        let t = Instant::now();
        d.send(ch(']')).await;
        out.push(t.elapsed());
        let open = d.app.stream.order.clone();
        let row = d.app.selected_order();
        assert!(
            row.is_some_and(|r| Some(&r.id) == open.as_ref()
                && r.class != chronicle::app::divergence::Class::InSync),
            "] landed on {open:?}: {row:?}, {:?}",
            d.app.status.current()
        );
    }
    db.close().await;
    out
}

/// `:at #P` in one session, `n` points spread over the log, each timed from Enter to a
/// settled screen (the list then, the first order's stream then), `:at now` between them.
pub async fn at_points(path: &Path, n: usize) -> Vec<Duration> {
    let db = open(path, Access::ReadWrite).await;
    let head = db.events().head_position().await.unwrap();
    let mut d = driver(&db, path);
    d.start().await;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let p = head * (i as i64 + 1) / (n as i64 + 1);
        let t = Instant::now();
        prompt(&mut d, &format!("at #{p}")).await;
        out.push(t.elapsed());
        assert_eq!(
            d.app.as_of_position(),
            Some(p),
            "{:?}",
            d.app.status.current()
        );
        assert!(!d.app.orders.rows.is_empty(), "orders existed at #{p}");
        prompt(&mut d, "at now").await;
    }
    db.close().await;
    out
}
