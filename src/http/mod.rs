//! `chronicle serve`: the HTTP API over the same services as the CLI and the debugger. The
//! handlers only parse and serialise; every rule lives in `app`.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};

use crate::app::Services;

pub mod auth;
mod body;
pub mod error;
pub mod headers;
pub mod metrics;
mod openapi;
mod reads;
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
}

/// The whole API.
pub fn router(state: ApiState) -> Router {
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
        .route("/healthz", get(reads::healthz))
        .route("/readyz", get(reads::readyz))
        .route("/metrics", get(metrics::scrape))
        .route("/openapi.json", get(openapi::document));
    writes
        .merge(reads)
        .route_layer(middleware::from_fn(metrics::requests))
        .fallback(|| async { ApiError::no_route() })
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        .layer(middleware::from_fn(origin))
        .with_state(state)
}

/// Reads the request's correlation id and trace (400 when malformed), hands them to the
/// handler, and echoes them on the response.
async fn origin(mut req: Request, next: Next) -> Response {
    let origin = match headers::origin(req.headers()) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(origin.clone());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin.correlation_id) {
        h.insert(headers::CORRELATION_ID, v);
    }
    if let Some(t) = &origin.trace
        && let Ok(v) = HeaderValue::from_str(&t.header)
    {
        h.insert(headers::TRACEPARENT, v);
    }
    response
}

/// Writes need a configured bearer token (401) on a server that takes writes (403).
async fn writer(State(state): State<ApiState>, mut req: Request, next: Next) -> Response {
    if state.read_only {
        return ApiError::read_only().into_response();
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| state.tokens.name_of(v))
        .map(str::to_string);
    let Some(name) = presented else {
        return ApiError::unauthorized().into_response();
    };
    req.extensions_mut().insert(Caller(name));
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
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
