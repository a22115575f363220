//! End-to-end tests: the built `chronicle` binary against a real database file.
//!
//! Every run gets an explicit `--database-url` and `--config` and a scrubbed environment,
//! so neither the developer's config file nor their `DATABASE_URL` can change the outcome.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use tempfile::TempDir;

/// A valid order id that no test ever creates.
const UNKNOWN: &str = "00000000-0000-4000-8000-000000000001";

/// Variables the binary reads; any of them set in the developer's shell would leak in.
const CHRONICLE_ENV: &[&str] = &[
    "DATABASE_URL",
    "CHRONICLE_CONFIG",
    "CHRONICLE_SNAPSHOT_EVERY",
    "CHRONICLE_DEFAULT_CURRENCY",
    "CHRONICLE_IDEMPOTENCY_TTL_SECS",
];

struct Chronicle {
    dir: TempDir,
    config: PathBuf,
}

impl Chronicle {
    fn new() -> Self {
        Self::with_config("")
    }

    fn with_config(toml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, toml).expect("write config");
        Chronicle { dir, config }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db(&self) -> PathBuf {
        self.path("t.db")
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.db().display())
    }

    fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chronicle"));
        for var in CHRONICLE_ENV {
            cmd.env_remove(var);
        }
        // A forgotten --database-url would otherwise create chronicle.db in the crate.
        cmd.current_dir(self.dir.path())
            .arg("--database-url")
            .arg(url)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_at(&self.url(), args)
    }

    fn run_at(&self, url: &str, args: &[&str]) -> Output {
        self.command(url, args).output().expect("run chronicle")
    }

    fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(&self.url(), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn chronicle");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        child.wait_with_output().expect("wait for chronicle")
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    fn json(&self, args: &[&str]) -> Value {
        parse_json(self.ok(args).trim())
    }

    fn create(&self, items: &[&str]) -> String {
        let mut args = vec!["order", "create", "--customer", "cust-1", "--json"];
        for item in items {
            args.extend(["--item", item]);
        }
        str_field(&self.json(&args), "order_id")
    }

    fn events(&self, id: &str) -> Vec<Value> {
        json_lines(&self.ok(&["order", "events", id, "--json"]))
    }

    fn export(&self) -> Vec<Value> {
        json_lines(&self.ok(&["export"]))
    }

    /// Every event in the log, for "nothing was appended" checks.
    fn event_count(&self) -> usize {
        self.export().len()
    }
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines().map(parse_json).collect()
}

fn str_field(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
        .to_string()
}

/// Asserts the documented failure shape: the exit code, nothing on stdout, and exactly one
/// `chronicle:` line on stderr. Returns that line.
fn assert_fails(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
    assert!(out.stdout.is_empty(), "stdout not empty: {}", describe(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "want one stderr line: {}", describe(out));
    assert!(lines[0].starts_with("chronicle: "), "{}", describe(out));
    lines[0].to_string()
}

/// The last stderr line, for commands (import) that report progress before failing.
fn last_error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("chronicle: "), "{}", describe(out));
    last
}

fn assert_no_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(!p.exists(), "{} was created", p.display());
    }
}

/// `python3` with its `sqlite3` module, the only tool here that can write behind the
/// binary's back. `None` (with a note on stderr) when the machine lacks it.
fn python_sqlite(script: &str, args: &[&str]) -> Option<Output> {
    let probe = Command::new("python3")
        .args(["-c", "import sqlite3"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("NOTE: python3 with sqlite3 is not available; test skipped");
        return None;
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "python3: {}", describe(&out));
    Some(out)
}

/// The shape every event line of `order events --json` has, for a six-event CLI history.
fn assert_event_log(events: &[Value]) {
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "OrderCreated",
            "ItemAdded",
            "ItemRemoved",
            "OrderPaid",
            "OrderShipped",
            "OrderDelivered"
        ]
    );
    let mut last_position = 0;
    for (version, e) in (1u64..).zip(events) {
        for key in [
            "global_position",
            "version",
            "event_type",
            "schema_version",
            "recorded_at",
            "payload",
            "metadata",
        ] {
            assert!(e.get(key).is_some(), "{key} missing from {e}");
        }
        assert_eq!(e["version"], version);
        let position = e["global_position"].as_i64().expect("position");
        assert!(position > last_position, "positions must increase: {e}");
        last_position = position;
        assert!(e["payload"].is_object(), "{e}");
        let m = &e["metadata"];
        for key in [
            "event_id",
            "correlation_id",
            "causation_id",
            "command_id",
            "actor",
            "recorded_at",
        ] {
            assert!(m[key].is_string(), "metadata.{key} missing from {e}");
        }
        assert_eq!(m["source"], "cli");
        // Without a caller-given causation id, the command itself is the cause.
        assert_eq!(m["causation_id"], m["command_id"]);
        assert_eq!(m["recorded_at"], e["recorded_at"]);
    }
}

