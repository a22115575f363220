//! `chronicle serve` as a child process on a fresh SQLite file, for the tests that need the
//! real binary (signals, the process's tracing subscriber).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::support::OPS;

/// A running `chronicle serve` and the reader of its stdout (kept open: it writes there).
pub struct Served {
    child: Child,
    out: BufReader<ChildStdout>,
    /// Its first line: `serving http://ADDR (loopback only)`.
    pub first: String,
    /// `http://ADDR`.
    pub base: String,
}

impl Served {
    /// `serve --listen 127.0.0.1:0` plus `extra`, on `dir/serve.db`, with ops's token.
    pub fn start(dir: &Path, extra: &[&str]) -> Served {
        let url = format!("sqlite://{}", dir.join("serve.db").display());
        let config = dir.join("config.toml");
        std::fs::write(&config, "").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
            .args(["--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("CHRONICLE_API_TOKENS", format!("ops={OPS}"))
            .env("CHRONICLE_CONFIG", &config)
            // Span batches leave every 100 ms instead of every 5 s.
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let base = first
            .split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        Served {
            child,
            out,
            first,
            base,
        }
    }

    /// SIGTERM: it must exit 0 with `stopped` as its last line.
    pub fn stop(self) {
        let Served { mut child, out, .. } = self;
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let status = child.wait().unwrap();
        let rest: Vec<String> = out.lines().map_while(Result::ok).collect();
        assert!(status.success(), "{status:?} {rest:?}");
        assert_eq!(rest.last().map(String::as_str), Some("stopped"), "{rest:?}");
    }
}
