//! Storage trouble and how it surfaces: a missing or uncreatable database, `--read-only`,
//! a tampered payload or snapshot, and a closed stdout.

use std::process::{Output, Stdio};

use serde_json::json;

use crate::harness::{
    Chronicle, UNKNOWN, assert_fails, assert_no_database_files, describe, parse_json, tamper,
};

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
        &["--read-only", "demo", "--orders", "20", "--no-tui"],
        &[
            "--read-only",
            "demo",
            "--orders",
            "20",
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

#[test]
fn a_corrupt_stored_payload_is_a_storage_failure_naming_its_position() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let position = c.events(&id)[0]["global_position"]
        .as_i64()
        .expect("position");
    // Events are immutable by trigger; only deliberate tampering gets past it.
    let update = format!(
        "UPDATE events SET payload = '{{\"broken\":1}}' WHERE stream_id = '{id}' AND version = 1"
    );
    assert_eq!(tamper(&c.db(), true, &[&update]), 1);
    let needle = format!("global position {position}");
    for args in [
        &["order", "show", &id][..],
        &["order", "show", &id, "--at-version", "1"],
        &["order", "pay", &id, "--method", "card", "--amount", "24.98"],
    ] {
        let line = assert_fails(&c.run(args), 6);
        assert!(line.contains(&needle), "{args:?}: {line}");
    }
    // One bad event blinds nothing else: the list and the check name it and go on.
    let other = c.create(&["B:1:1.00"]);
    let out = c.run(&["order", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.contains(&other), "{listed}");
    let line = listed
        .lines()
        .find(|l| l.contains(&id))
        .expect("corrupt order listed");
    assert!(
        line.contains("CORRUPT") && line.contains(&format!("#{position}")),
        "{line}"
    );
    let out = c.run(&["order", "list", "--json"]);
    let entry = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(parse_json)
        .find(|v| v["order_id"] == id.as_str())
        .expect("corrupt order in --json");
    assert_eq!(entry["corrupt"]["global_position"], position);
    let out = c.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let report = parse_json(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(report["counts"]["corrupt"], 1, "{report}");
    assert_eq!(report["orders"], 2, "the scan went on past it: {report}");
    let d = report["divergent"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["order_id"] == id.as_str()))
        .expect("corrupt order reported");
    assert_eq!(d["class"], "corrupt");
    assert_eq!(d["corrupt"]["global_position"], position);
    let out = c.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{id}  corrupt: event #{position} does not decode")),
        "{text}"
    );
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
    assert_eq!(
        tamper(&c.db(), false, &["UPDATE snapshots SET state = 'garbage'"]),
        1,
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
fn streaming_commands_end_quietly_on_a_closed_stdout() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    for args in [&["export"][..], &["order", "events", &id]] {
        let out = run_into_closed_pipe(&c, args);
        // The reader left: nothing to report, as `git log | head` reports nothing.
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        assert!(out.stderr.is_empty(), "{args:?}: {}", describe(&out));
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

#[test]
fn a_stored_row_that_is_not_json_is_named_as_corrupt_data_not_a_storage_failure() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1.00"]);
    let position = c.events(&id)[0]["global_position"]
        .as_i64()
        .expect("position");
    let update = format!("UPDATE events SET metadata = 'not json' WHERE stream_id = '{id}'");
    assert_eq!(tamper(&c.db(), true, &[&update]), 1);
    let line = assert_fails(&c.run(&["export"]), 6);
    assert!(
        line.contains(&format!("corrupt metadata at global position {position}")),
        "{line}"
    );
    assert!(!line.contains("storage failure"), "{line}");
}