#[test]
fn an_order_goes_from_create_to_delivered_one_version_at_a_time() {
    let c = Chronicle::new();
    let created = c.json(&[
        "order",
        "create",
        "--customer",
        "C-42",
        "--item",
        "BOOK-1:2:12.49",
        "--json",
    ]);
    assert!(created["order_id"].is_string(), "{created}");
    assert_eq!(created["version"], 1);
    let id = str_field(&created, "order_id");

    let shown = c.json(&["order", "show", &id, "--json"]);
    assert_eq!(shown["order_id"], id.as_str());
    assert_eq!(shown["customer_id"], "C-42");
    assert_eq!(shown["status"], "Pending");
    assert_eq!(shown["currency"], "EUR");
    assert_eq!(shown["total"], "24.98");
    assert_eq!(shown["version"], 1);
    assert_eq!(
        shown["items"],
        json!([{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.49", "line_total": "24.98"}])
    );

    let steps: [(&[&str], &str, &str); 5] = [
        (
            &["add-item", &id, "--item", "PEN:3:0.50"],
            "Pending",
            "26.48",
        ),
        (&["remove-item", &id, "--sku", "PEN"], "Pending", "24.98"),
        (
            &["pay", &id, "--method", "card", "--amount", "24.98"],
            "Paid",
            "24.98",
        ),
        (&["ship", &id, "--tracking", "TRK-1"], "Shipped", "24.98"),
        (
            &["deliver", &id, "--correlation-id", "corr-xyz"],
            "Delivered",
            "24.98",
        ),
    ];
    for (version, (args, status, total)) in (2u64..).zip(steps) {
        let mut argv = vec!["order"];
        argv.extend_from_slice(args);
        argv.push("--json");
        let out = c.json(&argv);
        assert_eq!(out["version"], version, "{argv:?}: {out}");
        assert_eq!(out["status"], status, "{argv:?}: {out}");
        assert_eq!(out["total"], total, "{argv:?}: {out}");
        assert_eq!(out["replayed"], false);
        assert_eq!(out["order_id"], id.as_str());
    }

    let text = c.ok(&["order", "show", &id]);
    assert!(
        text.contains("Delivered") && text.contains("TRK-1"),
        "{text}"
    );

    let events = c.events(&id);
    assert_event_log(&events);
    assert_eq!(events[5]["metadata"]["correlation_id"], "corr-xyz");
    assert_ne!(events[4]["metadata"]["correlation_id"], "corr-xyz");
    let mut event_ids: Vec<&str> = events
        .iter()
        .map(|e| e["metadata"]["event_id"].as_str().unwrap_or_default())
        .collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    assert_eq!(event_ids.len(), 6, "event ids must be unique");
}

#[test]
fn currency_comes_from_the_flag_then_the_config_then_eur() {
    let c = Chronicle::new();
    let usd = c.json(&[
        "order",
        "create",
        "--customer",
        "C",
        "--item",
        "A:1:1",
        "--currency",
        "usd",
        "--json",
    ]);
    let id = str_field(&usd, "order_id");
    assert_eq!(c.json(&["order", "show", &id, "--json"])["currency"], "USD");

    let c = Chronicle::with_config("default_currency = \"GBP\"\n");
    let id = c.create(&["A:1:1"]);
    assert_eq!(c.json(&["order", "show", &id, "--json"])["currency"], "GBP");
    let id = str_field(
        &c.json(&[
            "--default-currency",
            "chf",
            "order",
            "create",
            "--customer",
            "C",
            "--item",
            "A:1:1",
            "--json",
        ]),
        "order_id",
    );
    assert_eq!(c.json(&["order", "show", &id, "--json"])["currency"], "CHF");
}

#[test]
fn show_at_version_replays_each_past_state_across_snapshots() {
    // Snapshots at versions 3 and 6 must not leak into the states before them.
    let c = Chronicle::with_config("snapshot_every = 3\n");
    let id = c.create(&["A:1:10"]);
    for sku in ["B", "C", "D", "E", "F"] {
        c.ok(&["order", "add-item", &id, "--item", &format!("{sku}:1:1")]);
    }
    c.ok(&["order", "remove-item", &id, "--sku", "A"]);
    let expected = [
        (1, "10", 1),
        (2, "11", 2),
        (3, "12", 3),
        (4, "13", 4),
        (5, "14", 5),
        (6, "15", 6),
        (7, "5", 5),
    ];
    for (version, total, lines) in expected {
        let v = version.to_string();
        let o = c.json(&["order", "show", &id, "--at-version", &v, "--json"]);
        assert_eq!(o["version"], version, "{o}");
        assert_eq!(o["total"], total, "at version {version}: {o}");
        assert_eq!(o["items"].as_array().map(Vec::len), Some(lines), "{o}");
    }
    assert_eq!(c.json(&["order", "show", &id, "--json"])["version"], 7);

    let line = assert_fails(&c.run(&["order", "show", &id, "--at-version", "8"]), 2);
    assert!(line.contains("no version 8"), "{line}");
    assert_fails(&c.run(&["order", "show", &id, "--at-version", "0"]), 2);
}

#[test]
fn show_at_time_uses_the_recorded_times() {
    use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};

    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    c.ok(&["order", "add-item", &id, "--item", "B:1:1"]);
    c.ok(&["order", "add-item", &id, "--item", "C:1:1"]);
    let events = c.events(&id);
    let recorded = |i: usize| {
        DateTime::parse_from_rfc3339(events[i]["recorded_at"].as_str().expect("recorded_at"))
            .expect("RFC 3339")
    };
    // The same instant in another offset must select the same version.
    let plus_two = FixedOffset::east_opt(2 * 3600).expect("offset");
    let at_v2 = recorded(1)
        .with_timezone(&plus_two)
        .to_rfc3339_opts(SecondsFormat::Micros, false);
    let o = c.json(&["order", "show", &id, "--at", &at_v2, "--json"]);
    assert_eq!(o["version"], 2, "--at {at_v2}: {o}");
    assert_eq!(o["total"], "11");

    let at_v1 = recorded(0).to_rfc3339_opts(SecondsFormat::Micros, true);
    let o = c.json(&["order", "show", &id, "--at", &at_v1, "--json"]);
    assert_eq!(o["version"], 1, "--at {at_v1}: {o}");

    let before =
        (recorded(0) - Duration::microseconds(1)).to_rfc3339_opts(SecondsFormat::Micros, true);
    let line = assert_fails(&c.run(&["order", "show", &id, "--at", &before]), 5);
    assert!(line.contains("not found"), "{line}");

    assert_fails(&c.run(&["order", "show", &id, "--at", "yesterday"]), 2);
    assert_fails(
        &c.run(&["order", "show", &id, "--at", "2026-01-01T10:00:00"]),
        2,
    );
    // clap refuses the combination itself, with its own multi-line message.
    let both = c.run(&["order", "show", &id, "--at-version", "1", "--at", &at_v1]);
    assert_eq!(both.status.code(), Some(2), "{}", describe(&both));
}

#[test]
fn malformed_input_exits_2_and_appends_nothing() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let cases: &[&[&str]] = &[
        &["order", "show", "not-a-uuid"],
        &["order", "events", "42"],
        &["order", "pay", "nope", "--method", "card", "--amount", "1"],
        &["order", "add-item", &id, "--item", "no-colons"],
        &["order", "add-item", &id, "--item", "B:0:1"],
        &["order", "add-item", &id, "--item", "B:1:-1"],
        &["order", "add-item", &id, "--item", "B:x:1"],
        &["order", "add-item", &id, "--item", "B:1:1e3"],
        &["order", "add-item", &id, "--item", ":1:1"],
        &["order", "remove-item", &id, "--sku", "has space"],
        &[
            "order",
            "create",
            "--customer",
            "C",
            "--item",
            "A:1:1",
            "--currency",
            "XYZ",
        ],
        &["order", "create", "--customer", "C", "--item", "A:1"],
        &[
            "order",
            "create",
            "--customer",
            "C",
            "--item",
            "A:1:1",
            "--id",
            "123",
        ],
        &[
            "order", "pay", &id, "--method", "card", "--amount", "-24.98",
        ],
        &["order", "pay", &id, "--method", "card", "--amount", "lots"],
        &["order", "list", "--status", "bogus"],
        &["export", "--stream", "nope"],
    ];
    for args in cases {
        let line = assert_fails(&c.run(args), 2);
        assert!(!line.contains("panicked"), "{args:?}: {line}");
    }
    assert_eq!(c.event_count(), before);
    assert_eq!(c.json(&["order", "show", &id, "--json"])["version"], 1);
}

#[test]
fn domain_rejections_exit_3_and_append_nothing() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let cases: [(&[&str], &str); 6] = [
        (
            &["order", "pay", &id, "--method", "card", "--amount", "24.97"],
            "does not equal",
        ),
        (&["order", "ship", &id, "--tracking", "T"], "Pending"),
        (&["order", "deliver", &id], "Pending"),
        (&["order", "remove-item", &id, "--sku", "A"], "at least one"),
        (
            &["order", "remove-item", &id, "--sku", "ZZ"],
            "not in the order",
        ),
        (
            &[
                "order",
                "create",
                "--id",
                &id,
                "--customer",
                "C",
                "--item",
                "A:1:1",
            ],
            "already exists",
        ),
    ];
    for (args, why) in cases {
        let line = assert_fails(&c.run(args), 3);
        assert!(
            line.contains("rejected") && line.contains(why),
            "{args:?}: {line}"
        );
    }
    assert_eq!(c.event_count(), before);

    // Paying is accepted once; the same payment again is a rule violation, not a retry.
    c.ok(&[
        "order", "pay", &id, "--method", "card", "--amount", "24.980",
    ]);
    let paid = c.event_count();
    let line = assert_fails(
        &c.run(&["order", "pay", &id, "--method", "card", "--amount", "24.98"]),
        3,
    );
    assert!(line.contains("Paid"), "{line}");
    assert_eq!(c.event_count(), paid);
}

