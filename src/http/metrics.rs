//! `GET /metrics`: Prometheus text from the `metrics` recorder, with the projection's lag
//! and dead letters read from the store at each scrape.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::Shared;
use super::error::ApiError;

/// Bucket bounds in seconds, for command and request durations.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Bucket bounds for how many commands one commit carried (group commit).
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: servers in one process,
/// as in tests, share it). `None` when another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), &BUCKETS)
                .ok()?
                .set_buckets_for_metric(
                    Matcher::Full("chronicle_append_batch_commands".into()),
                    &BATCH_BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// Counts one command and its duration.
pub fn command(name: &'static str, outcome: &'static str, started: Instant) {
    metrics::counter!("chronicle_commands_total", "command" => name, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("chronicle_command_duration_seconds", "command" => name)
        .record(started.elapsed().as_secs_f64());
}

/// Counts every routed request by method, route and status.
pub async fn requests(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let span = tracing::Span::current();
    if !span.is_disabled() {
        span.record("http.route", route.as_str());
        span.record("otel.name", format!("{method} {route}"));
    }
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "chronicle_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!(
        "chronicle_http_request_duration_seconds",
        "method" => method,
        "route" => route
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", security((), ("bearer" = [])),
    responses((status = 200, content_type = "text/plain", body = String, description = "Prometheus text format"),
              (status = 401, body = super::error::ErrorBody, description = "reads need a token on this server (`--reads token`)"),
              (status = 503, body = super::error::ErrorBody)))]
pub async fn scrape(State(state): State<Shared>) -> Result<Response, ApiError> {
    let handle = handle().ok_or_else(|| {
        ApiError::from(crate::app::AppError::Internal(
            "another metrics recorder is installed".into(),
        ))
    })?;
    let status = state.services.projector.status(chrono::Utc::now()).await?;
    metrics::gauge!("chronicle_projection_lag_events").set(status.lag_events as f64);
    metrics::gauge!("chronicle_projection_lag_seconds").set(status.lag_seconds);
    metrics::gauge!("chronicle_dead_letters").set(status.dead_letters as f64);
    metrics::gauge!("chronicle_projection_checkpoint").set(status.checkpoint as f64);
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}
