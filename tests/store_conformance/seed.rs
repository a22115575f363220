//! The demo's seed: one import session fed a chunk of orders at a time, so its memory stays
//! bounded, and still all or nothing.

use chronicle::app::demo::{DemoSpec, SEED_CHUNK, generate, seed};
use chronicle::store::StoreError;

use crate::support::{Factory, Fixture, whole_log};

const SPEC: DemoSpec = DemoSpec {
    orders: SEED_CHUNK + 20,
    seed: 7,
    snapshot_every: 100,
};

pub async fn a_seed_in_chunks_lands_whole_or_not_at_all<F: Factory>() {
    let streams = generate(SPEC);
    let want: usize = streams.iter().map(|s| s.events.len()).sum();

    // A stream of the second chunk already there: that chunk conflicts, and the first
    // chunk, appended in the same session, must not be left behind.
    let f = Fixture::fresh::<F>().await;
    let taken = streams[SEED_CHUNK + 5].clone();
    let taken_events = taken.events.len() as u64;
    for r in f.events().import(vec![taken]).await.unwrap() {
        r.unwrap();
    }
    let err = seed(f.events().as_ref(), SPEC).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(f.events().count_after(0).await.unwrap(), taken_events);

    // On an empty database every stream lands whole, as a single import of them all would.
    let f = Fixture::fresh::<F>().await;
    assert_eq!(seed(f.events().as_ref(), SPEC).await.unwrap(), want);
    let log = whole_log(&f.events(), 10_000).await;
    assert_eq!(log.len(), want);
    let expected: Vec<(&str, &str)> = streams
        .iter()
        .flat_map(|s| {
            s.events
                .iter()
                .map(|e| (s.stream_id.as_str(), e.payload.as_str()))
        })
        .collect();
    let got: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.stream_id.as_str(), e.payload.as_str()))
        .collect();
    assert_eq!(
        got, expected,
        "the log holds the streams in order, byte for byte"
    );
}
