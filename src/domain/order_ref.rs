//! How an operator names an order: its whole id, or the start of it, as the debugger shows
//! ids by their first eight digits.

use std::str::FromStr;

use super::event::OrderId;

/// Hex digits a prefix needs at least: fewer would match too many orders to be worth a
/// lookup (one in 65,536 ids starts with a given four).
pub const MIN_PREFIX_DIGITS: usize = 4;

/// Hex digits in a whole id.
const ID_DIGITS: usize = 32;

/// Where the stored form of an id (hyphenated, lower case) has its hyphens: after these
/// many digits.
const HYPHENS_AFTER: [usize; 4] = [8, 12, 16, 20];

/// An order named on a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// A whole id: used as it is, whether or not the order exists yet.
    Id(OrderId),
    /// The start of an id, to be resolved to the one order it names.
    Prefix(IdPrefix),
}

/// The start of an order id in its stored form: lower-case hex digits, hyphens where the
/// stored id has them, whichever hyphens were typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPrefix(String);

impl IdPrefix {
    /// The prefix as the stored ids start with it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a text names no order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOrderRef {
    /// Not hex digits and hyphens, or longer than an id.
    #[error(
        "{0:?} is not an order id or id prefix (expected a UUID such as 3f2a5c1e-..., or its first {MIN_PREFIX_DIGITS} or more hex digits)"
    )]
    NotAnId(String),
    /// Too few digits to look up.
    #[error(
        "{0:?} is too short for an order id prefix: give at least {MIN_PREFIX_DIGITS} hex digits"
    )]
    TooShort(String),
}

impl FromStr for OrderRef {
    type Err = InvalidOrderRef;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(id) = s.parse::<OrderId>() {
            return Ok(OrderRef::Id(id));
        }
        let not_an_id = || InvalidOrderRef::NotAnId(super::money::quoted(s));
        if !s.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(not_an_id());
        }
        let digits: Vec<char> = s
            .chars()
            .filter(char::is_ascii_hexdigit)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if digits.len() < MIN_PREFIX_DIGITS {
            return Err(InvalidOrderRef::TooShort(super::money::quoted(s)));
        }
        if digits.len() >= ID_DIGITS {
            // A whole id's worth of digits that did not parse as one: hyphens misplaced.
            return Err(not_an_id());
        }
        let mut stored = String::with_capacity(digits.len() + HYPHENS_AFTER.len());
        for (i, c) in digits.into_iter().enumerate() {
            if HYPHENS_AFTER.contains(&i) {
                stored.push('-');
            }
            stored.push(c);
        }
        Ok(OrderRef::Prefix(IdPrefix(stored)))
    }
}

#[cfg(test)]
mod tests {
    use super::{InvalidOrderRef, OrderRef};

    fn prefix(s: &str) -> String {
        match s.parse::<OrderRef>() {
            Ok(OrderRef::Prefix(p)) => p.as_str().to_string(),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn a_whole_id_is_an_id_and_its_start_a_prefix_in_the_stored_form() {
        let id = "3F2A5C1E-0000-4000-8000-0000000000AB";
        assert!(matches!(id.parse(), Ok(OrderRef::Id(_))));
        assert_eq!(prefix("3F2A"), "3f2a");
        assert_eq!(prefix("3f2a5c1e"), "3f2a5c1e");
        assert_eq!(prefix("3f2a5c1e-"), "3f2a5c1e");
        assert_eq!(prefix("3f2a5c1e-00"), "3f2a5c1e-00");
        // Typed without its hyphens, a long prefix still matches the stored form.
        assert_eq!(prefix("3f2a5c1e0000400080"), "3f2a5c1e-0000-4000-80");
    }

    #[test]
    fn short_and_non_hex_texts_name_no_order() {
        for short in ["", "3f2", "3-f-2", " 3f "] {
            assert!(
                matches!(short.parse::<OrderRef>(), Err(InvalidOrderRef::TooShort(_))),
                "{short:?}"
            );
        }
        for bad in [
            "not-a-uuid",
            "3f2g",
            "3f2a 5c",
            "3f2a5c1e-0000-4000-8000-0000000000ab00",
        ] {
            assert!(
                matches!(bad.parse::<OrderRef>(), Err(InvalidOrderRef::NotAnId(_))),
                "{bad:?}"
            );
        }
    }
}
