//! The worker's state cache, through the real worker on the seeded database: a state folded
//! once is not read again, and an emptied cache reads it from the store (what the debugger
//! benchmark's cold control relies on).

use super::*;

#[tokio::test]
async fn a_step_back_reads_nothing_and_an_emptied_cache_reads_again() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = in_sync_order(&d);
    open(&mut d, &id).await;
    d.send(key(KeyCode::Tab)).await;
    keys(&mut d, "gll").await;
    assert_eq!(d.app.state.version, 3);
    let warm = d.worker().state_loads();
    assert!(warm > 0, "the first states came from the store");
    keys(&mut d, "hl").await;
    assert_eq!(d.app.state.version, 3);
    assert_eq!(d.worker().state_loads(), warm, "v2 and v3 were cached");
    d.worker().forget_states();
    keys(&mut d, "h").await;
    assert_eq!(d.app.state.version, 2);
    assert!(
        d.worker().state_loads() > warm,
        "an emptied cache reads again"
    );
}
