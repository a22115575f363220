//! Errors as HTTP answers: one status per kind of failure and a JSON body that says what
//! went wrong and, for bad input, which field.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppError;

/// A failed request: its status and its JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable kind: `bad_request`, `not_found`, `conflict`, ….
    pub error: &'static str,
    /// One line for a person.
    pub message: String,
    /// The field at fault, for bad input (`items[0].unit_price`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
                field: None,
            },
        }
    }

    /// 400: input that cannot be acted on, naming the field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "bad_request", message);
        e.body.field = Some(field.into());
        e
    }

    /// 400 without a field (a malformed body or header).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no valid bearer token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer <token>` is required",
        )
    }

    /// 403: the server refuses writes (`--read-only`).
    pub fn read_only() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "read_only",
            "this server is read-only (--read-only)",
        )
    }

    /// 412: `If-Match` named a version the order is no longer at.
    pub fn stale(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            message,
        )
    }

    /// 413: the body is over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is over {limit} bytes"),
        )
    }

    /// 404 for a path no route serves.
    pub fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let message = e.to_string();
        match e {
            AppError::BadInput(_) => Self::new(StatusCode::BAD_REQUEST, "bad_request", message),
            AppError::NotFound(_) => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            // A conflict on an expected version (`If-Match`) is answered as 412 by the write
            // handlers; one left here happened without it.
            AppError::Conflict { .. } => Self::new(StatusCode::CONFLICT, "conflict", message),
            AppError::Rejected(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", message)
            }
            AppError::KeyReused(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                message,
            ),
            AppError::Storage(ref s) if s.is_retryable() => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unavailable; try again",
            ),
            AppError::Corrupt { .. } | AppError::CorruptRow { .. } => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "corrupt", message)
            }
            AppError::Storage(_) | AppError::Internal(_) | AppError::Output(_) => {
                tracing::error!(error = %message, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; nothing was acknowledged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
