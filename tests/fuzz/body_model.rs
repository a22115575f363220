//! A model of each write endpoint's body: its fields right, missing or mistyped, unknown
//! ones beside them, a field doubled, trailing text; rendered compact, pretty, `\u`-escaped
//! or padded, with the `field` the API must name in its 400 for it.

use std::fmt::Write as _;

use chronicle::domain::{Sku, parse_amount};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use super::strings::{arbitrary, bad_amount, good_amount, nasty, visible_word};

/// The endpoints, by index: create, then `/api/orders/{id}/…` for the others.
pub const ENDPOINTS: [&str; 5] = ["/api/orders", "items", "pay", "ship", "cancel"];

/// A field as sent: its value, or left out.
#[derive(Debug, Clone)]
pub enum F {
    Good(Value),
    Missing,
    Wrong(Value),
}

#[derive(Debug, Clone)]
pub struct Model {
    pub endpoint: usize,
    pub fields: Vec<(&'static str, F)>,
    pub items: Vec<Vec<(&'static str, F)>>,
    pub extra: Option<(String, Value)>,
    pub doubled: bool,
    pub trailing: Option<String>,
    pub style: u8,
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        visible_word(20, true),
        nasty(20),
        arbitrary(12),
        good_amount(),
        bad_amount(true),
        select(vec!["EUR", "usd", "XXX", ""]).prop_map(String::from)
    ]
    .boxed()
}

fn wrong(number: bool) -> BoxedStrategy<Value> {
    let strings = if number {
        prop_oneof![
            Just(json!("1")),
            Just(json!(-1)),
            Just(json!(4_294_967_296u64)),
            Just(json!(1.5)),
            Just(json!(1e300))
        ]
        .boxed()
    } else {
        prop_oneof![Just(json!(1)), Just(json!(12.5)), Just(json!(["x"]))].boxed()
    };
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!({})),
        strings
    ]
    .boxed()
}

fn field(name: &'static str, number: bool) -> BoxedStrategy<(&'static str, F)> {
    let good = if number {
        any::<u32>().prop_map(|n| json!(n)).boxed()
    } else {
        text().prop_map(Value::String).boxed()
    };
    prop_oneof![12 => good.prop_map(F::Good), 1 => Just(F::Missing), 1 => wrong(number).prop_map(F::Wrong)]
        .prop_map(move |f| (name, f))
        .boxed()
}

fn item_fields() -> BoxedStrategy<Vec<(&'static str, F)>> {
    (
        field("sku", false),
        field("quantity", true),
        field("unit_price", false),
    )
        .prop_map(|(a, b, c)| vec![a, b, c])
        .boxed()
}

pub fn model() -> BoxedStrategy<Model> {
    let fields = (0..5usize).prop_flat_map(|endpoint| {
        let fields = match endpoint {
            0 => (
                field("customer_id", false),
                field("currency", false),
                proptest::option::of(wrong(false)),
            )
                .prop_map(|(c, cur, items_wrong)| {
                    let mut f = vec![c, cur];
                    if let Some(w) = items_wrong {
                        f.push(("items", F::Wrong(w)));
                    }
                    f
                })
                .boxed(),
            1 => Just(vec![]).boxed(),
            2 => (field("method", false), field("amount", false))
                .prop_map(|(a, b)| vec![a, b])
                .boxed(),
            3 => field("tracking_number", false)
                .prop_map(|a| vec![a])
                .boxed(),
            _ => field("reason", false).prop_map(|a| vec![a]).boxed(),
        };
        let items =
            proptest::collection::vec(item_fields(), if endpoint == 0 { 0..4 } else { 1..2 });
        (Just(endpoint), fields, items)
    });
    let extra = proptest::option::weighted(0.05, (nasty(8), text().prop_map(Value::String)));
    let trailing = proptest::option::weighted(
        0.05,
        prop_oneof![Just("{}".to_string()), Just(" x".to_string()), nasty(4)],
    );
    (
        fields,
        extra,
        proptest::bool::weighted(0.05),
        trailing,
        0..4u8,
    )
        .prop_map(
            |((endpoint, fields, items), extra, doubled, trailing, style)| Model {
                endpoint,
                fields,
                items,
                extra,
                doubled,
                trailing,
                style,
            },
        )
        .boxed()
}

fn object(fields: &[(&'static str, F)]) -> (Map<String, Value>, bool) {
    let mut m = Map::new();
    let mut ok = true;
    for (k, f) in fields {
        match f {
            F::Good(v) => drop(m.insert((*k).to_string(), v.clone())),
            F::Missing => ok &= *k == "currency",
            // A null currency is an absent one.
            F::Wrong(v) => {
                ok &= *k == "currency" && v.is_null();
                m.insert((*k).to_string(), v.clone());
            }
        }
    }
    (m, ok)
}

/// Every non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP): only strings
/// hold any, so the text stays the same JSON.
fn escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{u:04x}");
            }
        }
    }
    out
}

/// The body's bytes, and the `field` the answer must name: `if-match` when the body is
/// right, `None` when it is wrong in its shape (any field but `if-match` will do).
pub fn render(m: &Model) -> (Vec<u8>, Option<String>) {
    let (mut top, mut ok) = object(&m.fields);
    let mut items = Vec::new();
    if m.endpoint < 2 {
        for it in &m.items {
            let (o, item_ok) = object(it);
            ok &= item_ok;
            items.push(o);
        }
    }
    match m.endpoint {
        0 if !top.contains_key("items") => {
            let list = items.iter().cloned().map(Value::Object).collect();
            top.insert("items".into(), Value::Array(list));
        }
        0 => ok = false,
        1 => top.clone_from(&items[0]),
        _ => {}
    }
    if let Some((k, v)) = &m.extra {
        // Never one of the type's own names: `deny_unknown_fields` must refuse it.
        top.insert(format!("x-{k}"), v.clone());
        ok = false;
    }
    let value = Value::Object(top.clone());
    let mut text = match m.style {
        0 => value.to_string(),
        1 => serde_json::to_string_pretty(&value).unwrap(),
        2 => escaped(&value.to_string()),
        _ => format!(" \t\r\n{value}\n"),
    };
    if m.doubled
        && let Some((k, v)) = top.iter().next()
    {
        text = text.replacen('{', &format!("{{{}:{v},", Value::String(k.clone())), 1);
        ok = false;
    }
    if let Some(t) = &m.trailing {
        text.push_str(t);
        // JSON's whitespace only: not Unicode's.
        ok &= t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    }
    if !ok {
        return (text.into_bytes(), None);
    }
    let str_of = |o: &Map<String, Value>, k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let check_items = |prefix: &dyn Fn(usize) -> String| {
        for (i, o) in items.iter().enumerate() {
            if Sku::new(&str_of(o, "sku")).is_err() {
                return Some(format!("{}.sku", prefix(i)));
            }
            if parse_amount(&str_of(o, "unit_price")).is_err() {
                return Some(format!("{}.unit_price", prefix(i)));
            }
        }
        None
    };
    let field = match m.endpoint {
        0 => check_items(&|i| format!("items[{i}]")).or_else(|| match top.get("currency") {
            Some(Value::String(c)) if c.parse::<chronicle::domain::Currency>().is_err() => {
                Some("currency".into())
            }
            _ => None,
        }),
        1 => check_items(&|_| "item".into()),
        2 => parse_amount(&str_of(&top, "amount"))
            .is_err()
            .then(|| "amount".to_string()),
        _ => None,
    };
    (
        text.into_bytes(),
        Some(field.unwrap_or_else(|| "if-match".into())),
    )
}
