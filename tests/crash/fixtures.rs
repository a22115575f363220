//! The projector scenarios' fixtures: a log to project with one planted fault, a watcher
//! that reads the checkpoint from outside, a writer that keeps commands arriving, and the
//! read side as comparable values.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chronicle::store::{self, Access, AppendRequest, DeadLetter, NewEvent, Store, SummaryRow};

use crate::shared::{Backend, Target, chronicle, describe, parse_json, str_of};

/// An `ItemAdded` whose payload has the wrong shape: stored, it no longer decodes.
const BAD_PAYLOAD: &str = r#"{"item": {"sku": 42}, "at": "yesterday"}"#;

/// A library handle on a database, on a runtime of its own, to watch a projector process.
pub struct Watcher {
    rt: tokio::runtime::Runtime,
    store: Store,
}

impl Watcher {
    pub fn open(url: &str) -> Watcher {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let store = rt.block_on(store::open(url, Access::ReadWrite));
        Watcher {
            store: store.unwrap_or_else(|e| panic!("open {url}: {e}")),
            rt,
        }
    }

    /// The projector's checkpoint.
    pub fn checkpoint(&self) -> i64 {
        let state = self.rt.block_on(self.store.read_model().projector_state());
        state.expect("projector state").position
    }

    /// The last position in the log.
    pub fn head(&self) -> i64 {
        let head = self.rt.block_on(self.store.events().head_position());
        head.expect("head position")
    }

    /// Every read-model row in id order, and the dead letters without their times.
    pub fn read_side(&self) -> (Vec<SummaryRow>, Vec<Letter>) {
        self.rt.block_on(async {
            let read_model = self.store.read_model();
            let mut rows: Vec<SummaryRow> = Vec::new();
            loop {
                let after = rows.last().map(|r| r.order_id.clone()).unwrap_or_default();
                let page = read_model.rows_after(&after, 1000).await.expect("rows");
                let done = page.len() < 1000;
                rows.extend(page);
                if done {
                    break;
                }
            }
            let letters = read_model.dead_letters().await.expect("dead letters");
            (rows, letters.iter().map(letter).collect())
        })
    }

    pub fn close(self) {
        self.rt.block_on(self.store.close());
    }
}

/// What identifies a dead letter, leaving out when it failed.
pub type Letter = (i64, String, u64, String, String, u32);

fn letter(d: &DeadLetter) -> Letter {
    let (stream, kind, error) = (d.stream_id.clone(), d.event_type.clone(), d.error.clone());
    (
        d.global_position,
        stream,
        d.version,
        kind,
        error,
        d.attempts,
    )
}

/// A database holding the planted fault, then the seed file imported, nothing projected:
/// returns it and the planted order. The fault: an order whose third event no longer
/// decodes (the projector dead-letters it, parks the fourth behind it, and `check` calls
/// the order corrupt); it comes first in the log, so its retries run among the kills.
pub fn seeded(backend: Backend, config: &str, file: &Path) -> (Target, String) {
    let t = Target::new(backend, config);
    let args = [
        "order",
        "create",
        "--customer",
        "planted",
        "--item",
        "A:1:1",
        "--json",
    ];
    let id = str_of(&t.json(&args), "order_id");
    t.ok(&["order", "add-item", &id, "--item", "B:1:2"]);
    let stored = t.ok(&["order", "events", &id, "--json"]);
    let stored = parse_json(stored.lines().nth(1).expect("the ItemAdded"));
    let (valid, schema_version) = (stored["payload"].to_string(), &stored["schema_version"]);
    let schema_version = schema_version.as_u64().expect("schema version") as u32;
    let watcher = Watcher::open(&t.url);
    let event = |payload: &str| NewEvent {
        event_type: "ItemAdded".into(),
        schema_version,
        payload: payload.into(),
        metadata: "{}".into(),
        recorded_at: chrono::Utc::now(),
    };
    let events = [event(BAD_PAYLOAD), event(&valid)];
    let append = watcher.store.events();
    let append = append.append(AppendRequest {
        stream_id: &id,
        expected_version: 2,
        events: &events,
        idempotency: None,
        idempotency_expired_before: None,
        snapshot: None,
    });
    watcher
        .rt
        .block_on(append)
        .expect("plant the undecodable event");
    watcher.close();
    t.ok(&[Path::new("import"), file]);
    (t, id)
}

/// A CLI client creating an order every few milliseconds until stopped: commands keep
/// arriving while the projector is killed.
pub struct Writer {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<String>>,
}

impl Writer {
    pub fn start(t: &Target) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let (url, config, flag) = (t.url.clone(), t.config.clone(), stop.clone());
        let dir = config.parent().expect("the config's dir").to_path_buf();
        let thread = std::thread::spawn(move || {
            let mut acked = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                let customer = format!("live-{}", acked.len());
                let args = [
                    "order",
                    "create",
                    "--customer",
                    &customer,
                    "--item",
                    "L:1:3",
                ];
                let mut cmd = chronicle(&url, &config, &dir);
                let out = cmd
                    .args(args)
                    .arg("--json")
                    .output()
                    .expect("run chronicle");
                assert!(out.status.success(), "{}", describe(&out));
                let answer = parse_json(String::from_utf8_lossy(&out.stdout).trim());
                acked.push(str_of(&answer, "order_id"));
                std::thread::sleep(Duration::from_millis(20));
            }
            acked
        });
        Writer { stop, thread }
    }

    /// Stops it; the orders it created, each acknowledged.
    pub fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("the writer")
    }
}

/// Of `acked` orders, the ones whose `OrderCreated` is not in the log.
pub fn missing_orders(t: &Target, acked: &[String]) -> usize {
    let log = t.export();
    let created: std::collections::HashSet<String> = log
        .iter()
        .filter(|e| e["version"] == 1)
        .map(|e| str_of(e, "stream_id"))
        .collect();
    acked.iter().filter(|id| !created.contains(*id)).count()
}
