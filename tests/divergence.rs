//! Divergence on real SQLite files: every class in one database, `explain` naming the event
//! where a planted projection bug parts from the domain, and money compared by value.

mod common;

use chronicle::app::config::Config;
use chronicle::app::divergence::FieldDiff;
use chronicle::app::divergence::{self, CheckReport, Class, Explanation, OrderCheck};
use chronicle::app::projection::{Projection, Rejected, project};
use chronicle::app::{AppError, Services};
use chronicle::domain::{OrderEvent, OrderId, OrderStatus};
use chronicle::store::{Stored, StoredEvent, SummaryRow};
use common::{Db, Shop, failing_projection, new_id, planted_error, settings};
use serde_json::json;

async fn check(shop: &Shop, order: Option<OrderId>) -> Result<CheckReport, AppError> {
    divergence::check(&shop.loader, shop.read_model.as_ref(), order, |_| {}).await
}

/// The verdict for one order.
async fn class_of(shop: &Shop, id: OrderId) -> OrderCheck {
    let report = check(shop, Some(id)).await.unwrap();
    assert_eq!(report.orders, 1);
    assert_eq!(report.counts.values().sum::<usize>(), 1);
    report.divergent.into_iter().next().unwrap_or(OrderCheck {
        order_id: id.to_stream_id(),
        class: Class::InSync,
        behind: 0,
        fields: vec![],
        corrupt: None,
    })
}

async fn explain(shop: &Shop, projection: Projection, id: OrderId) -> Explanation {
    let rm = shop.read_model.as_ref();
    divergence::explain(&shop.loader, rm, projection, id)
        .await
        .unwrap()
}

fn diff(field: &'static str, read_model: &str, replay: &str) -> FieldDiff {
    FieldDiff {
        field,
        read_model: read_model.into(),
        replay: replay.into(),
    }
}

