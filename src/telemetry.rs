//! Tracing for `chronicle serve`: warnings to stderr, and the `chronicle` spans (request →
//! command → append → projection) to an OTLP collector when one is named.
//!
//! Spans are plain `tracing` spans everywhere; only this module knows OpenTelemetry. It
//! turns a W3C parent (trace id + span id) into a span's remote parent and reads a span's
//! own ids back, so the ids stored in event metadata are the ones the collector sees.

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// The path OTLP/HTTP receivers take traces on, under the endpoint's base URL.
const TRACES_PATH: &str = "/v1/traces";

/// An installed exporter; [`Telemetry::shutdown`] sends what is still buffered.
#[derive(Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans go to a collector.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Flushes and stops the exporter. Spans still buffered are sent before this returns
    /// (or the exporter's own timeout passes, when the collector is gone).
    pub fn shutdown(self) {
        if let Some(p) = self.provider {
            let _ = p.shutdown();
        }
    }
}

/// The traces URL for a collector base URL such as `http://127.0.0.1:4318`; a base URL
/// that already ends in `/v1/traces` is taken as it is. The URL is never echoed: it may
/// carry credentials.
///
/// Plain HTTP only: spans go to a collector beside the process (an agent or sidecar),
/// which forwards them wherever TLS is needed; a TLS stack is not worth its weight here.
pub fn traces_url(endpoint: &str) -> Result<String, String> {
    let e = endpoint.trim().trim_end_matches('/');
    if e.starts_with("https://") {
        return Err(
            "--otlp-endpoint: https is not supported; send spans to a collector \
                    beside the server over http://"
                .into(),
        );
    }
    if !e.starts_with("http://") || e.parse::<axum::http::Uri>().is_err() {
        return Err("--otlp-endpoint: not an http:// URL".into());
    }
    if e.ends_with(TRACES_PATH) {
        Ok(e.to_string())
    } else {
        Ok(format!("{e}{TRACES_PATH}"))
    }
}

/// Installs the process's subscriber: warnings and errors to stderr, and, with `traces`
/// (from [`traces_url`]), the `chronicle` spans at INFO to that collector over OTLP/HTTP.
/// A second call in one process leaves the first subscriber in place.
pub fn init(traces: Option<&str>) -> Result<Telemetry, String> {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(LevelFilter::WARN);
    let Some(url) = traces else {
        let _ = Registry::default().with(stderr).try_init();
        return Ok(Telemetry::default());
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .build()
        .map_err(|e| format!("cannot set up the OTLP exporter: {e}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("chronicle").build())
        .build();
    let spans = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("chronicle"))
        // Parents come from the span tree; starting a span on entry would fix its name
        // before the router has matched the request's route.
        .with_context_activation(false)
        .with_filter(Targets::new().with_target("chronicle", LevelFilter::INFO));
    let _ = Registry::default().with(stderr).with(spans).try_init();
    Ok(Telemetry {
        provider: Some(provider),
    })
}

/// Makes `span` a child of the remote span `parent_span_id` in trace `trace_id` (both
/// lowercase hex, as in `traceparent`). Ids that do not parse leave the span a root.
pub fn adopt(span: &Span, trace_id: &str, parent_span_id: &str) {
    let (Ok(trace), Ok(parent)) = (
        TraceId::from_hex(trace_id),
        SpanId::from_hex(parent_span_id),
    ) else {
        return;
    };
    if trace == TraceId::INVALID || parent == SpanId::INVALID {
        return;
    }
    let remote = SpanContext::new(
        trace,
        parent,
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
}

/// The trace id and span id (hex) the collector knows `span` by, when spans are exported.
pub fn ids(span: &Span) -> Option<(String, String)> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid()
        .then(|| (sc.trace_id().to_string(), sc.span_id().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_gets_the_traces_path_and_a_bad_one_is_refused_without_echo() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318").unwrap(),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://c.example/otlp/").unwrap(),
            "http://c.example/otlp/v1/traces"
        );
        assert_eq!(
            traces_url("http://h:4318/v1/traces").unwrap(),
            "http://h:4318/v1/traces"
        );
        for bad in [
            "",
            "localhost:4318",
            "ftp://h/",
            "https://user:hunter2@c.example",
            "http://user:hunter2@ exa mple",
        ] {
            let e = traces_url(bad).unwrap_err();
            assert!(!e.contains("hunter2"), "{e}");
            assert!(e.starts_with("--otlp-endpoint"), "{e}");
        }
    }

    #[test]
    fn without_an_exporter_a_span_has_no_ids_and_adopting_is_harmless() {
        let span = tracing::info_span!("x");
        adopt(
            &span,
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
        );
        adopt(&span, "zz", "00");
        assert_eq!(ids(&span), None);
    }
}
