//! `AddItem` and `RemoveItem` on a pending order.

use super::*;

// ---------------------------------------------------------------------------------------------
// AddItem
// ---------------------------------------------------------------------------------------------

#[test]
fn add_new_sku_on_pending_order() {
    let order = given(pending())
        .when(add_cmd(item("PEN-7", 3, "0.99")))
        .then(vec![added(item("PEN-7", 3, "0.99"), now())]);
    assert_eq!(
        order.items,
        vec![item("BOOK-1", 2, "12.49"), item("PEN-7", 3, "0.99")]
    );
    assert_eq!(order.total().to_string(), "27.95");
    assert_eq!(order.updated_at, Some(now()));
}

#[test]
fn add_existing_sku_at_same_price_merges_quantity() {
    let order = given(pending())
        .when(add_cmd(item("BOOK-1", 3, "12.49")))
        .then(vec![added(item("BOOK-1", 3, "12.49"), now())]);
    assert_eq!(order.items, vec![item("BOOK-1", 5, "12.49")]);
    assert_eq!(order.total().to_string(), "62.45");
}

#[test]
fn add_existing_sku_at_same_price_with_other_scale_is_the_same_price() {
    let order = given(vec![created(vec![item("A", 1, "12.5")])])
        .when(add_cmd(item("A", 1, "12.50")))
        .then(vec![added(item("A", 1, "12.50"), now())]);
    assert_eq!(order.items.len(), 1);
    assert_eq!(order.items[0].quantity, 2);
    assert_eq!(order.total(), dec("25"));
}

#[test]
fn add_existing_sku_at_other_price_is_rejected() {
    given(pending())
        .when(add_cmd(item("BOOK-1", 1, "9.99")))
        .then_err(DomainError::PriceChanged {
            sku: sku("BOOK-1"),
            existing: dec("12.49"),
        });
}

#[test]
fn add_with_zero_quantity_or_negative_price_is_rejected() {
    given(pending())
        .when(add_cmd(item("PEN-7", 0, "1")))
        .then_err(DomainError::InvalidQuantity(sku("PEN-7")));
    given(pending())
        .when(add_cmd(item("PEN-7", 1, "-1")))
        .then_err(DomainError::NegativePrice(sku("PEN-7")));
}

#[test]
fn add_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(add_cmd(item("PEN-7", 1, "1")))
            .then_err(invalid_status("add items to", status));
    }
}

#[test]
fn a_removed_sku_can_come_back_at_a_new_price() {
    // The PriceChanged message tells users to remove the line first; that must work.
    let order = given(vec![
        created(vec![item("A", 1, "1"), item("B", 1, "2")]),
        removed("A", earlier()),
    ])
    .when(add_cmd(item("A", 4, "1.50")))
    .then(vec![added(item("A", 4, "1.50"), now())]);
    assert_eq!(order.items, vec![item("B", 1, "2"), item("A", 4, "1.50")]);
    assert_eq!(order.total().to_string(), "8.00");
}

// ---------------------------------------------------------------------------------------------
// RemoveItem
// ---------------------------------------------------------------------------------------------

#[test]
fn remove_a_line_from_pending_order() {
    let order = given(two_lines())
        .when(remove_cmd("BOOK-1"))
        .then(vec![removed("BOOK-1", now())]);
    assert_eq!(order.items, vec![item("PEN-7", 1, "0.02")]);
    assert_eq!(order.total().to_string(), "0.02");
}

#[test]
fn remove_absent_sku_is_rejected() {
    given(two_lines())
        .when(remove_cmd("NOPE"))
        .then_err(DomainError::SkuNotInOrder(sku("NOPE")));
    // On a one-line order the absent SKU is still the reason, not the last-item rule.
    given(pending())
        .when(remove_cmd("NOPE"))
        .then_err(DomainError::SkuNotInOrder(sku("NOPE")));
}

#[test]
fn remove_last_item_is_rejected() {
    given(pending())
        .when(remove_cmd("BOOK-1"))
        .then_err(DomainError::LastItem(sku("BOOK-1")));
    given(two_lines())
        .when(remove_cmd("PEN-7"))
        .then(vec![removed("PEN-7", now())]);
    let mut events = two_lines();
    events.push(removed("PEN-7", earlier()));
    given(events)
        .when(remove_cmd("BOOK-1"))
        .then_err(DomainError::LastItem(sku("BOOK-1")));
}

#[test]
fn remove_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(remove_cmd("BOOK-1"))
            .then_err(invalid_status("remove items from", status));
    }
}

#[test]
fn a_sku_that_would_look_like_another_is_refused() {
    // Each would print like a plain SKU and then not match it on `remove-item`.
    for s in [
        "MU\u{200b}G",
        "MUG\u{200d}",
        "\u{feff}MUG",
        "\u{202e}GUM",
        "MU\u{2066}G",
        "MU\u{ad}G",
    ] {
        assert!(Sku::new(s).is_err(), "{s:?}");
    }
    assert!(Sku::new("MUG-日本").is_ok());
}
