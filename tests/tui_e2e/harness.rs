//! The harness: a sandboxed `chronicle` (temp dir, config, HOME, clean environment) and a
//! detached tmux server driving it, polled with deadlines.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_chronicle");
/// How long the screen may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(10);
/// "Events written by another process appear within a second" (with headroom for CI).
pub(crate) const LIVE: Duration = Duration::from_secs(2);
#[path = "../common/env.rs"]
mod env;
use env::CHRONICLE_ENV;
/// What the pane runs: the binary, then a record of how it left the terminal. The shell
/// stays (`sleep`) so the screen after exit can be read; the tmux server is killed anyway.
const WRAPPER: &str = r#""$@"
code=$?
stty -a > "$E2E_DIR/stty" 2>&1
printf '\nchronicle exited with %s\n' "$code"
echo "$code" > "$E2E_DIR/exit"
exec sleep 600
"#;
/// The operator, as the pane's `USER`: the actor of writes from the prompt starts with it.
pub(crate) const OPERATOR: &str = "e2e-operator";

/// A temp dir with a config (history and log inside it), a HOME, and a database.
pub(crate) struct Sandbox {
    dir: TempDir,
    /// The database, when it is not the sandbox's own SQLite file (a PostgreSQL server).
    database: Option<String>,
}

impl Sandbox {
    pub(crate) fn empty() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("home")).expect("home dir");
        let s = Sandbox {
            dir,
            database: None,
        };
        let config = format!(
            "[tui]\nhistory_file = {:?}\nlog_file = {:?}\n",
            s.path("history").display().to_string(),
            s.path("tui.log").display().to_string(),
        );
        std::fs::write(s.path("config.toml"), config).expect("write config");
        s
    }

    /// Like `empty`, on the database `url` names (the PostgreSQL tests).
    #[allow(dead_code)]
    pub(crate) fn on(url: &str) -> Sandbox {
        let mut s = Sandbox::empty();
        s.database = Some(url.to_string());
        s
    }

    /// With 50 demo orders.
    pub(crate) fn seeded() -> Sandbox {
        let s = Sandbox::empty();
        s.ok(&["demo", "--no-tui", "--orders", "50"]);
        s
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.path("db.sqlite").display()))
    }

    /// The binary's arguments: database, config, then `args`.
    fn args(&self, url: &str, args: &[&str]) -> Vec<String> {
        let mut all = vec!["--database-url".to_string(), url.to_string()];
        all.push("--config".into());
        all.push(self.path("config.toml").display().to_string());
        all.extend(args.iter().map(ToString::to_string));
        all
    }

    /// The binary on `url` with `args`, isolated like the pane, without a terminal.
    fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        for var in CHRONICLE_ENV {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.path("home"))
            .current_dir(self.dir.path())
            .args(self.args(url, args))
            .stdin(Stdio::null());
        cmd
    }

    /// The CLI, isolated like the pane, without a terminal.
    pub(crate) fn run_at(&self, url: &str, args: &[&str]) -> Output {
        self.command(url, args).output().expect("run chronicle")
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run_at(&self.url(), args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "chronicle {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    pub(crate) fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        self.ok(args)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    pub(crate) fn events(&self, id: &str) -> Vec<Value> {
        self.json_lines(&["order", "events", id, "--json"])
    }

    /// Every event in the log, for "nothing was appended".
    pub(crate) fn log_len(&self) -> usize {
        self.ok(&["export"]).lines().count()
    }

    /// A pending order (by replay, not only the read model) and its version.
    pub(crate) fn pending_order(&self) -> (String, u64) {
        for row in self.json_lines(&["order", "list", "--status", "pending", "--json"]) {
            let id = row["order_id"].as_str().expect("order_id").to_string();
            let show: Value =
                serde_json::from_str(&self.ok(&["order", "show", &id, "--json"])).expect("json");
            if show["status"] == "Pending" {
                return (id, show["version"].as_u64().expect("version"));
            }
        }
        panic!("the demo data has no pending order");
    }

    /// The exit code the wrapper recorded, once the binary has exited.
    pub(crate) fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = std::fs::read_to_string(self.path("exit")).unwrap_or_default();
            if let Ok(code) = text.trim().parse() {
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "chronicle did not exit within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `chronicle serve` on the sandbox's database and config, on a port of its choosing on
/// 127.0.0.1; killed when dropped, whatever the test's outcome.
pub(crate) struct Serve {
    child: Child,
    /// Where it listens, from its first line.
    pub(crate) addr: SocketAddr,
    /// Its stderr, for failure messages.
    log: PathBuf,
}

impl Serve {
    /// Starts it with `CHRONICLE_API_TOKENS` = `tokens` and waits until `GET /healthz`
    /// answers 200.
    pub(crate) fn start(sandbox: &Sandbox, tokens: &str) -> Serve {
        let log = sandbox.path("serve.log");
        let stderr = std::fs::File::create(&log).expect("serve log");
        let mut child = sandbox
            .command(&sandbox.url(), &["serve", "--listen", "127.0.0.1:0"])
            .env("CHRONICLE_API_TOKENS", tokens)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn chronicle serve");
        // Its stdout is read to the end on a thread of its own, so the pipe never fills and
        // a server that says nothing cannot hang the test.
        let stdout = child.stdout.take().expect("serve stdout");
        let (lines, first) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut serve = Serve {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        let first = first
            .recv_timeout(WAIT)
            .unwrap_or_else(|e| panic!("serve said nothing ({e}); {}", serve.stderr()));
        // `serving http://127.0.0.1:PORT (loopback only)`
        serve.addr = first
            .strip_prefix("serving http://")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("not where it listens: {first:?}; {}", serve.stderr()));
        assert!(first.ends_with("(loopback only)"), "{first}");
        let deadline = Instant::now() + WAIT;
        loop {
            match serve.try_request("GET", "/healthz", &[], "") {
                Ok(r) if r.status == 200 => break,
                answer => assert!(
                    Instant::now() < deadline,
                    "GET /healthz did not answer 200 within {WAIT:?}: {answer:?}; {}",
                    serve.stderr()
                ),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }

    /// What it wrote to stderr so far.
    pub(crate) fn stderr(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("serve's stderr:\n{text}")
    }

    /// One HTTP/1.1 request on a connection of its own (`Connection: close`).
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> HttpResponse {
        self.try_request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}; {}", self.stderr()))
    }

    fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<HttpResponse> {
        let mut stream = TcpStream::connect_timeout(&self.addr, WAIT)?;
        stream.set_read_timeout(Some(WAIT))?;
        stream.set_write_timeout(Some(WAIT))?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(name);
            request.push_str(": ");
            request.push_str(value);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        HttpResponse::parse(&raw)
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {raw:?}")))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response: its status and its body (a chunked one put back together).
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl HttpResponse {
    fn parse(raw: &[u8]) -> Option<HttpResponse> {
        let text = String::from_utf8_lossy(raw);
        let (head, rest) = text.split_once("\r\n\r\n")?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        let chunked = lines.filter_map(|l| l.split_once(':')).any(|(n, v)| {
            n.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
        });
        let body = if chunked {
            let mut body = String::new();
            let mut rest = rest;
            loop {
                let (size, after) = rest.split_once("\r\n")?;
                let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
                if size == 0 {
                    break body;
                }
                body.push_str(after.get(..size)?);
                rest = after.get(size..)?.strip_prefix("\r\n")?;
            }
        } else {
            rest.to_string()
        };
        Some(HttpResponse { status, body })
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// A detached tmux server on its own socket, running the binary in one 120×40 pane;
/// killed when dropped, whatever the test's outcome.
pub(crate) struct Tmux {
    socket: String,
    /// The socket file, removed after the server is killed (tmux leaves it behind).
    socket_path: Option<PathBuf>,
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

impl Tmux {
    pub(crate) fn start(sandbox: &Sandbox, args: &[&str]) -> Tmux {
        Self::start_with_env(sandbox, &[], args)
    }

    /// Like `start`, with extra `NAME=value` variables for the binary.
    pub(crate) fn start_with_env(sandbox: &Sandbox, env: &[&str], args: &[&str]) -> Tmux {
        require_tmux();
        let n = SERVERS.fetch_add(1, Ordering::Relaxed);
        let mut tmux = Tmux {
            socket: format!("chronicle-e2e-{}-{n}", std::process::id()),
            socket_path: None,
        };
        let _ = std::fs::remove_file(sandbox.path("exit"));
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let home = sandbox.path("home").display().to_string();
        let dir = sandbox.dir.path().display().to_string();
        let mut cmd: Vec<String> = [
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "120",
            "-y",
            "40",
            "-c",
            &dir,
            "--",
            "env",
            "-i",
            &format!("PATH={path}"),
            &format!("HOME={home}"),
            &format!("USER={OPERATOR}"),
            "TERM=xterm-256color",
            &format!("E2E_DIR={dir}"),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        cmd.extend(env.iter().map(ToString::to_string));
        cmd.extend(
            ["sh", "-c", WRAPPER, "sh", BIN]
                .iter()
                .map(ToString::to_string),
        );
        cmd.extend(sandbox.args(&sandbox.url(), args));
        let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
        tmux.ok(&refs);
        tmux.socket_path = Some(tmux.format("#{socket_path}").into());
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("tmux");
        for var in CHRONICLE_ENV.iter().chain(&["TMUX"]) {
            cmd.env_remove(var);
        }
        cmd.args(["-u", "-f", "/dev/null", "-L", &self.socket])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        self.ok(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// The screen with its colour and style escapes (`capture-pane -e`).
    pub(crate) fn screen_with_escapes(&self) -> String {
        self.ok(&["capture-pane", "-p", "-e", "-t", "e2e"])
    }

    /// A pane property, e.g. `#{alternate_on}`.
    pub(crate) fn format(&self, f: &str) -> String {
        self.ok(&["display-message", "-p", "-t", "e2e", f])
            .trim()
            .to_string()
    }

    /// Types `text` as it is (no key names).
    pub(crate) fn type_text(&self, text: &str) {
        self.ok(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Presses one key by its tmux name (`Enter`, `Up`, `q`).
    pub(crate) fn key(&self, key: &str) {
        self.ok(&["send-keys", "-t", "e2e", key]);
    }

    /// Polls the screen until `ok` holds, for at most `within`; returns that screen.
    pub(crate) fn wait_within(
        &self,
        within: Duration,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen did not show {what} within {within:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_within(WAIT, what, ok)
    }

    /// Waits for the debugger's panes.
    pub(crate) fn wait_ready(&self) -> String {
        self.wait_for("the debugger's panes", |s| {
            s.contains("Orders") && s.contains("Read model vs replay")
        })
    }

    /// Filters the list to the order whose id starts with `prefix` and opens its stream,
    /// waiting for it at its head, `version`.
    pub(crate) fn open_order(&self, prefix: &str, version: u64) {
        self.key("/");
        self.type_text(prefix);
        self.key("Enter");
        self.wait_for("the filtered list", |s| {
            line_with(s, "▶ ").is_some_and(|l| l.starts_with(&format!("▶ {prefix}")))
        });
        self.key("Enter");
        self.wait_for("the order's stream at its head", |s| {
            stream_title(s) == Some((prefix.to_string(), version, version))
        });
    }

    /// `:` + `line` + Enter, then waits for the line to be confirmed and returns that line.
    pub(crate) fn command(&self, line: &str) -> String {
        self.key(":");
        self.type_text(line);
        self.key("Enter");
        let prefix = line.split_whitespace().next().unwrap_or_default();
        let screen = self.wait_for("the confirm line", |s| {
            line_with(s, "confirm: ").is_some_and(|l| l.contains(prefix))
        });
        line_with(&screen, "confirm: ").unwrap().to_string()
    }

    /// The screen once it stops changing (the same in three captures 100 ms apart), so
    /// every pane a key asked for has answered; at most the usual wait.
    pub(crate) fn wait_stable(&self) -> String {
        let deadline = Instant::now() + WAIT;
        let (mut last, mut same) = (self.screen(), 0);
        while same < 2 {
            assert!(
                Instant::now() < deadline,
                "the screen kept changing:\n{last}"
            );
            std::thread::sleep(Duration::from_millis(100));
            let now = self.screen();
            same = if now == last { same + 1 } else { 0 };
            last = now;
        }
        last
    }

    /// `:open PREFIX` + Enter.
    pub(crate) fn command_open(&self, prefix: &str) {
        self.key(":");
        self.type_text(&format!("open {prefix}"));
        self.key("Enter");
    }

    /// `q`, then the exit code.
    pub(crate) fn quit(&self, sandbox: &Sandbox) -> i32 {
        self.key("q");
        sandbox.wait_exit()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn require_tmux() {
    let found = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "tmux is required for the end-to-end TUI tests (tests/tui_e2e.rs) and is not on PATH: \
         install it with `apt-get install tmux` (`.ci/run` does this when it is missing)"
    );
}

/// The first screen line containing `needle`, from the needle on.
pub(crate) fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen
        .lines()
        .find_map(|l| l.find(needle).map(|i| l[i..].trim_end()))
}

/// The stream pane's title: order prefix, cursor version, head version.
pub(crate) fn stream_title(screen: &str) -> Option<(String, u64, u64)> {
    let title = line_with(screen, "Stream ")?;
    let mut words = title.split_whitespace().skip(1);
    let prefix = words.next()?.to_string();
    let (cursor, head) = words.next()?.strip_prefix('v')?.split_once('/')?;
    Some((prefix, cursor.parse().ok()?, head.parse().ok()?))
}
