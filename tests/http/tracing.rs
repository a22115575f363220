//! `chronicle serve --otlp-endpoint`: the request, command, append and projection spans of
//! one write reach an OTLP/HTTP receiver this test runs on loopback, in the caller's trace,
//! each the child of the one before (the projection a child of the request).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

use crate::served::Served;
use crate::support::{OPS, answer, mug_order};

/// Every span the receiver has been sent.
type Received = Arc<Mutex<Vec<Span>>>;

/// An OTLP/HTTP (protobuf) traces receiver on 127.0.0.1; returns its base URL.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let req = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                let spans = req
                    .resource_spans
                    .into_iter()
                    .flat_map(|r| r.scope_spans)
                    .flat_map(|s| s.spans);
                sink.lock().unwrap().extend(spans);
                // An empty ExportTraceServiceResponse.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), got)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn attr(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|a| a.key == key).map(|a| {
        use opentelemetry_proto::tonic::common::v1::any_value::Value;
        match a.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(Value::StringValue(s)) => s.clone(),
            Some(Value::IntValue(i)) => i.to_string(),
            other => format!("{other:?}"),
        }
    })
}

/// `POST /api/orders` as ops, with `headers`; the answer.
async fn create(base: &str, headers: &[(&str, &str)]) -> crate::support::Answer {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/api/orders"))
        .bearer_auth(OPS)
        .json(&mug_order());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let a = answer(r).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a
}

/// The spans named `names`, once all have arrived in `trace` (10 s at most).
async fn spans_of(got: &Received, trace: &[u8], names: &[&str]) -> HashMap<String, Span> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let by_name: HashMap<String, Span> = got
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.trace_id == trace)
            .map(|s| (s.name.clone(), s.clone()))
            .collect();
        let arrived = |n: &&str| {
            by_name
                .keys()
                .any(|k| k == n || k.starts_with(&format!("{n} ")))
        };
        if names.iter().all(arrived) {
            return by_name;
        }
        assert!(
            Instant::now() < deadline,
            "spans of trace {} after 10 s: {:?}",
            hex(trace),
            by_name.keys().collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_traced_from_request_to_projection_in_the_callers_trace() {
    let (collector, got) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &["--otlp-endpoint", &collector]);
    let base = served.base.clone();
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    let a = create(
        &base,
        &[
            ("traceparent", &traceparent),
            ("x-correlation-id", "trace-test-1"),
        ],
    )
    .await;
    let id = a.body["order_id"].as_str().unwrap().to_string();

    let trace = uuid::Uuid::parse_str(&trace_id)
        .unwrap()
        .as_bytes()
        .to_vec();
    let spans = spans_of(&got, &trace, &["POST", "command", "append", "project"]).await;
    let request = spans
        .iter()
        .find(|(n, _)| n.starts_with("POST "))
        .map(|(_, s)| s)
        .unwrap();
    let (command, append, project) = (&spans["command"], &spans["append"], &spans["project"]);
    assert_eq!(request.name, "POST /api/orders");
    assert_eq!(
        hex(&request.parent_span_id),
        caller_span,
        "the caller's span"
    );
    assert_eq!(
        command.parent_span_id, request.span_id,
        "command in request"
    );
    assert_eq!(append.parent_span_id, command.span_id, "append in command");
    assert_eq!(
        project.parent_span_id, request.span_id,
        "the projection joins the request's trace under its span"
    );
    for s in [command, append, project] {
        assert_eq!(
            attr(s, "order_id").as_deref(),
            Some(id.as_str()),
            "{}",
            s.name
        );
    }
    assert_eq!(attr(command, "command").as_deref(), Some("CreateOrder"));
    for s in [request, command, project] {
        assert_eq!(
            attr(s, "correlation_id").as_deref(),
            Some("trace-test-1"),
            "{}",
            s.name
        );
    }
    assert_eq!(attr(project, "version").as_deref(), Some("1"));

    // The event names the trace and the request's span: what the projection was parented on.
    let events = answer(reqwest::Client::new().get(format!("{base}/api/orders/{id}/events"))).await;
    let meta = &events.body["events"][0]["metadata"];
    assert_eq!(meta["trace_id"], trace_id.as_str(), "{meta}");
    assert_eq!(meta["span_id"], hex(&request.span_id).as_str(), "{meta}");
    served.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_traceparent_starts_a_trace_and_answers_with_it() {
    let (collector, got) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &["--otlp-endpoint", &collector]);
    let a = create(&served.base, &[]).await;
    let header = a
        .header("traceparent")
        .expect("a traceparent answered")
        .to_string();
    let parts: Vec<&str> = header.split('-').collect();
    assert_eq!(parts.len(), 4, "{header}");
    let trace = uuid::Uuid::parse_str(parts[1]).unwrap().as_bytes().to_vec();
    let spans = spans_of(&got, &trace, &["POST", "command", "project"]).await;
    let request = spans
        .values()
        .find(|s| s.name.starts_with("POST "))
        .unwrap();
    assert_eq!(
        hex(&request.span_id),
        parts[2],
        "the answered span is the request's"
    );
    assert!(request.parent_span_id.is_empty(), "a root span");
    served.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_collector_changes_nothing_for_clients() {
    // A port nothing listens on: exports fail, requests do not, and SIGTERM still stops it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &["--otlp-endpoint", &endpoint]);
    create(&served.base, &[]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    served.stop();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "shutdown took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_bad_endpoint_is_one_line_exit_2_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    for bad in ["collector:4318", "https://u:hunter2@collector.example"] {
        let out = Command::new(env!("CARGO_BIN_EXE_chronicle"))
            .args(["--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
            .args(["--otlp-endpoint", bad])
            .env("CHRONICLE_CONFIG", &config)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains("--otlp-endpoint"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(
            out.stdout.is_empty(),
            "nothing served: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
