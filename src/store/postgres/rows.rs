//! Writing read-model rows: one `INSERT … SELECT FROM UNNEST` per batch, a column array
//! each, as an upsert or (for orders that had no row) a plain insert.

use sqlx::{AssertSqlSafe, PgConnection};

use crate::store::StoreError;
use crate::store::codec::{write_currency, write_status, write_time, write_total};
use crate::store::read_model::SummaryRow;

/// How rows are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    /// Insert, or replace the row the order has.
    Upsert,
    /// Insert: the statement fails if the order has a row.
    Insert,
}

pub(super) async fn write_rows(
    conn: &mut PgConnection,
    rows: &[&SummaryRow],
    how: Write,
) -> Result<(), StoreError> {
    write_rows_raw(conn, rows, how)
        .await
        .map_err(StoreError::from)
}

/// Rows as one `INSERT … SELECT FROM UNNEST` statement, a column array each.
pub(super) async fn write_rows_raw(
    conn: &mut PgConnection,
    rows: &[&SummaryRow],
    how: Write,
) -> Result<(), sqlx::Error> {
    let conflict = match how {
        Write::Upsert => UPSERT,
        Write::Insert => "",
    };
    let sql = format!("{INSERT_ROWS}{conflict}");
    // Borrowed where the row holds the text: only the formatted columns are built.
    let text = |f: &dyn Fn(&SummaryRow) -> String| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
    let strs = |f: &dyn for<'r> Fn(&'r SummaryRow) -> &'r str| {
        rows.iter().map(|r| f(r)).collect::<Vec<&str>>()
    };
    let ints = |f: &dyn Fn(&SummaryRow) -> i64| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
    sqlx::query(AssertSqlSafe(sql))
        .bind(strs(&|r| r.order_id.as_str()))
        .bind(strs(&|r| r.customer_id.as_str()))
        .bind(strs(&|r| write_status(&r.status)))
        .bind(strs(&|r| write_currency(&r.currency)))
        .bind(text(&|r| write_total(&r.total)))
        .bind(ints(&|r| r.item_count))
        .bind(ints(&|r| r.line_count))
        .bind(
            rows.iter()
                .map(|r| r.tracking_number.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(text(&|r| write_time(&r.created_at)))
        .bind(text(&|r| write_time(&r.updated_at)))
        .bind(strs(&|r| r.lines.as_str()))
        .bind(ints(&|r| r.version))
        .bind(ints(&|r| r.last_position))
        .execute(conn)
        .await?;
    Ok(())
}

const INSERT_ROWS: &str = "INSERT INTO order_summary (order_id, customer_id, status, currency, \
     total, item_count, line_count, tracking_number, created_at, updated_at, lines, version, \
     last_position) \
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
     $6::int8[], $7::int8[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[], \
     $13::int8[])";

const UPSERT: &str = " ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, \
     status = EXCLUDED.status, currency = EXCLUDED.currency, total = EXCLUDED.total, \
     item_count = EXCLUDED.item_count, line_count = EXCLUDED.line_count, \
     tracking_number = EXCLUDED.tracking_number, created_at = EXCLUDED.created_at, \
     updated_at = EXCLUDED.updated_at, lines = EXCLUDED.lines, version = EXCLUDED.version, \
     last_position = EXCLUDED.last_position";
