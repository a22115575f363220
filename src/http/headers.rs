//! The request headers Chronicle reads: `X-Correlation-Id`, `traceparent`,
//! `Idempotency-Key`, `If-Match`. Each is checked here, once, and refused with a 400 that
//! names it.

use axum::http::HeaderMap;

use super::error::ApiError;

/// `X-Correlation-Id`.
pub const CORRELATION_ID: &str = "x-correlation-id";
/// W3C Trace Context.
pub const TRACEPARENT: &str = "traceparent";
/// Retry safety for writes.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Longest correlation id or idempotency key accepted.
const MAX_ID_LEN: usize = 200;

/// What a request's headers say about where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The caller's, or one generated for this request.
    pub correlation_id: String,
    /// The trace the request belongs to, from a valid `traceparent`.
    pub trace: Option<Trace>,
}

/// A parsed `traceparent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits: the caller's span, the parent of this request's.
    pub parent_id: String,
    /// The header as received, echoed back.
    pub header: String,
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| ApiError::field(name, format!("{name} must be visible ASCII"))),
    }
}

/// An id-like header: 1–200 visible ASCII characters.
fn id_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = text(headers, name)? else {
        return Ok(None);
    };
    if v.is_empty() || v.len() > MAX_ID_LEN || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            name,
            format!("{name} must be 1-{MAX_ID_LEN} visible ASCII characters"),
        ));
    }
    Ok(Some(v.to_string()))
}

/// The request's origin; a missing correlation id is generated.
pub fn origin(headers: &HeaderMap) -> Result<Origin, ApiError> {
    let correlation_id =
        id_header(headers, CORRELATION_ID)?.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let trace = match text(headers, TRACEPARENT)? {
        None => None,
        Some(v) => Some(parse_traceparent(v).ok_or_else(|| {
            ApiError::field(
                TRACEPARENT,
                "traceparent must be 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>",
            )
        })?),
    };
    Ok(Origin {
        correlation_id,
        trace,
    })
}

/// `Idempotency-Key`, when given.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    id_header(headers, IDEMPOTENCY_KEY)
}

/// `If-Match: "<version>"` (or `W/"<version>"`), when given.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = text(headers, "if-match")? else {
        return Ok(None);
    };
    let bare = v.strip_prefix("W/").unwrap_or(v);
    bare.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|s| s.parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| ApiError::field("if-match", "If-Match must be a version in quotes: \"3\""))
}

/// The ETag of an order at `version`.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// A version-00 `traceparent` with a trace id and a parent id that are not all zeros.
fn parse_traceparent(v: &str) -> Option<Trace> {
    let parts: Vec<&str> = v.split('-').collect();
    let [version, trace_id, parent, flags] = parts.as_slice() else {
        return None;
    };
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    let ok = *version == "00"
        && hex(trace_id, 32)
        && nonzero(trace_id)
        && hex(parent, 16)
        && nonzero(parent)
        && hex(flags, 2);
    ok.then(|| Trace {
        trace_id: (*trace_id).to_string(),
        parent_id: (*parent).to_string(),
        header: v.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_valid_traceparent_gives_its_trace_id_and_a_bad_one_is_refused() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let o = origin(&headers(&[(TRACEPARENT, tp)])).unwrap();
        assert_eq!(
            o.trace.unwrap().trace_id,
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        for bad in [
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6-00f067aa0ba902b7-01",
            "garbage",
        ] {
            let e = origin(&headers(&[(TRACEPARENT, bad)])).unwrap_err();
            assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn a_correlation_id_is_kept_or_generated_and_a_hostile_one_is_refused() {
        let o = origin(&headers(&[(CORRELATION_ID, "req-42")])).unwrap();
        assert_eq!(o.correlation_id, "req-42");
        let generated = origin(&HeaderMap::new()).unwrap().correlation_id;
        assert!(uuid::Uuid::parse_str(&generated).is_ok());
        let long = "x".repeat(201);
        for bad in ["a b", long.as_str()] {
            assert!(origin(&headers(&[(CORRELATION_ID, bad)])).is_err(), "{bad}");
        }
    }

    #[test]
    fn if_match_takes_a_quoted_version() {
        assert_eq!(
            if_match(&headers(&[("if-match", "\"3\"")])).unwrap(),
            Some(3)
        );
        assert_eq!(
            if_match(&headers(&[("if-match", "W/\"7\"")])).unwrap(),
            Some(7)
        );
        assert_eq!(if_match(&HeaderMap::new()).unwrap(), None);
        for bad in ["3", "\"x\"", "\"-1\"", "*"] {
            assert!(if_match(&headers(&[("if-match", bad)])).is_err(), "{bad}");
        }
    }
}
