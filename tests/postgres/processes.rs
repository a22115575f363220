//! Many `chronicle` processes on one database: writers side by side, one elected projector
//! with a standby that takes over when the leader is killed mid-batch.

use std::time::{Duration, Instant};

use crate::support::{ProjectorProcess, caught_up, chronicle, database, ok};

/// One writer process loop: `orders` orders, each created, extended, paid and shipped by
/// its own `chronicle` process (four commands an order).
fn writer(url: &str, w: usize, orders: usize) -> usize {
    let mut commands = 0;
    for i in 0..orders {
        let id = uuid::Uuid::new_v4().to_string();
        let customer = format!("proc-{w}-{i}");
        for args in [
            vec![
                "order",
                "create",
                "--id",
                &id,
                "--customer",
                &customer,
                "--item",
                "A:1:9.99",
            ],
            vec!["order", "add-item", &id, "--item", "B:2:0.50"],
            vec!["order", "pay", &id, "--method", "card", "--amount", "10.99"],
            vec!["order", "ship", &id, "--tracking", "TRK-1"],
        ] {
            ok(url, &args);
            commands += 1;
        }
    }
    commands
}

async fn assert_check_passes(url: &str) {
    let url = url.to_string();
    let out = tokio::task::spawn_blocking(move || chronicle(&url, &["check"]))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Four writer processes (loops of `chronicle` runs) and a projector process: every
/// command lands, the projector keeps up live, and `check` finds nothing wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_writer_processes_and_a_projector_process_agree() {
    let (url, store) = database().await;
    let projector = ProjectorProcess::start(&url, "100");
    projector.wait_for("leading", 30);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || writer(&url, w, 125))
        })
        .collect();
    let commands: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(commands, 2000);
    assert_eq!(store.events().count_after(0).await.unwrap(), 2000);
    caught_up(&store, 120).await;
    assert_check_passes(&url).await;
    let rows = store.read_model().rows_after("", 1000).await.unwrap();
    assert_eq!(rows.len(), 500);
    assert!(rows.iter().all(|r| r.version == 4), "every order at v4");
}

/// A second `projector run` stands by while the first leads; killed with SIGKILL in the
/// middle of its batches, the leader's lock goes with its connection and the standby takes
/// over within seconds; nothing is applied twice or skipped (`check` passes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_when_the_leader_is_killed_mid_batch() {
    let (url, store) = database().await;
    // A log to chew on first (not projected), so the kill lands among the batches.
    let shop = crate::common::Shop::over(&store);
    shop.workload(600).await;
    let mut leader = ProjectorProcess::start(&url, "20");
    leader.wait_for("leading", 30);
    let standby = ProjectorProcess::start(&url, "20");
    let lines = standby.wait_for("standby", 30);
    assert!(
        lines.iter().any(|l| l.contains("backend pid")),
        "the standby names the leader: {lines:?}"
    );
    // Writers keep committing while the leader works and dies.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || writer(&url, w, 40))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = store.read_model().projector_state().await.unwrap().position;
    leader.kill();
    let head = store.events().head_position().await.unwrap();
    assert!(
        before < head,
        "the leader had finished before it was killed"
    );
    let killed_at = Instant::now();
    standby.wait_for("leading", 30);
    let takeover = killed_at.elapsed();
    eprintln!("the standby took over {takeover:?} after the kill");
    assert!(
        takeover < Duration::from_secs(10),
        "took over after {takeover:?}"
    );
    for w in writers {
        w.join().unwrap();
    }
    caught_up(&store, 120).await;
    assert_check_passes(&url).await;
}
