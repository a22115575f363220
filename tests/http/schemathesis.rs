//! Schemathesis (`pip install schemathesis`) against the real `chronicle serve` on loopback,
//! driven by the server's own `/openapi.json`: every operation (but the document itself,
//! which schemathesis leaves out and `openapi.rs` checks), positive and negative inputs,
//! writes with a configured token, real orders (a seeded demo, and the ones the run creates,
//! followed through the document's links). No answer may be a 5xx or stray from the
//! document (status, content type, body schema), and the server must outlive it unpanicked.
//!
//! The budget is `CHRONICLE_SCHEMATHESIS_EXAMPLES` test cases per operation and phase
//! (default 10, a run of well under a minute on two cores); a run that overstays its hard
//! timeout is killed and fails. `CHRONICLE_SCHEMATHESIS_SEED` replays a run's seed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::OPS;

/// Test cases per operation when `CHRONICLE_SCHEMATHESIS_EXAMPLES` is unset.
const DEFAULT_EXAMPLES: u32 = 10;

/// "No 500" and "every answer is one the document describes".
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,response_headers_conformance";

fn examples() -> u32 {
    match std::env::var("CHRONICLE_SCHEMATHESIS_EXAMPLES") {
        Err(_) => DEFAULT_EXAMPLES,
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .unwrap_or_else(|| panic!("CHRONICLE_SCHEMATHESIS_EXAMPLES={v:?}: want a count >= 1")),
    }
}

/// Everything a child writes to one of its pipes, read on a thread so it never blocks.
fn drain(pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = BufReader::new(pipe).read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `schemathesis --version`, or a failure that says how to install it.
fn schemathesis_version() -> String {
    match Command::new("schemathesis").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => panic!(
            "`schemathesis --version` failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "the `schemathesis` executable is needed for this test and was not found ({e}): \
             install it with `pip install schemathesis` (Python 3.9+), and make sure pip's \
             scripts directory is on PATH"
        ),
    }
}

/// `chronicle` with the test's database and an empty config file.
fn chronicle(dir: &Path) -> Command {
    let url = format!("sqlite://{}", dir.join("fuzz.db").display());
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    let mut c = Command::new(env!("CARGO_BIN_EXE_chronicle"));
    c.args(["--database-url", &url])
        .env("CHRONICLE_CONFIG", &config)
        .env_remove("CHRONICLE_API_TOKENS")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    c
}

/// `chronicle serve` on 127.0.0.1 and a free port, with ops's token.
struct Server {
    child: Child,
    base: String,
    /// Taken by `stop`.
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = chronicle(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("CHRONICLE_API_TOKENS", format!("ops={OPS}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let stderr = drain(child.stderr.take().unwrap());
        let Some(base) = first.split_whitespace().nth(1).map(str::to_string) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "serve said {first:?}, not where it listens: {}",
                stderr.join().unwrap()
            );
        };
        Server {
            child,
            base: base.trim_end_matches('/').to_string(),
            stdout: Some(drain(out)),
            stderr: Some(stderr),
        }
    }

    /// The status line of `GET path`, over a plain TCP connection.
    fn status_of(&self, path: &str) -> String {
        let addr = self.base.trim_start_matches("http://");
        let mut tcp = TcpStream::connect(addr).expect("the server still accepts connections");
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            tcp,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        let _ = tcp.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_string()
    }

