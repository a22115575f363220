//! The read endpoints: each asks the read side and returns its view as JSON.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::body::{PathParams, QueryParams};
use super::error::{ApiError, ErrorBody};
use super::headers::etag;
use super::{ApiState, Shared};
use crate::app::AppError;
use crate::app::read::{At, OrderListing, OrderView, ReadModelView};
use crate::domain::{OrderId, OrderStatus};
use crate::store::{OrderFilter, OrderPageQuery, OrderSort, PageKey, StoredEvent};

/// Largest page a client may ask for.
const MAX_PAGE: u32 = 500;
/// The page when none is asked for.
const DEFAULT_PAGE: u32 = 50;

fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    raw.parse()
        .map_err(|e: crate::domain::InvalidOrderId| ApiError::field("id", e.to_string()))
}

fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            "limit",
            format!("limit must be 1-{MAX_PAGE}"),
        )),
    }
}

/// `GET /api/orders/{id}` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    at_version: Option<u64>,
    /// RFC 3339.
    #[param(format = DateTime)]
    at: Option<String>,
    consistency: Option<Consistency>,
}

/// How fresh an answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Consistency {
    /// The read model, however far it lags (the default).
    Eventual,
    /// Replayed from the events now.
    Strong,
}

/// One order, from the read model or replayed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum OrderAnswer {
    /// The projector's row.
    ReadModel {
        /// The version the row reflects.
        version: u64,
        /// The stream's version now.
        stream_version: u64,
        /// Events the row is behind the stream.
        lag_events: u64,
        /// The row.
        #[schema(value_type = Object)]
        order: ReadModelView,
    },
    /// Replayed from the events (`at_version`, `at`, `consistency=strong`, or an order the
    /// projector has not reached yet).
    Replay {
        /// The version replayed to.
        version: u64,
        /// The stream's version now.
        stream_version: u64,
        /// The state.
        #[schema(value_type = Object)]
        order: OrderView,
    },
}

/// `GET /api/orders/{id}`.
#[utoipa::path(get, path = "/api/orders/{id}", params(("id" = String, Path, format = "uuid"), OrderQuery), security((), ("bearer" = [])),
    responses((status = 200, body = OrderAnswer, description = "`ETag` is the version the body reflects"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "reads need a token on this server (`--reads token`)"),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn order(
    State(state): State<Shared>,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<OrderQuery>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let read = &state.services.read;
    let at = match (q.at_version, q.at.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("give at_version or at, not both"));
        }
        (Some(v), None) => Some(At::Version(v)),
        (None, Some(t)) => {
            let t: DateTime<Utc> = DateTime::parse_from_rfc3339(t)
                .map_err(|e| ApiError::field("at", format!("at must be RFC 3339: {e}")))?
                .with_timezone(&Utc);
            Some(At::Time(t))
        }
        (None, None) if q.consistency == Some(Consistency::Strong) => Some(At::Latest),
        (None, None) => None,
    };
    let stream_version = read.stream_version(&id.to_stream_id()).await?;
    if stream_version == 0 {
        return Err(AppError::NotFound(format!("order {id}")).into());
    }
    let answer = match at {
        Some(at) => replayed(&state, id, at, stream_version).await?,
        None => match read.read_model_row(id).await {
            Ok(row) => {
                let version = u64::try_from(row.version).unwrap_or(0);
                OrderAnswer::ReadModel {
                    version,
                    stream_version,
                    lag_events: stream_version.saturating_sub(version),
                    order: row,
                }
            }
            Err(AppError::NotFound(_)) => replayed(&state, id, At::Latest, stream_version).await?,
            Err(e) => return Err(e.into()),
        },
    };
    let version = match &answer {
        OrderAnswer::ReadModel { version, .. } | OrderAnswer::Replay { version, .. } => *version,
    };
    let mut response = Json(answer).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

async fn replayed(
    state: &ApiState,
    id: OrderId,
    at: At,
    stream_version: u64,
) -> Result<OrderAnswer, ApiError> {
    let order = state.services.read.state(id, at).await?;
    Ok(OrderAnswer::Replay {
        version: order.version,
        stream_version,
        order: OrderView::from(&order),
    })
}

/// `GET /api/orders/{id}/events` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    from: Option<u64>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One stored event, its payload and metadata as the JSON they hold.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventBody {
    version: u64,
    global_position: i64,
    event_type: String,
    schema_version: u32,
    #[schema(value_type = String, format = DateTime)]
    recorded_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    payload: Box<RawValue>,
    #[schema(value_type = Object)]
    metadata: Box<RawValue>,
}

