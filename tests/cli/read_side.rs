//! The read side from the command line: the demo's planted faults found by `check`,
//! `projector status`, `dlq list` and `explain`, then repaired with `projector run`,
//! `dlq retry|skip` and `projector rebuild`; and the exit codes of unknown ids.

use serde_json::Value;

use crate::harness::{Chronicle, UNKNOWN, assert_fails, describe, json_lines, parse_json};

/// The demo's labelled faults, as `check --json` reports them.
struct Demo {
    c: Chronicle,
    diverged: String,
    lagging: String,
    parked: String,
    dead_position: i64,
}

fn demo() -> Demo {
    let c = Chronicle::new();
    c.ok(&["demo", "--orders", "60", "--no-tui"]);
    let report = check(&c, &[]);
    let of = |class: &str| {
        let list = report["divergent"].as_array().unwrap();
        let mut found = list.iter().filter(|d| d["class"] == class);
        let id = found
            .next()
            .unwrap_or_else(|| panic!("no {class} in {report}"));
        assert!(found.next().is_none(), "one {class}: {report}");
        id["order_id"].as_str().unwrap().to_string()
    };
    let (diverged, lagging, parked) = (of("diverged"), of("lagging"), of("parked"));
    let letters = dead_letters(&c);
    assert_eq!(letters.len(), 1, "{letters:?}");
    let dead_position = letters[0]["global_position"].as_i64().unwrap();
    Demo {
        c,
        diverged,
        lagging,
        parked,
        dead_position,
    }
}

/// `check --json` that must find divergence (exit 1).
fn check(c: &Chronicle, extra: &[&str]) -> Value {
    let mut args = vec!["check", "--json"];
    args.extend(extra);
    let out = c.run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    parse_json(String::from_utf8_lossy(&out.stdout).trim())
}

fn dead_letters(c: &Chronicle) -> Vec<Value> {
    json_lines(&c.ok(&["dlq", "list", "--json"]))
}

fn status(c: &Chronicle) -> Value {
    c.json(&["projector", "status", "--json"])
}

fn counts(report: &Value) -> [u64; 7] {
    [
        "in-sync", "lagging", "diverged", "missing", "orphan", "parked", "corrupt",
    ]
    .map(|k| {
        report["counts"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k}: {report}"))
    })
}

fn class_of<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["divergent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["order_id"] == id)
}

#[test]
fn check_status_dlq_and_explain_find_the_demo_faults() {
    let d = demo();
    let c = &d.c;
    let report = check(c, &[]);
    assert_eq!(report["orders"], 60);
    assert_eq!(report["counts"].as_object().unwrap().len(), 7);
    assert_eq!(counts(&report), [57, 1, 1, 0, 0, 1, 0]);
    let tampered = class_of(&report, &d.diverged).unwrap();
    assert_eq!(
        tampered["fields"],
        serde_json::json!([{"field": "status", "read_model": "Shipped", "replay": "Paid"}])
    );
    assert_eq!(class_of(&report, &d.lagging).unwrap()["behind"], 3);
    let out = c.run(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "60 orders: 57 in-sync 1 lagging 1 diverged 0 missing 0 orphan 1 parked 0 corrupt\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}  lagging (3 behind)", d.lagging)),
        "{text}"
    );

    let s = status(c);
    let head = s["head"].as_i64().unwrap();
    assert_eq!(s["checkpoint"].as_i64().unwrap(), head - 3);
    assert_eq!(s["lag_events"], 3);
    assert!(s["lag_seconds"].as_f64().unwrap() >= 0.0, "{s}");
    assert_eq!(
        (&s["dead_letters"], &s["parked_orders"]),
        (&1.into(), &1.into())
    );

    let letter = &dead_letters(c)[0];
    assert_eq!(letter["order_id"], d.parked.as_str());
    assert_eq!(letter["event_type"], "OrderShipped");
    // The demo settles its projection: the retries are spent, and the letter says so.
    assert_eq!(letter["attempts"], 4);
    assert!(letter["next_retry_at"].is_null(), "{letter}");
    let error = letter["error"].as_str().unwrap();
    assert!(
        error.contains("tracking number of 85 characters"),
        "{letter}"
    );
    assert!(d.dead_position > 0 && d.dead_position <= head);

    let text = c.ok(&["explain", &d.diverged]);
    assert!(text.contains("changed outside the projector"), "{text}");
    assert!(
        text.contains("status: stored Shipped, projection Paid"),
        "{text}"
    );
    let e = c.json(&["explain", &d.diverged, "--json"]);
    assert_eq!(e["first_divergence"], Value::Null);
    assert_eq!(e["row_changed_outside"][0]["field"], "status");
    let e = c.json(&["explain", &d.parked, "--json"]);
    let parting = &e["first_divergence"];
    assert_eq!(parting["global_position"].as_i64(), Some(d.dead_position));
    assert_eq!(parting["event_type"], "OrderShipped");
    assert!(
        parting["error"].as_str().unwrap().contains("does not fit"),
        "{e}"
    );

    let row = c.json(&[
        "order",
        "show",
        &d.diverged,
        "--source",
        "read-model",
        "--json",
    ]);
    for key in [
        "order_id",
        "customer_id",
        "status",
        "currency",
        "total",
        "items",
        "version",
    ] {
        assert!(!row[key].is_null(), "{key} missing from {row}");
    }
    assert_eq!(row["order_id"], d.diverged.as_str());
    assert_eq!(row["status"], "Shipped", "the read model, not the replay");
    assert!(!row["items"].as_array().unwrap().is_empty());
    let replayed = c.json(&["order", "show", &d.diverged, "--json"]);
    assert_eq!(row["version"], replayed["version"]);
    assert_eq!(row["customer_id"], replayed["customer_id"]);
}

