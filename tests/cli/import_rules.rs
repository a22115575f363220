//! `import` holds every event to the rules a command is held to: each file below would have
//! stored what no command can, and is refused whole, naming its line, with nothing written.

use serde_json::{Value, json};

use crate::harness::{Chronicle, assert_fails, describe};

const STREAM: &str = "0190f0a1-0000-7000-8000-00000000a001";

/// One exported line of `STREAM` at `version`.
fn line(version: u64, event_type: &str, payload: &Value) -> String {
    json!({
        "global_position": version,
        "stream_id": STREAM,
        "version": version,
        "event_type": event_type,
        "schema_version": if event_type == "OrderCreated" { 2 } else { 1 },
        "recorded_at": "2026-03-01T10:00:00Z",
        "payload": payload,
        "metadata": {"actor": "test"},
    })
    .to_string()
}

fn created(customer: &str, items: &Value) -> String {
    line(
        1,
        "OrderCreated",
        &json!({"order_id": STREAM, "customer_id": customer, "items": items,
               "currency": "EUR", "created_at": "2026-03-01T10:00:00Z"}),
    )
}

fn one_book() -> String {
    created(
        "alice",
        &json!([{"sku": "BOOK", "quantity": 2, "unit_price": "5.00"}]),
    )
}

fn at() -> &'static str {
    "2026-03-01T11:00:00Z"
}

fn refused(target: &Chronicle, what: &str, lines: &[String], want: &str) {
    let before = target.event_count();
    let file = target.path("rules.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write file");
    let out = target.run(&["import", &file.display().to_string()]);
    let error = assert_fails(&out, 2);
    assert!(error.contains(want), "{what}: want {want:?} in {error}");
    assert!(
        error.len() < 300,
        "{what}: a short line, got {} bytes",
        error.len()
    );
    assert_eq!(target.event_count(), before, "{what}: nothing appended");
}

#[test]
fn import_refuses_lines_and_lifecycles_the_rules_refuse() {
    let target = Chronicle::new();
    target.create(&["Z:1:1"]);
    let pay = |amount: &str| {
        line(
            2,
            "OrderPaid",
            &json!({"method": "card", "amount": amount, "at": at()}),
        )
    };
    let ship = |v, tracking: &str| {
        line(
            v,
            "OrderShipped",
            &json!({"tracking_number": tracking, "at": at()}),
        )
    };
    let huge = json!([{"sku": "A", "quantity": 4_294_967_295_u32,
                       "unit_price": "79228162514264337593543950335"}]);
    let negative = json!([{"sku": "A", "quantity": 0, "unit_price": "-5"}]);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "huge line",
            vec![created("a", &huge)],
            "at most 1000000 units",
        ),
        (
            "quantity 0 at -5",
            vec![created("a", &negative)],
            "quantity of A must be at least 1",
        ),
        (
            "ship before pay",
            vec![one_book(), ship(2, "T")],
            "cannot ship an order that is Pending",
        ),
        (
            "pay not the total",
            vec![one_book(), pay("1.00")],
            "does not equal the order total 10.00",
        ),
        (
            "tracking too wide",
            vec![one_book(), pay("10.00"), ship(3, &"T".repeat(65))],
            "line 3",
        ),
    ];
    for (what, lines, want) in &cases {
        refused(&target, what, lines, want);
    }
}

#[test]
fn import_refuses_text_the_rules_refuse_and_another_orders_id() {
    let target = Chronicle::new();
    target.create(&["Z:1:1"]);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "empty customer",
            vec![created(
                "",
                &json!([{"sku": "A", "quantity": 1, "unit_price": "1"}]),
            )],
            "customer id",
        ),
        (
            "10 MB customer",
            vec![created(
                &"c".repeat(10 << 20),
                &json!([{"sku": "A", "quantity": 1, "unit_price": "1"}]),
            )],
            "customer id",
        ),
        (
            "ESC in customer",
            vec![created(
                "a\u{1b}[2J",
                &json!([{"sku": "A", "quantity": 1, "unit_price": "1"}]),
            )],
            "customer id",
        ),
        (
            "BEL in SKU",
            vec![created(
                "a",
                &json!([{"sku": "A\u{7}", "quantity": 1, "unit_price": "1"}]),
            )],
            "line 1",
        ),
        (
            "NUL in reason",
            vec![
                one_book(),
                line(
                    2,
                    "OrderCancelled",
                    &json!({"reason": "x\u{0}", "at": at()}),
                ),
            ],
            "cancel reason",
        ),
        (
            "zero-width SKU",
            vec![created(
                "a",
                &json!([{"sku": "MU\u{200b}G", "quantity": 1, "unit_price": "1"}]),
            )],
            "line 1",
        ),
    ];
    for (what, lines, want) in &cases {
        refused(&target, what, lines, want);
    }
    let mut other = serde_json::from_str::<Value>(&one_book()).unwrap();
    other["payload"]["order_id"] = json!("0190f0a1-0000-7000-8000-00000000b002");
    refused(
        &target,
        "payload names another order",
        &[other.to_string()],
        "order_id is not the stream's id",
    );
}

#[test]
fn a_continuation_is_held_to_the_rules_against_what_the_target_holds() {
    let target = Chronicle::new();
    let id = target.create(&["A:2:5.00"]);
    let on = |event_type: &str, payload: Value| {
        let mut v: Value = serde_json::from_str(&line(2, event_type, &payload)).unwrap();
        v["stream_id"] = json!(id);
        v.to_string()
    };
    let ship = on("OrderShipped", json!({"tracking_number": "T", "at": at()}));
    refused(
        &target,
        "ship a pending order",
        &[ship],
        "cannot ship an order that is Pending",
    );
    let short = on(
        "OrderPaid",
        json!({"method": "card", "amount": "9.99", "at": at()}),
    );
    refused(
        &target,
        "pay short",
        &[short],
        "does not equal the order total 10.00",
    );

    let exact = on(
        "OrderPaid",
        json!({"method": "card", "amount": "10.00", "at": at()}),
    );
    let out = target.run_stdin(&["import", "-"], format!("{exact}\n").as_bytes());
    assert!(out.status.success(), "{}", describe(&out));
    let shown = target.json(&["order", "show", &id, "--json"]);
    assert_eq!(shown["status"], "Paid", "{shown}");
}
