//! Export of the log as JSON lines, and import that validates and appends whole streams.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::error::AppError;
use super::loader::Loader;
use crate::domain::{Order, OrderEvent, OrderId, STATE_SCHEMA_VERSION, evolve};
use crate::store::{ImportStream, NewEvent, SnapshotRecord, StoreError, StoredEvent};

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
        let raw = |s: &str, what: &str| {
            RawValue::from_string(s.to_string()).map_err(|err| {
                AppError::Storage(StoreError::Backend(format!(
                    "corrupt {what} at global position {}: {err}",
                    e.global_position
                )))
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
            writeln!(out, "{line}")
                .map_err(|err| AppError::BadInput(format!("writing output: {err}")))?;
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

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Streams appended.
    pub streams: usize,
    /// Events appended.
    pub events: u64,
    /// Streams refused, with why (a conflict with what the target already holds).
    pub refused: Vec<(String, StoreError)>,
}

struct Pending {
    stream_id: String,
    rows: Vec<(usize, u64, NewEvent)>,
}

/// Runs `f` over `items` split across the machine's cores, keeping order.
fn parallel<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(Vec<T>) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    if workers < 2 || items.len() < 1024 {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(workers);
    let mut chunks = Vec::with_capacity(workers);
    while items.len() > size {
        let rest = items.split_off(size);
        chunks.push(std::mem::replace(&mut items, rest));
    }
    chunks.push(items);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| scope.spawn(move || f(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

fn parse_line(line_no: usize, text: &str) -> Result<(String, u64, NewEvent), AppError> {
    let bad = |msg: String| AppError::BadInput(format!("line {line_no}: {msg}"));
    let line: EventLine = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let id: OrderId = line
        .stream_id
        .parse()
        .map_err(|e: crate::domain::InvalidOrderId| bad(e.to_string()))?;
    if !line.metadata.get().trim_start().starts_with('{') {
        return Err(bad("metadata must be a JSON object".into()));
    }
    Ok((
        id.to_stream_id(),
        line.version,
        NewEvent {
            event_type: line.event_type,
            schema_version: line.schema_version,
            payload: line.payload.get().to_string(),
            metadata: line.metadata.get().to_string(),
            recorded_at: line.recorded_at,
        },
    ))
}

/// Validates every line (shape, stream id, contiguous versions, decodable payloads, a stream
/// that starts with `OrderCreated`), then appends each stream atomically at the versions it
/// had. Any invalid line refuses the whole file before anything is written. Parsing and
/// validation run on all cores: they are CPU work the database cannot overlap.
pub async fn import(
    loader: &Loader,
    snapshot_every: u64,
    input: &mut dyn BufRead,
) -> Result<ImportReport, AppError> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|e| AppError::BadInput(format!("reading input: {e}")))?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let parsed = parallel(lines, |chunk| {
        chunk
            .into_iter()
            .map(|(n, l)| parse_line(n, l).map(|p| (n, p)))
            .collect::<Result<Vec<_>, _>>()
    });
    let mut streams: Vec<Pending> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for part in parsed {
        for (line_no, (stream_id, version, event)) in part? {
            let slot = *index.entry(stream_id).or_insert_with_key(|key| {
                streams.push(Pending {
                    stream_id: key.clone(),
                    rows: Vec::new(),
                });
                streams.len() - 1
            });
            streams[slot].rows.push((line_no, version, event));
        }
    }
    let upcast = *loader.upcast();
    let count = streams.len();
    let validated = parallel(streams, |chunk| {
        chunk
            .into_iter()
            .map(|p| validate_stream(upcast, p, snapshot_every))
            .collect::<Result<Vec<_>, _>>()
    });
    let mut batch = Vec::with_capacity(count);
    for part in validated {
        batch.extend(part?);
    }
    let results = loader.store().import(&batch).await;
    let mut report = ImportReport::default();
    for (s, r) in batch.iter().zip(results) {
        match r {
            Ok(_) => {
                report.streams += 1;
                report.events += s.events.len() as u64;
            }
            Err(e) => report.refused.push((s.stream_id.clone(), e)),
        }
    }
    Ok(report)
}

fn validate_stream(
    upcast: crate::domain::UpcastContext,
    mut p: Pending,
    snapshot_every: u64,
) -> Result<ImportStream, AppError> {
    p.rows.sort_by_key(|r| r.1);
    let first = p.rows.first().map_or(1, |r| r.1);
    if first == 0 {
        return Err(AppError::BadInput(format!(
            "stream {}: versions start at 1",
            p.stream_id
        )));
    }
    let id: OrderId = p
        .stream_id
        .parse()
        .map_err(|_| AppError::BadInput(format!("stream {} is not an order id", p.stream_id)))?;
    // Snapshots only for whole streams: a continuation has no base state here.
    let mut order = (first == 1).then(|| Order::empty(id));
    let mut snapshots = Vec::new();
    let n = snapshot_every.max(1);
    for (i, (line_no, version, e)) in p.rows.iter().enumerate() {
        let bad = |msg: String| AppError::BadInput(format!("line {line_no}: {msg}"));
        if *version != first + i as u64 {
            return Err(bad(format!(
                "stream {} skips or repeats version {version}",
                p.stream_id
            )));
        }
        let event = OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &upcast)
            .map_err(|err| bad(err.to_string()))?;
        let is_create = matches!(event, OrderEvent::Created(_));
        if is_create != (*version == 1) {
            return Err(bad(format!(
                "stream {}: OrderCreated must be version 1 and only version 1",
                p.stream_id
            )));
        }
        if let Some(o) = order.take() {
            let o = evolve(o, &event);
            if o.version.is_multiple_of(n) {
                snapshots.push(SnapshotRecord {
                    stream_id: p.stream_id.clone(),
                    version: o.version,
                    schema_version: STATE_SCHEMA_VERSION,
                    state: serde_json::to_string(&o).unwrap_or_default(),
                });
            }
            order = Some(o);
        }
    }
    Ok(ImportStream {
        stream_id: p.stream_id,
        expected_version: first - 1,
        events: p.rows.into_iter().map(|r| r.2).collect(),
        snapshots,
    })
}
