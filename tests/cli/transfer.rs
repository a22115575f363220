//! Getting data in and out: `export` and `import`, `order list`, `demo` seeding, and shell
//! completions.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::harness::{
    Chronicle, assert_fails, describe, json_lines, last_error_line, parse_json, str_field,
};

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
fn demo_fresh_replaces_only_what_the_demo_made_unless_forced() {
    let c = Chronicle::new();
    c.ok(&["demo", "--orders", "20", "--no-tui"]);
    // The demo's own database: --fresh replaces it.
    c.ok(&["demo", "--orders", "25", "--no-tui", "--fresh"]);
    assert_eq!(json_lines(&c.ok(&["order", "list", "--json"])).len(), 25);
    // An order made by the CLI: --fresh refuses, and nothing changes.
    let id = c.create(&["A:1:1"]);
    let before = c.event_count();
    let line = assert_fails(
        &c.run(&["demo", "--orders", "20", "--no-tui", "--fresh"]),
        2,
    );
    assert!(
        line.contains("--force") && line.contains("did not make"),
        "{line}"
    );
    assert_eq!(c.event_count(), before);
    // --force replaces it.
    c.ok(&["demo", "--orders", "20", "--no-tui", "--fresh", "--force"]);
    assert_fails(&c.run(&["order", "show", &id]), 5);
    let rows = json_lines(&c.ok(&["order", "list", "--json"]));
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r["order_id"] != id.as_str()));

    // A file that is no database is not replaced either.
    let text = c.path("notes.txt");
    std::fs::write(&text, "my notes\n").unwrap();
    let url = format!("sqlite://{}", text.display());
    let out = c.run_at(&url, &["demo", "--orders", "20", "--no-tui", "--fresh"]);
    let line = assert_fails(&out, 2);
    assert!(line.contains("--force"), "{line}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "my notes\n");
}

#[test]
fn demo_refuses_a_seed_too_small_for_its_faults_before_writing() {
    let c = Chronicle::new();
    for n in ["0", "1", "19", "1000001", "many"] {
        let line = assert_fails(&c.run(&["demo", "--orders", n, "--no-tui"]), 2);
        assert!(!line.contains('\n'), "{line}");
    }
    crate::harness::assert_no_database_files(&c.db());
}

#[test]
fn updates_of_a_missing_database_create_nothing() {
    let c = Chronicle::new();
    for args in [
        &["dlq", "retry", "1"][..],
        &["dlq", "skip", "1"],
        &["projector", "rebuild"],
        &["projector", "rebuild", "--order", "0000"],
    ] {
        let out = c.run(args);
        assert!(!out.status.success(), "{args:?}");
        crate::harness::assert_no_database_files(&c.db());
    }
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
fn the_shipped_sample_events_import_and_upcast() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample-events.jsonl");
    let lines: Vec<Value> = std::fs::read_to_string(sample)
        .expect("read the sample events")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_json)
        .collect();

    let c = Chronicle::new();
    let out = c.run(&["import", sample]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(c.event_count(), lines.len());

    // The sample keeps an order created before the currency was stored.
    let old = lines
        .iter()
        .find(|l| l["event_type"] == "OrderCreated" && l["schema_version"] == 1)
        .expect("an OrderCreated with schema_version 1 in the sample");
    let id = str_field(old, "stream_id");
    let shown = c.json(&["order", "show", &id, "--json"]);
    assert_eq!(shown["currency"], "EUR", "{shown}");
    // The upcast takes the configured default, not a fixed one.
    let shown = c.json(&["order", "show", &id, "--default-currency", "USD", "--json"]);
    assert_eq!(shown["currency"], "USD", "{shown}");

    // Old events stay as they were stored.
    let stream = json_lines(&c.ok(&["export", "--stream", &id]));
    let first = stream
        .iter()
        .find(|e| e["version"] == 1)
        .expect("version 1 in the export");
    assert_eq!(first["event_type"], "OrderCreated", "{first}");
    assert_eq!(first["schema_version"], 1, "{first}");
}
