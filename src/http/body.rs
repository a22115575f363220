//! Request bodies: JSON read under the size limit, with a 400 that names the field at fault
//! (`items[0].quantity`) and a 413 over the limit, both as JSON. Query strings and path
//! parameters are refused the same way: never with axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::AppError;

/// Largest request body, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(BODY_LIMIT)
            } else {
                ApiError::bad_request(format!("the request body could not be read: {r}"))
            }
        })?;
        parse(&bytes).map(JsonBody)
    }
}

/// Longest field path or serde message an error answer carries, in characters.
const MAX_QUOTED: usize = 200;

/// `bytes` as a `T`, or a 400 naming where it went wrong.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        // serde quotes what it was given (an unknown key, a bad value) in full and raw: the
        // answer quotes a short, escaped prefix of it instead.
        let path = crate::text::short(&e.path().to_string(), MAX_QUOTED);
        let inner = e.into_inner();
        let message = crate::text::short(
            &if inner.is_syntax() || inner.is_eof() {
                format!("the body is not JSON: {inner}")
            } else {
                inner.to_string()
            },
            MAX_QUOTED,
        );
        if path == "." || path.is_empty() {
            ApiError::bad_request(message)
        } else {
            ApiError::field(path, message)
        }
    })?;
    // One JSON value and nothing after it but whitespace: `{..}{..}` or `{..} x` is refused,
    // not read as its first value.
    de.end()
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    Ok(value)
}

/// A query string of type `T`, or a 400 as JSON.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                if path == "." || path.is_empty() {
                    ApiError::bad_request(message)
                } else {
                    ApiError::field(path, message)
                }
            })
    }
}

/// Path parameters of type `T`, or a 400 as JSON naming the parameter (a percent-escape
/// that decodes to something other than UTF-8, `/api/orders/%FF`, is one).
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(PathParams(v)),
            Err(r) => Err(path_error(&r)),
        }
    }
}

fn path_error(r: &PathRejection) -> ApiError {
    let message = r.body_text();
    // Not the client's fault: a handler asks for parameters its route does not have.
    if r.status().is_server_error() {
        return AppError::Internal(message).into();
    }
    let key = match r {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            ErrorKind::ParseErrorAtKey { key, .. }
            | ErrorKind::InvalidUtf8InPathParam { key }
            | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
            _ => None,
        },
        _ => None,
    };
    match key {
        Some(key) => ApiError::field(key, message),
        None => ApiError::bad_request(message),
    }
}
