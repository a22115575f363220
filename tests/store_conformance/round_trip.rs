//! What comes back exactly as it went in: event text byte for byte, times to the
//! microsecond.

use chronicle::store::{IdempotencyRecord, NewEvent};

use crate::common::{event, t0};
use crate::support::{Factory, Fixture, at_micros, req};

pub async fn payload_and_metadata_round_trip_byte_for_byte<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let texts = [
        (
            r#"{"b":1,  "a":"\u00e9"}"#,
            r#"{ "z" :true,"correlation_id":"c"  }"#,
        ),
        (
            "{\n\t\"é\": \"raw é ✓ 𝄞\",\"n\":1.50e0}",
            "{\"dup\":1,\"dup\":2}",
        ),
        (
            r#"[ 1 , 2.000 , -0 , "\/" ]"#,
            r#"{"a":{"b":[]} ,"x":"\"quoted\""}"#,
        ),
        ("{}", "{}"),
    ];
    let evs: Vec<NewEvent> = texts
        .iter()
        .enumerate()
        .map(|(i, (payload, metadata))| NewEvent {
            event_type: format!("Odd Type ✓ {i}"),
            schema_version: 7,
            payload: (*payload).into(),
            metadata: (*metadata).into(),
            recorded_at: t0(),
        })
        .collect();
    store.append(req("bytes", 0, &evs)).await.unwrap();
    let by_stream = store.read_stream("bytes", 1, u64::MAX, 10).await.unwrap();
    let by_log = store.read_all(0, 10).await.unwrap();
    let by_scan = store.read_by_stream("", 0, 10).await.unwrap();
    let loaded = store.load("bytes", None).await.unwrap().events;
    for read in [&by_stream, &by_log, &by_scan, &loaded] {
        assert_eq!(read.len(), evs.len());
        for (got, sent) in read.iter().zip(&evs) {
            assert_eq!(got.payload.as_bytes(), sent.payload.as_bytes());
            assert_eq!(got.metadata.as_bytes(), sent.metadata.as_bytes());
            assert_eq!(got.event_type, sent.event_type);
            assert_eq!(got.schema_version, 7);
        }
    }
}

pub async fn timestamps_round_trip_to_the_microsecond<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    // Across a second boundary, and a microsecond either side of one.
    let times = [
        at_micros(-1),
        at_micros(1),
        at_micros(999_999),
        at_micros(1_000_000),
    ];
    let evs: Vec<NewEvent> = times
        .iter()
        .map(|t| NewEvent {
            recorded_at: *t,
            ..event(0)
        })
        .collect();
    let rec = IdempotencyRecord {
        key: "k".into(),
        command_hash: "h".into(),
        stream_id: "t".into(),
        version: 4,
        created_at: at_micros(654_321),
    };
    let mut r = req("t", 0, &evs);
    r.idempotency = Some(&rec);
    store.append(r).await.unwrap();
    let read = store.read_stream("t", 1, u64::MAX, 10).await.unwrap();
    let got: Vec<_> = read.iter().map(|e| e.recorded_at).collect();
    assert_eq!(got, times);
    assert_eq!(store.find_idempotency("k").await.unwrap(), Some(rec));
    // Version at a time compares to the microsecond as well.
    for (at, want) in [
        (-2, 0),
        (-1, 1),
        (0, 1),
        (1, 2),
        (999_998, 2),
        (999_999, 3),
        (1_000_000, 4),
    ] {
        let got = store.version_at_time("t", at_micros(at)).await.unwrap();
        assert_eq!(got, want, "at {at} µs");
    }
}
