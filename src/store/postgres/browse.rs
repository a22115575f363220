//! The browsing queries of the debugger on PostgreSQL, one statement each.

use std::fmt::Write as _;

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;

use super::PgStore;
use super::sql::{EVENT_COLS, big, event_from_row};
use crate::store::browse::{
    BrowseStore, EventSearch, ListedOrder, OrderFilter, OrderPageQuery, OrderSort, prefix_end,
};
use crate::store::codec::{key_text, page_key};
use crate::store::{StoreError, StoredEvent};

/// A bound value of a dynamically assembled (but fixed-text) statement.
enum Bind {
    Text(String),
    Int(i64),
}

/// `text` folded to lower case in ASCII only, as on every backend: `lower()` would follow
/// the database's locale.
fn ascii_lower(text: &str) -> String {
    format!("translate({text}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

/// Appends a bound value and returns its placeholder.
fn bind(binds: &mut Vec<Bind>, value: Bind) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// ` AND column < end` for the end of `prefix`'s range, when it has one.
fn push_below(sql: &mut String, binds: &mut Vec<Bind>, column: &'static str, prefix: &str) {
    if let Some(end) = prefix_end(prefix) {
        let p = bind(binds, Bind::Text(end));
        let _ = write!(sql, " AND {column} < {p}");
    }
}

/// Every stream by id, from the log (streams without a read-model row are listed too).
fn streams_sql(q: &OrderPageQuery, prefix: &str) -> (String, Vec<Bind>) {
    let mut binds = Vec::new();
    let after = q
        .after
        .as_ref()
        .map(|k| k.order_id().to_string())
        .unwrap_or_default();
    let a = bind(&mut binds, Bind::Text(after));
    let p = bind(&mut binds, Bind::Text(prefix.to_string()));
    let mut sql = format!(
        "SELECT stream_id, MAX(version), stream_id::text FROM events \
         WHERE stream_id > {a} AND stream_id >= {p}"
    );
    push_below(&mut sql, &mut binds, "stream_id", prefix);
    let l = bind(&mut binds, Bind::Int(i64::from(q.limit.max(1))));
    let _ = write!(sql, " GROUP BY stream_id ORDER BY stream_id LIMIT {l}");
    (sql, binds)
}

/// Assembles the page statement: only fixed SQL fragments, every value bound.
fn page_sql(q: &OrderPageQuery) -> (String, Vec<Bind>) {
    if q.sort == OrderSort::Id && matches!(q.filter, OrderFilter::All | OrderFilter::IdPrefix(_)) {
        let prefix = match &q.filter {
            OrderFilter::IdPrefix(p) => p.as_str(),
            _ => "",
        };
        return streams_sql(q, prefix);
    }
    let mut binds = Vec::new();
    let (sort_expr, dir) = match q.sort {
        OrderSort::Id => ("r.order_id", "ASC"),
        OrderSort::Recent => ("r.updated_at", "DESC"),
        OrderSort::Total => ("chronicle_total(r.total)", "DESC"),
    };
    let sort_col = match q.sort {
        OrderSort::Id => "r.order_id",
        OrderSort::Recent => "r.updated_at",
        OrderSort::Total => "r.total",
    };
    let mut sql = format!(
        "SELECT r.order_id, COALESCE((SELECT MAX(e.version) FROM events e \
         WHERE e.stream_id = r.order_id), 0), {sort_col}::text FROM order_summary r WHERE true"
    );
    match &q.filter {
        OrderFilter::All => {}
        OrderFilter::IdPrefix(p) => {
            let b = bind(&mut binds, Bind::Text(p.clone()));
            let _ = write!(sql, " AND r.order_id >= {b}");
            push_below(&mut sql, &mut binds, "r.order_id", p);
        }
        OrderFilter::Customer(p) => {
            let b = bind(&mut binds, Bind::Text(p.clone()));
            let _ = write!(sql, " AND r.customer_id >= {b}");
            push_below(&mut sql, &mut binds, "r.customer_id", p);
        }
        OrderFilter::Status(s) => {
            let b = bind(&mut binds, Bind::Text(s.as_str().to_string()));
            let _ = write!(sql, " AND r.status = {b}");
        }
    }
    if let Some(k) = &q.after {
        if q.sort == OrderSort::Id {
            let b = bind(&mut binds, Bind::Text(k.order_id().to_string()));
            let _ = write!(sql, " AND r.order_id > {b}");
        } else {
            let v = bind(&mut binds, Bind::Text(key_text(k)));
            let key_expr = if q.sort == OrderSort::Total {
                format!("chronicle_total({v})")
            } else {
                format!("{v}::text")
            };
            let b = bind(&mut binds, Bind::Text(k.order_id().to_string()));
            let _ = write!(sql, " AND ({sort_expr}, r.order_id) < ({key_expr}, {b})");
        }
    }
    let l = bind(&mut binds, Bind::Int(i64::from(q.limit.max(1))));
    let _ = write!(
        sql,
        " ORDER BY {sort_expr} {dir}, r.order_id {dir} LIMIT {l}"
    );
    (sql, binds)
}

#[async_trait]
impl BrowseStore for PgStore {
    async fn list_orders(&self, query: &OrderPageQuery) -> Result<Vec<ListedOrder>, StoreError> {
        let (sql, binds) = page_sql(query);
        let mut q = sqlx::query_as::<_, (String, i64, String)>(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(&self.pool).await.map_err(StoreError::from)?;
        Ok(rows
            .into_iter()
            .map(|(order_id, version, sort_value)| ListedOrder {
                key: page_key(query.sort, sort_value, order_id.clone()),
                order_id,
                stream_version: version.max(0) as u64,
            })
            .collect())
    }

    async fn find_in_stream(
        &self,
        stream_id: &str,
        from: u64,
        needle: &str,
        forward: bool,
    ) -> Result<Option<u64>, StoreError> {
        // ASCII-only lowering on both sides, as on every backend: `lower()` would follow
        // the database's locale.
        let matches = "(strpos(translate(event_type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', \
                       'abcdefghijklmnopqrstuvwxyz'), $3) > 0 \
                       OR strpos(translate(payload::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', \
                       'abcdefghijklmnopqrstuvwxyz'), $3) > 0)";
        let sql = if forward {
            format!(
                "SELECT version FROM events WHERE stream_id = $1 AND version > $2 AND {matches} \
                 ORDER BY version LIMIT 1"
            )
        } else {
            format!(
                "SELECT version FROM events WHERE stream_id = $1 AND version < $2 AND {matches} \
                 ORDER BY version DESC LIMIT 1"
            )
        };
        let needle = needle.to_ascii_lowercase();
        let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(stream_id)
            .bind(big(from))
            .bind(needle.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(found.map(|v| v.max(0) as u64))
    }

    async fn correlated(
        &self,
        correlation_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        // The stored text rules most rows out cheaply, the parsed metadata decides. Metadata
        // is kept as written (an import keeps its escapes), so a row with an escape, where
        // the id may be spelled differently, always goes on to the parse.
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events \
             WHERE (strpos(metadata::text, $1) > 0 OR strpos(metadata::text, '\\') > 0) \
             AND metadata ->> 'correlation_id' = $1 ORDER BY global_position LIMIT $2"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(correlation_id)
            .bind(i64::from(limit))
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn find_events(
        &self,
        search: &EventSearch,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let select = |filter: &str| {
            AssertSqlSafe(format!(
                "SELECT {EVENT_COLS} FROM events WHERE {filter} \
                 ORDER BY global_position DESC LIMIT $2"
            ))
        };
        let q = match search {
            EventSearch::Position(p) => sqlx::query(select("global_position = $1")).bind(*p),
            // As `correlated`: the stored text rules rows out, the parsed metadata decides.
            EventSearch::Id(id) => sqlx::query(select(
                "(strpos(metadata::text, $1) > 0 OR strpos(metadata::text, '\\') > 0) \
                 AND (metadata ->> 'event_id' = $1 OR metadata ->> 'correlation_id' = $1)",
            ))
            .bind(id.clone()),
            EventSearch::Text(text) => sqlx::query(select(&format!(
                "(strpos({}, $1) > 0 OR strpos({}, $1) > 0)",
                ascii_lower("event_type"),
                ascii_lower("payload::text")
            )))
            .bind(text.to_ascii_lowercase()),
        };
        q.bind(i64::from(limit))
            .try_map(|row: PgRow| event_from_row(&row))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)
    }

    async fn streams_with_prefix(
        &self,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        // Both forms bound the range for the index; the second has no upper end.
        let q = match prefix_end(prefix) {
            Some(end) => sqlx::query_scalar(
                "SELECT stream_id FROM events WHERE stream_id >= $1 AND stream_id < $2 \
                 GROUP BY stream_id ORDER BY stream_id LIMIT $3",
            )
            .bind(prefix)
            .bind(end),
            None => sqlx::query_scalar(
                "SELECT stream_id FROM events WHERE stream_id >= $1 AND $2::text IS NULL \
                 GROUP BY stream_id ORDER BY stream_id LIMIT $3",
            )
            .bind(prefix)
            .bind(None::<String>),
        };
        let rows: Vec<String> = q
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(rows)
    }

    async fn streams_at(
        &self,
        position: i64,
        prefix: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stream_id, MAX(version)::bigint FROM events \
             WHERE stream_id > $1 AND stream_id >= $2 \
             AND ($3::text IS NULL OR stream_id < $3) AND global_position <= $4 \
             GROUP BY stream_id ORDER BY stream_id LIMIT $5",
        )
        .bind(after)
        .bind(prefix)
        .bind(prefix_end(prefix))
        .bind(position)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(rows
            .into_iter()
            .map(|(s, v)| (s, v.max(0) as u64))
            .collect())
    }

    async fn version_at_position(&self, stream_id: &str, position: i64) -> Result<u64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(version)::bigint FROM events WHERE stream_id = $1 AND global_position <= $2",
        )
        .bind(stream_id)
        .bind(position)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)?;
        Ok(v.unwrap_or(0).max(0) as u64)
    }
}
