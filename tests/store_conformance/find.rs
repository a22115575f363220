//! The debugger's search across every order (`:find`): by global position, by event or
//! correlation id (what the metadata says, however it is spelled), and by text in types and
//! payloads (ASCII case only, wildcards and quotes taken literally), newest first and
//! bounded.

use chronicle::store::{Access, EventSearch, NewEvent, StoredEvent};

use crate::common::t0;
use crate::support::{Factory, Fixture, req};

/// Appends one event per `(stream, type, payload, metadata)`, each to a new stream; their
/// positions, in append order.
async fn plant(fx: &Fixture, events: &[(&str, &str, &str, &str)]) -> Vec<i64> {
    let mut positions = Vec::new();
    for (stream, event_type, payload, metadata) in events {
        let e = NewEvent {
            event_type: (*event_type).into(),
            schema_version: 1,
            payload: (*payload).into(),
            metadata: (*metadata).into(),
            recorded_at: t0(),
        };
        let done = fx.events().append(req(stream, 0, &[e])).await.unwrap();
        positions.push(done.last_position);
    }
    positions
}

fn streams(found: &[StoredEvent]) -> Vec<&str> {
    found.iter().map(|e| e.stream_id.as_str()).collect()
}

pub async fn events_are_found_by_position_id_and_text_newest_first<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let meta = |event: &str, correlation: &str| {
        format!(r#"{{"event_id":"{event}","correlation_id":"{correlation}"}}"#)
    };
    let positions = plant(
        &fx,
        &[
            (
                "a",
                "OrderCreated",
                r#"{"sku":"NEEDLE-1"}"#,
                &meta("e-1", "c-1"),
            ),
            ("b", "ItemAdded", r#"{"sku":"hay"}"#, &meta("e-2", "c-1")),
            (
                "c",
                "ItemAdded",
                r#"{"sku":"needle-2"}"#,
                &meta("e-3", "c-10"),
            ),
            ("d", "NeedleThreaded", "{}", &meta("c-1", "c-2")),
        ],
    )
    .await;
    let browse = fx.handle(Access::ReadOnly).await.browse();
    let find = async |search: EventSearch, limit| browse.find_events(&search, limit).await.unwrap();

    let text = find(EventSearch::Text("nEEdle".into()), 10).await;
    assert_eq!(
        streams(&text),
        ["d", "c", "a"],
        "types and payloads, any case"
    );
    assert!(
        text.windows(2)
            .all(|w| w[0].global_position > w[1].global_position)
    );
    let newest = find(EventSearch::Text("needle".into()), 2).await;
    assert_eq!(streams(&newest), ["d", "c"], "the bound keeps the newest");
    assert!(
        find(EventSearch::Text("thread needle".into()), 10)
            .await
            .is_empty()
    );

    let at = find(EventSearch::Position(positions[1]), 10).await;
    assert_eq!(streams(&at), ["b"]);
    assert_eq!(at[0].global_position, positions[1]);
    assert!(
        find(EventSearch::Position(positions[3] + 100), 10)
            .await
            .is_empty()
    );
    assert!(find(EventSearch::Position(-1), 10).await.is_empty());

    let by_event = find(EventSearch::Id("e-3".into()), 10).await;
    assert_eq!(streams(&by_event), ["c"], "an event id");
    let by_correlation = find(EventSearch::Id("c-1".into()), 10).await;
    assert_eq!(
        streams(&by_correlation),
        ["d", "b", "a"],
        "a correlation id, or an event id that is the same text; not c-10"
    );
    assert_eq!(
        find(EventSearch::Id("c-1".into()), 1).await,
        by_correlation[..1]
    );
    assert!(
        find(EventSearch::Id("C-1".into()), 10).await.is_empty(),
        "ids are exact"
    );
    assert!(
        find(EventSearch::Id("e-".into()), 10).await.is_empty(),
        "not prefixes"
    );
}

/// Whatever is typed is a value, never SQL: quotes, LIKE's wildcards and backslashes match
/// themselves. Case folds in ASCII only, the same on every backend.
pub async fn a_search_takes_its_text_literally<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    plant(
        &fx,
        &[
            ("pct", "Note", r#"{"note":"50% off"}"#, "{}"),
            ("five", "Note", r#"{"note":"500 off"}"#, "{}"),
            ("under", "Note", r#"{"note":"a_b"}"#, "{}"),
            ("axb", "Note", r#"{"note":"axb"}"#, "{}"),
            ("quote", "Note", r#"{"note":"it's \\ here"}"#, "{}"),
            ("accent", "Note", r#"{"note":"café"}"#, "{}"),
        ],
    )
    .await;
    let browse = fx.browse();
    let text = async |needle: &str| {
        let found = browse
            .find_events(&EventSearch::Text(needle.into()), 10)
            .await
            .unwrap();
        streams(&found)
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(text("50%").await, ["pct"]);
    assert_eq!(text("a_b").await, ["under"]);
    assert_eq!(text("%").await, ["pct"]);
    assert_eq!(text("it's").await, ["quote"]);
    assert_eq!(
        text(r"\\").await,
        ["quote"],
        "the payload's escaped backslash"
    );
    assert_eq!(text("CAFÉ").await, Vec::<String>::new(), "É is not ASCII");
    assert_eq!(text("CAFé").await, ["accent"]);
    assert!(text("'; DROP TABLE events; --").await.is_empty());
    assert_eq!(text("note").await.len(), 6, "the log is all there");
}

/// An id is found by what the metadata says, not by how it is spelled; metadata that is
/// not an object, or holds the id under another key or as another type, is passed over.
pub async fn an_id_search_reads_the_metadata_not_its_spelling<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    plant(
        &fx,
        &[
            ("s0", "T", "{}", r#"{"event_id":"\u0069d-1"}"#),
            ("s1", "T", "{}", "{ \"correlation_id\" :\n \"id-1\" }"),
            ("s2", "T", "{}", r#"["id-1"]"#),
            ("s3", "T", "{}", r#"{"causation_id":"id-1"}"#),
            ("s4", "T", "{}", r#"{"other":{"event_id":"id-1"}}"#),
            ("s5", "T", r#"{"id":"id-1"}"#, "{}"),
        ],
    )
    .await;
    let found = fx
        .browse()
        .find_events(&EventSearch::Id("id-1".into()), 10)
        .await
        .unwrap();
    assert_eq!(streams(&found), ["s1", "s0"]);
}
