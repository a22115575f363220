//! Reads answered by replaying events: an order at a version or time, its stored events, the
//! replayed order list.

use chrono::{DateTime, Utc};

use super::{ListEntry, ReadSide};
use crate::app::divergence::corrupt_event;
use crate::app::error::AppError;
use crate::domain::{Order, OrderId, OrderStatus, OrderSummary};
use crate::store::StoredEvent;

/// Which state of an order to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// After the last event.
    Latest,
    /// After exactly this many events.
    Version(u64),
    /// After the last event recorded at or before this time.
    Time(DateTime<Utc>),
}

impl ReadSide {
    /// The order's state at `at`, replayed from the nearest snapshot.
    pub async fn state(&self, id: OrderId, at: At) -> Result<Order, AppError> {
        let store = self.loader.store();
        let up_to = match at {
            At::Latest => None,
            At::Version(0) => {
                return Err(AppError::BadInput("versions start at 1".into()));
            }
            At::Version(v) => Some(v),
            At::Time(t) => {
                let v = store.version_at_time(&id.to_stream_id(), t).await?;
                if v == 0 {
                    return Err(AppError::NotFound(format!(
                        "order {id} has no events at or before {t}"
                    )));
                }
                Some(v)
            }
        };
        let order = self.loader.load(id, up_to).await?;
        if order.version == 0 {
            return Err(AppError::NotFound(format!("order {id}")));
        }
        if let At::Version(v) = at
            && order.version < v
        {
            return Err(AppError::BadInput(format!(
                "order {id} has {} events; there is no version {v}",
                order.version
            )));
        }
        Ok(order)
    }

    /// Up to `limit` stored events of an order from version `from`.
    pub async fn events(
        &self,
        id: OrderId,
        from: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, AppError> {
        let events = self
            .loader
            .store()
            .read_stream(&id.to_stream_id(), from, u64::MAX, limit)
            .await?;
        if events.is_empty() && from <= 1 {
            return Err(AppError::NotFound(format!("order {id}")));
        }
        Ok(events)
    }

    /// Up to `limit` orders in id order, optionally only those in `status`. An order whose
    /// events no longer decode is listed as such (it has no status to filter on).
    pub async fn list(
        &self,
        status: Option<OrderStatus>,
        limit: u32,
    ) -> Result<Vec<ListEntry>, AppError> {
        const PAGE: u32 = 200;
        let store = self.loader.store();
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        while out.len() < limit as usize {
            let page = store.list_streams(after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.stream_id.clone());
            for s in &page {
                let Ok(id) = s.stream_id.parse::<OrderId>() else {
                    continue;
                };
                let order = match self.loader.load(id, None).await {
                    Ok(order) => order,
                    Err(e) => {
                        let Some(corrupt) = corrupt_event(&e) else {
                            return Err(e);
                        };
                        if status.is_none() {
                            out.push(ListEntry::Corrupt {
                                order_id: s.stream_id.clone(),
                                corrupt,
                            });
                            if out.len() == limit as usize {
                                break;
                            }
                        }
                        continue;
                    }
                };
                if let Some(summary) = OrderSummary::from_order(&order)
                    && status.is_none_or(|st| st == summary.status)
                {
                    out.push(ListEntry::Order(summary));
                    if out.len() == limit as usize {
                        break;
                    }
                }
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        Ok(out)
    }
}
