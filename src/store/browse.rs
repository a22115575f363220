//! Queries the debugger browses with: pages of orders, search within a stream, events that
//! share a correlation id, a search across the whole log, and id-prefix lookups. Each is
//! one statement.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{StoreError, Stored, StoredEvent};
use crate::domain::OrderStatus;

/// Which orders a page holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OrderFilter {
    /// Every stream, including those the read model has no row for.
    #[default]
    All,
    /// Streams whose id starts with this.
    IdPrefix(String),
    /// Read-model rows whose customer id starts with this.
    Customer(String),
    /// Read-model rows in this status.
    Status(OrderStatus),
}

/// The order of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderSort {
    /// By order id.
    #[default]
    Id,
    /// Most recently updated first (read-model `updated_at`).
    Recent,
    /// Largest total first (read-model `total`).
    Total,
}

impl OrderSort {
    /// The next sort in the cycle the debugger's `s` key walks.
    #[must_use]
    pub fn next(self) -> OrderSort {
        match self {
            OrderSort::Id => OrderSort::Recent,
            OrderSort::Recent => OrderSort::Total,
            OrderSort::Total => OrderSort::Id,
        }
    }

    /// The sort's name as shown.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSort::Id => "id",
            OrderSort::Recent => "recent",
            OrderSort::Total => "total",
        }
    }
}

/// Where a page starts: after the row with this order id and, for the sorts by a read-model
/// column, this value of it (as the row held it when the page was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageKey {
    /// After this order id.
    Id {
        /// The last order seen.
        order_id: String,
    },
    /// After this (`updated_at`, order id), most recent first.
    Recent {
        /// Its `updated_at`.
        updated_at: Stored<DateTime<Utc>>,
        /// The last order seen.
        order_id: String,
    },
    /// After this (total, order id), largest first.
    Total {
        /// Its total.
        total: Stored<Decimal>,
        /// The last order seen.
        order_id: String,
    },
}

impl PageKey {
    /// The last order seen.
    pub fn order_id(&self) -> &str {
        match self {
            PageKey::Id { order_id }
            | PageKey::Recent { order_id, .. }
            | PageKey::Total { order_id, .. } => order_id,
        }
    }
}

/// One page request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderPageQuery {
    /// Which orders.
    pub filter: OrderFilter,
    /// In which order.
    pub sort: OrderSort,
    /// Start after this row (first page when `None`).
    pub after: Option<PageKey>,
    /// At most this many rows.
    pub limit: u32,
}

/// One order of a page: its stream's head and the key to page on from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOrder {
    /// The order (stream) id.
    pub order_id: String,
    /// The stream's version (0 for a read-model row without events).
    pub stream_version: u64,
    /// The key of this row, to ask for the page after it.
    pub key: PageKey,
}

/// What a search across every order looks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventSearch {
    /// The event at this global position.
    Position(i64),
    /// Events whose metadata's `event_id` or `correlation_id` is exactly this.
    Id(String),
    /// Events whose type or payload contains this, ignoring ASCII case.
    Text(String),
}

/// Browsing queries over the event log and the read model together.
#[async_trait]
pub trait BrowseStore: Send + Sync {
    /// One page of orders.
    async fn list_orders(&self, query: &OrderPageQuery) -> Result<Vec<ListedOrder>, StoreError>;

    /// The nearest version after (`forward`) or before `from` whose type or payload contains
    /// `needle`, ignoring ASCII case.
    async fn find_in_stream(
        &self,
        stream_id: &str,
        from: u64,
        needle: &str,
        forward: bool,
    ) -> Result<Option<u64>, StoreError>;

    /// Up to `limit` events, across streams, whose metadata carries this correlation id, in
    /// log order.
    async fn correlated(
        &self,
        correlation_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Up to `limit` events, across streams, that `search` finds, newest (highest global
    /// position) first: a bounded search of a long log shows the latest matches.
    async fn find_events(
        &self,
        search: &EventSearch,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Up to `limit` stream ids starting with `prefix`, in id order.
    async fn streams_with_prefix(
        &self,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// The log as of `position`: up to `limit` streams that had events at or before it,
    /// starting with `prefix`, in id order after `after`, each with its version then.
    async fn streams_at(
        &self,
        position: i64,
        prefix: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// A stream's version as of `position` (0 when it had no events yet).
    async fn version_at_position(&self, stream_id: &str, position: i64) -> Result<u64, StoreError>;
}

/// The smallest string greater than every string that starts with `prefix`, in byte order
/// (UTF-8 byte order is code-point order): the prefix with its last character replaced by the
/// next one. `None` when there is none (an empty prefix, or one of only U+10FFFF): then every
/// string at or above `prefix` starts with it.
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, skipping the surrogate gap.
        let next = (u32::from(last) + 1..=0x10_FFFF).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn the_prefix_end_bounds_exactly_the_strings_that_start_with_the_prefix() {
        assert_eq!(prefix_end("a").as_deref(), Some("b"));
        assert_eq!(prefix_end("3f2a").as_deref(), Some("3f2b"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        let end = prefix_end("a").unwrap();
        for s in ["a", "a\u{10FFFF}", "a\u{10FFFF}z", "azzz"] {
            assert!(s.as_bytes() < end.as_bytes(), "{s:?}");
        }
        assert!("b".as_bytes() >= end.as_bytes());
    }
}
