//! `chronicle serve`: the HTTP API over the same services as the CLI and the debugger. The
//! handlers only parse and serialise; every rule lives in `app`.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::serve::ListenerExt as _;

use crate::app::Services;
use crate::app::config::ReadAccess;
use crate::telemetry;
use tracing::Instrument as _;

pub mod auth;
mod body;
pub mod error;
pub mod headers;
pub mod metrics;
mod openapi;
mod reads;
mod write_doc;
mod writes;

use auth::{Caller, Tokens};
use error::ApiError;

/// What every handler shares.
#[derive(Clone)]
pub struct ApiState {
    /// The services over the open database.
    pub services: Services,
    /// The tokens writes may carry.
    pub tokens: Tokens,
    /// Refuse every write (403).
    pub read_only: bool,
    /// Whether reads need a token too.
    pub reads: ReadAccess,
}

/// The state as the handlers hold it: one shared copy, so a request clones one pointer
/// rather than every service handle in it.
pub(crate) type Shared = std::sync::Arc<ApiState>;

/// The whole API.
pub fn router(state: ApiState) -> Router {
    let state: Shared = std::sync::Arc::new(state);
    let writes = Router::new()
        .route("/api/orders", post(writes::create))
        .route("/api/orders/{id}/items", post(writes::add_item))
        .route("/api/orders/{id}/items/{sku}", delete(writes::remove_item))
        .route("/api/orders/{id}/pay", post(writes::pay))
        .route("/api/orders/{id}/ship", post(writes::ship))
        .route("/api/orders/{id}/deliver", post(writes::deliver))
        .route("/api/orders/{id}/cancel", post(writes::cancel))
        .route_layer(middleware::from_fn_with_state(state.clone(), writer));
    let reads = Router::new()
        .route("/api/orders", get(reads::list))
        .route("/api/orders/{id}", get(reads::order))
        .route("/api/orders/{id}/events", get(reads::events))
        .route("/api/orders/{id}/divergence", get(reads::divergence))
        .route("/metrics", get(metrics::scrape))
        .route_layer(middleware::from_fn_with_state(state.clone(), reader));
    let open = Router::new()
        .route("/healthz", get(reads::healthz))
        .route("/readyz", get(reads::readyz))
        .route("/openapi.json", get(openapi::document));
    writes
        .merge(reads)
        .merge(open)
        .route_layer(middleware::from_fn(metrics::requests))
        .fallback(|| async { ApiError::no_route() })
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        .layer(middleware::from_fn(origin))
        .with_state(state)
}

/// Reads the request's correlation id and trace (400 when malformed), hands them to the
/// handler inside the request's span (a child of the caller's `traceparent`), and echoes
/// them on the response. Without a `traceparent`, an exported request answers with its own.
async fn origin(mut req: Request, next: Next) -> Response {
    let origin = match headers::origin(req.headers()) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let span = tracing::info_span!(
        "request",
        otel.name = tracing::field::Empty,
        http.request.method = %req.method(),
        http.route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        correlation_id = %origin.correlation_id,
        trace_id = origin.trace.as_ref().map(|t| t.trace_id.as_str()),
        order_id = tracing::field::Empty,
    );
    if let Some(t) = &origin.trace {
        telemetry::adopt(&span, &t.trace_id, &t.parent_id);
    }
    req.extensions_mut().insert(origin.clone());
    let mut response = next.run(req).instrument(span.clone()).await;
    // Read only now: reading them starts the span, after which it cannot be renamed to
    // its route (which the router learns inside).
    let own = telemetry::ids(&span);
    span.record("http.response.status_code", response.status().as_u16());
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin.correlation_id) {
        h.insert(headers::CORRELATION_ID, v);
    }
    let traceparent = match (&origin.trace, own) {
        (Some(t), _) => Some(t.header.clone()),
        (None, Some((trace, span))) => Some(format!("00-{trace}-{span}-01")),
        (None, None) => None,
    };
    if let Some(v) = traceparent.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(headers::TRACEPARENT, v);
    }
    response
}

/// The owner of the request's bearer token, if it is a configured one.
fn caller(state: &ApiState, req: &Request) -> Option<Caller> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| state.tokens.name_of(v))
        .map(|name| Caller(name.to_string()))
}

/// Writes need a configured bearer token (401) on a server that takes writes (403).
async fn writer(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    if state.read_only {
        return ApiError::read_only().into_response();
    }
    let Some(caller) = caller(&state, &req) else {
        return ApiError::unauthorized().into_response();
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Reads need a token only where the server is configured so (401 without one).
async fn reader(State(state): State<Shared>, req: Request, next: Next) -> Response {
    if state.reads == ReadAccess::Token && caller(&state, &req).is_none() {
        return ApiError::unauthorized().into_response();
    }
    next.run(req).await
}

/// Serves `state` on `listener` until `stop` resolves; requests in flight then finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Installed before the first request, so the first command is counted.
    metrics::handle();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // An answer leaves at once rather than waiting on the client's delayed ACK (Nagle).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
