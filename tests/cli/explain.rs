//! `explain` in words: where the row stands against its stream, in sync or how many events
//! behind and which, never in Rust's debug syntax.

use crate::harness::Chronicle;

#[test]
fn explain_says_a_row_is_in_sync_or_how_many_events_behind_it_is() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:10.00"]);
    c.ok(&["order", "pay", &id, "--method", "card", "--amount", "20.00"]);
    c.ok(&["projector", "run", "--once"]);
    let text = c.ok(&["explain", &id]);
    assert!(
        text.contains("read model at v2, stream at v2: in sync\n"),
        "{text}"
    );
    assert!(!text.contains("Some("), "{text}");
    let e = c.json(&["explain", &id, "--json"]);
    assert_eq!((&e["behind"], &e["stream_version"]), (&0.into(), &2.into()));
    assert_eq!(e["unapplied"], serde_json::json!([]));

    // Written while no projector runs: the row stays at v2.
    c.ok(&["order", "ship", &id, "--tracking", "TRK-1"]);
    c.ok(&["order", "deliver", &id]);
    let text = c.ok(&["explain", &id]);
    assert!(
        text.contains("the stored row matches the projection at v2\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "read model at v2, stream at v4: lagging, 2 events behind \
             (v3 OrderShipped, v4 OrderDelivered not yet applied)\n"
        ),
        "{text}"
    );
    assert!(!text.contains("Some("), "{text}");
    let e = c.json(&["explain", &id, "--json"]);
    assert_eq!((&e["behind"], &e["stream_version"]), (&2.into(), &4.into()));
    assert_eq!(e["unapplied"][0]["version"], 3);
    assert_eq!(e["unapplied"][1]["event_type"], "OrderDelivered");
}

#[test]
fn explain_names_the_first_unapplied_events_of_a_long_lag_and_counts_them_all() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1.00"]);
    let text = c.ok(&["explain", &id]);
    assert!(
        text.contains(
            "no read-model row, stream at v1: 1 event behind (v1 OrderCreated not yet applied)\n"
        ),
        "{text}"
    );
    c.ok(&["projector", "run", "--once"]);
    for sku in ["B", "C", "D", "E", "F", "G", "H"] {
        c.ok(&["order", "add-item", &id, "--item", &format!("{sku}:1:1.00")]);
    }
    let text = c.ok(&["explain", &id]);
    assert!(
        text.contains(
            "read model at v1, stream at v8: lagging, 7 events behind \
             (v2 ItemAdded, v3 ItemAdded, v4 ItemAdded, v5 ItemAdded, v6 ItemAdded, … \
             not yet applied)\n"
        ),
        "{text}"
    );
    let e = c.json(&["explain", &id, "--json"]);
    assert_eq!(e["behind"], 7);
    assert_eq!(e["unapplied"].as_array().map(Vec::len), Some(5), "{e}");
}
