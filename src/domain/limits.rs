//! The one set of field limits. `decide` enforces them, the read model is sized by them and
//! `import` checks every event against them, so nothing the command side accepts is
//! something the read side cannot hold.

use std::fmt;

use rust_decimal::Decimal;

/// Most units of one SKU in an order; with `MAX_UNIT_PRICE` it keeps totals far from overflow.
pub const MAX_QUANTITY: u32 = 1_000_000;
/// Highest unit price accepted.
pub const MAX_UNIT_PRICE: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);
/// Longest SKU, in characters.
pub const MAX_SKU_LEN: usize = 64;
/// Longest free-text field (customer id, payment method, cancel reason), in characters.
pub const MAX_TEXT_LEN: usize = 200;
/// Longest tracking number, in characters: the width of the carrier-facing column.
pub const MAX_TRACKING_LEN: usize = 64;

/// A free-text field of a command, with its own limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Who orders.
    CustomerId,
    /// How an order is paid.
    PaymentMethod,
    /// The carrier's number.
    TrackingNumber,
    /// Why an order is cancelled.
    CancelReason,
}

impl TextField {
    /// Longest value, in characters.
    pub fn max_len(self) -> usize {
        match self {
            TextField::TrackingNumber => MAX_TRACKING_LEN,
            _ => MAX_TEXT_LEN,
        }
    }

    /// The field as a person names it.
    pub fn name(self) -> &'static str {
        match self {
            TextField::CustomerId => "customer id",
            TextField::PaymentMethod => "payment method",
            TextField::TrackingNumber => "tracking number",
            TextField::CancelReason => "cancel reason",
        }
    }

    /// The value as `decide` keeps it (trimmed), or `None` when it is blank, too long, or
    /// holds a control, invisible or bidi character.
    pub fn admit(self, value: &str) -> Option<String> {
        let t = value.trim();
        let ok = !t.is_empty() && t.chars().count() <= self.max_len() && t.chars().all(visible);
        ok.then(|| t.to_string())
    }
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// False for control characters and for characters that change how text reads without
/// being seen: zero-width spaces and joiners, bidi embeddings, overrides and isolates, the
/// soft hyphen and the byte-order mark. A SKU `MU\u{200b}G` would look like `MUG` and could
/// not be removed as `MUG`; a bidi override makes text read in another order than stored.
pub fn visible(c: char) -> bool {
    !c.is_control() && !invisible(c)
}

/// Characters that print as nothing (or reorder what is around them).
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_unit_price_is_one_trillion() {
        assert_eq!(MAX_UNIT_PRICE, Decimal::from(1_000_000_000_000_i64));
    }

    #[test]
    fn invisible_and_bidi_characters_are_not_visible() {
        for c in [
            '\u{200B}', '\u{200D}', '\u{202E}', '\u{2066}', '\u{FEFF}', '\u{00AD}',
        ] {
            assert!(!visible(c), "{c:?}");
        }
        for c in ['\u{1B}', '\u{7}', '\0', '\n'] {
            assert!(!visible(c), "{c:?}");
        }
        for c in ['a', 'é', '€', '日', '-', '#'] {
            assert!(visible(c), "{c:?}");
        }
    }

    #[test]
    fn each_field_admits_up_to_its_own_limit() {
        for field in [
            TextField::CustomerId,
            TextField::PaymentMethod,
            TextField::TrackingNumber,
            TextField::CancelReason,
        ] {
            let max = field.max_len();
            assert!(field.admit(&"é".repeat(max)).is_some(), "{field}");
            assert!(field.admit(&"é".repeat(max + 1)).is_none(), "{field}");
            assert_eq!(field.admit("  x  ").as_deref(), Some("x"));
            for bad in ["", "   ", "a\u{1b}b", "MU\u{200b}G", "\u{202e}abc"] {
                assert!(field.admit(bad).is_none(), "{field}: {bad:?}");
            }
        }
        assert_eq!(TextField::TrackingNumber.max_len(), 64);
    }
}
