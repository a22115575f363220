//! The log as of a global position: which streams existed then, and at which versions.

use crate::common::Shop;
use crate::support::{Factory, Fixture};

pub async fn streams_and_versions_as_of_a_position<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let shop = Shop::over(&fx.store);
    let a = shop.create("a", &["A:1:1.00"]).await.to_stream_id();
    let b = shop.create("b", &["A:1:1.00"]).await.to_stream_id();
    let events = fx.events();
    let at_two = events.head_position().await.unwrap();
    shop.add(a.parse().unwrap(), "B:1:1.00").await;
    let c = shop.create("c", &["A:1:1.00"]).await.to_stream_id();
    let browse = fx.browse();

    let mut then = vec![(a.clone(), 1), (b.clone(), 1)];
    then.sort();
    assert_eq!(browse.streams_at(at_two, "", "", 10).await.unwrap(), then);
    let head = events.head_position().await.unwrap();
    let mut now = vec![(a.clone(), 2), (b.clone(), 1), (c.clone(), 1)];
    now.sort();
    assert_eq!(browse.streams_at(head, "", "", 10).await.unwrap(), now);
    // Paged after an id, limited, and by prefix.
    assert_eq!(
        browse.streams_at(head, "", &now[0].0, 1).await.unwrap(),
        vec![now[1].clone()]
    );
    assert_eq!(
        browse.streams_at(head, &c[..8], "", 10).await.unwrap(),
        vec![(c.clone(), 1)]
    );
    assert!(browse.streams_at(0, "", "", 10).await.unwrap().is_empty());

    assert_eq!(browse.version_at_position(&a, at_two).await.unwrap(), 1);
    assert_eq!(browse.version_at_position(&a, head).await.unwrap(), 2);
    assert_eq!(browse.version_at_position(&c, at_two).await.unwrap(), 0);
    assert_eq!(browse.version_at_position("nobody", head).await.unwrap(), 0);
}
