//! Import sessions and projection transactions: invisible to other handles until commit,
//! gone without a trace when dropped, and consistent with themselves while open.

use std::collections::HashMap;

use chronicle::domain::OrderStatus;
use chronicle::store::{Access, ImportRow, ProjectorState};

use crate::common::event;
use crate::support::{
    Factory, Fixture, dead_letter, dump, put_rows, req, snapshot, summary_row, versions,
};

pub async fn an_import_session_not_committed_leaves_nothing<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    store.append(req("seed", 0, &[event(1)])).await.unwrap();
    let other = fx.handle(Access::ReadWrite).await;
    let before = dump(&other, &[]).await;

    let mut session = store.begin_import().await.unwrap();
    let current = session
        .versions(&["seed".into(), "new".into()])
        .await
        .unwrap();
    assert_eq!(current, HashMap::from([("seed".to_string(), 1)]));
    let row = |stream: &str, version: u64| ImportRow {
        stream_id: stream.into(),
        version,
        event: event(version as u32 + 10),
    };
    let rows = [row("new", 1), row("new", 2), row("seed", 2)];
    session.append(&rows, &[snapshot("new", 2)]).await.unwrap();
    assert_eq!(dump(&other, &[]).await, before, "invisible before commit");
    drop(session);

    assert_eq!(
        dump(&other, &[]).await,
        before,
        "nothing left after the drop"
    );
    assert_eq!(dump(&fx.store, &[]).await, before);
    // The session's hold is gone: the streams take writes at their old versions.
    let a = store.append(req("new", 0, &[event(5)])).await.unwrap();
    assert_eq!(a.version, 1);
    store.append(req("seed", 1, &[event(6)])).await.unwrap();
    assert!(store.load("new", None).await.unwrap().snapshot.is_none());
    let log = store.read_all(0, 10).await.unwrap();
    assert_eq!(versions(&log), [1, 1, 2]);
}

pub async fn a_projection_transaction_dropped_leaves_nothing<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    put_rows(&read_model, &[summary_row("r0")]).await;
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.put_dead_letters(&[dead_letter(1, "r0", 1)])
        .await
        .unwrap();
    tx.set_state(ProjectorState {
        position: 5,
        generation: 1,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let other = fx.handle(Access::ReadWrite).await;
    let before = dump(&other, &[]).await;

    let mut tx = read_model.begin_projection().await.unwrap();
    let mut changed = summary_row("r0");
    changed.status = OrderStatus::Cancelled.into();
    tx.upsert_rows(&[summary_row("r1"), changed]).await.unwrap();
    tx.delete_rows(Some("r0")).await.unwrap();
    tx.put_dead_letters(&[dead_letter(2, "r1", 1)])
        .await
        .unwrap();
    tx.delete_dead_letters(Some(1), None).await.unwrap();
    tx.set_state(ProjectorState {
        position: 9,
        generation: 2,
    })
    .await
    .unwrap();
    assert_eq!(dump(&other, &[]).await, before, "invisible before commit");
    drop(tx);

    assert_eq!(
        dump(&other, &[]).await,
        before,
        "nothing left after the drop"
    );
    assert_eq!(dump(&fx.store, &[]).await, before);
    assert_eq!(read_model.dead_letter_count().await.unwrap(), 1);
    // The hold is gone: the next transaction starts from the committed state.
    let mut tx = other.read_model().begin_projection().await.unwrap();
    let state = tx.state().await.unwrap();
    assert_eq!(
        state,
        ProjectorState {
            position: 5,
            generation: 1
        }
    );
    tx.delete_rows(None).await.unwrap();
    tx.commit().await.unwrap();
    assert!(read_model.rows(&["r0".into()]).await.unwrap().is_empty());
}

pub async fn a_projection_transaction_reads_its_own_writes<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let store = fx.events();
    let s = store
        .append(req("s", 0, &[event(1), event(2)]))
        .await
        .unwrap();
    store.append(req("t", 0, &[event(3)])).await.unwrap();
    let s3 = store.append(req("s", 2, &[event(4)])).await.unwrap();

    let mut tx = fx.read_model().begin_projection().await.unwrap();
    let zero = ProjectorState {
        position: 0,
        generation: 0,
    };
    assert_eq!(
        tx.state().await.unwrap(),
        zero,
        "a fresh database starts at zero"
    );
    assert_eq!(tx.row("s").await.unwrap(), None);
    tx.upsert_rows(&[summary_row("s")]).await.unwrap();
    assert_eq!(tx.row("s").await.unwrap(), Some(summary_row("s")));
    let moved = ProjectorState {
        position: s3.last_position,
        generation: 3,
    };
    tx.set_state(moved).await.unwrap();
    assert_eq!(tx.state().await.unwrap(), moved);
    let all = tx.stream_events("s", 0, s3.last_position).await.unwrap();
    assert_eq!(versions(&all), [1, 2, 3]);
    let tail = tx.stream_events("s", 1, s3.last_position).await.unwrap();
    assert_eq!(versions(&tail), [2, 3]);
    let upto = tx.stream_events("s", 0, s.last_position).await.unwrap();
    assert_eq!(versions(&upto), [1, 2], "nothing after the position");
    assert_eq!(upto[1].payload, event(2).payload);
    tx.put_dead_letters(&[dead_letter(3, "t", 1), dead_letter(2, "s", 2)])
        .await
        .unwrap();
    let of_s = tx.dead_letters(Some("s")).await.unwrap();
    assert_eq!(of_s, [dead_letter(2, "s", 2)]);
    tx.delete_dead_letters(None, Some("s")).await.unwrap();
    assert_eq!(
        tx.dead_letters(None).await.unwrap(),
        [dead_letter(3, "t", 1)]
    );
    tx.delete_rows(Some("s")).await.unwrap();
    assert_eq!(tx.row("s").await.unwrap(), None);
    tx.commit().await.unwrap();

    let read_model = fx.read_model();
    assert_eq!(read_model.projector_state().await.unwrap(), moved);
    assert_eq!(
        read_model.dead_letters().await.unwrap(),
        [dead_letter(3, "t", 1)]
    );
    assert!(read_model.rows(&["s".into()]).await.unwrap().is_empty());
}
