//! Order line items and the `SKU:QTY:UNIT_PRICE` spec used by the CLI and the prompt.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{AmountError, parse_amount};

/// A stock-keeping unit: non-empty, printable, no colon or whitespace.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    /// Validates a SKU.
    pub fn new(s: &str) -> Result<Self, ItemSpecError> {
        let ok = !s.is_empty()
            && s.chars().count() <= super::limits::MAX_SKU_LEN
            && s.chars()
                .all(|c| !c.is_whitespace() && super::limits::visible(c) && c != ':');
        if ok {
            Ok(Sku(s.to_string()))
        } else {
            Err(ItemSpecError::BadSku(super::money::quoted(s)))
        }
    }

    /// The SKU text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = ItemSpecError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sku::new(&s)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> Self {
        s.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// One line of an order: a SKU, a quantity and an exact unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// What is ordered.
    pub sku: Sku,
    /// How many; at least one once validated by `decide`.
    pub quantity: u32,
    /// Price of one unit, never negative once validated by `decide`.
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
}

impl LineItem {
    /// Quantity times unit price.
    pub fn line_total(&self) -> Decimal {
        Decimal::from(self.quantity)
            .checked_mul(self.unit_price)
            .unwrap_or(Decimal::MAX)
    }
}

/// Why an item spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemSpecError {
    /// Not three colon-separated parts.
    #[error("item {0:?} is not SKU:QTY:UNIT_PRICE (e.g. BOOK-1:2:12.50)")]
    Shape(String),
    /// SKU empty, too long or with whitespace, colons or control characters.
    #[error(
        "SKU {0:?} is invalid: 1-64 characters without spaces, ':', or control, invisible or bidi characters"
    )]
    BadSku(String),
    /// Quantity not a whole number of at least one.
    #[error("quantity {0:?} must be a whole number of at least 1")]
    BadQuantity(String),
    /// Price not a decimal or negative.
    #[error("unit price: {0}")]
    BadPrice(#[from] AmountError),
}

/// Parses a quantity of at least one.
pub fn parse_quantity(s: &str) -> Result<u32, ItemSpecError> {
    // Digits only: `u32`'s own parser also takes a `+`.
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match s.parse::<u32>() {
        Ok(q) if digits && q >= 1 => Ok(q),
        _ => Err(ItemSpecError::BadQuantity(super::money::quoted(s))),
    }
}

impl FromStr for LineItem {
    type Err = ItemSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(':').collect();
        let [sku, qty, price] = parts.as_slice() else {
            return Err(ItemSpecError::Shape(super::money::quoted(s)));
        };
        Ok(LineItem {
            sku: Sku::new(sku)?,
            quantity: parse_quantity(qty)?,
            unit_price: parse_amount(price)?,
        })
    }
}

impl fmt::Display for LineItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.sku, self.quantity, self.unit_price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_spec() {
        let item: LineItem = "BOOK-1:2:12.49".parse().unwrap();
        assert_eq!(item.sku.as_str(), "BOOK-1");
        assert_eq!(item.quantity, 2);
        assert_eq!(item.line_total().to_string(), "24.98");
        assert_eq!(item.to_string(), "BOOK-1:2:12.49");
    }

    #[test]
    fn quantities_are_plain_digits_of_at_least_one() {
        for good in ["1", "42", "4294967295"] {
            assert!(parse_quantity(good).is_ok(), "{good:?}");
        }
        for bad in [
            "0",
            "+1",
            " 1",
            "1 ",
            "1_0",
            "-1",
            "1.0",
            "",
            "4294967296",
            "٣",
        ] {
            assert!(parse_quantity(bad).is_err(), "{bad:?}");
        }
        assert!("A:1:1_5".parse::<LineItem>().is_err());
        assert!("A:+1:1.00".parse::<LineItem>().is_err());
        assert!("A:1:1.".parse::<LineItem>().is_err());
        assert!("A: 1:1.00".parse::<LineItem>().is_err());
    }

    #[test]
    fn refuses_bad_specs() {
        assert!(matches!(
            "A:1".parse::<LineItem>(),
            Err(ItemSpecError::Shape(_))
        ));
        assert!(matches!(
            "A:1:2:3".parse::<LineItem>(),
            Err(ItemSpecError::Shape(_))
        ));
        assert!(matches!(
            ":1:2".parse::<LineItem>(),
            Err(ItemSpecError::BadSku(_))
        ));
        assert!(matches!(
            "A:0:2".parse::<LineItem>(),
            Err(ItemSpecError::BadQuantity(_))
        ));
        assert!(matches!(
            "A:-1:2".parse::<LineItem>(),
            Err(ItemSpecError::BadQuantity(_))
        ));
        assert!(matches!(
            "A:1:-2".parse::<LineItem>(),
            Err(ItemSpecError::BadPrice(_))
        ));
        assert!(matches!(
            "A:1:x".parse::<LineItem>(),
            Err(ItemSpecError::BadPrice(_))
        ));
        assert!(Sku::new("a\u{1b}[31m").is_err());
    }
}
