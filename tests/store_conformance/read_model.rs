//! The read model's storage: rows with typed fields (and the raw text of fields that do not
//! parse), the projector's place, dead letters.

use std::collections::HashSet;

use chronicle::domain::OrderStatus;
use chronicle::store::{ProjectorState, Stored, SummaryRow};

use crate::support::{Factory, Fixture, all_rows, at_micros, dead_letter, put_rows, summary_row};

pub async fn rows_round_trip_and_delete<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    let mut bare = summary_row("b");
    bare.tracking_number = None;
    bare.lines = "[ ]".into();
    let rows = [summary_row("a"), bare.clone(), summary_row("c")];
    put_rows(&read_model, &rows).await;
    assert_eq!(all_rows(&read_model).await, rows);
    let some = read_model
        .rows(&["c".into(), "absent".into(), "b".into()])
        .await
        .unwrap();
    let mut some_ids: Vec<&str> = some.iter().map(|r| r.order_id.as_str()).collect();
    some_ids.sort_unstable();
    assert_eq!(some_ids, ["b", "c"], "absent ones are left out");
    assert_eq!(some.iter().find(|r| r.order_id == "b"), Some(&bare));
    assert_eq!(read_model.rows_after("a", 1).await.unwrap(), [bare]);

    // Upsert replaces the whole row.
    let mut moved = summary_row("a");
    moved.status = OrderStatus::Delivered.into();
    moved.total = rust_decimal::Decimal::new(-1, 3).into();
    moved.updated_at = at_micros(86_400_000_001).into();
    moved.version = 9;
    put_rows(&read_model, std::slice::from_ref(&moved)).await;
    assert_eq!(
        read_model.rows(&["a".into()]).await.unwrap(),
        [moved.clone()]
    );

    let mut tx = read_model.begin_projection().await.unwrap();
    tx.delete_rows(Some("b")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(all_rows(&read_model).await, [moved, summary_row("c")]);
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.delete_rows(None).await.unwrap();
    tx.commit().await.unwrap();
    assert!(all_rows(&read_model).await.is_empty());
}

/// A row changed behind the projector's back reads back, each field that does not parse as
/// `Stored::Invalid` with its text exactly, the others still typed.
pub async fn a_tampered_row_reads_back_with_its_raw_text<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    let tampered = SummaryRow {
        status: Stored::Invalid("shipped-ish".into()),
        total: Stored::Invalid("12,50 €".into()),
        created_at: Stored::Invalid("yesterday at noon".into()),
        updated_at: Stored::Invalid(String::new()),
        currency: Stored::Invalid("euro".into()),
        ..summary_row("t")
    };
    // Text that parses elsewhere but is not what this field holds.
    let lowercase = SummaryRow {
        status: Stored::Invalid("paid".into()),
        currency: Stored::Invalid("eur".into()),
        ..summary_row("u")
    };
    put_rows(&read_model, &[tampered.clone(), lowercase.clone()]).await;
    let got = read_model.rows(&["t".into()]).await.unwrap();
    assert_eq!(got, std::slice::from_ref(&tampered));
    let row = &got[0];
    assert_eq!(row.status.to_string(), "shipped-ish");
    assert_eq!(row.total.to_string(), "12,50 €");
    assert_eq!(row.created_at.valid(), None);
    assert_eq!(row.customer_id, "cust-t", "the valid fields stay typed");
    assert_eq!(
        read_model.rows_after("", 10).await.unwrap(),
        [tampered, lowercase.clone()]
    );
    let mut tx = read_model.begin_projection().await.unwrap();
    assert_eq!(tx.row("u").await.unwrap(), Some(lowercase));
}

pub async fn projector_state_is_set_and_read_back<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    let zero = ProjectorState {
        position: 0,
        generation: 0,
    };
    assert_eq!(read_model.projector_state().await.unwrap(), zero);
    for state in [(42, 7), (3, 8), (i64::MAX, i64::MAX)] {
        let state = ProjectorState {
            position: state.0,
            generation: state.1,
        };
        let mut tx = read_model.begin_projection().await.unwrap();
        tx.set_state(state).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(read_model.projector_state().await.unwrap(), state);
        let mut tx = read_model.begin_projection().await.unwrap();
        assert_eq!(tx.state().await.unwrap(), state);
    }
}

pub async fn dead_letters_are_put_listed_replaced_and_deleted<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    assert!(read_model.dead_letters().await.unwrap().is_empty());
    assert_eq!(read_model.dead_letter_count().await.unwrap(), 0);
    let letters = [
        dead_letter(30, "x", 2),
        dead_letter(7, "y", 1),
        dead_letter(12, "x", 1),
    ];
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.put_dead_letters(&letters).await.unwrap();
    tx.commit().await.unwrap();
    let oldest_first = [letters[1].clone(), letters[2].clone(), letters[0].clone()];
    assert_eq!(read_model.dead_letters().await.unwrap(), oldest_first);
    assert_eq!(read_model.dead_letter_count().await.unwrap(), 3);
    let blocked: HashSet<String> = ["x".to_string(), "y".to_string()].into();
    assert_eq!(read_model.blocked_streams().await.unwrap(), blocked);

    let mut again = dead_letter(12, "x", 1);
    again.attempts = 4;
    again.error = "still failing: ✗".into();
    again.last_failed_at = at_micros(9_999_999);
    // Retries spent: the schedule is cleared, and reads back as cleared.
    again.next_retry_at = None;
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.put_dead_letters(std::slice::from_ref(&again))
        .await
        .unwrap();
    assert_eq!(
        tx.dead_letters(Some("x")).await.unwrap(),
        [again.clone(), letters[0].clone()]
    );
    tx.delete_dead_letters(Some(30), None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        read_model.dead_letters().await.unwrap(),
        [letters[1].clone(), again]
    );

    let mut tx = read_model.begin_projection().await.unwrap();
    tx.delete_dead_letters(None, Some("x")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        read_model.dead_letters().await.unwrap(),
        [letters[1].clone()]
    );
    assert_eq!(
        read_model.blocked_streams().await.unwrap(),
        ["y".to_string()].into()
    );
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.put_dead_letters(&letters).await.unwrap();
    tx.delete_dead_letters(None, None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read_model.dead_letter_count().await.unwrap(), 0);
    assert!(read_model.blocked_streams().await.unwrap().is_empty());
}

/// Rows inserted as new are written; one whose order has a row after all (an orphan, a row
/// written behind the projector's back) replaces it, as an upsert would, and nothing else
/// in the transaction is lost.
pub async fn new_rows_insert_and_replace_a_row_that_exists_after_all<F: Factory>() {
    let fx = Fixture::fresh::<F>().await;
    let read_model = fx.read_model();
    put_rows(&read_model, &[summary_row("orphan")]).await;
    let mut fresh = summary_row("orphan");
    fresh.version = 7;
    let rows = [summary_row("a"), summary_row("b")];
    let mut tx = read_model.begin_projection().await.unwrap();
    tx.insert_new_rows(&rows).await.unwrap();
    tx.insert_new_rows(&[summary_row("c"), fresh.clone()])
        .await
        .unwrap();
    let state = ProjectorState {
        position: 3,
        generation: 0,
    };
    tx.set_state(state).await.unwrap();
    tx.commit().await.unwrap();
    let expected = [summary_row("a"), summary_row("b"), summary_row("c"), fresh];
    assert_eq!(all_rows(&read_model).await, expected);
    assert_eq!(read_model.projector_state().await.unwrap(), state);
}