#[test]
fn unknown_orders_are_not_found_for_reads_and_rejected_for_writes() {
    let c = Chronicle::new();
    c.create(&["A:1:1"]);
    let before = c.event_count();
    for args in [
        &["order", "show", UNKNOWN][..],
        &["order", "show", UNKNOWN, "--at-version", "1"],
        &["order", "show", UNKNOWN, "--at", "2030-01-01T00:00:00Z"],
        &["order", "events", UNKNOWN],
        &["export", "--stream", UNKNOWN],
    ] {
        let line = assert_fails(&c.run(args), 5);
        assert!(line.contains(UNKNOWN), "{args:?}: {line}");
    }
    // A write decides against the empty state, so the domain refuses it.
    for args in [
        &["order", "deliver", UNKNOWN][..],
        &["order", "pay", UNKNOWN, "--method", "card", "--amount", "1"],
        &["order", "add-item", UNKNOWN, "--item", "A:1:1"],
        &["order", "cancel", UNKNOWN, "--reason", "x"],
    ] {
        let line = assert_fails(&c.run(args), 3);
        assert!(line.contains("does not exist"), "{args:?}: {line}");
    }
    assert_eq!(c.event_count(), before);
}

#[test]
fn expected_version_guards_a_write() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    for wrong in ["0", "2"] {
        let line = assert_fails(
            &c.run(&[
                "order",
                "add-item",
                &id,
                "--item",
                "B:1:1",
                "--expected-version",
                wrong,
            ]),
            4,
        );
        assert!(line.contains("conflict"), "{line}");
    }
    assert_eq!(c.events(&id).len(), 1);
    let out = c.json(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--expected-version",
        "1",
        "--json",
    ]);
    assert_eq!(out["version"], 2);
    assert_eq!(c.events(&id).len(), 2);
}

