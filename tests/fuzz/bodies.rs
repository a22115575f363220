//! The write endpoints' JSON bodies (create, add item, pay, ship, cancel), through the public
//! router (`http::body` and the body types are private) over a SQLite file that is never
//! written: every request carries a malformed `If-Match`, which the handlers read only
//! after the body and its fields passed, so a body that parses and validates answers 400 on
//! `if-match`, and any other 400 is the body's. Bodies are generated from a model of each
//! type with its fields right, missing, mistyped, doubled or joined by unknown ones, written
//! compact, pretty or `\u`-escaped, with trailing text, or mutated byte by byte.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chronicle::app::Services;
use chronicle::app::config::{Config, ReadAccess};
use chronicle::http::{ApiState, auth::Tokens, router};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt as _;

use super::body_model::{ENDPOINTS, model, render};
use super::config;
use super::strings::{arbitrary, insert, long, nasty, nasty_char};

const TOKEN: &str = "fuzz-token-0123456789";

#[derive(Debug, Clone)]
enum Input {
    Model(super::body_model::Model),
    Bytes(usize, Vec<u8>),
}

const KINDS: &[&str] = &["valid", "bad-field", "bad-shape", "bytes"];

fn input() -> impl Strategy<Value = Input> {
    let mutated = (
        model(),
        proptest::collection::vec((0..3u8, any::<usize>(), nasty_char()), 1..4),
    )
        .prop_map(|(m, ops)| {
            let mut s = String::from_utf8(render(&m).0).unwrap();
            for (op, at, c) in ops {
                let n = s.chars().count();
                s = match op {
                    0 => insert(&s, c, at),
                    1 => s
                        .chars()
                        .enumerate()
                        .filter(|(i, _)| *i != at % (n + 1))
                        .map(|(_, x)| x)
                        .collect(),
                    _ => s.chars().take(at % (n + 1)).collect(),
                };
            }
            Input::Bytes(m.endpoint, s.into_bytes())
        });
    let raw = (
        0..5usize,
        prop_oneof![
            arbitrary(200).prop_map(String::into_bytes),
            nasty(200).prop_map(String::into_bytes),
            long().prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..200),
            (1..5_000usize).prop_map(|n| "[".repeat(n).into_bytes())
        ],
    );
    prop_oneof![10 => model().prop_map(Input::Model), 5 => mutated, 2 => raw.prop_map(|(e, b)| Input::Bytes(e, b))]
}

#[test]
fn bodies() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
    let store = rt
        .block_on(chronicle::store::open(
            &url,
            chronicle::store::Access::CreateIfMissing,
        ))
        .expect("a SQLite store");
    let state = ApiState {
        services: Services::new(store, &Config::default()),
        tokens: Tokens::parse(&format!("fuzz={TOKEN}")).expect("a token"),
        read_only: false,
        reads: ReadAccess::Open,
    };
    let app = router(state);
    let id = "3f2a5c1e-0000-4000-8000-000000000001";
    let send = |endpoint: usize, body: Vec<u8>| -> (StatusCode, Value) {
        let uri = match endpoint {
            0 => ENDPOINTS[0].to_string(),
            e => format!("/api/orders/{id}/{}", ENDPOINTS[e]),
        };
        let req = Request::post(uri)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .header("if-match", "never-a-version")
            .body(Body::from(body))
            .expect("a request");
        rt.block_on(async {
            let res = app.clone().oneshot(req).await.expect("the router answers");
            let status = res.status();
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .expect("a body");
            let v: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {bytes:?}"));
            assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
            (status, v)
        })
    };
    config::run("bodies", KINDS, input(), |tally, input| match input {
        Input::Model(m) => {
            let (body, expected) = render(&m);
            tally.hit(match expected.as_deref() {
                Some("if-match") => 0,
                Some(_) => 1,
                None => 2,
            });
            let (status, v) = send(m.endpoint, body.clone());
            assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
            let field = v["field"].as_str();
            let text = String::from_utf8_lossy(&body);
            match expected {
                Some(f) => assert_eq!(
                    field,
                    Some(f.as_str()),
                    "{} {text}: {v}",
                    ENDPOINTS[m.endpoint]
                ),
                None => assert_ne!(
                    field,
                    Some("if-match"),
                    "{} took {text}",
                    ENDPOINTS[m.endpoint]
                ),
            }
        }
        Input::Bytes(endpoint, body) => {
            tally.hit(3);
            let len = body.len();
            let (status, v) = send(endpoint, body);
            let want = if len > 64 * 1024 {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            assert_eq!(status, want, "{len} bytes: {v}");
        }
    });
    drop(dir);
}