    /// SIGTERM; returns its exit status, stdout and stderr.
    fn stop(mut self) -> (ExitStatus, String, String) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (
            status,
            self.stdout.take().unwrap().join().unwrap(),
            self.stderr.take().unwrap().join().unwrap(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only when a test fails before `stop`: never leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_document() {
    let version = schemathesis_version();
    let dir = tempfile::tempdir().unwrap();
    // Real orders in every status, with the demo's planted faults (a diverged read model
    // row, a parked event), for the list and the reads to serve.
    let demo = chronicle(dir.path())
        .args(["demo", "--no-tui", "--orders", "20"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "demo: {}{}",
        String::from_utf8_lossy(&demo.stdout),
        String::from_utf8_lossy(&demo.stderr)
    );
    let mut server = Server::start(dir.path());
    assert!(server.status_of("/healthz").contains(" 200 "));

    let examples = examples();
    // Generous for the budget, but bounded: a hung run fails instead of hanging CI.
    let timeout = Duration::from_secs(120 + 3 * u64::from(examples));
    let mut cmd = Command::new("schemathesis");
    cmd.arg("run")
        .arg(format!("{}/openapi.json", server.base))
        .args(["--checks", CHECKS])
        .args(["--max-examples", &examples.to_string()])
        .args(["--header", &format!("Authorization: Bearer {OPS}")])
        .args(["--request-timeout", "10"])
        // One worker: CPython 3.11 before 3.11.8 can fail `ast.parse` when two threads parse
        // at once ("AST constructor recursion depth mismatch", inside hypothesis), which
        // crashed a CI run; the run is bounded by examples, not by wall time, either way.
        .args(["--workers", "1"])
        .args(["--generation-database", "none"])
        .arg("--no-color");
    if let Ok(seed) = std::env::var("CHRONICLE_SCHEMATHESIS_SEED") {
        cmd.args(["--seed", seed.trim()]);
    }
    let started = Instant::now();
    let mut run = cmd
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = drain(run.stdout.take().unwrap());
    let err = drain(run.stderr.take().unwrap());
    let status = loop {
        if let Some(s) = run.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > timeout {
            let _ = run.kill();
            let _ = run.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = format!("{}{}", out.join().unwrap(), err.join().unwrap());
    let took = started.elapsed();
    let Some(status) = status else {
        panic!("{version} overran its {timeout:?} and was killed; its output:\n{output}");
    };
    assert!(
        status.success(),
        "{version} failed ({status}) after {took:?}; its output:\n{output}"
    );
    eprintln!("{version}, {examples} examples per operation, {took:?}:\n{output}");

    // The server outlived it and still answers.
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited during the run"
    );
    assert!(
        server.status_of("/healthz").contains(" 200 "),
        "the server stopped answering after the run"
    );
    let (exit, stdout, stderr) = server.stop();
    assert!(
        !stderr.contains("panicked"),
        "the server panicked:\n{stderr}"
    );
    assert!(exit.success(), "serve exited {exit:?}:\n{stdout}\n{stderr}");
}

/// What schemathesis found, replayed without it: each answer is JSON the document lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_findings_stay_fixed() {
    let s = crate::support::server().await;
    let doc = s.get("/openapi.json").await;
    let documented = |method: &str, path: &str, status: u16| {
        doc.body["paths"][path][method]["responses"]
            .get(status.to_string())
            .is_some()
    };
    // A malformed id on a write without a body: 400, documented.
    let a = s
        .write(reqwest::Method::POST, "/api/orders/0/deliver")
        .await;
    assert_eq!((a.status, a.body["field"].as_str()), (400, Some("id")));
    assert!(documented("post", "/api/orders/{id}/deliver", 400));
    // A path segment that is not UTF-8: a JSON 400 naming it, not axum's plain text.
    for (method, path, field) in [
        (reqwest::Method::GET, "/api/orders/%FF", "id"),
        (reqwest::Method::GET, "/api/orders/%FF/events", "id"),
        (
            reqwest::Method::DELETE,
            "/api/orders/00000000-0000-4000-8000-000000000000/items/%FF",
            "sku",
        ),
    ] {
        let a = s.write(method, path).await;
        assert_eq!(a.header("content-type"), Some("application/json"), "{path}");
        assert_eq!((a.status, a.body["field"].as_str()), (400, Some(field)));
    }
    // Every `$ref` resolves (`Consistency` once did not).
    let text = doc.body.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(
            doc.body["components"]["schemas"].get(name).is_some(),
            "unresolved $ref {name}"
        );
    }
    // A create links to the operations on the order it made, by OpenAPI's `operationId`.
    let links = &doc.body["paths"]["/api/orders"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["order"]["operationId"], "order", "{links}");
    assert_eq!(
        links["pay"]["parameters"]["id"], "$response.body#/order_id",
        "{links}"
    );
}