#[test]
fn idempotency_key_replays_the_first_result() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let args = [
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K-1",
        "--json",
    ];
    let first = c.json(&args);
    assert_eq!(first["version"], 2);
    assert_eq!(first["replayed"], false);
    let count = c.event_count();

    let again = c.json(&args);
    assert_eq!(again["version"], 2, "{again}");
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["total"], first["total"]);
    assert_eq!(again["events"], json!([]));
    let text = c.ok(&args[..args.len() - 1]);
    assert!(text.contains("idempotent retry"), "{text}");
    assert_eq!(c.event_count(), count);

    // The first result stands even after the order has moved on.
    c.ok(&["order", "add-item", &id, "--item", "C:1:1"]);
    assert_eq!(c.json(&args)["version"], 2);

    // A retry is answered before the version check: the first attempt already moved it.
    let guarded = [
        "order",
        "add-item",
        &id,
        "--item",
        "D:1:1",
        "--expected-version",
        "3",
        "--idempotency-key",
        "K-2",
        "--json",
    ];
    assert_eq!(c.json(&guarded)["version"], 4);
    let retried = c.json(&guarded);
    assert_eq!(retried["version"], 4, "{retried}");
    assert_eq!(retried["replayed"], true);
    assert_eq!(c.events(&id).len(), 4);
}

#[test]
fn idempotency_key_reused_for_another_command_is_refused() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let other = c.create(&["A:1:10"]);
    c.ok(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K",
    ]);
    let count = c.event_count();
    for args in [
        &[
            "order",
            "add-item",
            &id,
            "--item",
            "B:2:1",
            "--idempotency-key",
            "K",
        ][..],
        &[
            "order",
            "add-item",
            &other,
            "--item",
            "B:1:1",
            "--idempotency-key",
            "K",
        ],
        &[
            "order",
            "remove-item",
            &id,
            "--sku",
            "A",
            "--idempotency-key",
            "K",
        ],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("\"K\""), "{args:?}: {line}");
    }
    assert_eq!(c.event_count(), count);
}

#[test]
fn create_retried_with_the_same_key_returns_the_same_order() {
    let c = Chronicle::new();
    let args = [
        "order",
        "create",
        "--customer",
        "C",
        "--item",
        "A:1:5",
        "--idempotency-key",
        "create-1",
        "--json",
    ];
    let first = c.json(&args);
    let second = c.json(&args);
    assert_eq!(second["order_id"], first["order_id"]);
    assert_eq!(second["replayed"], true);
    assert_eq!(c.event_count(), 1);
    assert_eq!(
        c.json(&["order", "list", "--json"])["order_id"],
        first["order_id"]
    );

    // Different contents under the same key are a different command.
    let mut changed = args;
    changed[5] = "A:2:5";
    assert_fails(&c.run(&changed), 2);
    assert_eq!(c.event_count(), 1);
}

