//! Paying, shipping, delivering and cancelling, and the order in which `decide` checks
//! existence, status and text fields.

use super::*;
use crate::domain::limits::MAX_TRACKING_LEN;

// ---------------------------------------------------------------------------------------------
// PayOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn pay_exact_total() {
    let order = given(two_lines())
        .when(pay_cmd("card", "25.00"))
        .then(vec![paid("card", "25.00", now())]);
    assert_eq!(order.status, Some(OrderStatus::Paid));
    assert_eq!(
        order.payment,
        Some(Payment {
            method: "card".into(),
            amount: dec("25.00"),
            paid_at: now(),
        })
    );
}

#[test]
fn pay_compares_amounts_by_value_not_scale() {
    let history = vec![created(vec![item("A", 1, "12.50")])];
    given(history.clone())
        .when(pay_cmd("card", "12.5"))
        .then(vec![paid("card", "12.5", now())]);
    given(history)
        .when(pay_cmd("card", "12.500"))
        .then(vec![paid("card", "12.500", now())]);
}

#[test]
fn pay_trims_the_method() {
    given(pending())
        .when(pay_cmd("  cash ", "24.98"))
        .then(vec![paid("cash", "24.98", now())]);
}

#[test]
fn pay_wrong_amount_is_rejected() {
    for amount in ["24.97", "24.99", "0", "49.96"] {
        given(pending())
            .when(pay_cmd("card", amount))
            .then_err(DomainError::AmountMismatch {
                amount: dec(amount),
                total: dec("24.98"),
            });
    }
}

#[test]
fn pay_when_not_pending_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending]) {
        given(history(status))
            .when(pay_cmd("card", "24.98"))
            .then_err(invalid_status("pay", status));
    }
}

#[test]
fn pay_with_blank_or_too_long_method_is_rejected() {
    for method in ["", "  ", &"m".repeat(MAX_TEXT_LEN + 1)] {
        given(pending())
            .when(pay_cmd(method, "24.98"))
            .then_err(DomainError::BadText(TextField::PaymentMethod));
    }
}

// ---------------------------------------------------------------------------------------------
// ShipOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn ship_a_paid_order() {
    let order = given(history(OrderStatus::Paid))
        .when(ship_cmd(" TRK-42 "))
        .then(vec![shipped("TRK-42", now())]);
    assert_eq!(order.status, Some(OrderStatus::Shipped));
    assert_eq!(order.tracking_number.as_deref(), Some("TRK-42"));
    assert_eq!(order.shipped_at, Some(now()));
}

#[test]
fn ship_when_not_paid_is_rejected() {
    for status in statuses_except(&[OrderStatus::Paid]) {
        given(history(status))
            .when(ship_cmd("TRK-42"))
            .then_err(invalid_status("ship", status));
    }
}

#[test]
fn ship_with_blank_too_long_or_invisible_tracking_is_rejected() {
    // The read model's carrier column holds 64: the command side refuses what it cannot hold.
    let too_long = "t".repeat(MAX_TRACKING_LEN + 1);
    for tracking in [
        "",
        " \t ",
        &too_long,
        &"t".repeat(MAX_TEXT_LEN + 1),
        "TRK\u{200b}1",
        "\u{202e}1KRT",
    ] {
        given(history(OrderStatus::Paid))
            .when(ship_cmd(tracking))
            .then_err(DomainError::BadText(TextField::TrackingNumber));
    }
}

#[test]
fn ship_with_the_longest_tracking_number_the_read_model_holds() {
    let longest = "é".repeat(MAX_TRACKING_LEN);
    given(history(OrderStatus::Paid))
        .when(ship_cmd(&longest))
        .then(vec![shipped(&longest, now())]);
}

// ---------------------------------------------------------------------------------------------
// DeliverOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn deliver_a_shipped_order() {
    let order = given(history(OrderStatus::Shipped))
        .when(OrderCommand::DeliverOrder)
        .then(vec![delivered(now())]);
    assert_eq!(order.status, Some(OrderStatus::Delivered));
    assert_eq!(order.delivered_at, Some(now()));
}

#[test]
fn deliver_when_not_shipped_is_rejected() {
    for status in statuses_except(&[OrderStatus::Shipped]) {
        given(history(status))
            .when(OrderCommand::DeliverOrder)
            .then_err(invalid_status("deliver", status));
    }
}

// ---------------------------------------------------------------------------------------------
// CancelOrder
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_a_pending_or_paid_order() {
    for status in [OrderStatus::Pending, OrderStatus::Paid] {
        let order = given(history(status))
            .when(cancel_cmd(" out of stock "))
            .then(vec![cancelled("out of stock", now())]);
        assert_eq!(order.status, Some(OrderStatus::Cancelled));
        assert_eq!(order.cancel_reason.as_deref(), Some("out of stock"));
        assert_eq!(order.cancelled_at, Some(now()));
    }
}

#[test]
fn cancel_when_shipped_delivered_or_cancelled_is_rejected() {
    for status in statuses_except(&[OrderStatus::Pending, OrderStatus::Paid]) {
        given(history(status))
            .when(cancel_cmd("too late"))
            .then_err(invalid_status("cancel", status));
    }
}

#[test]
fn cancel_with_blank_or_too_long_reason_is_rejected() {
    for reason in ["", "   ", &"r".repeat(MAX_TEXT_LEN + 1)] {
        given(pending())
            .when(cancel_cmd(reason))
            .then_err(DomainError::BadText(TextField::CancelReason));
    }
}

// ---------------------------------------------------------------------------------------------
// Commands on an order that does not exist
// ---------------------------------------------------------------------------------------------

#[test]
fn every_non_create_command_on_empty_order_is_not_found() {
    // Inputs are deliberately invalid too: existence is checked before anything else.
    let commands = [
        add_cmd(item("A", 0, "-1")),
        remove_cmd("A"),
        pay_cmd("", "0"),
        ship_cmd(""),
        OrderCommand::DeliverOrder,
        cancel_cmd(""),
    ];
    for cmd in commands {
        given(vec![]).when(cmd).then_err(DomainError::NotFound);
    }
}

#[test]
fn status_is_checked_before_text_fields() {
    given(pending())
        .when(ship_cmd(""))
        .then_err(invalid_status("ship", OrderStatus::Pending));
    given(history(OrderStatus::Delivered))
        .when(cancel_cmd(""))
        .then_err(invalid_status("cancel", OrderStatus::Delivered));
    given(history(OrderStatus::Paid))
        .when(pay_cmd("", "0"))
        .then_err(invalid_status("pay", OrderStatus::Paid));
}

#[test]
fn an_order_whose_total_does_not_fit_a_decimal_cannot_be_paid() {
    // Only events written behind the application's back hold such lines: evolve takes
    // them as they are, and the rule refuses to compute with a saturated total.
    let huge = LineItem {
        sku: sku("A"),
        quantity: u32::MAX,
        unit_price: Decimal::MAX,
    };
    given(vec![created(vec![huge])])
        .when(pay_cmd("card", "1"))
        .then_err(DomainError::TotalTooLarge);
}
