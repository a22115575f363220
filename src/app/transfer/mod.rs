//! Export of the log as JSON lines, import that validates and appends whole streams, and
//! the Markdown incident note of one order's divergence.

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
        if let Some(fault) = &e.fault {
            return Err(AppError::CorruptRow {
                position: e.global_position,
                what: "event",
                reason: fault.clone(),
            });
        }
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

/// One event as the JSON line `export` writes (without the newline).
pub fn event_line(e: &StoredEvent) -> Result<String, AppError> {
    serde_json::to_string(&EventLine::from_stored(e)?)
        .map_err(|err| AppError::BadInput(err.to_string()))
}

/// Writes events as JSON lines, in the order given; how many.
pub fn write_lines<'a, W: Write + ?Sized>(
    events: impl IntoIterator<Item = &'a StoredEvent>,
    out: &mut W,
) -> Result<u64, AppError> {
    let mut written = 0;
    for e in events {
        writeln!(out, "{}", event_line(e)?).map_err(AppError::Output)?;
        written += 1;
    }
    Ok(written)
}

/// Writes events as JSON lines: one stream when given, else the whole log in global order.
/// Generic over the output so that the future is `Send` when the output is (the debugger's
/// worker writes into a buffer from its task).
pub async fn export<W: Write + ?Sized>(
    loader: &Loader,
    stream: Option<OrderId>,
    out: &mut W,
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
        written += write_lines(&page, out)?;
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
mod report;

pub use import::{ImportReport, import};
pub use report::{Incident, incident_markdown, markdown_text};
