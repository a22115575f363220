//! Orders named by the start of their id, as the debugger shows them: a unique prefix works
//! for reads and writes; an ambiguous, unknown or too short one fails before anything runs.

use crate::harness::{Chronicle, assert_fails, str_field};

/// Two orders sharing their first eight digits, and one of their own.
const TWIN_A: &str = "aaaa1111-0000-4000-8000-000000000001";
const TWIN_B: &str = "aaaa1111-0000-4000-8000-000000000002";
const LONE: &str = "bbbb2222-0000-4000-8000-000000000003";

fn three_orders() -> Chronicle {
    let c = Chronicle::new();
    for id in [TWIN_A, TWIN_B, LONE] {
        let args = ["order", "create", "--customer", "c-1", "--item", "A:1:5.00"];
        c.ok(&[&args[..], &["--id", id]].concat());
    }
    c
}

#[test]
fn a_unique_prefix_names_its_order_for_reads_and_writes() {
    let c = three_orders();
    let show = c.json(&["order", "show", "bbbb2222", "--json"]);
    assert_eq!(str_field(&show, "order_id"), LONE);
    // Any case, hyphens or none: the prefix is read in the stored form.
    let show = c.json(&["order", "show", "BBBB-2222-00", "--json"]);
    assert_eq!(str_field(&show, "order_id"), LONE);
    let show = c.json(&["order", "show", "bbbb22220000400080", "--json"]);
    assert_eq!(str_field(&show, "order_id"), LONE, "{show}");

    let paid = c.json(&[
        "order", "pay", "bbbb", "--method", "card", "--amount", "5.00", "--json",
    ]);
    assert_eq!(
        (str_field(&paid, "order_id").as_str(), &paid["version"]),
        (LONE, &2.into())
    );
    let events = c.ok(&["order", "events", "bbbb2222"]);
    assert_eq!(events.lines().count(), 2, "{events}");
    assert_eq!(c.export().len(), 4, "the pay went to the one order");
    let exported = c.ok(&["export", "--stream", "bbbb2222"]);
    assert_eq!(exported.lines().count(), 2, "{exported}");

    c.ok(&["projector", "run", "--once"]);
    c.ok(&["check", "--order", "bbbb2222"]);
    let row = c.json(&["order", "show", "bbbb", "--source", "read-model", "--json"]);
    assert_eq!(str_field(&row, "status"), "Paid");
    let text = c.ok(&["explain", "bbbb2222"]);
    assert!(
        text.starts_with(&format!("order {LONE}: 2 events replayed")),
        "{text}"
    );
    let text = c.ok(&["projector", "rebuild", "--order", "bbbb2222"]);
    assert!(text.contains(&format!("order {LONE}")), "{text}");
}

#[test]
fn an_ambiguous_prefix_says_how_many_orders_match_and_writes_nothing() {
    let c = three_orders();
    let before = c.event_count();
    let pay = [
        "order", "pay", "aaaa1111", "--method", "card", "--amount", "5.00",
    ];
    let line = assert_fails(&c.run(&pay), 2);
    assert!(
        line.contains("aaaa1111 is ambiguous: 2 orders match"),
        "{line}"
    );
    assert!(line.contains(TWIN_A) && line.contains(TWIN_B), "{line}");
    assert!(!line.contains(LONE), "{line}");
    assert_eq!(c.event_count(), before, "nothing was appended");
    for args in [
        &["order", "show", "aaaa"][..],
        &["explain", "aaaa1111"],
        &["export", "--stream", "aaaa1111"],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("2 orders match"), "{args:?}: {line}");
    }
}

#[test]
fn an_unknown_prefix_is_not_found_and_a_short_or_non_hex_one_is_bad_input() {
    let c = three_orders();
    let before = c.event_count();
    let line = assert_fails(&c.run(&["order", "show", "cccc"]), 5);
    assert!(line.contains("no order id starts with cccc"), "{line}");
    let cancel = ["order", "cancel", "cccc1234", "--reason", "gone"];
    assert_fails(&c.run(&cancel), 5);
    assert_fails(&c.run(&["explain", "cccc1234"]), 5);
    assert_fails(&c.run(&["check", "--order", "cccc1234"]), 5);

    let line = assert_fails(&c.run(&["order", "show", "bbb"]), 2);
    assert!(line.contains("too short"), "{line}");
    assert!(line.contains("at least 4 hex digits"), "{line}");
    let deliver = ["order", "deliver", "bb"];
    assert!(assert_fails(&c.run(&deliver), 2).contains("too short"));
    let line = assert_fails(&c.run(&["order", "show", "bbbz"]), 2);
    assert!(line.contains("not an order id or id prefix"), "{line}");
    assert_eq!(c.event_count(), before, "nothing was appended");
}
