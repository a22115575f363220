//! SIGKILL in the middle of commands. Worker threads run `chronicle order …` one process
//! after another, each command with its own idempotency key, taking orders through their
//! lifecycle, while a killer SIGKILLs whichever process is running at seeded random moments.
//! A killed command is retried with its key, as a client would, until it is acknowledged
//! (exit 0 and the order and version it printed). Afterwards every acknowledged command's
//! event is in the store at the version its answer named, exactly once; every stream is
//! contiguous from its `OrderCreated` and holds nothing no command was acknowledged for; the
//! snapshots written in the same transactions agree with the events; the projector
//! converges with `check` finding nothing; and SQLite's integrity check is ok.

use std::os::unix::process::ExitStatusExt as _;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::audit::{Ack, snapshots_disagreeing, verify_log};
use crate::shared::{Backend, Target, describe, parse_json, str_of};
use crate::summary::{Summary, between, kills, rng};

const WORKERS: usize = 3;
/// A snapshot every 3 events: many appends write one in their transaction.
const CONFIG: &str = "snapshot_every = 3\n";

/// A running command the killer may SIGKILL, shared until its worker reaps it.
type Slot = Arc<Mutex<Option<Child>>>;

#[derive(Default)]
struct Tally {
    /// Commands that died of SIGKILL.
    landed: AtomicUsize,
    /// Of those, the ones whose retry was answered as a replay: killed after the commit.
    after_commit: AtomicUsize,
    /// Commands acknowledged so far.
    acked: AtomicUsize,
    stop: AtomicBool,
}

pub fn scenario(backend: Backend) {
    let mut summary = Summary::start("commands", backend);
    let t = Target::new(backend, CONFIG);
    t.ok(&["migrate"]);
    let (tally, mut rng) = (Arc::new(Tally::default()), rng("commands", backend));
    let slots: Vec<Slot> = (0..WORKERS).map(|_| Slot::default()).collect();
    let acks: Vec<Ack> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (t, slot, tally) = (&t, &slots[w], &tally);
                s.spawn(move || worker(t, w, slot, tally))
            })
            .collect();
        let gave_up = || {
            workers
                .iter()
                .any(std::thread::ScopedJoinHandle::is_finished)
        };
        let killer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            kill_until(&slots, &tally, kills(), &mut rng, gave_up);
        }));
        tally.stop.store(true, Ordering::SeqCst);
        let acks = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        killer.unwrap_or_else(|e| std::panic::resume_unwind(e));
        acks
    });
    summary.kills = tally.landed.load(Ordering::SeqCst);
    summary.acknowledged = acks.len();
    let (lost, partial) = verify_log(&t, &acks);
    summary.lost = lost;
    summary.partial = partial + snapshots_disagreeing(&t.url);
    t.ok(&["projector", "run", "--once"]);
    assert_eq!(t.findings(), vec![], "the read model converges");
    t.assert_intact();
    let after = tally.after_commit.load(Ordering::SeqCst);
    summary.note = format!("killed_after_commit={after}");
    summary.finish();
}

