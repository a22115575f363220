//! `admit`: an imported history is held to the rules a command is held to, event by event.

use super::*;

/// Folds `history` through `admit`: the index of the first event refused, and why.
fn first_refused(history: &[OrderEvent]) -> Option<(usize, Inadmissible)> {
    let mut order = Order::empty(ID);
    for (i, e) in history.iter().enumerate() {
        if let Err(why) = admit(&order, e) {
            return Some((i, why));
        }
        order = evolve(order, e);
    }
    None
}

fn rejected(history: &[OrderEvent]) -> (usize, DomainError) {
    match first_refused(history) {
        Some((i, Inadmissible::Rejected { error, .. })) => (i, error),
        other => panic!("expected a rule to refuse, got {other:?}"),
    }
}

#[test]
fn a_history_the_rules_made_is_admitted_whole() {
    let history = vec![
        created(vec![item("BOOK-1", 2, "12.49")]),
        added(item("PEN-7", 1, "0.02"), earlier()),
        removed("PEN-7", earlier()),
        paid("card", "24.98", earlier()),
        shipped("TRK-42", earlier()),
        delivered(earlier()),
    ];
    assert_eq!(first_refused(&history), None);
    let cancelled_paid = vec![
        created(vec![item("BOOK-1", 1, "1")]),
        paid("card", "1", earlier()),
        cancelled("customer request", earlier()),
    ];
    assert_eq!(first_refused(&cancelled_paid), None);
}

#[test]
fn lifecycle_breaches_are_refused_at_the_event_that_breaks_them() {
    let book = || created(vec![item("BOOK-1", 2, "12.49")]);
    let status = |action, status| DomainError::InvalidStatus { action, status };
    assert_eq!(
        rejected(&[book(), shipped("TRK", earlier())]),
        (1, status("ship", OrderStatus::Pending))
    );
    assert_eq!(
        rejected(&[book(), paid("card", "1.00", earlier())]),
        (
            1,
            DomainError::AmountMismatch {
                amount: dec("1.00"),
                total: dec("24.98")
            }
        )
    );
    assert_eq!(
        rejected(&[delivered(earlier())]),
        (0, DomainError::NotFound)
    );
    assert_eq!(rejected(&[book(), book()]), (1, DomainError::AlreadyExists));
    assert_eq!(
        rejected(&[
            book(),
            cancelled("x", earlier()),
            paid("card", "24.98", earlier())
        ]),
        (2, status("pay", OrderStatus::Cancelled))
    );
}

#[test]
fn lines_outside_the_limits_are_refused() {
    let huge = LineItem {
        sku: sku("A"),
        quantity: u32::MAX,
        unit_price: Decimal::MAX,
    };
    assert_eq!(
        rejected(&[created(vec![huge])]),
        (0, DomainError::TooLarge(sku("A")))
    );
    let free = LineItem {
        sku: sku("A"),
        quantity: 0,
        unit_price: dec("-5"),
    };
    assert_eq!(
        rejected(&[created(vec![free])]),
        (0, DomainError::InvalidQuantity(sku("A")))
    );
    assert_eq!(
        rejected(&[created(vec![item("A", 1, "-5")])]),
        (0, DomainError::NegativePrice(sku("A")))
    );
    assert_eq!(rejected(&[created(vec![])]), (0, DomainError::NoItems));
}

#[test]
fn text_the_rules_refuse_is_refused() {
    let with = |customer: &str| created_full(customer, vec![item("A", 1, "1")], usd(), earlier());
    let ten_mb = "c".repeat(10 << 20);
    for customer in [
        "",
        "  ",
        ten_mb.as_str(),
        "a\u{1b}[2Jb",
        "bel\u{7}",
        "nul\0",
        "x\u{202e}y",
    ] {
        assert_eq!(
            rejected(&[with(customer)]),
            (0, DomainError::BadText(TextField::CustomerId)),
            "{:?}",
            &customer[..customer.len().min(12)]
        );
    }
    let book = created(vec![item("A", 1, "1")]);
    let wide = "T".repeat(65);
    assert_eq!(
        rejected(&[
            book.clone(),
            paid("card", "1", earlier()),
            shipped(&wide, earlier())
        ]),
        (2, DomainError::BadText(TextField::TrackingNumber))
    );
    assert_eq!(
        rejected(&[book, cancelled("why\u{0}", earlier())]),
        (1, DomainError::BadText(TextField::CancelReason))
    );
}

#[test]
fn an_event_the_rules_would_record_otherwise_is_refused() {
    let OrderEvent::Created(mut other) = created(vec![item("A", 1, "1")]) else {
        unreachable!()
    };
    other.order_id = OrderId(Uuid::from_u128(7));
    assert_eq!(
        first_refused(&[OrderEvent::Created(other)]),
        Some((0, Inadmissible::OtherOrder))
    );
    let untrimmed = created_full(" alice ", vec![item("A", 1, "1")], usd(), earlier());
    assert_eq!(
        first_refused(&[untrimmed]),
        Some((0, Inadmissible::Unlike("OrderCreated")))
    );
}

#[test]
fn command_of_is_what_decide_turns_back_into_the_event() {
    let order = given(pending()).state;
    let e = added(item("PEN-7", 3, "0.50"), earlier());
    assert_eq!(decide(&order, &command_of(&e), earlier()), Ok(vec![e]));
}
