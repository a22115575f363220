//! The log as of a point in its past: which orders existed at global position P, each
//! replayed to its last event at or before P. The read model keeps no past, so nothing
//! here compares with it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ReadSide;
use super::orders::{OrderListing, OrdersPage};
use super::truth::ListSource;
use crate::app::divergence::{Class, corrupt_event};
use crate::app::error::AppError;
use crate::domain::{OrderId, OrderSummary};
use crate::store::PageKey;

/// A point in the log: everything at or before `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AsOf {
    /// The last global position included.
    pub position: i64,
    /// When the event there was recorded (`None` for a position with no event: a gap).
    pub recorded_at: Option<DateTime<Utc>>,
}

impl ReadSide {
    /// The point `#position` names, refused outside the log.
    pub async fn as_of_position(&self, position: i64) -> Result<AsOf, AppError> {
        let store = self.loader.store();
        let head = store.head_position().await?;
        if position < 1 || position > head {
            return Err(AppError::BadInput(format!(
                "no event #{position}: the log runs from #1 to #{head}"
            )));
        }
        let at = store.read_all(position - 1, 1).await?;
        Ok(AsOf {
            position,
            recorded_at: at
                .first()
                .filter(|e| e.global_position == position)
                .map(|e| e.recorded_at),
        })
    }

    /// The last point recorded at or before `at`: a binary search over positions, a point
    /// read each step, since positions follow commit order and so do the times the
    /// service records (an import with older times makes the answer the first prefix of
    /// the log that ends before `at`'s first later event).
    pub async fn as_of_time(&self, at: DateTime<Utc>) -> Result<AsOf, AppError> {
        let store = self.loader.store();
        let (mut lo, mut hi) = (0_i64, store.head_position().await?);
        let mut found: Option<AsOf> = None;
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2;
            let Some(e) = store.read_all(mid - 1, 1).await?.into_iter().next() else {
                hi = mid - 1;
                continue;
            };
            if e.recorded_at <= at {
                found = Some(AsOf {
                    position: e.global_position,
                    recorded_at: Some(e.recorded_at),
                });
                lo = e.global_position.max(mid);
            } else {
                hi = mid - 1;
            }
        }
        found.ok_or_else(|| {
            AppError::NotFound(format!(
                "the log has no event at or before {}",
                at.format("%Y-%m-%d %H:%M:%S")
            ))
        })
    }

    /// A stream's version as of `position`.
    pub async fn version_at_position(&self, order: &str, position: i64) -> Result<u64, AppError> {
        Ok(self.browse.version_at_position(order, position).await?)
    }

    /// A page of the orders that existed at `position`, in id order after `after`, each
    /// replayed to its version then. Classes are not compared: the read model of the past
    /// is not kept.
    pub async fn orders_at(
        &self,
        position: i64,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<OrdersPage, AppError> {
        let listed = self
            .browse
            .streams_at(position, prefix, after.unwrap_or(""), limit)
            .await?;
        let mut rows = Vec::with_capacity(listed.len());
        for (stream, version) in &listed {
            rows.push(self.listing_at(stream, *version).await?);
        }
        let next = (listed.len() >= limit as usize)
            .then(|| listed.last())
            .flatten()
            .map(|(id, _)| PageKey::Id {
                order_id: id.clone(),
            });
        Ok(OrdersPage {
            rows,
            next,
            source: ListSource::Replay,
        })
    }

    async fn listing_at(&self, stream: &str, version: u64) -> Result<OrderListing, AppError> {
        let mut listing = OrderListing {
            order_id: stream.to_string(),
            status: None,
            customer_id: String::new(),
            total: None,
            currency: None,
            version,
            updated_at: None,
            class: Class::InSync,
            behind: 0,
            corrupt: None,
        };
        let Ok(id) = stream.parse::<OrderId>() else {
            return Ok(listing);
        };
        match self.loader.load(id, Some(version)).await {
            Ok(order) => {
                if let Some(s) = OrderSummary::from_order(&order) {
                    listing.status = Some(s.status.to_string());
                    listing.customer_id = s.customer_id;
                    listing.total = Some(s.total.to_string());
                    listing.currency = Some(s.currency.code().to_string());
                    listing.updated_at = Some(s.updated_at);
                }
            }
            Err(e) => {
                let Some(event) = corrupt_event(&e) else {
                    return Err(e);
                };
                listing.class = Class::Corrupt;
                listing.corrupt = Some(event);
            }
        }
        Ok(listing)
    }
}
