//! Import of JSON lines: validated line by line while the previous chunk is being written,
//! all in one transaction, so a bad line anywhere leaves the database as it was.
//!
//! The SQLite worker thread inserts chunk k while this thread parses chunk k+1: parsing,
//! which the database cannot do for us, costs no wall time. Memory stays bounded by the
//! chunk size plus one small state per stream.

use std::collections::HashMap;
use std::io::BufRead;

use super::EventLine;
use crate::app::error::AppError;
use crate::app::loader::Loader;
use crate::domain::{
    Order, OrderEvent, OrderId, STATE_SCHEMA_VERSION, UpcastContext, admit, evolve,
};
use crate::store::{ImportRow, NewEvent, SnapshotRecord, StoreError};

/// Lines parsed while the previous chunk is written.
const CHUNK_LINES: usize = 1000;

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

struct Parsed {
    line_no: usize,
    stream_id: String,
    version: u64,
    event: NewEvent,
}

/// One stream's progress through the file.
struct StreamState {
    /// The version of its first line.
    first: u64,
    /// The version its next line must have.
    next: u64,
    /// The state before its next line, which every event is checked against; for a stream
    /// that continues one the target holds, known once the target's state is loaded.
    order: Option<Order>,
    /// A continuation's events read before its state was loaded (at most one chunk's).
    waiting: Vec<(usize, OrderEvent)>,
    /// Why the stream is not imported, if it is not.
    refused: Option<StoreError>,
    /// Events appended.
    events: u64,
}

/// A validated chunk, before the target's versions of its new streams are known.
struct Checked {
    lines: usize,
    rows: Vec<ImportRow>,
    snapshots: Vec<SnapshotRecord>,
    /// Streams whose first line is in this chunk.
    fresh: Vec<String>,
}

fn bad(line_no: usize, msg: impl std::fmt::Display) -> AppError {
    AppError::BadInput(format!("line {line_no}: {msg}"))
}

fn parse_line(line_no: usize, text: &str) -> Result<Parsed, AppError> {
    let line: EventLine = serde_json::from_str(text).map_err(|e| bad(line_no, e))?;
    let id: OrderId = line
        .stream_id
        .parse()
        .map_err(|e: crate::domain::InvalidOrderId| bad(line_no, e))?;
    if !line.metadata.get().trim_start().starts_with('{') {
        return Err(bad(line_no, "metadata must be a JSON object"));
    }
    Ok(Parsed {
        line_no,
        stream_id: id.to_stream_id(),
        version: line.version,
        event: NewEvent {
            event_type: line.event_type,
            schema_version: line.schema_version,
            payload: line.payload.get().to_string(),
            metadata: line.metadata.get().to_string(),
            recorded_at: line.recorded_at,
        },
    })
}

/// `order` after `event`, when the rules admit it; otherwise the file is refused at the line.
fn admitted(
    order: Order,
    event: &OrderEvent,
    line_no: usize,
    stream: &str,
) -> Result<Order, AppError> {
    admit(&order, event).map_err(|why| bad(line_no, format!("stream {stream}: {why}")))?;
    Ok(evolve(order, event))
}

fn read_chunk(
    input: &mut (dyn BufRead + Send),
    line_no: &mut usize,
    buf: &mut String,
) -> Result<Vec<Parsed>, AppError> {
    let mut out = Vec::with_capacity(CHUNK_LINES);
    while out.len() < CHUNK_LINES {
        buf.clear();
        let n = input
            .read_line(buf)
            .map_err(|e| AppError::BadInput(format!("reading input after line {line_no}: {e}")))?;
        if n == 0 {
            break;
        }
        *line_no += 1;
        if !buf.trim().is_empty() {
            out.push(parse_line(*line_no, buf)?);
        }
    }
    Ok(out)
}

struct Checker {
    upcast: UpcastContext,
    snapshot_every: u64,
    streams: HashMap<String, StreamState>,
    /// Stream ids in order of first appearance, for the report.
    seen: Vec<String>,
}