#[tokio::test]
#[allow(clippy::too_many_lines)]
async fn every_class_is_produced_and_detected_in_one_database() {
    let db = Db::new();
    let shop = db.shop().await;
    let synced = shop.workload(6).await;
    let lagging = shop.create("lagging", &["A:1:1.00"]).await;
    let diverged = shop.create("diverged", &["A:1:2.50"]).await;
    shop.pay(diverged).await;
    let missing = shop.create("missing", &["A:1:1.00"]).await;
    let parked = shop.create("parked", &["A:1:1.00"]).await;
    shop.add(parked, "POISON:1:1.00").await;
    shop.add(parked, "B:1:1.00").await;
    let buggy = shop.projector(settings(10));
    buggy
        .with_projection(failing_projection)
        .catch_up(|_| {})
        .await
        .unwrap();

    shop.add(lagging, "B:1:1.00").await;
    shop.add(lagging, "C:2:1.00").await;
    let mut row = shop.row(diverged).await.unwrap();
    row.status = Stored::Valid(OrderStatus::Shipped);
    row.tracking_number = Some("FAKE-1".into());
    shop.put_row(&row).await;
    let mut tx = shop.read_model.begin_projection().await.unwrap();
    tx.delete_rows(Some(&missing.to_stream_id())).await.unwrap();
    tx.commit().await.unwrap();
    // Rows without a stream: one sorting before every stream, one after, one anywhere.
    let template = shop.row(synced[0]).await.unwrap();
    let orphans = [
        "00000000-0000-4000-8000-000000000000".to_string(),
        new_id().to_stream_id(),
        "ffffffff-ffff-4fff-bfff-ffffffffffff".to_string(),
    ];
    for id in &orphans {
        let mut r = template.clone();
        r.order_id.clone_from(id);
        shop.put_row(&r).await;
    }

    let report = check(&shop, None).await.unwrap();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["orders"], 6 + 4 + 3);
    assert_eq!(
        v["counts"],
        json!({"in-sync": 6, "lagging": 1, "diverged": 1, "missing": 1, "orphan": 3, "parked": 1, "corrupt": 0})
    );
    assert!(!report.all_in_sync());
    let divergent = v["divergent"].as_array().unwrap();
    assert_eq!(divergent.len(), 7);
    for d in divergent {
        let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["behind", "class", "fields", "order_id"], "{d}");
    }
    let entry = |id: &str| {
        divergent
            .iter()
            .find(|d| d["order_id"] == id)
            .unwrap_or_else(|| panic!("{id} not reported in {v}"))
            .clone()
    };
    assert_eq!(
        entry(&diverged.to_stream_id()),
        json!({"order_id": diverged.to_stream_id(), "class": "diverged", "behind": 0, "fields": [
            {"field": "status", "read_model": "Shipped", "replay": "Paid"},
            {"field": "tracking_number", "read_model": "FAKE-1", "replay": ""},
        ]})
    );
    let e = entry(&lagging.to_stream_id());
    assert_eq!(
        (&e["class"], &e["behind"], &e["fields"]),
        (&json!("lagging"), &json!(2), &json!([]))
    );
    let e = entry(&missing.to_stream_id());
    assert_eq!((&e["class"], &e["behind"]), (&json!("missing"), &json!(1)));
    let e = entry(&parked.to_stream_id());
    assert_eq!((&e["class"], &e["behind"]), (&json!("parked"), &json!(2)));
    for id in &orphans {
        assert_eq!(entry(id)["class"], "orphan");
    }

    // One order at a time: the same verdicts.
    for id in &synced {
        assert_eq!(class_of(&shop, *id).await.class, Class::InSync);
    }
    let expect = [
        (lagging, Class::Lagging, 2),
        (diverged, Class::Diverged, 0),
        (missing, Class::Missing, 1),
        (parked, Class::Parked, 2),
    ];
    for (id, class, behind) in expect {
        let c = class_of(&shop, id).await;
        assert_eq!((c.class, c.behind), (class, behind), "{c:?}");
    }
    assert_eq!(
        class_of(&shop, diverged).await.fields,
        [
            diff("status", "Shipped", "Paid"),
            diff("tracking_number", "FAKE-1", "")
        ]
    );
    let orphan: OrderId = orphans[1].parse().unwrap();
    assert_eq!(class_of(&shop, orphan).await.class, Class::Orphan);
    let err = check(&shop, Some(new_id())).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err}");

    // A rebuild with the real projection puts everything right but the orphans, which
    // it drops with the rest of the read model.
    let fixed = shop.projector(settings(10));
    fixed.rebuild(None, |_| {}).await.unwrap();
    let report = check(&shop, None).await.unwrap();
    assert!(report.all_in_sync(), "{:?}", report.divergent);
    assert_eq!(report.orders, 10);
}

#[tokio::test]
async fn a_row_ahead_of_its_stream_is_diverged_on_its_version() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("c", &["A:1:1.00"]).await;
    shop.add(id, "B:1:1.00").await;
    shop.projector(settings(10)).catch_up(|_| {}).await.unwrap();
    let mut row = shop.row(id).await.unwrap();
    row.version = 5;
    shop.put_row(&row).await;
    let c = class_of(&shop, id).await;
    assert_eq!(
        (c.class, c.fields),
        (Class::Diverged, vec![diff("version", "5", "2")])
    );
}

#[tokio::test]
async fn a_lagging_row_is_compared_at_its_own_version_and_its_unapplied_events_listed() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("lagging", &["A:1:1.00"]).await;
    shop.add(id, "B:1:1.00").await;
    shop.projector(settings(10)).catch_up(|_| {}).await.unwrap();
    shop.add(id, "C:2:1.00").await;
    shop.pay(id).await;
    let services = Services::new(db.open_store().await, &Config::default());
    let read = &services.read;

    let d = read.divergence(&id.to_stream_id()).await.unwrap();
    assert_eq!(
        (d.class, d.behind, d.row_version),
        (Class::Lagging, 2, Some(2))
    );
    let lag = d
        .lag
        .clone()
        .expect("a lagging row is compared at its own version");
    assert_eq!(lag.compared_at, 2);
    assert_eq!(lag.fields, vec![], "right as far as it goes: only behind");
    let unapplied: Vec<_> = lag
        .unapplied
        .iter()
        .map(|e| (e.version, e.event_type.as_str()))
        .collect();
    assert_eq!(unapplied, [(3, "ItemAdded"), (4, "OrderPaid")]);
    // The head comparison stays, for the JSON's readers: what the row has not caught up on.
    assert!(
        d.fields.iter().any(|f| f.field == "status"),
        "{:?}",
        d.fields
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["lag"]["compared_at"], 2);
    assert_eq!(json["lag"]["unapplied"][1]["event_type"], "OrderPaid");
    assert!(
        json["fields"].is_array() && json["explanation"].is_null(),
        "{json}"
    );

    // A row that is also wrong as of its own version names the field, and nothing that is
    // only not applied yet.
    let mut row = shop.row(id).await.unwrap();
    row.customer_id = "someone-else".into();
    shop.put_row(&row).await;
    let d = read.divergence(&id.to_stream_id()).await.unwrap();
    let lag = d.lag.expect("still lagging");
    assert_eq!(
        lag.fields,
        vec![diff("customer_id", "someone-else", "lagging")]
    );

    // In sync once caught up: nothing to compare at another version.
    shop.projector(settings(10))
        .rebuild(None, |_| {})
        .await
        .unwrap();
    let d = read.divergence(&id.to_stream_id()).await.unwrap();
    assert_eq!((d.class, &d.lag), (Class::InSync, &None));
    assert!(serde_json::to_value(&d).unwrap().get("lag").is_none());
}

