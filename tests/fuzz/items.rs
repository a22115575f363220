//! Item specs and amounts as the CLI, the prompt and the API take them: `parse_amount`,
//! `parse_quantity`, `Sku::new` and `SKU:QTY:UNIT_PRICE`, each checked against the
//! documented grammar written out again here, with exact round trips. The command line
//! that carries them is `argv.rs`.

use chronicle::domain::{AmountError, LineItem, Sku, parse_amount, parse_quantity};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::config;
use super::strings::{
    arbitrary, bad_amount, digits, good_amount, long, nasty, plain_decimal, visible_word, word,
};
use super::values::{decimal, line_item};

#[derive(Debug, Clone)]
enum Input {
    Amount(String),
    Decimal(Decimal),
    Quantity(String),
    Sku(String),
    Spec(String),
    Item(LineItem),
}

const KINDS: &[&str] = &["amount", "decimal", "quantity", "sku", "spec", "item"];

/// `parse_amount` against the grammar: refused unless plain digits (then `Negative` for a
/// `-` before them), taken exactly (scale kept) when it fits 28 digits.
pub fn check_amount(s: &str) -> Result<Decimal, AmountError> {
    let parsed = parse_amount(s);
    match &parsed {
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.chars().count() < 500 && !m.chars().any(char::is_control),
                "{m:?}"
            );
        }
        Ok(_) => assert!(
            plain_decimal(s),
            "{s:?} is not DIGITS[.DIGITS] but was taken"
        ),
    }
    if plain_decimal(s) {
        let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
        let whole = whole.trim_start_matches('0');
        if whole.len() + fraction.len() > 28 {
            return parsed;
        }
        let d = parsed
            .clone()
            .unwrap_or_else(|e| panic!("{s:?} refused: {e}"));
        let canonical = match (whole, fraction) {
            ("", "") => "0".to_string(),
            (w, "") => w.to_string(),
            ("", f) => format!("0.{f}"),
            (w, f) => format!("{w}.{f}"),
        };
        assert_eq!(d.to_string(), canonical, "{s:?}");
    } else {
        let negative = s.strip_prefix('-').is_some_and(plain_decimal);
        match (&parsed, negative) {
            (Err(AmountError::Negative(_)), true) | (Err(AmountError::Malformed(_)), false) => {}
            _ => panic!("{s:?}: {parsed:?}"),
        }
    }
    parsed
}

fn check_quantity(s: &str) {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let expected = s.parse::<u32>().ok().filter(|q| digits && *q >= 1);
    assert_eq!(parse_quantity(s).ok(), expected, "{s:?}");
}

fn sku_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 64
        && s.chars()
            .all(|c| !c.is_whitespace() && c != ':' && chronicle::domain::limits::visible(c))
}

fn check_sku(s: &str) {
    match Sku::new(s) {
        Ok(sku) => assert!(sku_ok(s) && sku.as_str() == s, "{s:?} taken"),
        Err(e) => {
            assert!(!sku_ok(s), "{s:?} refused: {e}");
            assert!(e.to_string().chars().count() < 600);
        }
    }
}

/// A spec is taken exactly when it has three parts, each valid on its own.
pub fn check_spec(s: &str) -> Option<LineItem> {
    let parsed = s.parse::<LineItem>();
    let parts: Vec<&str> = s.split(':').collect();
    let expected = match parts.as_slice() {
        [sku, qty, price] => {
            sku_ok(sku) && parse_quantity(qty).is_ok() && check_amount(price).is_ok()
        }
        _ => false,
    };
    assert_eq!(parsed.is_ok(), expected, "{s:?}: {parsed:?}");
    if let Ok(item) = &parsed {
        assert_eq!(item.to_string().parse::<LineItem>().as_ref(), Ok(item));
    }
    parsed.ok()
}

pub fn spec() -> BoxedStrategy<String> {
    let part = prop_oneof![
        visible_word(10, false),
        word(6),
        digits(0, 11),
        good_amount(),
        bad_amount(true),
        nasty(6),
        Just(String::new()),
    ];
    proptest::collection::vec(part, 1..5)
        .prop_map(|p| p.join(":"))
        .boxed()
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => prop_oneof![good_amount(), bad_amount(true), nasty(20), arbitrary(20), digits(20, 40), long()]
            .prop_map(Input::Amount),
        2 => decimal(false).prop_map(Input::Decimal),
        2 => prop_oneof![digits(0, 12), nasty(12), bad_amount(true)].prop_map(Input::Quantity),
        2 => prop_oneof![visible_word(70, false), word(70), nasty(12), arbitrary(12)].prop_map(Input::Sku),
        4 => prop_oneof![spec(), nasty(30), arbitrary(30)].prop_map(Input::Spec),
        2 => line_item().prop_map(Input::Item),
    ]
}

#[test]
fn items() {
    config::run("items", KINDS, input(), |tally, input| match input {
        Input::Amount(s) => {
            tally.hit(0);
            let _ = check_amount(&s);
        }
        Input::Decimal(d) => {
            tally.hit(1);
            let back = check_amount(&d.to_string());
            assert_eq!(back.map(|b| b.to_string()), Ok(d.to_string()));
        }
        Input::Quantity(s) => {
            tally.hit(2);
            check_quantity(&s);
        }
        Input::Sku(s) => {
            tally.hit(3);
            check_sku(&s);
        }
        Input::Spec(s) => {
            tally.hit(4);
            check_spec(&s);
        }
        Input::Item(item) => {
            tally.hit(5);
            let shown = item.to_string();
            let back = check_spec(&shown).expect("a valid item's spec parses");
            assert_eq!((back.to_string(), &back), (shown, &item));
        }
    });
}
