//! `chronicle serve` as a process on either backend, on 127.0.0.1 only, for the races that
//! go through the real server.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::shared::Target;

pub const OPS: &str = "ops-token-0123456789";

/// A running `chronicle serve` and the reader of its stdout (kept open: it writes there).
pub struct Served {
    child: Child,
    out: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Served {
    /// `serve --listen 127.0.0.1:0` on `t`'s database, with ops's token; stderr goes to
    /// `serve.log` beside it.
    pub fn start(t: &Target) -> Served {
        let log = std::fs::File::create(t.path("serve.log")).expect("create serve.log");
        let mut child = t
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .env("CHRONICLE_API_TOKENS", format!("ops={OPS}"))
            .stderr(log)
            .spawn()
            .expect("spawn chronicle serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("read the first line");
        assert!(first.contains("(loopback only)"), "{first:?}");
        let base = first
            .split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        Served { child, out, base }
    }

    /// SIGKILL: no shutdown of any kind.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait for serve");
    }

    /// SIGTERM: it must exit 0, `stopped` its last line.
    pub fn stop(self) {
        let Served { mut child, out, .. } = self;
        let pid = child.id().to_string();
        let term = Command::new("kill")
            .args(["-TERM", &pid])
            .stdin(Stdio::null())
            .status();
        assert!(term.expect("run kill").success());
        let status = child.wait().expect("wait for serve");
        let rest: Vec<String> = out.lines().map_while(Result::ok).collect();
        assert!(status.success(), "{status:?} {rest:?}");
        assert_eq!(rest.last().map(String::as_str), Some("stopped"), "{rest:?}");
    }
}
