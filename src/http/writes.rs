//! The write endpoints: each parses its body into a domain command and hands it to the
//! command service with who sent it, its correlation and trace, its idempotency key and its
//! `If-Match` version.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::Shared;
use super::auth::Caller;
use super::body::{JsonBody, PathParams};
use super::error::ApiError;
use super::headers::{Origin, etag, idempotency_key, if_match};
use super::metrics;
use super::write_doc::{
    BodyFailures, CreateHeaders, OrderWriteFailures, OrderWriteHeaders, WriteFailures,
};
use crate::app::metadata::CommandContext;
use crate::app::{AppError, CommandRequest};
use crate::domain::{Currency, LineItem, OrderCommand, OrderId, Sku, parse_amount};
use crate::telemetry;

/// `POST /api/orders`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "alice",
    "items": [{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}],
    "currency": "EUR"
}))]
pub struct CreateBody {
    #[schema(min_length = 1)]
    customer_id: String,
    #[schema(min_items = 1)]
    items: Vec<ItemBody>,
    /// ISO 4217; the configured default when absent.
    #[serde(default)]
    currency: Option<String>,
}

/// One line: `{"sku", "quantity", "unit_price"}` (the price a decimal string).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sku": "MUG", "quantity": 2, "unit_price": "12.50"}))]
pub struct ItemBody {
    /// No whitespace or `:`.
    #[schema(min_length = 1, pattern = r"^[^\s:]+$")]
    sku: String,
    #[schema(minimum = 1)]
    quantity: u32,
    /// A plain decimal: `12`, `12.50`.
    #[schema(pattern = r"^[0-9]+(\.[0-9]+)?$")]
    unit_price: String,
}

/// `POST /api/orders/{id}/pay`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "card", "amount": "25.00"}))]
pub struct PayBody {
    #[schema(min_length = 1)]
    method: String,
    /// The order's total, a plain decimal: `25.00`.
    #[schema(pattern = r"^[0-9]+(\.[0-9]+)?$")]
    amount: String,
}

/// `POST /api/orders/{id}/ship`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tracking_number": "1Z999AA10123456784"}))]
pub struct ShipBody {
    #[schema(min_length = 1)]
    tracking_number: String,
}

/// `POST /api/orders/{id}/cancel`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "customer asked"}))]
pub struct CancelBody {
    #[schema(min_length = 1)]
    reason: String,
}

/// What every write answers: the order and its version after the command. A retry with the
/// same idempotency key gets the same answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Written {
    order_id: String,
    version: u64,
}

fn line(item: &ItemBody, field: &str) -> Result<LineItem, ApiError> {
    let sku =
        Sku::new(&item.sku).map_err(|e| ApiError::field(format!("{field}.sku"), e.to_string()))?;
    let unit_price = parse_amount(&item.unit_price)
        .map_err(|e| ApiError::field(format!("{field}.unit_price"), e.to_string()))?;
    Ok(LineItem {
        sku,
        quantity: item.quantity,
        unit_price,
    })
}

fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    raw.parse()
        .map_err(|e: crate::domain::InvalidOrderId| ApiError::field("id", e.to_string()))
}

/// What every write handler takes besides its path and body: the shared state, the
/// headers it reads, the request's origin and the token's owner. A malformed header is
/// kept as its error and reported only once the body parsed, as a body error comes first.
pub struct WriteCtx {
    state: Shared,
    expected_version: Result<Option<u64>, ApiError>,
    idempotency_key: Result<Option<String>, ApiError>,
    origin: Origin,
    caller: Caller,
}

impl FromRequestParts<Shared> for WriteCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        // Both are put there by the router's middlewares before any write handler runs.
        let origin = parts.extensions.get::<Origin>().cloned();
        let caller = parts.extensions.get::<Caller>().cloned();
        match (origin, caller) {
            (Some(origin), Some(caller)) => Ok(WriteCtx {
                state: state.clone(),
                expected_version: if_match(&parts.headers),
                idempotency_key: idempotency_key(&parts.headers),
                origin,
                caller,
            }),
            (_, None) => Err(ApiError::unauthorized()),
            (None, _) => Err(ApiError::bad_request("the request has no origin")),
        }
    }
}

