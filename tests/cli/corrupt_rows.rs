//! Rows spoiled behind the application's back (a BLOB where JSON text belongs, a number, a
//! time that does not parse) stop nothing but their own order: the projector dead-letters
//! them and goes on, `order list` and `check` mark them `corrupt`, and every message names
//! the row by its global position.

use crate::harness::{Chronicle, assert_fails, json_lines, tamper};

/// Each spoils the event at `position` in its own way.
const SPOILS: [(&str, &str); 5] = [
    ("payload", "payload = X'00FF7B'"),
    ("payload", "payload = 42"),
    ("recorded_at", "recorded_at = 'garbage'"),
    ("metadata", "metadata = X'DEADBEEF'"),
    ("event type", "event_type = X'01'"),
];

#[test]
fn spoiled_rows_are_isolated_to_their_orders_and_named_by_position() {
    let c = Chronicle::new();
    let ids: Vec<String> = (0..SPOILS.len() + 2)
        .map(|_| c.create(&["A:1:1.00"]))
        .collect();
    // Position k+1 is order k's only event; the last two orders stay whole.
    let statements: Vec<String> = SPOILS
        .iter()
        .enumerate()
        .map(|(k, (_, set))| format!("UPDATE events SET {set} WHERE global_position = {}", k + 1))
        .collect();
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    assert_eq!(tamper(&c.db(), true, &refs), 1);

    let out = c.ok(&["projector", "run", "--once"]);
    assert!(out.contains("2 applied"), "{out}");
    let letters = json_lines(&c.ok(&["dlq", "list", "--json"]));
    assert_eq!(letters.len(), SPOILS.len(), "{letters:?}");
    for (k, (what, _)) in SPOILS.iter().enumerate() {
        let letter = &letters[k];
        assert_eq!(letter["global_position"], k + 1, "{letter}");
        assert_eq!(letter["order_id"], ids[k].as_str(), "{letter}");
        let error = letter["error"].as_str().unwrap();
        assert!(error.contains(what), "{what}: {error}");
    }

    let list = c.ok(&["order", "list"]);
    for (k, id) in ids.iter().enumerate().take(SPOILS.len()) {
        let row = list.lines().find(|l| l.starts_with(id.as_str())).unwrap();
        assert!(
            row.contains("CORRUPT") && row.contains(&format!("event #{}", k + 1)),
            "{row}"
        );
    }
    for id in &ids[SPOILS.len()..] {
        assert!(list.contains(&format!("{id}  Pending")), "{list}");
    }

    let check = c.run(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(
        text.contains("2 in-sync") && text.contains("5 corrupt"),
        "{text}"
    );
    for k in 1..=SPOILS.len() {
        assert!(
            text.contains(&format!("event #{k} does not decode")),
            "{text}"
        );
    }

    // An export cannot write a row that is no event: it stops there and names it.
    let line = assert_fails(&c.run(&["export"]), 6);
    assert!(line.contains("global position 1"), "{line}");
    // One whole order still exports.
    let whole = c.ok(&["export", "--stream", &ids[SPOILS.len()]]);
    assert_eq!(whole.lines().count(), 1, "{whole}");
}

/// A read-model row whose lines were changed behind the projector's back, with its counts and
/// total left as they were: `check` compares the lines too, field by field, and says what
/// the row holds against the replay (or why its lines do not read).
#[test]
fn a_row_whose_lines_were_changed_is_diverged_on_its_lines() {
    let c = Chronicle::new();
    let swapped = c.create(&["A:1:1.00"]);
    let torn = c.create(&["A:1:1.00"]);
    c.ok(&["projector", "run", "--once"]);
    c.ok(&["check"]);
    let edits = [
        format!(
            "UPDATE order_summary SET lines = '[{{\"sku\":\"B\",\"quantity\":1,\"unit_price\":\"1.00\"}}]' \
             WHERE order_id = '{swapped}'"
        ),
        format!("UPDATE order_summary SET lines = '[{{\"sku\":\"A\",' WHERE order_id = '{torn}'"),
    ];
    let refs: Vec<&str> = edits.iter().map(String::as_str).collect();
    assert_eq!(tamper(&c.db(), false, &refs), 1);
    let out = c.run(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |id: &str| {
        report["divergent"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["order_id"] == id)
            .unwrap_or_else(|| panic!("{id} not divergent: {report}"))
            .clone()
    };
    let s = of(&swapped);
    assert_eq!(s["class"], "diverged");
    assert_eq!(
        s["fields"],
        serde_json::json!([{"field": "lines", "read_model": "B×1@1.00", "replay": "A×1@1.00"}])
    );
    let t = of(&torn);
    assert_eq!(t["fields"][0]["field"], "lines", "{t}");
    let shown = t["fields"][0]["read_model"].as_str().unwrap();
    assert!(shown.starts_with("unreadable ("), "{shown}");
}