#[test]
fn concurrent_retries_with_one_key_append_once() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let children: Vec<_> = (0..6)
        .map(|_| {
            c.command(
                &c.url(),
                &[
                    "order",
                    "add-item",
                    &id,
                    "--item",
                    "B:1:1",
                    "--idempotency-key",
                    "race",
                    "--json",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let mut fresh = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let v = parse_json(String::from_utf8_lossy(&out.stdout).trim());
        assert_eq!(v["version"], 2, "{v}");
        if v["replayed"] == false {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "exactly one run appends");
    assert_eq!(c.events(&id).len(), 2);
}

#[test]
fn concurrent_writers_never_lose_or_duplicate_a_version() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let skus: Vec<String> = (0..6).map(|i| format!("S{i}:1:1")).collect();
    let children: Vec<_> = skus
        .iter()
        .map(|item| {
            c.command(
                &c.url(),
                &["order", "add-item", &id, "--item", item, "--json"],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let mut versions = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        // Bounded retries may give up under contention, but only as a conflict.
        match out.status.code() {
            Some(0) => {
                let v = parse_json(String::from_utf8_lossy(&out.stdout).trim());
                versions.push(v["version"].as_u64().expect("version"));
            }
            Some(4) => {
                assert_fails(&out, 4);
            }
            _ => panic!("{}", describe(&out)),
        }
    }
    versions.sort_unstable();
    let want: Vec<u64> = (2..2 + versions.len() as u64).collect();
    assert_eq!(versions, want, "each success got its own next version");
    let o = c.json(&["order", "show", &id, "--json"]);
    assert_eq!(o["version"], 1 + versions.len() as u64);
    assert_eq!(
        o["items"].as_array().map(Vec::len),
        Some(1 + versions.len())
    );
}

#[test]
fn reads_of_a_missing_database_fail_without_creating_it() {
    let c = Chronicle::new();
    let db = c.path("missing.db");
    let url = format!("sqlite://{}", db.display());
    for args in [
        &["order", "show", UNKNOWN][..],
        &["order", "events", UNKNOWN],
        &["order", "list"],
        &["export"],
    ] {
        let line = assert_fails(&c.run_at(&url, args), 6);
        assert!(line.contains(&db.display().to_string()), "{args:?}: {line}");
    }
    assert_no_database_files(&db);
}

#[test]
fn a_write_where_no_database_can_be_created_is_a_storage_failure() {
    let c = Chronicle::new();
    let line = assert_fails(
        &c.run_at(
            "sqlite:///proc/nope/x.db",
            &["order", "create", "--customer", "C", "--item", "A:1:1"],
        ),
        6,
    );
    assert!(line.contains("/proc/nope/x.db"), "{line}");
}

#[test]
fn read_only_refuses_every_write() {
    let c = Chronicle::new();
    let fresh = c.path("never.db");
    let fresh_url = format!("sqlite://{}", fresh.display());
    assert_fails(
        &c.run_at(
            &fresh_url,
            &[
                "--read-only",
                "order",
                "create",
                "--customer",
                "C",
                "--item",
                "A:1:1",
            ],
        ),
        2,
    );
    assert_fails(&c.run_at(&fresh_url, &["--read-only", "migrate"]), 2);
    assert_no_database_files(&fresh);

    let id = c.create(&["A:1:1"]);
    let export = c.path("export.jsonl");
    std::fs::write(&export, c.ok(&["export"])).expect("write export");
    let export = export.display().to_string();
    for args in [
        &["--read-only", "order", "add-item", &id, "--item", "B:1:1"][..],
        &["--read-only", "order", "cancel", &id, "--reason", "r"],
        &["--read-only", "import", &export],
        &["--read-only", "demo", "--orders", "3", "--no-tui"],
        &[
            "--read-only",
            "demo",
            "--orders",
            "3",
            "--no-tui",
            "--fresh",
        ],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("read-only"), "{args:?}: {line}");
    }
    assert!(c.db().exists(), "--fresh must not delete under --read-only");
    assert_eq!(c.event_count(), 1);
    // Reads still work.
    assert_eq!(
        parse_json(
            c.ok(&["--read-only", "order", "show", &id, "--json"])
                .trim()
        )["version"],
        1
    );
}

/// Three orders with different histories, in a store that snapshots every third event.
fn seeded() -> (Chronicle, Vec<String>) {
    let c = Chronicle::with_config("snapshot_every = 3\n");
    let long = c.create(&["A:1:10", "B:2:0.99"]);
    for sku in ["C", "D", "E", "F"] {
        c.ok(&["order", "add-item", &long, "--item", &format!("{sku}:1:1")]);
    }
    c.ok(&["order", "remove-item", &long, "--sku", "C"]);
    let paid = c.create(&["X:3:2.50"]);
    c.ok(&[
        "order", "pay", &paid, "--method", "card", "--amount", "7.50",
    ]);
    let cancelled = c.create(&["Y:1:1"]);
    c.ok(&[
        "order",
        "cancel",
        &cancelled,
        "--reason",
        "customer request",
    ]);
    // Interleave streams so the export is not grouped by stream.
    c.ok(&["order", "ship", &paid, "--tracking", "T-9"]);
    (c, vec![long, paid, cancelled])
}

/// Export lines without `global_position`, which the target assigns anew, keyed by
/// (stream, version).
fn by_stream_version(lines: &[Value]) -> BTreeMap<(String, u64), Value> {
    lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            let obj = l.as_object_mut().expect("object line");
            assert!(obj.remove("global_position").is_some(), "{l}");
            let key = (
                str_field(&l, "stream_id"),
                l["version"].as_u64().expect("version"),
            );
            (key, l)
        })
        .collect()
}

#[test]
fn export_then_import_reproduces_the_log() {
    let (source, ids) = seeded();
    let exported = source.ok(&["export"]);
    let source_lines = json_lines(&exported);
    assert_eq!(source_lines.len(), 6 + 3 + 2);

    let target = Chronicle::with_config("snapshot_every = 3\n");
    let out = target.run_stdin(&["import", "-"], exported.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        report.contains("imported 11 events in 3 streams"),
        "{report}"
    );

    let target_lines = target.export();
    assert_eq!(
        by_stream_version(&target_lines),
        by_stream_version(&source_lines)
    );
    for id in &ids {
        assert_eq!(
            target.json(&["order", "show", id, "--json"]),
            source.json(&["order", "show", id, "--json"]),
        );
        assert_eq!(
            target.json(&["order", "show", id, "--at-version", "2", "--json"]),
            source.json(&["order", "show", id, "--at-version", "2", "--json"]),
        );
    }
    assert_eq!(
        target.ok(&["order", "list", "--json"]),
        source.ok(&["order", "list", "--json"])
    );
    // The imported orders take new commands like any other.
    let shipped = target.json(&["order", "deliver", &ids[1], "--json"]);
    assert_eq!(shipped["version"], 4);
}

#[test]
fn importing_the_same_file_twice_conflicts_and_appends_nothing() {
    let (source, _) = seeded();
    let file = source.path("export.jsonl");
    std::fs::write(&file, source.ok(&["export"])).expect("write export");
    let file = file.display().to_string();

    let target = Chronicle::new();
    target.ok(&["import", &file]);
    let count = target.event_count();
    assert_eq!(count, 11);
    let out = target.run(&["import", &file]);
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert!(out.stdout.is_empty());
    let line = last_error_line(&out);
    assert!(line.contains("3 of 3 streams refused"), "{line}");
    assert_eq!(target.event_count(), count);
}

#[test]
fn import_refuses_a_bad_file_naming_the_line_and_appends_nothing() {
    let (source, ids) = seeded();
    let stream: Vec<String> = source
        .ok(&["export", "--stream", &ids[0]])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(stream.len(), 6);
    let mut undecodable: Value = parse_json(&stream[1]);
    undecodable["payload"] = json!({"broken": 1});
    let undecodable = undecodable.to_string();
    let mut bad_metadata: Value = parse_json(&stream[1]);
    bad_metadata["metadata"] = json!("not an object");
    let bad_metadata = bad_metadata.to_string();
    let mut added_first: Value = parse_json(&stream[1]);
    added_first["version"] = json!(1);
    let added_first = added_first.to_string();
    let mut bad_stream: Value = parse_json(&stream[1]);
    bad_stream["stream_id"] = json!("not-a-uuid");
    let bad_stream = bad_stream.to_string();

    let cases: [(&str, Vec<&str>, &str); 7] = [
        // Blank lines count: the number must point into the file as an editor shows it.
        ("bad JSON", vec![&stream[0], "", "{not json"], "line 3"),
        ("version gap", vec![&stream[0], &stream[2]], "line 2"),
        (
            "repeated version",
            vec![&stream[0], &stream[1], &stream[1]],
            "line 3",
        ),
        (
            "undecodable payload",
            vec![&stream[0], &undecodable],
            "line 2",
        ),
        (
            "metadata not an object",
            vec![&stream[0], &bad_metadata],
            "line 2",
        ),
        (
            "stream id not an order id",
            vec![&stream[0], &bad_stream],
            "line 2",
        ),
        ("starts without OrderCreated", vec![&added_first], "line 1"),
    ];
    let target = Chronicle::new();
    target.create(&["Z:1:1"]);
    let before = target.event_count();
    for (what, lines, at) in cases {
        let file = target.path("bad.jsonl");
        std::fs::write(&file, lines.join("\n") + "\n").expect("write file");
        let out = target.run(&["import", &file.display().to_string()]);
        let line = assert_fails(&out, 2);
        assert!(line.contains(at), "{what}: want {at}, got {line}");
        assert_eq!(target.event_count(), before, "{what}: appended");
    }

    // Versions 2.. continue a stream the target lacks: a conflict, not bad input.
    let tail = format!("{}\n{}\n", stream[1], stream[2]);
    let out = target.run_stdin(&["import", "-"], tail.as_bytes());
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert!(last_error_line(&out).contains("1 of 1 streams refused"));
    assert_eq!(target.event_count(), before);

    // One bad stream refuses the whole file, including the valid streams before it.
    let mut mixed = source.ok(&["export", "--stream", &ids[1]]);
    mixed.push_str(&stream[0]);
    mixed.push('\n');
    mixed.push_str(&stream[2]);
    mixed.push('\n');
    let out = target.run_stdin(&["import", "-"], mixed.as_bytes());
    assert_fails(&out, 2);
    assert_eq!(target.event_count(), before);

    let missing = target.path("missing.jsonl").display().to_string();
    let line = assert_fails(&target.run(&["import", &missing]), 2);
    assert!(line.contains("missing.jsonl"), "{line}");
}

#[test]
fn list_shows_summaries_and_filters_by_status() {
    let (c, ids) = seeded();
    let pending = c.create(&["P:1:1"]);
    let c_paid = c.create(&["Q:1:4"]);
    c.ok(&["order", "pay", &c_paid, "--method", "card", "--amount", "4"]);

    let rows = json_lines(&c.ok(&["order", "list", "--json"]));
    assert_eq!(rows.len(), 5);
    for r in &rows {
        for key in [
            "order_id",
            "customer_id",
            "status",
            "currency",
            "total",
            "version",
        ] {
            assert!(r.get(key).is_some(), "{key} missing from {r}");
        }
    }
    let status_of = |id: &str| {
        rows.iter()
            .find(|r| r["order_id"] == id)
            .map(|r| str_field(r, "status"))
    };
    assert_eq!(status_of(&ids[0]).as_deref(), Some("Pending"));
    assert_eq!(status_of(&ids[1]).as_deref(), Some("Shipped"));
    assert_eq!(status_of(&ids[2]).as_deref(), Some("Cancelled"));
    assert_eq!(status_of(&pending).as_deref(), Some("Pending"));

    let paid = json_lines(&c.ok(&["order", "list", "--status", "paid", "--json"]));
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["order_id"], c_paid.as_str());
    assert_eq!(paid[0]["status"], "Paid");
    assert_eq!(paid[0]["total"], "4");

    let pendings = json_lines(&c.ok(&["order", "list", "--status", "Pending", "--json"]));
    assert_eq!(pendings.len(), 2);
    assert!(pendings.iter().all(|r| r["status"] == "Pending"));

    assert_eq!(
        json_lines(&c.ok(&["order", "list", "--limit", "2", "--json"])).len(),
        2
    );
    let text = c.ok(&["order", "list"]);
    assert_eq!(text.lines().count(), 5);

    let line = assert_fails(&c.run(&["order", "list", "--status", "bogus"]), 2);
    assert!(line.contains("bogus"), "{line}");
}

