//! The environment the binary reads. Any of these set in the developer's shell would leak
//! into a test's run of it, so every harness removes them all.

/// Variables the binary reads.
pub const CHRONICLE_ENV: &[&str] = &[
    "DATABASE_URL",
    "CHRONICLE_CONFIG",
    "CHRONICLE_SNAPSHOT_EVERY",
    "CHRONICLE_DEFAULT_CURRENCY",
    "CHRONICLE_IDEMPOTENCY_TTL_SECS",
    "CHRONICLE_API_TOKENS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "NO_COLOR",
];
