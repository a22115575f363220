//! Damage for valid JSON: values swapped for wrong types, edge numbers and hostile strings,
//! keys dropped or added, characters inserted, deleted, replaced or the text cut short.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::strings::{arbitrary, insert, nasty};

/// Stand-ins for any JSON value: wrong types, edge numbers, hostile strings, deep nesting.
pub fn weird_value() -> BoxedStrategy<Value> {
    let numbers = select(vec![
        "0",
        "-0",
        "1",
        "-1",
        "1.0",
        "1e3",
        "1e400",
        "-1e400",
        "4294967295",
        "4294967296",
        "18446744073709551616",
        "-9223372036854775809",
        "0.1",
        "1E-7",
    ])
    .prop_map(|n| serde_json::from_str::<Value>(n).unwrap_or(Value::Null));
    let strings = prop_oneof![
        nasty(16),
        arbitrary(16),
        select(vec![
            "",
            "12.50",
            "-1",
            "1e3",
            "EUR",
            "eur",
            "XXX",
            "NaN",
            "2026-07-29T10:00:00Z",
            "2026-07-29",
            "+275760-09-13T00:00:00Z",
            "9999-12-31T23:59:60Z",
            "00000000-0000-0000-0000-000000000000",
            "A:1:1",
            "1.",
            ".5",
        ])
        .prop_map(String::from),
    ]
    .prop_map(Value::String);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        numbers,
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        strings,
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(nasty(8), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// How many nodes a JSON value has, itself included.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// `v` with the `n`-th node (depth first) replaced by `with`; an object gains or loses a key
/// when `with` is an object or null.
pub fn mutate(v: &Value, n: usize, with: &Value) -> Value {
    fn walk(v: &mut Value, n: &mut usize, with: &Value) -> bool {
        if *n == 0 {
            match (v.as_object_mut(), with) {
                (Some(o), Value::Null) if !o.is_empty() => {
                    let k = o.keys().next().cloned().unwrap_or_default();
                    o.remove(&k);
                }
                (Some(o), Value::Object(extra)) => o.extend(extra.clone()),
                _ => *v = with.clone(),
            }
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| walk(x, n, with)),
            Value::Object(o) => o.values_mut().any(|x| walk(x, n, with)),
            _ => false,
        }
    }
    let mut out = v.clone();
    let mut n = n % count(v);
    walk(&mut out, &mut n, with);
    out
}

/// Inserts, deletes, replaces or truncates at a char boundary.
pub fn apply(json: &str, ops: &[(u8, usize, char)]) -> String {
    let mut s = json.to_string();
    for &(op, at, c) in ops {
        let n = s.chars().count();
        let i = at % (n + 1);
        s = match op {
            0 => insert(&s, c, i),
            1 => s
                .chars()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c)
                .collect(),
            2 => s
                .chars()
                .enumerate()
                .map(|(j, x)| if j == i { c } else { x })
                .collect(),
            _ => s.chars().take(i).collect(),
        };
    }
    s
}