impl Checker {
    /// Validates one chunk against the file so far. Needs nothing from the database, so it
    /// runs while the previous chunk is being written.
    fn check(&mut self, chunk: Vec<Parsed>) -> Result<Checked, AppError> {
        let mut out = Checked {
            lines: chunk.len(),
            rows: Vec::with_capacity(chunk.len()),
            snapshots: Vec::new(),
            fresh: Vec::new(),
        };
        for p in chunk {
            let st = match self.streams.get_mut(&p.stream_id) {
                Some(st) if p.version != st.next => {
                    return Err(bad(
                        p.line_no,
                        format!(
                            "stream {} has version {} where {} was due",
                            p.stream_id, p.version, st.next
                        ),
                    ));
                }
                Some(st) => st,
                None => {
                    if p.version == 0 {
                        return Err(bad(p.line_no, "versions start at 1"));
                    }
                    let order = if p.version == 1 {
                        let id = p
                            .stream_id
                            .parse()
                            .map_err(|_| bad(p.line_no, "bad stream id"))?;
                        Some(Order::empty(id))
                    } else {
                        None
                    };
                    out.fresh.push(p.stream_id.clone());
                    self.seen.push(p.stream_id.clone());
                    self.streams
                        .entry(p.stream_id.clone())
                        .or_insert(StreamState {
                            first: p.version,
                            next: p.version,
                            order,
                            waiting: Vec::new(),
                            refused: None,
                            events: 0,
                        })
                }
            };
            st.next = p.version + 1;
            let e = &p.event;
            let event =
                OrderEvent::decode(&e.event_type, e.schema_version, &e.payload, &self.upcast)
                    .map_err(|err| bad(p.line_no, err))?;
            if matches!(event, OrderEvent::Created(_)) != (p.version == 1) {
                return Err(bad(
                    p.line_no,
                    format!(
                        "stream {}: OrderCreated must be version 1 and only version 1",
                        p.stream_id
                    ),
                ));
            }
            if st.refused.is_some() {
                continue;
            }
            match st.order.take() {
                Some(order) => {
                    let order = admitted(order, &event, p.line_no, &p.stream_id)?;
                    if order.version.is_multiple_of(self.snapshot_every) {
                        out.snapshots.push(SnapshotRecord {
                            stream_id: p.stream_id.clone(),
                            version: order.version,
                            schema_version: STATE_SCHEMA_VERSION,
                            state: serde_json::to_string(&order).unwrap_or_default(),
                        });
                    }
                    st.order = Some(order);
                }
                None => st.waiting.push((p.line_no, event)),
            }
            out.rows.push(ImportRow {
                stream_id: p.stream_id,
                version: p.version,
                event: p.event,
            });
        }
        Ok(out)
    }

    /// Refuses the chunk's new streams that do not continue the target's version, and drops
    /// their rows.
    fn resolve(&mut self, chunk: &mut Checked, targets: &HashMap<String, u64>) {
        for id in &chunk.fresh {
            let target = targets.get(id).copied().unwrap_or(0);
            if let Some(st) = self.streams.get_mut(id)
                && st.first != target + 1
            {
                st.refused = Some(StoreError::Conflict {
                    stream_id: id.clone(),
                    expected: st.first - 1,
                    actual: target,
                });
            }
        }
        let streams = &mut self.streams;
        chunk.rows.retain(|r| match streams.get_mut(&r.stream_id) {
            Some(st) if st.refused.is_none() => {
                st.events += 1;
                true
            }
            _ => false,
        });
        chunk.snapshots.retain(|s| {
            streams
                .get(&s.stream_id)
                .is_some_and(|st| st.refused.is_none())
        });
    }

    /// Loads the target's state of each continuation the chunk starts (refused ones aside)
    /// and checks the events that waited for it: a continuation is held to the rules against
    /// what the target holds.
    async fn load_continuations(
        &mut self,
        loader: &Loader,
        fresh: &[String],
    ) -> Result<(), AppError> {
        for id in fresh {
            let Some(st) = self.streams.get_mut(id) else {
                continue;
            };
            if st.refused.is_some() {
                st.waiting.clear();
            }
            if st.order.is_some() || st.refused.is_some() {
                continue;
            }
            let order_id: OrderId = id
                .parse()
                .map_err(|_| AppError::BadInput(format!("bad stream id {id}")))?;
            let mut order = loader.load(order_id, None).await?;
            for (line_no, event) in std::mem::take(&mut st.waiting) {
                order = admitted(order, &event, line_no, id)?;
            }
            st.order = Some(order);
        }
        Ok(())
    }

    fn report(self) -> ImportReport {
        let mut streams = self.streams;
        let mut report = ImportReport::default();
        for id in self.seen {
            let Some(st) = streams.remove(&id) else {
                continue;
            };
            if let Some(e) = st.refused {
                report.refused.push((id, e));
            } else {
                report.streams += 1;
                report.events += st.events;
            }
        }
        report
    }
}

/// Validates every line (shape, stream id, versions contiguous and in order per stream,
/// decodable payloads, `OrderCreated` exactly at version 1, and every event one the domain's
/// rules make from the state before it: `admit`) and appends each stream at the
/// versions it had. An invalid line refuses the whole file with its line number and nothing
/// is written; a stream that collides with stored events is refused, the others land.
pub async fn import(
    loader: &Loader,
    snapshot_every: u64,
    input: &mut (dyn BufRead + Send),
) -> Result<ImportReport, AppError> {
    let mut session = loader.store().begin_import().await?;
    let mut checker = Checker {
        upcast: *loader.upcast(),
        snapshot_every: snapshot_every.max(1),
        streams: HashMap::new(),
        seen: Vec::new(),
    };
    let (mut line_no, mut buf) = (0usize, String::new());
    let mut chunk = checker.check(read_chunk(input, &mut line_no, &mut buf)?)?;
    while chunk.lines > 0 {
        let targets = session.versions(&chunk.fresh).await?;
        checker.resolve(&mut chunk, &targets);
        checker.load_continuations(loader, &chunk.fresh).await?;
        // The write runs on the database's thread while this one parses and checks the next
        // chunk: the CPU work of an import costs no wall time.
        let (written, next) = tokio::join!(session.append(&chunk.rows, &chunk.snapshots), async {
            read_chunk(input, &mut line_no, &mut buf).and_then(|c| checker.check(c))
        });
        written?;
        chunk = next?;
    }
    session.commit().await?;
    Ok(checker.report())
}