#[test]
fn projector_run_dlq_and_rebuild_repair_what_they_can() {
    let d = demo();
    let c = &d.c;
    let pos = d.dead_position.to_string();
    c.ok(&["projector", "run", "--once"]);
    let report = check(c, &[]);
    assert_eq!(counts(&report), [58, 0, 1, 0, 0, 1, 0], "{report}");
    assert!(class_of(&report, &d.lagging).is_none());
    let s = status(c);
    assert_eq!(
        (&s["lag_events"], &s["checkpoint"]),
        (&0.into(), &s["head"])
    );

    // The event still cannot be applied: a storage failure, and the letter stays.
    let line = assert_fails(&c.run(&["dlq", "retry", &pos]), 6);
    assert!(line.contains("still fails"), "{line}");
    let letters = dead_letters(c);
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["attempts"], 5, "one more attempt: {letters:?}");
    assert!(
        letters[0]["next_retry_at"].is_null(),
        "an operator's retry that fails waits for an operator: {letters:?}"
    );

    let out = c.ok(&["dlq", "skip", &pos]);
    assert!(out.contains("skipped"), "{out}");
    assert!(dead_letters(c).is_empty());
    let s = status(c);
    assert_eq!(
        (&s["dead_letters"], &s["parked_orders"]),
        (&0.into(), &0.into())
    );
    let report = check(c, &[]);
    assert_eq!(counts(&report), [58, 0, 2, 0, 0, 0, 0], "{report}");
    let skipped = class_of(&report, &d.parked).unwrap();
    assert_eq!(skipped["class"], "diverged");
    assert_eq!(skipped["fields"][0]["field"], "tracking_number");
    assert_eq!(skipped["fields"][0]["read_model"], "");

    // A rebuild puts the edited row right; the shipment the read model cannot hold is
    // dead-lettered again (a skip is not remembered across a rebuild).
    c.ok(&["projector", "rebuild"]);
    let report = check(c, &[]);
    assert!(class_of(&report, &d.diverged).is_none(), "{report}");
    assert_eq!(counts(&report), [59, 0, 0, 0, 0, 1, 0], "{report}");
    assert_eq!(class_of(&report, &d.parked).unwrap()["class"], "parked");
    c.ok(&["check", "--order", &d.diverged]);
    let row = c.json(&[
        "order",
        "show",
        &d.diverged,
        "--source",
        "read-model",
        "--json",
    ]);
    assert_eq!(row["status"], "Paid");
    let one = check(c, &["--order", &d.parked]);
    assert_eq!(counts(&one), [0, 0, 0, 0, 0, 1, 0]);
    c.ok(&["projector", "rebuild", "--order", &d.diverged]);
}

#[test]
fn unknown_ids_and_positions_are_not_found_and_bad_flags_are_usage_errors() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    c.ok(&["projector", "run", "--once"]);
    let text = c.ok(&["check"]);
    assert!(text.starts_with("1 orders: 1 in-sync 0 lagging"), "{text}");
    assert!(dead_letters(&c).is_empty());
    for args in [
        &["dlq", "retry", "999999"][..],
        &["dlq", "skip", "999999"],
        &["explain", UNKNOWN],
        &["check", "--order", UNKNOWN],
        &["order", "show", UNKNOWN, "--source", "read-model"],
        &["projector", "rebuild", "--order", UNKNOWN],
    ] {
        let line = assert_fails(&c.run(args), 5);
        assert!(
            line.contains("not found") || line.contains("no dead letter"),
            "{args:?}: {line}"
        );
    }
    let out = c.run(&[
        "order",
        "show",
        &id,
        "--source",
        "read-model",
        "--at-version",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    for args in [
        &["projector", "run", "--batch-size", "0"][..],
        &["explain", "not-a-uuid"],
        &["check", "--order", "not-a-uuid"],
    ] {
        let out = c.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
    }
    let row = c.json(&["order", "show", &id, "--source", "read-model", "--json"]);
    assert_eq!(
        (&row["version"], &row["source"]),
        (&1.into(), &"read-model".into())
    );
}