/// The real projection, with a planted bug: an item removed leaves the lines as they were.
fn ignores_removals(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    match (event, row) {
        (OrderEvent::ItemRemoved(e), Some(mut r)) => {
            r.version = stored.version as i64;
            r.last_position = stored.global_position;
            r.updated_at = Stored::Valid(e.at);
            Ok(r)
        }
        (_, row) => project(row, stored, event),
    }
}

#[tokio::test]
async fn explain_names_the_event_where_a_planted_bug_parts_from_the_domain() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop
        .create("c", &["A:1:10.00", "B:2:1.50", "C:1:4.00"])
        .await;
    shop.add(id, "D:1:0.99").await;
    let first_removal = shop.remove(id, "B").await.last_position;
    shop.add(id, "E:1:1.00").await;
    shop.remove(id, "C").await;
    let p = shop.projector(settings(10));
    p.catch_up(|_| {}).await.unwrap();

    let e = explain(&shop, ignores_removals, id).await;
    assert_eq!(e.order_id, id.to_stream_id());
    assert_eq!((e.events, e.row_version), (3, Some(5)));
    let parting = e.first_divergence.expect("the bug is found");
    assert_eq!(parting.version, 3);
    assert_eq!(parting.event_type, "ItemRemoved");
    assert_eq!(parting.global_position, first_removal);
    assert_eq!(parting.error, None);
    assert_eq!(
        parting.fields,
        [
            diff("total", "17.99", "14.99"),
            diff("item_count", "5", "3"),
            diff("line_count", "4", "3"),
            diff(
                "lines",
                "A×1@10.00, B×2@1.50, C×1@4.00, D×1@0.99",
                "A×1@10.00, C×1@4.00, D×1@0.99"
            ),
        ]
    );

    // The real projection agrees with the domain; the stored row matches it.
    let e = explain(&shop, project, id).await;
    assert_eq!((e.events, e.first_divergence), (5, None));
    assert!(e.row_changed_outside.is_empty());
    // Edited behind the projector's back: agreement throughout, so the row was changed.
    let mut row = shop.row(id).await.unwrap();
    row.customer_id = "someone-else".into();
    shop.put_row(&row).await;
    let e = explain(&shop, project, id).await;
    assert_eq!(e.first_divergence, None);
    assert_eq!(e.row_version, Some(5));
    assert_eq!(
        e.row_changed_outside,
        [diff("customer_id", "someone-else", "c")]
    );
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["first_divergence"], serde_json::Value::Null);
    assert_eq!(v["row_changed_outside"][0]["field"], "customer_id");

    let err = divergence::explain(&shop.loader, shop.read_model.as_ref(), project, new_id());
    assert!(matches!(err.await.unwrap_err(), AppError::NotFound(_)));
}

