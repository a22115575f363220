//! Exact money: ISO 4217 currency codes and decimal amounts.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Active ISO 4217 alphabetic codes (funds and precious metals excluded).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWG",
];

/// A validated ISO 4217 currency code, stored as three ASCII capitals.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Euro, the built-in default when no configuration says otherwise.
    pub const EUR: Currency = Currency(*b"EUR");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Only validated ASCII is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point in the currency's own notation (ISO 4217's minor
    /// unit): 0 for JPY, 3 for KWD, 2 for most. Amounts are never rounded to it; it says
    /// how an amount is written, so `8` and `12.50` of one currency read alike.
    pub fn minor_units(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency {0:?}: expected an ISO 4217 code such as EUR or USD")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match ISO_4217.binary_search(&upper.as_str()) {
            Ok(_) => {
                let b = upper.as_bytes();
                Ok(Currency([b[0], b[1], b[2]]))
            }
            Err(_) => Err(UnknownCurrency(quoted(s))),
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number.
    #[error("{0:?} is not a decimal amount (expected e.g. 12.50)")]
    Malformed(String),
    /// Below zero.
    #[error("amount {0} is negative")]
    Negative(String),
}

/// Characters of a refused input an error quotes: enough to recognise it, never a whole
/// hostile megabyte.
pub const QUOTED: usize = 40;

/// At most [`QUOTED`] characters of `s`, with `…` when it was longer.
pub fn quoted(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTED).collect();
    if s.chars().nth(QUOTED).is_some() {
        q.push('…');
    }
    q
}

/// Digits, then optionally a point and more digits: `12`, `12.50`. No sign, no spaces, no
/// `_` separators, no exponent, no bare `1.` or `.5`: what the documentation shows is all
/// that is accepted.
fn plain_decimal(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(s),
    }
}

/// Parses a non-negative decimal amount exactly (no floating point on the way), in the one
/// form the documentation gives: `12`, `12.50`.
pub fn parse_amount(s: &str) -> Result<Decimal, AmountError> {
    if s.strip_prefix('-').is_some_and(plain_decimal) {
        return Err(AmountError::Negative(quoted(s)));
    }
    if !plain_decimal(s) {
        return Err(AmountError::Malformed(quoted(s)));
    }
    // Digits only, so this fails only past Decimal's 28 significant digits.
    Decimal::from_str_exact(s).map_err(|_| AmountError::Malformed(quoted(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_list_is_sorted_for_binary_search() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn currency_parses_case_insensitively_and_rejects_unknown() {
        assert_eq!("usd".parse::<Currency>().unwrap().code(), "USD");
        assert!("XXX".parse::<Currency>().is_err());
        assert!("EURO".parse::<Currency>().is_err());
        assert!("".parse::<Currency>().is_err());
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        let units = |c: &str| c.parse::<Currency>().unwrap().minor_units();
        assert_eq!(
            (units("JPY"), units("EUR"), units("KWD"), units("USD")),
            (0, 2, 3, 2)
        );
        // Every code named with a scale of its own is a known one.
        for code in ["BIF", "CLP", "XPF", "BHD", "TND"] {
            assert!(code.parse::<Currency>().is_ok(), "{code}");
        }
    }

    #[test]
    fn amounts_are_exact_and_non_negative() {
        assert_eq!(parse_amount("12.50").unwrap().to_string(), "12.50");
        assert!(matches!(parse_amount("-1"), Err(AmountError::Negative(_))));
        assert!(matches!(
            parse_amount("1e3"),
            Err(AmountError::Malformed(_))
        ));
        assert!(matches!(
            parse_amount("abc"),
            Err(AmountError::Malformed(_))
        ));
    }

    #[test]
    fn amounts_parse_only_in_the_documented_form() {
        for good in ["0", "12", "12.50", "0.001", "007.10"] {
            assert!(parse_amount(good).is_ok(), "{good:?}");
        }
        for bad in [
            "1_5", "1_000.00", "+1", "1.", ".5", " 1", "1 ", "1,50", "1e3", "0x10", "", "-", "--1",
            "1.2.3", "١٢", "1\u{0}", "inf", "NaN",
        ] {
            assert!(
                matches!(parse_amount(bad), Err(AmountError::Malformed(_))),
                "{bad:?}: {:?}",
                parse_amount(bad)
            );
        }
        assert!(matches!(
            parse_amount("-0.01"),
            Err(AmountError::Negative(_))
        ));
        // Past 28 significant digits is refused, not rounded.
        assert!(parse_amount(&"9".repeat(40)).is_err());
    }

    #[test]
    fn a_refused_amount_is_quoted_short() {
        let huge = "x".repeat(100_000);
        let message = parse_amount(&huge).unwrap_err().to_string();
        assert!(message.len() < 120, "{} bytes", message.len());
        assert!(message.contains('…'));
    }
}
