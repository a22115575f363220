//! One order's stream: a window of events, one raw event, the events it is correlated with.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ReadSide;
use crate::app::error::AppError;
use crate::app::metadata::EventMetadata;
use crate::domain::OrderEvent;
use crate::store::StoredEvent;

/// One event of a stream, decoded where it still decodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// Version in the stream.
    pub version: u64,
    /// Global position.
    pub global_position: i64,
    /// Stored type name.
    pub event_type: String,
    /// Schema version as stored.
    pub schema_version: u32,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The payload as stored.
    pub payload: String,
    /// The event as upcast to the current schema (absent when it does not decode).
    #[serde(skip)]
    pub event: Option<OrderEvent>,
    /// Why it does not decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A window of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamWindow {
    /// The order.
    pub order_id: String,
    /// Its head version.
    pub head: u64,
    /// The events, in version order.
    pub events: Vec<EventView>,
    /// The version asked for, clamped to the stream (the head when the latest was asked).
    pub cursor: u64,
}

/// The event as upcast to the current schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upcast {
    /// Current type name.
    pub event_type: &'static str,
    /// Current schema version.
    pub schema_version: u32,
    /// Payload JSON in the current schema.
    pub payload: String,
}

/// One stored event: as stored, as upcast, and its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawEvent {
    /// Global position.
    pub global_position: i64,
    /// The order.
    pub order_id: String,
    /// Version in the stream.
    pub version: u64,
    /// Stored type name.
    pub event_type: String,
    /// Schema version as stored.
    pub schema_version: u32,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The payload exactly as stored.
    pub payload: String,
    /// The metadata exactly as stored.
    pub metadata: String,
    /// The event in the current schema (absent when it does not decode).
    pub upcast: Option<Upcast>,
    /// Why it does not decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An event that shares a correlation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorrelatedEvent {
    /// Its order.
    pub order_id: String,
    /// Its version.
    pub version: u64,
    /// Its type.
    pub event_type: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// Events sharing one correlation id, across orders, in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correlated {
    /// The id.
    pub correlation_id: String,
    /// The events.
    pub events: Vec<CorrelatedEvent>,
}

impl ReadSide {
    fn event_view(&self, e: StoredEvent) -> EventView {
        let (event, error) = match self.loader.decode(&e) {
            Ok(ev) => (Some(ev), None),
            Err(err) => (None, Some(err.to_string())),
        };
        EventView {
            version: e.version,
            global_position: e.global_position,
            event_type: e.event_type,
            schema_version: e.schema_version,
            recorded_at: e.recorded_at,
            payload: e.payload,
            event,
            error,
        }
    }

    /// A window of `size` events around `around` (the head when `None`).
    pub async fn stream_window(
        &self,
        order: &str,
        around: Option<u64>,
        size: u32,
    ) -> Result<StreamWindow, AppError> {
        self.stream_window_at(order, around, size, None).await
    }

    /// A window of the stream as of global position `as_of` (now when `None`): its head is
    /// the last version at or before that position.
    pub async fn stream_window_at(
        &self,
        order: &str,
        around: Option<u64>,
        size: u32,
        as_of: Option<i64>,
    ) -> Result<StreamWindow, AppError> {
        let store = self.loader.store();
        let head = match as_of {
            None => store.stream_version(order).await?,
            Some(p) => self.browse.version_at_position(order, p).await?,
        };
        if head == 0 {
            return Err(AppError::NotFound(match as_of {
                None => format!("order {order} has no events"),
                Some(p) => format!("order {order} has no events at or before #{p}"),
            }));
        }
        let centre = around.unwrap_or(head).clamp(1, head);
        let window = u64::from(size.max(1));
        let from = centre
            .saturating_sub(window / 2)
            .min(head.saturating_sub(window - 1))
            .max(1);
        let events = store.read_stream(order, from, head, size).await?;
        Ok(StreamWindow {
            order_id: order.to_string(),
            head,
            events: events.into_iter().map(|e| self.event_view(e)).collect(),
            cursor: centre,
        })
    }

    async fn one_event(&self, order: &str, version: u64) -> Result<StoredEvent, AppError> {
        self.loader
            .store()
            .read_stream(order, version, version, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(format!("order {order} has no version {version}")))
    }

    /// One stored event, as stored and as upcast.
    pub async fn raw_event(&self, order: &str, version: u64) -> Result<RawEvent, AppError> {
        let e = self.one_event(order, version).await?;
        let (upcast, error) = match self.loader.decode(&e) {
            Ok(ev) => (
                Some(Upcast {
                    event_type: ev.event_type(),
                    schema_version: ev.schema_version(),
                    payload: ev.payload_json(),
                }),
                None,
            ),
            Err(err) => (None, Some(err.to_string())),
        };
        Ok(RawEvent {
            global_position: e.global_position,
            order_id: e.stream_id,
            version: e.version,
            event_type: e.event_type,
            schema_version: e.schema_version,
            recorded_at: e.recorded_at,
            payload: e.payload,
            metadata: e.metadata,
            upcast,
            error,
        })
    }

    /// Up to `limit` events sharing the correlation id of one event, across orders.
    pub async fn correlated(
        &self,
        order: &str,
        version: u64,
        limit: u32,
    ) -> Result<Correlated, AppError> {
        let e = self.one_event(order, version).await?;
        let meta: EventMetadata = serde_json::from_str(&e.metadata).map_err(|err| {
            AppError::BadInput(format!(
                "event #{} has no readable metadata: {err}",
                e.global_position
            ))
        })?;
        let events = self
            .browse
            .correlated(&meta.correlation_id, limit)
            .await?
            .into_iter()
            .map(|e| CorrelatedEvent {
                order_id: e.stream_id,
                version: e.version,
                event_type: e.event_type,
                recorded_at: e.recorded_at,
            })
            .collect();
        Ok(Correlated {
            correlation_id: meta.correlation_id,
            events,
        })
    }
}
