//! The span of one projected event, placed in the trace of the request that wrote it.

use std::borrow::Cow;

use serde::Deserialize;
use tracing::{Level, Span};

use crate::store::StoredEvent;

/// The metadata fields a projection span carries.
#[derive(Deserialize)]
struct Traced<'a> {
    #[serde(borrow, default, rename = "correlation_id")]
    correlation: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "trace_id")]
    trace: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "span_id")]
    span: Option<Cow<'a, str>>,
}

/// A `project` span for `e` when spans are collected and `e` came from a traced request,
/// as a child of that request's span. When nothing collects spans this costs one cached
/// callsite check per event, and the metadata is not parsed.
pub(super) fn span(e: &StoredEvent) -> Option<Span> {
    if !tracing::enabled!(Level::INFO) || !e.metadata.contains("\"trace_id\"") {
        return None;
    }
    let t: Traced = serde_json::from_str(&e.metadata).ok()?;
    let trace_id = t.trace?;
    let span = tracing::info_span!(
        "project",
        order_id = %e.stream_id,
        version = e.version,
        position = e.global_position,
        event_type = %e.event_type,
        correlation_id = t.correlation.as_deref(),
        trace_id = %trace_id,
    );
    if let Some(parent) = &t.span {
        crate::telemetry::adopt(&span, &trace_id, parent);
    }
    Some(span)
}
