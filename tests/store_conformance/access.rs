//! How a database is opened and removed: read-only handles write nothing, a missing database
//! is never created by accident, and what was written is there on the next open.

use chronicle::store::{
    self, Access, IdempotencyRecord, ImportStream, ProjectorState, Store, StoreError,
};

use crate::common::{event, t0};
use crate::support::{
    Factory, Fixture, dead_letter, dump, put_rows, refusal, req, snapshot, summary_row,
};

/// Events, a snapshot, an idempotency key `k`, rows, a dead letter and a projector state.
async fn populate(store: &Store) {
    let events = store.events();
    let rec = IdempotencyRecord {
        key: "k".into(),
        command_hash: "h".into(),
        stream_id: "s".into(),
        version: 2,
        created_at: t0(),
    };
    let evs = [event(1), event(2)];
    let snap = snapshot("s", 2);
    let mut r = req("s", 0, &evs);
    r.idempotency = Some(&rec);
    r.snapshot = Some(&snap);
    events.append(r).await.unwrap();
    events.append(req("t", 0, &[event(3)])).await.unwrap();
    events.put_snapshot(&snapshot("t", 1)).await.unwrap();
    let read_model = store.read_model();
    put_rows(&read_model, &[summary_row("s"), summary_row("t")]).await;
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.put_dead_letters(&[dead_letter(3, "t", 1)])
        .await
        .unwrap();
    tx.set_state(ProjectorState {
        position: 3,
        generation: 2,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn is_read_only(e: &StoreError) -> bool {
    matches!(e, StoreError::ReadOnly)
}

pub async fn a_read_only_handle_refuses_every_write_and_writes_nothing<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    populate(&fx.store).await;
    let before = dump(&fx.store, &["k", "k2"]).await;
    let ro = fx.handle(Access::ReadOnly).await;
    assert_eq!(ro.access(), Access::ReadOnly);
    let events = ro.events();
    // At the right version, at a wrong one, and with a key and a snapshot: refused, not checked.
    for expected in [2, 0] {
        let e = events
            .append(req("s", expected, &[event(9)]))
            .await
            .unwrap_err();
        assert!(is_read_only(&e), "append at {expected}: {e:?}");
    }
    let rec = IdempotencyRecord {
        key: "k2".into(),
        command_hash: "h".into(),
        stream_id: "new".into(),
        version: 1,
        created_at: t0(),
    };
    let snap = snapshot("new", 1);
    let evs = [event(9)];
    let mut r = req("new", 0, &evs);
    r.idempotency = Some(&rec);
    r.snapshot = Some(&snap);
    assert!(is_read_only(&events.append(r).await.unwrap_err()));
    let e = events.put_snapshot(&snapshot("s", 1)).await.unwrap_err();
    assert!(is_read_only(&e), "put_snapshot: {e:?}");
    let e = refusal(events.begin_import().await);
    assert!(is_read_only(&e), "begin_import: {e:?}");
    let import = vec![ImportStream {
        stream_id: "new".into(),
        expected_version: 0,
        events: vec![event(1)],
        snapshots: vec![],
    }];
    let e = events.import(import).await.unwrap_err();
    assert!(is_read_only(&e), "import: {e:?}");
    let e = refusal(ro.read_model().begin_projection().await);
    assert!(is_read_only(&e), "begin_projection: {e:?}");

    assert_eq!(
        dump(&ro, &["k", "k2"]).await,
        before,
        "the read-only handle reads it all"
    );
    ro.close().await;
    assert_eq!(
        dump(&fx.store, &["k", "k2"]).await,
        before,
        "nothing was written"
    );
    let reopened = fx.handle(Access::ReadWrite).await;
    assert_eq!(dump(&reopened, &["k", "k2"]).await, before);
}

pub async fn a_missing_database_is_refused_unless_created_and_not_created<F: Factory>() {
    let place = F::vacant().await;
    let url = place.url.as_str();
    for access in [Access::ReadOnly, Access::ReadWrite] {
        match store::open(url, access).await {
            Err(StoreError::Missing(_)) => {}
            Err(e) => panic!("{access:?} on a missing database: {e:?}"),
            Ok(_) => panic!("{access:?} opened a missing database"),
        }
        assert!(!F::exists(url).await, "{access:?} created the database");
    }
    let created = store::open(url, Access::CreateIfMissing).await.unwrap();
    assert!(F::exists(url).await);
    assert_eq!(created.events().head_position().await.unwrap(), 0);
    created
        .events()
        .append(req("s", 0, &[event(1)]))
        .await
        .unwrap();
    for access in [Access::ReadOnly, Access::ReadWrite, Access::CreateIfMissing] {
        let again = store::open(url, access).await.unwrap();
        assert_eq!(again.access(), access);
        assert_eq!(
            again.events().stream_version("s").await.unwrap(),
            1,
            "{access:?}"
        );
        again.close().await;
    }
    created.close().await;
}

pub async fn destroy_removes_the_database_and_everything_in_it<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    populate(&fx.store).await;
    fx.store.close().await;
    store::destroy(&fx.url).await.unwrap();
    assert!(!F::exists(&fx.url).await);
    match store::open(&fx.url, Access::ReadWrite).await {
        Err(StoreError::Missing(_)) => {}
        Err(e) => panic!("read-write on a destroyed database: {e:?}"),
        Ok(_) => panic!("a destroyed database opened"),
    }
    store::destroy(&fx.url).await.unwrap();
    let fresh = fx.handle(Access::CreateIfMissing).await;
    let empty = dump(&fresh, &["k"]).await;
    let new = Fixture::fresh::<F>().await;
    assert_eq!(
        empty,
        dump(&new.store, &["k"]).await,
        "as empty as a new database"
    );
    fresh.close().await;
}

pub async fn a_reopened_database_holds_everything_written<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    populate(&fx.store).await;
    let before = dump(&fx.store, &["k"]).await;
    fx.store.close().await;
    for access in [Access::ReadWrite, Access::ReadOnly] {
        let again = fx.handle(access).await;
        assert_eq!(dump(&again, &["k"]).await, before, "{access:?}");
        again.close().await;
    }
}
