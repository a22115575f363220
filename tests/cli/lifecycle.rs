//! The happy path from create to delivered, where the currency comes from, and reading
//! past states with `--at-version` and `--at`.

use serde_json::{Value, json};

use crate::harness::{Chronicle, assert_fails, describe, str_field};

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
