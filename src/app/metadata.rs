//! Metadata stored with every event: who, why, and which command.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The metadata JSON of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Unique per event.
    pub event_id: Uuid,
    /// Shared by everything one request caused; generated when the caller gives none.
    pub correlation_id: String,
    /// What caused this event: the caller's causation id, else the command id.
    pub causation_id: String,
    /// Unique per command; shared by the events of one command.
    pub command_id: Uuid,
    /// The caller's idempotency key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Who issued the command: `user@host`, `http:<token>`, `demo`.
    pub actor: String,
    /// Which adapter: `cli`, `tui`, `http`, `demo`, `import`.
    pub source: String,
    /// The W3C trace id of the request that caused it (HTTP `traceparent`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The span (16 hex digits) of the request that caused it: the parent of the span
    /// that projects it, so the projection joins the request's trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    /// When the store took it.
    pub recorded_at: DateTime<Utc>,
}

/// Who and where a command comes from; ids left `None` are generated.
#[derive(Debug, Clone, Default)]
pub struct CommandContext {
    /// Correlation id to carry, if the caller has one.
    pub correlation_id: Option<String>,
    /// Causation id to carry, if the caller has one.
    pub causation_id: Option<String>,
    /// Idempotency key, if the caller wants retries to be safe.
    pub idempotency_key: Option<String>,
    /// Who issues the command.
    pub actor: String,
    /// Which adapter.
    pub source: String,
    /// The W3C trace id the caller's request carries, if any.
    pub trace_id: Option<String>,
    /// The caller's span within that trace, if any.
    pub span_id: Option<String>,
}

/// `user@host` of the process, for the `actor` of CLI commands.
pub fn local_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}
