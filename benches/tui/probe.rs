//! The store calls a step makes, timed one by one on a stream: which statement costs what.

use std::path::Path;
use std::time::{Duration, Instant};

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::domain::OrderId;
use chronicle::store::Access;

use crate::seed::open;

/// Medians of each call a step can make, at versions `versions` of `order`.
pub struct Probe {
    /// `read_stream(v, v, 1)` + decode + `evolve`: a step next to a cached state.
    pub one_event: Duration,
    /// `Loader::load(v)`: nearest snapshot + tail, decoded and folded (a step with no cached
    /// neighbour, a jump).
    pub load: Duration,
    /// `stream_version` + `read_stream(from, .., 200)`: a new window (rows not decoded here).
    pub window: Duration,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub async fn probe(path: &Path, order: &str, versions: &[u64]) -> Probe {
    let db = open(path, Access::ReadWrite).await;
    let store = db.events();
    let loader = Services::new(db.clone(), &Config::default()).loader;
    let id: OrderId = order.parse().unwrap();
    let (mut one, mut load, mut window) = (Vec::new(), Vec::new(), Vec::new());
    for &v in versions {
        let prev = loader.load(id, Some(v - 1)).await.unwrap();
        let t = Instant::now();
        let events = store.read_stream(order, v, v, 1).await.unwrap();
        let state = loader.fold(prev, &events).unwrap();
        one.push(t.elapsed());
        assert_eq!(state.version, v);

        let t = Instant::now();
        let state = loader.load(id, Some(v)).await.unwrap();
        load.push(t.elapsed());
        assert_eq!(state.version, v);

        let t = Instant::now();
        let head = store.stream_version(order).await.unwrap();
        let rows = store
            .read_stream(order, v.saturating_sub(100).max(1), u64::MAX, 200)
            .await
            .unwrap();
        window.push(t.elapsed());
        assert!(head >= v && !rows.is_empty());
    }
    db.close().await;
    Probe {
        one_event: median(one),
        load: median(load),
        window: median(window),
    }
}
