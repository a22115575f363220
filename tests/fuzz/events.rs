//! Stored events: `OrderEvent::decode` for every type and schema version, on the payloads
//! this build writes (which must decode to the same event and re-encode byte for byte), on
//! `OrderCreated` v1 (upcast with the configured currency), on valid payloads mutated byte by
//! byte and value by value, and on arbitrary text. Whatever decodes must re-encode to a
//! payload that decodes to the same event.

use chronicle::domain::{
    Currency, DecodeError, EVENT_TYPES, OrderCreated, OrderCreatedV1, OrderEvent, UpcastContext,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::config;
use super::mutate::{apply, mutate, weird_value};
use super::strings::{arbitrary, long, nasty, nasty_char};
use super::values::{currency, event};

#[derive(Debug, Clone)]
enum Input {
    RoundTrip(OrderEvent, Currency),
    Upcast(OrderEvent, Currency),
    Named(String, u32, OrderEvent),
    Bytes(OrderEvent, Vec<(u8, usize, char)>),
    Values(OrderEvent, Vec<(usize, Value)>, usize),
    Text(String, u32, String),
}

const KINDS: &[&str] = &["roundtrip", "upcast", "named", "bytes", "values", "text"];

fn ctx(default_currency: Currency) -> UpcastContext {
    UpcastContext { default_currency }
}

/// Decodes, and checks what any decode must: an error that says which type and version, an
/// event that re-encodes to a payload decoding to itself.
fn decode(
    event_type: &str,
    version: u32,
    json: &str,
    c: UpcastContext,
) -> Result<OrderEvent, DecodeError> {
    let decoded = OrderEvent::decode(event_type, version, json, &c);
    match &decoded {
        Ok(e) => {
            let again =
                OrderEvent::decode(e.event_type(), e.schema_version(), &e.payload_json(), &c);
            assert_eq!(again.as_ref(), Ok(e), "{event_type} v{version} {json:?}");
        }
        Err(DecodeError::UnknownType(t)) => {
            assert!(
                !EVENT_TYPES.contains(&event_type) && t.chars().count() <= 41,
                "{t:?}"
            );
        }
        Err(DecodeError::UnknownVersion {
            event_type: t,
            version: v,
        }) => {
            assert!(EVENT_TYPES.contains(&t.as_str()) && *v == version);
        }
        Err(DecodeError::Payload {
            event_type: t,
            version: v,
            ..
        }) => {
            assert!(t == event_type && *v == version);
        }
        // Only a store says a row is unreadable; text always decodes or names its fault.
        Err(DecodeError::Unreadable(why)) => panic!("decode of text said unreadable: {why}"),
    }
    decoded
}

fn input() -> impl Strategy<Value = Input> {
    let name = prop_oneof![
        4 => select(EVENT_TYPES.to_vec()).prop_map(String::from),
        1 => select(vec!["orderCreated", "OrderCreated ", "Order", "", "ItemAdded\0", "OrderCreatedV1"]).prop_map(String::from),
        1 => nasty(60),
    ];
    let version = prop_oneof![4 => 0..4u32, 1 => any::<u32>()];
    let byte_ops = proptest::collection::vec((0..4u8, any::<usize>(), nasty_char()), 1..6);
    let text = prop_oneof![
        arbitrary(200),
        nasty(200),
        long(),
        (1..20_000usize).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (1..20_000usize).prop_map(|n| "{\"a\":".repeat(n)),
    ];
    prop_oneof![
        3 => (event(), currency()).prop_map(|(e, c)| Input::RoundTrip(e, c)),
        2 => (event(), currency()).prop_map(|(e, c)| Input::Upcast(e, c)),
        2 => (name.clone(), version.clone(), event()).prop_map(|(n, v, e)| Input::Named(n, v, e)),
        4 => (event(), byte_ops).prop_map(|(e, ops)| Input::Bytes(e, ops)),
        4 => (event(), proptest::collection::vec((any::<usize>(), weird_value()), 1..4), any::<usize>())
            .prop_map(|(e, m, v)| Input::Values(e, m, v)),
        2 => (name, version, text).prop_map(|(n, v, t)| Input::Text(n, v, t)),
    ]
}

#[test]
fn events() {
    config::run("events", KINDS, input(), |tally, input| match input {
        Input::RoundTrip(e, c) => {
            tally.hit(0);
            let json = e.payload_json();
            let back = decode(e.event_type(), e.schema_version(), &json, ctx(c));
            assert_eq!(back.as_ref(), Ok(&e), "{json}");
            assert_eq!(back.map(|b| b.payload_json()), Ok(json));
        }
        Input::Upcast(e, c) => {
            tally.hit(1);
            let OrderEvent::Created(v2) = e else {
                let json = e.payload_json();
                let r = decode(e.event_type(), 2, &json, ctx(c));
                assert!(
                    matches!(r, Err(DecodeError::UnknownVersion { .. })),
                    "{r:?}"
                );
                return;
            };
            let OrderCreated {
                order_id,
                customer_id,
                items,
                created_at,
                ..
            } = v2.clone();
            let v1 = OrderCreatedV1 {
                order_id,
                customer_id,
                items,
                created_at,
            };
            let v1_json = serde_json::to_string(&v1).expect("serialises");
            let upcast = OrderEvent::Created(OrderCreated {
                currency: c,
                ..v2.clone()
            });
            assert_eq!(
                decode("OrderCreated", 1, &v1_json, ctx(c)).as_ref(),
                Ok(&upcast)
            );
            // A v2 payload read as v1 ignores its currency; a v1 payload is no v2 one.
            let v2_json = OrderEvent::Created(v2).payload_json();
            assert_eq!(decode("OrderCreated", 1, &v2_json, ctx(c)), Ok(upcast));
            let r = decode("OrderCreated", 2, &v1_json, ctx(c));
            assert!(matches!(r, Err(DecodeError::Payload { .. })), "{r:?}");
        }
        Input::Named(name, version, e) => {
            tally.hit(2);
            let r = decode(&name, version, &e.payload_json(), UpcastContext::default());
            let known = (name == e.event_type() && version == e.schema_version())
                || (name == "OrderCreated" && version == 1 && e.event_type() == name);
            if known {
                assert!(r.is_ok(), "{name} v{version}: {r:?}");
            }
            let exists = matches!((name.as_str(), version), ("OrderCreated", 1 | 2))
                || (EVENT_TYPES.contains(&name.as_str()) && name != "OrderCreated" && version == 1);
            if !exists {
                assert!(
                    matches!(
                        r,
                        Err(DecodeError::UnknownType(_) | DecodeError::UnknownVersion { .. })
                    ),
                    "{name:?} v{version}: {r:?}"
                );
            }
        }
        Input::Bytes(e, ops) => {
            tally.hit(3);
            let json = apply(&e.payload_json(), &ops);
            let _ = decode(
                e.event_type(),
                e.schema_version(),
                &json,
                UpcastContext::default(),
            );
            let _ = decode("OrderCreated", 1, &json, UpcastContext::default());
        }
        Input::Values(e, muts, as_type) => {
            tally.hit(4);
            let mut v: Value = serde_json::from_str(&e.payload_json()).expect("payloads are JSON");
            for (at, with) in muts {
                v = mutate(&v, at, &with);
            }
            let json = v.to_string();
            let (t, ver) = match as_type % 3 {
                0 => (e.event_type(), e.schema_version()),
                1 => ("OrderCreated", 1),
                _ => (EVENT_TYPES[as_type / 3 % 7], 1),
            };
            let _ = decode(t, ver, &json, UpcastContext::default());
        }
        Input::Text(name, version, text) => {
            tally.hit(5);
            let _ = decode(&name, version, &text, UpcastContext::default());
        }
    });
}
