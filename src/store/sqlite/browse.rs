//! The browsing queries of the debugger, one statement each.

use std::fmt::Write as _;

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

use super::SqliteStore;
use super::sql::{EVENT_COLS, EventRow, rows_to_events};
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

/// ` AND column < end` for the end of `prefix`'s range, when it has one.
fn push_below(sql: &mut String, binds: &mut Vec<Bind>, column: &'static str, prefix: &str) {
    if let Some(end) = prefix_end(prefix) {
        let _ = write!(sql, " AND {column} < ?");
        binds.push(Bind::Text(end));
    }
}

/// Assembles the page statement: only fixed SQL fragments, every value bound.
fn page_sql(q: &OrderPageQuery) -> (String, Vec<Bind>) {
    let mut binds = Vec::new();
    let limit = i64::from(q.limit.max(1));
    // By id over the whole log: streams without a read-model row are listed too.
    if q.sort == OrderSort::Id && matches!(q.filter, OrderFilter::All | OrderFilter::IdPrefix(_)) {
        let prefix = match &q.filter {
            OrderFilter::IdPrefix(p) => p.clone(),
            _ => String::new(),
        };
        binds.push(Bind::Text(
            q.after
                .as_ref()
                .map(|k| k.order_id().to_string())
                .unwrap_or_default(),
        ));
        binds.push(Bind::Text(prefix.clone()));
        let mut sql = String::from(
            "SELECT stream_id, MAX(version), stream_id FROM events \
             WHERE stream_id > ? AND stream_id >= ?",
        );
        push_below(&mut sql, &mut binds, "stream_id", &prefix);
        sql.push_str(" GROUP BY stream_id ORDER BY stream_id LIMIT ?");
        binds.push(Bind::Int(limit));
        return (sql, binds);
    }
    let (sort_col, sort_expr, dir) = match q.sort {
        OrderSort::Id => ("r.order_id", "r.order_id", "ASC"),
        OrderSort::Recent => ("r.updated_at", "r.updated_at", "DESC"),
        OrderSort::Total => ("r.total", "CAST(r.total AS REAL)", "DESC"),
    };
    let mut sql = format!(
        "SELECT r.order_id, COALESCE((SELECT MAX(e.version) FROM events e \
         WHERE e.stream_id = r.order_id), 0), {sort_col} FROM order_summary r WHERE 1"
    );
    match &q.filter {
        OrderFilter::All => {}
        OrderFilter::IdPrefix(p) => {
            sql.push_str(" AND r.order_id >= ?");
            binds.push(Bind::Text(p.clone()));
            push_below(&mut sql, &mut binds, "r.order_id", p);
        }
        OrderFilter::Customer(p) => {
            sql.push_str(" AND r.customer_id >= ?");
            binds.push(Bind::Text(p.clone()));
            push_below(&mut sql, &mut binds, "r.customer_id", p);
        }
        OrderFilter::Status(s) => {
            sql.push_str(" AND r.status = ?");
            binds.push(Bind::Text(s.as_str().to_string()));
        }
    }
    if let Some(k) = &q.after {
        if q.sort == OrderSort::Id {
            sql.push_str(" AND r.order_id > ?");
        } else {
            let key_expr = if q.sort == OrderSort::Total {
                "CAST(? AS REAL)"
            } else {
                "?"
            };
            let _ = write!(sql, " AND ({sort_expr}, r.order_id) < ({key_expr}, ?)");
            binds.push(Bind::Text(key_text(k)));
        }
        binds.push(Bind::Text(k.order_id().to_string()));
    }
    let _ = write!(sql, " ORDER BY {sort_expr} {dir}, r.order_id {dir} LIMIT ?");
    binds.push(Bind::Int(limit));
    (sql, binds)
}