#[test]
fn demo_seeds_once_and_the_same_seed_gives_the_same_data() {
    let c = Chronicle::new();
    let out = c.ok(&["demo", "--orders", "50", "--no-tui"]);
    assert!(out.contains("events in the log"), "{out}");
    let count = c.event_count();
    assert!(count > 50, "{count} events");
    assert_eq!(
        json_lines(&c.ok(&["order", "list", "--limit", "100", "--json"])).len(),
        50
    );

    let again = c.run(&["demo", "--orders", "50", "--no-tui"]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds"),
        "{}",
        describe(&again)
    );
    assert_eq!(c.event_count(), count);

    let other = Chronicle::new();
    other.ok(&["demo", "--orders", "50", "--no-tui"]);
    assert_eq!(other.ok(&["export"]), c.ok(&["export"]));
}

#[test]
fn completions_name_the_binary() {
    let c = Chronicle::new();
    let script = c.ok(&["completions", "bash"]);
    assert!(script.contains("chronicle"), "{script}");
    assert!(script.contains("add-item"));
    let bad = c.run(&["completions", "cmd.exe"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!c.db().exists(), "completions must not touch the database");
}

#[test]
fn config_problems_are_usage_errors() {
    let c = Chronicle::with_config("snapshot_every = 0\n");
    let line = assert_fails(&c.run(&["order", "list"]), 2);
    assert!(line.contains("snapshot_every"), "{line}");

    // Only the exit code here: the message shape is `a_toml_error_is_reported_on_one_line`.
    let c = Chronicle::with_config("no_such_key = 1\n");
    let out = c.run(&["order", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_key"));

    let mut c = Chronicle::new();
    assert_fails(&c.run(&["--snapshot-every", "0", "order", "list"]), 2);
    assert_fails(&c.run(&["--default-currency", "XYZ", "order", "list"]), 2);

    // An explicit config that does not exist is an error, not silently the defaults.
    c.config = c.path("absent.toml");
    let out = c.run(&["order", "list"]);
    let line = assert_fails(&out, 2);
    assert!(line.contains("absent.toml"), "{line}");
    assert!(!c.db().exists());
}

#[test]
fn a_toml_error_is_reported_on_one_line() {
    for text in [
        "no_such_key = 1\n",
        "snapshot_every = \"three\"\n",
        "= broken\n",
    ] {
        let c = Chronicle::with_config(text);
        let line = assert_fails(&c.run(&["order", "list"]), 2);
        assert!(line.contains("config.toml"), "{text:?}: {line}");
    }
}

#[test]
fn a_corrupt_stored_payload_is_a_storage_failure_naming_its_position() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let position = c.events(&id)[0]["global_position"]
        .as_i64()
        .expect("position");
    // Events are immutable by trigger; only deliberate tampering gets past it. All the
    // table's triggers go, whatever the migrations call them.
    let script = "import sqlite3, sys\n\
                  db = sqlite3.connect(sys.argv[1])\n\
                  names = [r[0] for r in db.execute(\"SELECT name FROM sqlite_master \
                  WHERE type = 'trigger' AND tbl_name = 'events'\")]\n\
                  for n in names: db.execute('DROP TRIGGER \"%s\"' % n)\n\
                  db.execute(\"UPDATE events SET payload = '{\\\"broken\\\":1}' \
                  WHERE stream_id = ? AND version = 1\", (sys.argv[2],))\n\
                  db.commit()\n";
    let db = c.db().display().to_string();
    if python_sqlite(script, &[&db, &id]).is_none() {
        return;
    }
    let needle = format!("global position {position}");
    for args in [
        &["order", "show", &id][..],
        &["order", "show", &id, "--at-version", "1"],
        &["order", "pay", &id, "--method", "card", "--amount", "24.98"],
        &["order", "list"],
    ] {
        let line = assert_fails(&c.run(args), 6);
        assert!(line.contains(&needle), "{args:?}: {line}");
    }
    // The raw log still reads: that is how an operator finds and inspects the damage.
    assert_eq!(c.events(&id)[0]["payload"], json!({"broken": 1}));
}

#[test]
fn a_corrupt_snapshot_is_ignored_and_the_state_replayed() {
    let c = Chronicle::with_config("snapshot_every = 3\n");
    let id = c.create(&["A:1:10"]);
    for sku in ["B", "C", "D"] {
        c.ok(&["order", "add-item", &id, "--item", &format!("{sku}:1:1")]);
    }
    let before = c.json(&["order", "show", &id, "--json"]);
    let at_three = c.json(&["order", "show", &id, "--at-version", "3", "--json"]);
    let script = "import sqlite3, sys\n\
                  db = sqlite3.connect(sys.argv[1])\n\
                  n = db.execute(\"UPDATE snapshots SET state = 'garbage'\").rowcount\n\
                  db.commit()\n\
                  print(n)\n";
    let db = c.db().display().to_string();
    let Some(out) = python_sqlite(script, &[&db]) else {
        return;
    };
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1",
        "one snapshot at v3"
    );
    assert_eq!(c.json(&["order", "show", &id, "--json"]), before);
    assert_eq!(
        c.json(&["order", "show", &id, "--at-version", "3", "--json"]),
        at_three
    );
    assert_eq!(
        c.json(&["order", "add-item", &id, "--item", "E:1:1", "--json"])["version"],
        5
    );
}

#[test]
fn an_expired_idempotency_key_may_be_used_again() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    c.ok(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K",
    ]);
    // Stored times have microsecond precision; make sure the key is strictly older.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let reused = c.json(&[
        "--idempotency-ttl-secs",
        "0",
        "order",
        "add-item",
        &id,
        "--item",
        "C:1:1",
        "--idempotency-key",
        "K",
        "--json",
    ]);
    assert_eq!(reused["replayed"], false, "{reused}");
    assert_eq!(reused["version"], 3);
    // The key now belongs to the newer command.
    let retried = c.json(&[
        "order",
        "add-item",
        &id,
        "--item",
        "C:1:1",
        "--idempotency-key",
        "K",
        "--json",
    ]);
    assert_eq!(retried["replayed"], true, "{retried}");
    assert_eq!(c.events(&id).len(), 3);
}