/// Stored JSON as it is, or as a JSON string when a corrupt row holds something else.
fn raw_json(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_string()).unwrap_or_else(|_| {
        let quoted = serde_json::to_string(text).unwrap_or_else(|_| "null".into());
        RawValue::from_string(quoted).unwrap_or_default()
    })
}

impl From<StoredEvent> for EventBody {
    fn from(e: StoredEvent) -> Self {
        EventBody {
            version: e.version,
            global_position: e.global_position,
            event_type: e.event_type,
            schema_version: e.schema_version,
            recorded_at: e.recorded_at,
            payload: raw_json(&e.payload),
            metadata: raw_json(&e.metadata),
        }
    }
}

/// A page of an order's events.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventsPage {
    order_id: String,
    events: Vec<EventBody>,
    /// The `from` of the next page, when this one was full.
    next_from: Option<u64>,
}

/// `GET /api/orders/{id}/events?from=1&limit=50`.
#[utoipa::path(get, path = "/api/orders/{id}/events", params(("id" = String, Path, format = "uuid"), EventsQuery), security((), ("bearer" = [])),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "reads need a token on this server (`--reads token`)"),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn events(
    State(state): State<Shared>,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    let id = order_id(&id)?;
    let limit = page_limit(q.limit)?;
    let from = q.from.unwrap_or(1).max(1);
    let events = state.services.read.events(id, from, limit).await?;
    let next_from = (events.len() == limit as usize)
        .then(|| events.last().map(|e| e.version + 1))
        .flatten();
    Ok(Json(EventsPage {
        order_id: id.to_string(),
        events: events.into_iter().map(EventBody::from).collect(),
        next_from,
    }))
}

/// `GET /api/orders` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    customer: Option<String>,
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// A page of orders with their divergence class.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrdersBody {
    #[schema(value_type = Vec<Object>)]
    orders: Vec<OrderListing>,
    /// The `cursor` of the next page, when this one was full.
    next_cursor: Option<String>,
}

/// `GET /api/orders?status=&customer=&cursor=&limit=`: keyset pages in id order, the
/// debugger's queries.
#[utoipa::path(get, path = "/api/orders", params(ListQuery), security((), ("bearer" = [])),
    responses((status = 200, body = OrdersBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "reads need a token on this server (`--reads token`)"),
              (status = 503, body = ErrorBody)))]
pub async fn list(
    State(state): State<Shared>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<OrdersBody>, ApiError> {
    let filter = match (q.status.as_deref(), q.customer) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "filter by status or customer, not both",
            ));
        }
        (Some(s), None) => OrderFilter::Status(
            s.parse::<OrderStatus>()
                .map_err(|e| ApiError::field("status", e.to_string()))?,
        ),
        (None, Some(c)) => OrderFilter::Customer(c),
        (None, None) => OrderFilter::All,
    };
    let query = OrderPageQuery {
        filter,
        sort: OrderSort::Id,
        after: q.cursor.map(|order_id| PageKey::Id { order_id }),
        limit: page_limit(q.limit)?,
    };
    let page = state.services.read.orders_page(&query).await?;
    let next_cursor = page.next.map(|k| match k {
        PageKey::Id { order_id }
        | PageKey::Recent { order_id, .. }
        | PageKey::Total { order_id, .. } => order_id,
    });
    Ok(Json(OrdersBody {
        orders: page.rows,
        next_cursor,
    }))
}

/// `GET /api/orders/{id}/divergence`: the read model against the replay, with explain.
#[utoipa::path(get, path = "/api/orders/{id}/divergence", params(("id" = String, Path, format = "uuid")), security((), ("bearer" = [])),
    responses((status = 200, body = serde_json::Value, description = "read model vs replay, field by field, with explain"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "reads need a token on this server (`--reads token`)"),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn divergence(
    State(state): State<Shared>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let view = state.services.read.divergence(&id.to_stream_id()).await?;
    Ok(Json(view).into_response())
}

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = serde_json::Value)))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers (and was migrated when it was opened).
#[utoipa::path(get, path = "/readyz", responses((status = 200, body = serde_json::Value), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    let head = state.services.read.head(None).await?;
    Ok(Json(serde_json::json!({
        "status": "ready",
        "head": head.position,
        "projected": head.projected,
        "lag_events": head.lag,
        "dead_letters": head.dead_letters,
    })))
}