/// SIGKILLs a running command at seeded random moments until `kills` have landed, then
/// lets the workers run on until ten commands a kill have been acknowledged. Stops early
/// when `gave_up` (a worker ended: it failed).
fn kill_until(
    slots: &[Slot],
    tally: &Tally,
    kills: usize,
    rng: &mut fastrand::Rng,
    gave_up: impl Fn() -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(150);
    while tally.landed.load(Ordering::SeqCst) < kills && !gave_up() {
        let landed = tally.landed.load(Ordering::SeqCst);
        assert!(
            Instant::now() < deadline,
            "{landed} of {kills} kills landed"
        );
        std::thread::sleep(between(
            rng,
            Duration::from_millis(5),
            Duration::from_millis(90),
        ));
        let mut held = slots[rng.usize(..slots.len())].lock().unwrap();
        if let Some(child) = held.as_mut()
            && child.try_wait().expect("try_wait").is_none()
        {
            let _ = child.kill();
        }
    }
    while tally.acked.load(Ordering::SeqCst) < 10 * kills && !gave_up() {
        assert!(Instant::now() < deadline, "too few commands acknowledged");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Orders taken through their lifecycle, one command per process, until told to stop.
fn worker(t: &Target, w: usize, slot: &Slot, tally: &Tally) -> Vec<Ack> {
    let mut acks = Vec::new();
    for i in 0.. {
        if tally.stop.load(Ordering::SeqCst) {
            break;
        }
        let customer = format!("crash-{w}-{i}");
        let mut words: Vec<String> = ["create", "--customer", &customer, "--item", "A:1:9.99"]
            .map(String::from)
            .into();
        words.extend(["--item", "B:2:0.50"].map(String::from));
        let (mut event, mut id) = ("OrderCreated", String::new());
        for n in 1.. {
            let key = format!("crash-{w}-{i}-{n}");
            let answer = acknowledged(t, slot, &words, &key, tally);
            id = if id.is_empty() {
                str_of(&answer, "order_id")
            } else {
                id
            };
            let total = str_of(&answer, "total");
            let version = answer["version"].as_u64().expect("version");
            let order = id.clone();
            acks.push(Ack {
                key,
                order,
                version,
                event,
            });
            if tally.stop.load(Ordering::SeqCst) {
                break;
            }
            let Some((next, what)) = next_command(&id, n, &total, &customer) else {
                break;
            };
            (words, event) = (next, what);
        }
    }
    acks
}

/// The command after the `n`th of an order, and the event it appends.
fn next_command(id: &str, n: usize, total: &str, tag: &str) -> Option<(Vec<String>, &'static str)> {
    let item = format!("C{n}:1:1.25");
    let tracking = format!("TRK-{tag}");
    let (words, event): (Vec<&str>, _) = match n {
        1..=3 => (vec!["add-item", id, "--item", &item], "ItemAdded"),
        4 => (vec!["remove-item", id, "--sku", "B"], "ItemRemoved"),
        5 => (
            vec!["pay", id, "--method", "card", "--amount", total],
            "OrderPaid",
        ),
        6 => (vec!["ship", id, "--tracking", &tracking], "OrderShipped"),
        7 => (vec!["deliver", id], "OrderDelivered"),
        _ => return None,
    };
    Some((words.into_iter().map(String::from).collect(), event))
}

/// Runs `order WORDS --idempotency-key KEY --json` until it is acknowledged, as a client
/// retrying after a crash would: the same command with the same key.
fn acknowledged(t: &Target, slot: &Slot, words: &[String], key: &str, tally: &Tally) -> Value {
    let mut args = vec!["order".to_string()];
    args.extend_from_slice(words);
    args.extend(["--idempotency-key", key, "--json"].map(String::from));
    let mut killed = 0;
    while killed < 100 {
        *slot.lock().unwrap() = Some(t.spawn(&args));
        let out = loop {
            let mut held = slot.lock().unwrap();
            let child = held.as_mut().expect("the running command");
            if child.try_wait().expect("try_wait").is_some() {
                break held.take().unwrap().wait_with_output().expect("output");
            }
            drop(held);
            std::thread::sleep(Duration::from_millis(1));
        };
        if out.status.signal() == Some(9) {
            killed += 1;
            tally.landed.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        let answer = parse_json(String::from_utf8_lossy(&out.stdout).trim());
        let replayed = answer["replayed"] == true;
        assert!(
            killed > 0 || !replayed,
            "a first run answered as a retry: {answer}"
        );
        if replayed {
            tally.after_commit.fetch_add(1, Ordering::SeqCst);
        }
        tally.acked.fetch_add(1, Ordering::SeqCst);
        return answer;
    }
    panic!("{args:?} was killed 100 times in a row");
}
