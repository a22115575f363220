//! Decoding stored events: upcasting `OrderCreated` v1, and unknown or corrupt input.

use super::*;

pub(super) const CREATED_V1: &str = r#"{
    "order_id": "01905a3c-7e21-7b44-8c1d-2f6e9a0bc3d4",
    "customer_id": "alice",
    "items": [{"sku": "BOOK-1", "quantity": 2, "unit_price": "12.49"}],
    "created_at": "2024-05-01T12:00:00Z"
}"#;

#[test]
fn created_v1_upcasts_with_the_configured_currency() {
    let ctx = UpcastContext {
        default_currency: "USD".parse().unwrap(),
    };
    let event = OrderEvent::decode("OrderCreated", 1, CREATED_V1, &ctx).unwrap();
    let expected = OrderEvent::Created(OrderCreated {
        order_id: ID,
        customer_id: "alice".into(),
        items: vec![item("BOOK-1", 2, "12.49")],
        currency: usd(),
        created_at: DateTime::from_timestamp(1_714_564_800, 0).unwrap(),
    });
    assert_eq!(event, expected);
    // Once upcast it is written back as the current schema.
    assert_eq!(event.schema_version(), 2);
    assert_eq!(event.event_type(), "OrderCreated");
}

#[test]
fn created_v1_defaults_to_eur_without_configuration() {
    let event =
        OrderEvent::decode("OrderCreated", 1, CREATED_V1, &UpcastContext::default()).unwrap();
    let OrderEvent::Created(created) = event else {
        panic!("expected OrderCreated, got {event:?}");
    };
    assert_eq!(created.currency, Currency::EUR);
}

#[test]
fn created_v2_keeps_its_own_currency_whatever_the_default() {
    let event = created_full("alice", vec![item("A", 1, "1")], usd(), now());
    let ctx = UpcastContext {
        default_currency: "JPY".parse().unwrap(),
    };
    assert_eq!(
        OrderEvent::decode("OrderCreated", 2, &event.payload_json(), &ctx),
        Ok(event)
    );
}

#[test]
fn unknown_event_type_is_an_error() {
    let ctx = UpcastContext::default();
    assert_eq!(
        OrderEvent::decode("OrderExploded", 1, "{}", &ctx),
        Err(DecodeError::UnknownType("OrderExploded".into()))
    );
    // Type names are exact; a case variant is a different, unknown type.
    assert_eq!(
        OrderEvent::decode("orderpaid", 1, "{}", &ctx),
        Err(DecodeError::UnknownType("orderpaid".into()))
    );
}

#[test]
fn unknown_schema_version_is_an_error() {
    let ctx = UpcastContext::default();
    let payload = paid("card", "1", now()).payload_json();
    assert_eq!(
        OrderEvent::decode("OrderPaid", 9, &payload, &ctx),
        Err(DecodeError::UnknownVersion {
            event_type: "OrderPaid".into(),
            version: 9,
        })
    );
    for (event_type, version) in [("OrderCreated", 0), ("OrderCreated", 3), ("ItemAdded", 2)] {
        assert_eq!(
            OrderEvent::decode(event_type, version, "{}", &ctx),
            Err(DecodeError::UnknownVersion {
                event_type: event_type.into(),
                version,
            })
        );
    }
}

#[test]
fn corrupt_payloads_are_errors() {
    let ctx = UpcastContext::default();
    let truncated = &CREATED_V1[..CREATED_V1.len() / 2];
    let cases: [(&str, u32, &str); 6] = [
        ("OrderCreated", 1, truncated),
        ("OrderCreated", 2, CREATED_V1), // v2 needs a currency
        ("OrderPaid", 1, "not json"),
        (
            "OrderPaid",
            1,
            r#"{"method":"card","amount":12.5,"at":"2024-05-01T12:00:00Z"}"#,
        ),
        (
            "ItemRemoved",
            1,
            r#"{"sku":"has space","at":"2024-05-01T12:00:00Z"}"#,
        ),
        ("OrderDelivered", 1, ""),
    ];
    for (event_type, version, json) in cases {
        match OrderEvent::decode(event_type, version, json, &ctx) {
            Err(DecodeError::Payload {
                event_type: t,
                version: v,
                reason,
            }) => {
                assert_eq!((t.as_str(), v), (event_type, version));
                assert!(!reason.is_empty());
            }
            other => panic!("{event_type} v{version} {json:?}: expected Payload, got {other:?}"),
        }
    }
}

#[test]
fn event_type_names_are_the_stored_names() {
    let events = [
        created(vec![item("A", 1, "1")]),
        added(item("A", 1, "1"), now()),
        removed("A", now()),
        paid("card", "1", now()),
        shipped("T", now()),
        delivered(now()),
        cancelled("r", now()),
    ];
    let names: Vec<&str> = events.iter().map(OrderEvent::event_type).collect();
    assert_eq!(names, EVENT_TYPES);
    for event in events {
        assert_eq!(
            OrderEvent::decode(
                event.event_type(),
                event.schema_version(),
                &event.payload_json(),
                &UpcastContext::default(),
            ),
            Ok(event)
        );
    }
}