#[async_trait]
impl BrowseStore for SqliteStore {
    async fn list_orders(&self, query: &OrderPageQuery) -> Result<Vec<ListedOrder>, StoreError> {
        let (sql, binds) = page_sql(query);
        let mut q = sqlx::query_as::<_, (String, i64, String)>(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(&self.reader).await.map_err(StoreError::from)?;
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
        let sql = if forward {
            "SELECT version FROM events WHERE stream_id = ? AND version > ? \
             AND (instr(lower(event_type), ?) > 0 OR instr(lower(payload), ?) > 0) \
             ORDER BY version LIMIT 1"
        } else {
            "SELECT version FROM events WHERE stream_id = ? AND version < ? \
             AND (instr(lower(event_type), ?) > 0 OR instr(lower(payload), ?) > 0) \
             ORDER BY version DESC LIMIT 1"
        };
        let needle = needle.to_ascii_lowercase();
        let found: Option<(i64,)> = sqlx::query_as(sql)
            .bind(stream_id)
            .bind(from.min(i64::MAX as u64) as i64)
            .bind(needle.as_str())
            .bind(needle.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(found.map(|(v,)| v as u64))
    }

    async fn correlated(
        &self,
        correlation_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        // instr() rejects most rows cheaply, json_extract decides. Metadata is stored as written
        // (an import keeps its spacing and escapes), so the filter only asks for the id's text,
        // and lets through any row with an escape, where the id may be spelled differently. A
        // row whose metadata is no JSON is passed over, not an error for the whole query.
        let sql = format!(
            "SELECT {EVENT_COLS} FROM events \
             WHERE (instr(metadata, ?) > 0 OR instr(metadata, '\\') > 0) \
             AND CASE WHEN json_valid(metadata) \
             THEN json_extract(metadata, '$.correlation_id') = ? END \
             ORDER BY global_position LIMIT ?"
        );
        let rows: Vec<EventRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(correlation_id)
            .bind(correlation_id)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
    }

    async fn find_events(
        &self,
        search: &EventSearch,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = i64::from(limit);
        let q = match search {
            EventSearch::Position(p) => sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {EVENT_COLS} FROM events WHERE global_position = ? LIMIT ?"
            )))
            .bind(*p),
            // As `correlated`: instr() rules rows out, the parsed metadata decides. A row
            // whose metadata someone broke is passed over, not an error for the whole log.
            EventSearch::Id(id) => sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {EVENT_COLS} FROM events \
                 WHERE (instr(metadata, ?1) > 0 OR instr(metadata, '\\') > 0) \
                 AND CASE WHEN json_valid(metadata) THEN \
                 json_extract(metadata, '$.event_id') = ?1 \
                 OR json_extract(metadata, '$.correlation_id') = ?1 END \
                 ORDER BY global_position DESC LIMIT ?2"
            )))
            .bind(id.as_str()),
            // SQLite's lower() folds ASCII only, as `find_in_stream` relies on too.
            EventSearch::Text(text) => sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {EVENT_COLS} FROM events \
                 WHERE instr(lower(event_type), ?1) > 0 OR instr(lower(payload), ?1) > 0 \
                 ORDER BY global_position DESC LIMIT ?2"
            )))
            .bind(text.to_ascii_lowercase()),
        };
        let rows: Vec<EventRow> = q
            .bind(limit)
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(rows_to_events(rows))
    }

    async fn streams_with_prefix(
        &self,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        // Both forms bound the range for the index; the second has no upper end.
        let q = match prefix_end(prefix) {
            Some(end) => sqlx::query_as(
                "SELECT stream_id FROM events WHERE stream_id >= ? AND stream_id < ? \
                 GROUP BY stream_id ORDER BY stream_id LIMIT ?",
            )
            .bind(prefix)
            .bind(end),
            None => sqlx::query_as(
                "SELECT stream_id FROM events WHERE stream_id >= ? \
                 GROUP BY stream_id ORDER BY stream_id LIMIT ?",
            )
            .bind(prefix),
        };
        let rows: Vec<(String,)> = q
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(StoreError::from)?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    async fn streams_at(
        &self,
        position: i64,
        prefix: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        // The (stream_id, version) index holds the rowid, which is the position: the scan
        // never reads the table.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stream_id, MAX(version) FROM events \
             WHERE stream_id > ?1 AND stream_id >= ?2 AND (?3 IS NULL OR stream_id < ?3) \
             AND global_position <= ?4 \
             GROUP BY stream_id ORDER BY stream_id LIMIT ?5",
        )
        .bind(after)
        .bind(prefix)
        .bind(prefix_end(prefix))
        .bind(position)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(StoreError::from)?;
        Ok(rows
            .into_iter()
            .map(|(s, v)| (s, v.max(0) as u64))
            .collect())
    }

    async fn version_at_position(&self, stream_id: &str, position: i64) -> Result<u64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(version) FROM events WHERE stream_id = ? AND global_position <= ?",
        )
        .bind(stream_id)
        .bind(position)
        .fetch_one(&self.reader)
        .await
        .map_err(StoreError::from)?;
        Ok(v.unwrap_or(0).max(0) as u64)
    }
}
