//! `CreateOrder`: what a new order may contain.

use super::*;

#[test]
fn create_on_empty_order_emits_created_at_now() {
    let items = vec![item("BOOK-1", 2, "12.49"), item("PEN-7", 1, "0.02")];
    let order = given(vec![])
        .when(OrderCommand::CreateOrder {
            customer_id: "alice".into(),
            items: items.clone(),
            currency: usd(),
        })
        .then(vec![created_full("alice", items.clone(), usd(), now())]);
    assert_eq!(order.status, Some(OrderStatus::Pending));
    assert_eq!(order.version, 1);
    assert_eq!(order.currency, usd());
    assert_eq!(order.items, items);
    assert_eq!(order.created_at, Some(now()));
    assert_eq!(order.updated_at, Some(now()));
}

#[test]
fn create_trims_the_customer_id() {
    let items = vec![item("BOOK-1", 1, "1")];
    given(vec![])
        .when(create_cmd("  alice\t", items.clone()))
        .then(vec![created_full("alice", items, Currency::EUR, now())]);
}

#[test]
fn create_accepts_a_free_item() {
    let items = vec![item("GIFT", 1, "0")];
    given(vec![])
        .when(create_cmd("alice", items.clone()))
        .then(vec![created_full("alice", items, Currency::EUR, now())]);
}

#[test]
fn create_on_existing_order_is_rejected() {
    for status in OrderStatus::ALL {
        given(history(status))
            .when(create_cmd("bob", vec![item("A", 1, "1")]))
            .then_err(DomainError::AlreadyExists);
    }
}

#[test]
fn create_without_items_is_rejected() {
    given(vec![])
        .when(create_cmd("alice", vec![]))
        .then_err(DomainError::NoItems);
}

#[test]
fn create_with_zero_quantity_is_rejected() {
    given(vec![])
        .when(create_cmd(
            "alice",
            vec![item("A", 1, "1"), item("B", 0, "1")],
        ))
        .then_err(DomainError::InvalidQuantity(sku("B")));
}

#[test]
fn create_with_negative_price_is_rejected() {
    given(vec![])
        .when(create_cmd("alice", vec![item("A", 1, "-0.01")]))
        .then_err(DomainError::NegativePrice(sku("A")));
}

#[test]
fn create_with_duplicate_sku_is_rejected() {
    given(vec![])
        .when(create_cmd(
            "alice",
            vec![item("A", 1, "1"), item("B", 1, "2"), item("A", 3, "1")],
        ))
        .then_err(DomainError::DuplicateSku(sku("A")));
}

#[test]
fn create_with_blank_customer_is_rejected() {
    for blank in ["", "   ", "\t\n"] {
        given(vec![])
            .when(create_cmd(blank, vec![item("A", 1, "1")]))
            .then_err(DomainError::BadText(TextField::CustomerId));
    }
}

#[test]
fn create_with_too_long_customer_is_rejected() {
    given(vec![])
        .when(create_cmd(
            &"x".repeat(MAX_TEXT_LEN + 1),
            vec![item("A", 1, "1")],
        ))
        .then_err(DomainError::BadText(TextField::CustomerId));
}

#[test]
fn customer_length_limit_counts_characters_not_bytes() {
    // 200 two-byte characters are 400 bytes but still within the limit.
    let longest = "é".repeat(MAX_TEXT_LEN);
    let items = vec![item("A", 1, "1")];
    given(vec![])
        .when(create_cmd(&longest, items.clone()))
        .then(vec![created_full(&longest, items, Currency::EUR, now())]);
}