#[tokio::test]
async fn explain_reports_a_projection_that_cannot_apply_an_event() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("c", &["A:1:1.00"]).await;
    let dead = shop.add(id, "POISON:1:1.00").await.last_position;
    shop.add(id, "B:1:1.00").await;
    let lagging = shop.create("l", &["A:1:1.00"]).await;
    let p = shop
        .projector(settings(10))
        .with_projection(failing_projection);
    p.catch_up(|_| {}).await.unwrap();
    shop.add(lagging, "B:1:1.00").await;

    let e = explain(&shop, failing_projection, id).await;
    let parting = e.first_divergence.expect("the failure is found");
    assert_eq!(
        (parting.version, parting.event_type.as_str()),
        (2, "ItemAdded")
    );
    assert_eq!(parting.global_position, dead);
    assert_eq!(parting.error, Some(planted_error().to_string()));
    assert!(parting.fields.is_empty());
    assert_eq!((e.events, e.row_version), (2, Some(1)));
    // A lagging row is compared with the projection at its own version: nothing changed.
    let e = explain(&shop, project, lagging).await;
    assert_eq!((e.first_divergence, e.row_version), (None, Some(1)));
    assert!(e.row_changed_outside.is_empty());
}

#[tokio::test]
async fn money_compares_by_value() {
    let db = Db::new();
    let shop = db.shop().await;
    let id = shop.create("c", &["A:2:12.49"]).await;
    shop.projector(settings(10)).catch_up(|_| {}).await.unwrap();
    let mut row = shop.row(id).await.unwrap();
    assert_eq!(row.total.to_string(), "24.98");
    for same in ["24.980", "24.9800"] {
        row.total = Stored::parse(same);
        shop.put_row(&row).await;
        assert_eq!(class_of(&shop, id).await.class, Class::InSync, "{same}");
    }
    for (other, shown) in [
        ("24.981", "24.981"),
        ("24.9", "24.9"),
        // Text that is no amount reads back as it was stored, and is shown as such.
        ("not money", "\"not money\" (unreadable)"),
    ] {
        row.total = Stored::parse(other);
        shop.put_row(&row).await;
        assert_eq!(shop.row(id).await.unwrap().total.to_string(), other);
        let c = class_of(&shop, id).await;
        assert_eq!(
            (c.class, c.fields),
            (Class::Diverged, vec![diff("total", shown, "24.98")])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_pages_through_thousands_of_orders() {
    use chronicle::app::demo::{DemoSpec, generate};
    let db = Db::new();
    let shop = db.shop().await;
    let spec = DemoSpec {
        orders: 2100,
        seed: 11,
        snapshot_every: 100,
    };
    for r in shop.store.import(generate(spec)).await.unwrap() {
        r.unwrap();
    }
    shop.projector(settings(1000))
        .catch_up(|_| {})
        .await
        .unwrap();
    let parked = shop.read_model.dead_letters().await.unwrap()[0]
        .stream_id
        .clone();
    // Around the first page boundary of rows (2000): one row gone, one edited, two orphans.
    let rows: Vec<SummaryRow> = shop
        .rows()
        .await
        .into_iter()
        .filter(|r| r.order_id != parked)
        .collect();
    let (gone, edited) = (&rows[1999], &rows[2000]);
    let mut tx = shop.read_model.begin_projection().await.unwrap();
    tx.delete_rows(Some(&gone.order_id)).await.unwrap();
    tx.commit().await.unwrap();
    let mut row = edited.clone();
    row.item_count += 1;
    shop.put_row(&row).await;
    for id in [&rows[1998].order_id, &rows[2001].order_id] {
        row.order_id = format!("{id}-orphan");
        shop.put_row(&row).await;
    }
    let report = check(&shop, None).await.unwrap();
    assert_eq!(report.orders, 2102);
    let counts: Vec<usize> = [
        "in-sync", "lagging", "diverged", "missing", "orphan", "parked",
    ]
    .iter()
    .map(|c| report.counts[c])
    .collect();
    assert_eq!(counts, [2097, 0, 1, 1, 2, 1]);
    let found = |class: Class| -> Vec<&str> {
        let of = report.divergent.iter().filter(|d| d.class == class);
        of.map(|d| d.order_id.as_str()).collect()
    };
    assert_eq!(found(Class::Missing), [gone.order_id.as_str()]);
    assert_eq!(found(Class::Diverged), [edited.order_id.as_str()]);
    assert_eq!(found(Class::Parked), [parked.as_str()]);
}