impl WriteCtx {
    async fn run(
        self,
        order_id: OrderId,
        id_generated: bool,
        command: OrderCommand,
        created: StatusCode,
    ) -> Result<Response, ApiError> {
        let expected_version = self.expected_version?;
        let span = tracing::Span::current();
        span.record("order_id", tracing::field::display(order_id));
        // The ids the collector knows this request by, else the caller's own.
        let (trace_id, span_id) = match telemetry::ids(&span) {
            Some((trace, span)) => (Some(trace), Some(span)),
            None => match &self.origin.trace {
                Some(t) => (Some(t.trace_id.clone()), Some(t.parent_id.clone())),
                None => (None, None),
            },
        };
        let req = CommandRequest {
            order_id,
            command,
            expected_version,
            id_generated,
            context: CommandContext {
                correlation_id: Some(self.origin.correlation_id.clone()),
                causation_id: None,
                idempotency_key: self.idempotency_key?,
                actor: self.caller.actor(),
                source: "http".into(),
                trace_id,
                span_id,
            },
        };
        let started = std::time::Instant::now();
        let name = req.command.name();
        let executed = self.state.services.commands.execute(&req, Utc::now()).await;
        let label = match &executed {
            Ok(o) if o.replayed => "replayed",
            Ok(_) => "ok",
            Err(AppError::Rejected(_)) => "rejected",
            Err(AppError::Conflict { .. }) => "conflict",
            Err(AppError::NotFound(_)) => "not_found",
            Err(AppError::KeyReused(_)) => "key_reused",
            Err(e) if e.is_unavailable() => "unavailable",
            Err(_) => "error",
        };
        metrics::command(name, label, started);
        let outcome = match executed {
            Ok(o) => o,
            Err(e @ AppError::Conflict { .. }) if expected_version.is_some() => {
                return Err(ApiError::stale(e.to_string()));
            }
            Err(e) => return Err(e.into()),
        };
        let id = outcome.order.id.to_string();
        let body = Written {
            order_id: id.clone(),
            version: outcome.order.version,
        };
        let mut response = (created, axum::Json(body)).into_response();
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&etag(outcome.order.version)) {
            h.insert(header::ETAG, v);
        }
        if created == StatusCode::CREATED
            && let Ok(v) = HeaderValue::from_str(&format!("/api/orders/{id}"))
        {
            h.insert(header::LOCATION, v);
        }
        Ok(response)
    }
}

/// `POST /api/orders` → 201 with `Location` and `ETag`.
#[utoipa::path(post, path = "/api/orders", request_body = CreateBody, security(("bearer" = [])),
    params(CreateHeaders),
    responses((status = 201, body = Written, description = "created; `Location` and `ETag`"), WriteFailures, BodyFailures))]
pub async fn create(
    w: WriteCtx,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, ApiError> {
    let items = body
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| line(&item, &format!("items[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let currency: Currency = match body.currency {
        Some(c) => c.parse().map_err(|e: crate::domain::UnknownCurrency| {
            ApiError::field("currency", e.to_string())
        })?,
        None => w.state.services.config.default_currency,
    };
    let command = OrderCommand::CreateOrder {
        customer_id: body.customer_id,
        items,
        currency,
    };
    let id = OrderId(uuid::Uuid::new_v4());
    w.run(id, true, command, StatusCode::CREATED).await
}

/// `POST /api/orders/{id}/items`.
#[utoipa::path(post, path = "/api/orders/{id}/items", request_body = ItemBody, security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures, BodyFailures))]
pub async fn add_item(
    w: WriteCtx,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<ItemBody>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let command = OrderCommand::AddItem {
        item: line(&body, "item")?,
    };
    w.run(id, false, command, StatusCode::OK).await
}

/// `DELETE /api/orders/{id}/items/{sku}`.
#[utoipa::path(delete, path = "/api/orders/{id}/items/{sku}", security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), ("sku" = String, Path), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures))]
pub async fn remove_item(
    w: WriteCtx,
    PathParams((id, sku)): PathParams<(String, String)>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let sku = Sku::new(&sku).map_err(|e| ApiError::field("sku", e.to_string()))?;
    w.run(id, false, OrderCommand::RemoveItem { sku }, StatusCode::OK)
        .await
}

/// `POST /api/orders/{id}/pay`.
#[utoipa::path(post, path = "/api/orders/{id}/pay", request_body = PayBody, security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures, BodyFailures))]
pub async fn pay(
    w: WriteCtx,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<PayBody>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let amount =
        parse_amount(&body.amount).map_err(|e| ApiError::field("amount", e.to_string()))?;
    let command = OrderCommand::PayOrder {
        method: body.method,
        amount,
    };
    w.run(id, false, command, StatusCode::OK).await
}

/// `POST /api/orders/{id}/ship`.
#[utoipa::path(post, path = "/api/orders/{id}/ship", request_body = ShipBody, security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures, BodyFailures))]
pub async fn ship(
    w: WriteCtx,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<ShipBody>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let command = OrderCommand::ShipOrder {
        tracking_number: body.tracking_number,
    };
    w.run(id, false, command, StatusCode::OK).await
}

/// `POST /api/orders/{id}/deliver` (no body).
#[utoipa::path(post, path = "/api/orders/{id}/deliver", security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures))]
pub async fn deliver(
    w: WriteCtx,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    w.run(id, false, OrderCommand::DeliverOrder, StatusCode::OK)
        .await
}

/// `POST /api/orders/{id}/cancel`.
#[utoipa::path(post, path = "/api/orders/{id}/cancel", request_body = CancelBody, security(("bearer" = [])),
    params(("id" = String, Path, format = "uuid"), OrderWriteHeaders),
    responses((status = 200, body = Written), WriteFailures, OrderWriteFailures, BodyFailures))]
pub async fn cancel(
    w: WriteCtx,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<CancelBody>,
) -> Result<Response, ApiError> {
    let id = order_id(&id)?;
    let command = OrderCommand::CancelOrder {
        reason: body.reason,
    };
    w.run(id, false, command, StatusCode::OK).await
}