#[test]
fn demo_fresh_replaces_the_database() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    c.ok(&["demo", "--orders", "5", "--no-tui", "--fresh"]);
    assert_fails(&c.run(&["order", "show", &id]), 5);
    let rows = json_lines(&c.ok(&["order", "list", "--json"]));
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r["order_id"] != id.as_str()));
}

/// Runs with stdout connected to a pipe whose reader is already gone, as under `| head`.
fn run_into_closed_pipe(c: &Chronicle, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    c.command(&c.url(), args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run chronicle")
}

#[test]
fn streaming_commands_report_a_closed_stdout_as_one_line() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    for args in [&["export"][..], &["order", "events", &id]] {
        let out = run_into_closed_pipe(&c, args);
        let line = assert_fails(&out, 2);
        assert!(line.contains("writing output"), "{args:?}: {line}");
    }
}

#[test]
fn no_command_panics_on_a_closed_stdout() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    for args in [
        &["order", "show", &id][..],
        &["order", "show", &id, "--json"],
        &["order", "list"],
        &["order", "add-item", &id, "--item", "B:1:1"],
        &["completions", "bash"],
    ] {
        let out = run_into_closed_pipe(&c, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {}", describe(&out));
        assert!(
            matches!(out.status.code(), Some(0..=6)),
            "{args:?}: {}",
            describe(&out)
        );
    }
}
