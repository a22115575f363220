//! How panes write things: money in its currency's notation, counts with a singular for
//! one, and each pane's own footer.

use chronicle::domain::{
    Currency, ItemAdded, Order, OrderCreated, OrderEvent, OrderId, OrderPaid, evolve,
};
use chronicle::tui::fields::{diff_fields, event_summary};
use chronicle::tui::keymap::Keymap;
use chronicle::tui::state::Pane;

use crate::support::at;

fn id() -> OrderId {
    "3f2a5c1e-0000-4000-8000-000000000000".parse().expect("id")
}

/// An order in `currency` with the given `SKU:QTY:PRICE` lines.
fn order(currency: &str, items: &[&str]) -> Order {
    let event = OrderEvent::Created(OrderCreated {
        order_id: id(),
        customer_id: "cust-1".into(),
        items: items.iter().map(|i| i.parse().expect("item")).collect(),
        currency: currency.parse::<Currency>().expect("currency"),
        created_at: at(1),
    });
    evolve(Order::empty(id()), &event)
}

/// The value of a field of the state pane.
fn field(o: &Order, name: &str) -> String {
    diff_fields(&Order::empty(id()), o)
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no field {name:?}"))
        .value
}

#[test]
fn amounts_are_written_with_their_currencys_minor_units() {
    // `@ 8` beside `@ 12.50` was the bug: one order's prices read alike.
    let eur = order("EUR", &["A:1:8", "B:2:12.50"]);
    assert_eq!(field(&eur, "  A"), "×1 @ 8.00 = 8.00");
    assert_eq!(field(&eur, "  B"), "×2 @ 12.50 = 25.00");
    assert_eq!(field(&eur, "total"), "33.00 EUR");

    let jpy = order("JPY", &["A:3:1200"]);
    assert_eq!(field(&jpy, "  A"), "×3 @ 1200 = 3600");
    assert_eq!(field(&jpy, "total"), "3600 JPY");
    let paid = evolve(
        jpy.clone(),
        &OrderEvent::Paid(OrderPaid {
            method: "card".into(),
            amount: "3600".parse().expect("amount"),
            at: at(2),
        }),
    );
    assert_eq!(field(&paid, "paid"), "card 3600");

    // The stream's summaries, in the order's currency when the worker knows it.
    let added = OrderEvent::ItemAdded(ItemAdded {
        item: "C:1:8".parse().expect("item"),
        at: at(3),
    });
    let eur_code = Some(Currency::EUR);
    assert_eq!(event_summary(&added, eur_code), "C ×1 @ 8.00");
    assert_eq!(event_summary(&added, "JPY".parse().ok()), "C ×1 @ 8");
    assert_eq!(event_summary(&added, None), "C ×1 @ 8");
}

#[test]
fn one_line_is_one_line() {
    let one = order("EUR", &["A:2:5"]);
    assert_eq!(field(&one, "items"), "2 in 1 line");
    assert_eq!(
        field(&order("EUR", &["A:2:5", "B:1:1"]), "items"),
        "3 in 2 lines"
    );
    let created = OrderEvent::Created(OrderCreated {
        order_id: id(),
        customer_id: "cust-1".into(),
        items: vec!["A:2:5".parse().expect("item")],
        currency: Currency::EUR,
        created_at: at(1),
    });
    assert_eq!(event_summary(&created, None), "cust-1 · 1 line · EUR");
}

#[test]
fn each_pane_has_a_footer_of_its_own() {
    let keymap = Keymap::default();
    let labels = |pane| -> Vec<&'static str> {
        keymap
            .footer(pane)
            .into_iter()
            .map(|(_, what)| what)
            .collect()
    };
    let (orders, stream, state, divergence) = (
        labels(Pane::Orders),
        labels(Pane::Stream),
        labels(Pane::State),
        labels(Pane::Divergence),
    );
    // Four different footers, each ending in the global keys.
    for f in [&orders, &stream, &state, &divergence] {
        assert!(f.ends_with(&["help", "prompt", "pane", "quit"]), "{f:?}");
    }
    assert_ne!(state, stream);
    assert_ne!(divergence, stream);
    assert_ne!(divergence, state);
    assert!(orders.contains(&"sort") && !stream.contains(&"sort"));
    // The stream's `/` searches; the orders' filters.
    assert!(stream.contains(&"search") && orders.contains(&"filter"));
    // The state pane steps; it has no search or follow of its own.
    assert!(
        state.contains(&"back") && !state.contains(&"follow"),
        "{state:?}"
    );
    // The divergence pane's Enter jumps to where projection and replay parted.
    assert!(
        keymap
            .footer(Pane::Divergence)
            .contains(&("Enter".to_string(), "parting event")),
        "{divergence:?}"
    );
}

#[test]
fn the_sparkline_scales_to_the_largest_count_and_shows_any_event_above_none() {
    use chronicle::tui::format::sparkline;
    let rates = |v: &[u64]| sparkline(&v.iter().copied().collect());
    assert_eq!(rates(&[0, 1]), "▁█");
    assert_eq!(rates(&[0, 1, 7, 14]), "▁▂▅█");
    assert_eq!(rates(&[1, 1000]), "▂█");
    assert_eq!(rates(&[0, 0]), "▁▁");
    assert_eq!(rates(&[]), "");
}
