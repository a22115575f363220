//! What the OpenAPI document says every write takes and answers, written once: the headers a
//! write to an existing order reads, and the failures each kind of write can answer with.
//! (Types for the document only: the handlers read these headers through `headers`.)

use super::error::ErrorBody;

/// The headers of a write to an existing order.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct OrderWriteHeaders {
    /// `"<version>"`: the write is refused (412) unless the order is at that version.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
    /// Retry safety: a retry with the same key answers as the first request did.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
    /// Carried into every event the write appends.
    #[param(rename = "X-Correlation-Id")]
    correlation_id: Option<String>,
}

/// The headers of a create (no version to match yet).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CreateHeaders {
    /// Retry safety: a retry with the same key answers as the first request did.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
    /// Carried into every event the write appends.
    #[param(rename = "X-Correlation-Id")]
    correlation_id: Option<String>,
}

/// How any write can fail.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum WriteFailures {
    /// Malformed JSON or an invalid field, named.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No valid bearer token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The server is read-only.
    #[response(status = 403)]
    ReadOnly(ErrorBody),
    /// A domain rule refused the command.
    #[response(status = 422)]
    Rejected(ErrorBody),
    /// The database is unavailable.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// How a write to an existing order can fail, beyond [`WriteFailures`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OrderWriteFailures {
    /// No such order.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Concurrent writes won every retry.
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// `If-Match` names another version than the order's.
    #[response(status = 412)]
    Stale(ErrorBody),
}

/// A write with a body can send one too large.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyFailures {
    /// The body is over the limit.
    #[response(status = 413)]
    TooLarge(ErrorBody),
}
