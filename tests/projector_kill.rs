//! Exactly once across crashes: the real binary's projector is SIGKILLed mid-run, again and
//! again, and the read model it leaves equals a rebuild of an untouched copy.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chronicle::app::demo::{DemoSpec, generate};
use chronicle::store::DeadLetter;
use common::{Db, Shop, settings};

fn copy_database(from: &Db, to: &Db) {
    for suffix in ["", "-wal"] {
        let src = format!("{}{suffix}", from.file().display());
        if std::path::Path::new(&src).exists() {
            std::fs::copy(&src, format!("{}{suffix}", to.file().display())).unwrap();
        }
    }
}

fn projector_cmd(db: &Db, config: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chronicle"));
    for var in ["DATABASE_URL", "CHRONICLE_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd.current_dir(db.dir.path())
        .args(["--database-url", &db.url, "--config"])
        .arg(config)
        .args(["projector", "run", "--batch-size", "5"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// What identifies a dead letter, leaving out when it failed.
fn letter_key(d: &DeadLetter) -> (i64, String, u64, String, String, u32) {
    (
        d.global_position,
        d.stream_id.clone(),
        d.version,
        d.event_type.clone(),
        d.error.clone(),
        d.attempts,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projector_killed_between_batches_applies_every_event_exactly_once() {
    let db = Db::new();
    {
        let store = db.open_store().await;
        let streams = generate(DemoSpec {
            orders: 300,
            seed: 7,
            snapshot_every: 100,
        });
        for r in store.events().import(streams).await.unwrap() {
            r.unwrap();
        }
        store.close().await;
    }
    let reference = Db::new();
    copy_database(&db, &reference);
    let config = db.dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();

    let watcher = db.shop().await;
    let head = watcher.store.head_position().await.unwrap();
    assert!(head > 2000, "thousands of events: {head}");
    let mut checkpoints = vec![0];
    for round in 0..8 {
        let start = *checkpoints.last().unwrap();
        let mut child = projector_cmd(&db, &config, &[]).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let at = watcher.read_model.projector_state().await.unwrap().position;
            if at >= start + 150 {
                break;
            }
            assert!(Instant::now() < deadline, "round {round}: stuck at {at}");
            assert!(child.try_wait().unwrap().is_none(), "the projector exited");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_micros(round * 700)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let at = watcher.read_model.projector_state().await.unwrap().position;
        assert!(at >= start + 150, "round {round}: {at}");
        checkpoints.push(at);
    }
    assert!(
        *checkpoints.last().unwrap() < head,
        "every run was killed before the end: {checkpoints:?} of {head}"
    );
    let out = projector_cmd(&db, &config, &["--once"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let state = watcher.read_model.projector_state().await.unwrap();
    assert_eq!(state.position, head);

    let expected = Shop::over(&reference.open_store().await);
    let rebuilt = expected.projector(settings(100));
    rebuilt.rebuild(None, |_| {}).await.unwrap();
    let (got_rows, want_rows) = (watcher.rows().await, expected.rows().await);
    assert_eq!(got_rows.len(), 300);
    assert_eq!(got_rows.len(), want_rows.len());
    for (got, want) in got_rows.iter().zip(&want_rows) {
        assert_eq!(got, want, "every column of every row");
    }
    let letters = |v: Vec<DeadLetter>| v.iter().map(letter_key).collect::<Vec<_>>();
    let got_dead = letters(watcher.read_model.dead_letters().await.unwrap());
    let want_dead = letters(expected.read_model.dead_letters().await.unwrap());
    assert_eq!(
        got_dead.len(),
        1,
        "the demo's too-wide shipment: {got_dead:?}"
    );
    assert_eq!(got_dead, want_dead);
}
