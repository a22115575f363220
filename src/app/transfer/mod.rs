//! Export of the log as JSON lines, and import that validates and appends whole streams.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::error::AppError;
use super::loader::Loader;
use crate::domain::OrderId;
use crate::store::StoredEvent;

/// One event as a JSON line: what `export` writes, `import` reads and `order events --json` prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventLine {
    /// Position in the source log (ignored on import: the target assigns its own).
    #[serde(default)]
    pub global_position: i64,
    /// The stream (order id).
    pub stream_id: String,
    /// Version within the stream.
    pub version: u64,
    /// Stored type name.
    pub event_type: String,
    /// Schema version of the payload as stored (not upcast).
    pub schema_version: u32,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Payload JSON as stored.
    pub payload: Box<RawValue>,
    /// Metadata JSON as stored.
    pub metadata: Box<RawValue>,
}

impl EventLine {
    /// The line for a stored event; stored text that is not JSON names its position.
    pub fn from_stored(e: &StoredEvent) -> Result<EventLine, AppError> {
        let raw = |s: &str, what: &'static str| {
            RawValue::from_string(s.to_string()).map_err(|err| AppError::CorruptRow {
                position: e.global_position,
                what,
                reason: err.to_string(),
            })
        };
        Ok(EventLine {
            global_position: e.global_position,
            stream_id: e.stream_id.clone(),
            version: e.version,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            recorded_at: e.recorded_at,
            payload: raw(&e.payload, "payload")?,
            metadata: raw(&e.metadata, "metadata")?,
        })
    }
}

/// Writes events as JSON lines: one stream when given, else the whole log in global order.
pub async fn export(
    loader: &Loader,
    stream: Option<OrderId>,
    out: &mut dyn Write,
) -> Result<u64, AppError> {
    const PAGE: u32 = 2000;
    let store = loader.store();
    let mut written = 0u64;
    let mut after_pos = 0i64;
    let mut next_version = 1u64;
    loop {
        let page = match stream {
            Some(id) => {
                store
                    .read_stream(&id.to_stream_id(), next_version, u64::MAX, PAGE)
                    .await?
            }
            None => store.read_all(after_pos, PAGE).await?,
        };
        for e in &page {
            let line = serde_json::to_string(&EventLine::from_stored(e)?)
                .map_err(|err| AppError::BadInput(err.to_string()))?;
            writeln!(out, "{line}").map_err(AppError::Output)?;
            written += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                after_pos = last.global_position;
                next_version = last.version + 1;
            }
            _ => break,
        }
    }
    if written == 0
        && let Some(id) = stream
    {
        return Err(AppError::NotFound(format!("order {id}")));
    }
    Ok(written)
}

mod import;

pub use import::{ImportReport, import};
