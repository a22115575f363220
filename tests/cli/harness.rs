//! The `Chronicle` runner and the helpers every CLI test shares: JSON parsing, the
//! documented failure shape, and out-of-band access to the database file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// A valid order id that no test ever creates.
pub(crate) const UNKNOWN: &str = "00000000-0000-4000-8000-000000000001";

#[path = "../common/env.rs"]
mod env;
use env::CHRONICLE_ENV;

pub(crate) struct Chronicle {
    dir: TempDir,
    pub(crate) config: PathBuf,
}

impl Chronicle {
    pub(crate) fn new() -> Self {
        Self::with_config("")
    }

    pub(crate) fn with_config(toml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, toml).expect("write config");
        Chronicle { dir, config }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.path("t.db")
    }

    pub(crate) fn url(&self) -> String {
        format!("sqlite://{}", self.db().display())
    }

    pub(crate) fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chronicle"));
        for var in CHRONICLE_ENV {
            cmd.env_remove(var);
        }
        // A forgotten --database-url would otherwise create chronicle.db in the crate.
        cmd.current_dir(self.dir.path())
            .arg("--database-url")
            .arg(url)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_at(&self.url(), args)
    }

    pub(crate) fn run_at(&self, url: &str, args: &[&str]) -> Output {
        self.command(url, args).output().expect("run chronicle")
    }

    pub(crate) fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(&self.url(), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn chronicle");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        child.wait_with_output().expect("wait for chronicle")
    }

    /// Runs a command that must succeed and returns its stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        parse_json(self.ok(args).trim())
    }

    pub(crate) fn create(&self, items: &[&str]) -> String {
        let mut args = vec!["order", "create", "--customer", "cust-1", "--json"];
        for item in items {
            args.extend(["--item", item]);
        }
        str_field(&self.json(&args), "order_id")
    }

    pub(crate) fn events(&self, id: &str) -> Vec<Value> {
        json_lines(&self.ok(&["order", "events", id, "--json"]))
    }

    pub(crate) fn export(&self) -> Vec<Value> {
        json_lines(&self.ok(&["export"]))
    }

    /// Every event in the log, for "nothing was appended" checks.
    pub(crate) fn event_count(&self) -> usize {
        self.export().len()
    }
}

pub(crate) fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(crate) fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

pub(crate) fn json_lines(s: &str) -> Vec<Value> {
    s.lines().map(parse_json).collect()
}

pub(crate) fn str_field(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
        .to_string()
}

/// Asserts the documented failure shape: the exit code, nothing on stdout, and exactly one
/// `chronicle:` line on stderr. Returns that line.
pub(crate) fn assert_fails(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
    assert!(out.stdout.is_empty(), "stdout not empty: {}", describe(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "want one stderr line: {}", describe(out));
    assert!(lines[0].starts_with("chronicle: "), "{}", describe(out));
    lines[0].to_string()
}

/// The last stderr line, for commands (import) that report progress before failing.
pub(crate) fn last_error_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("chronicle: "), "{}", describe(out));
    last
}

pub(crate) fn assert_no_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(!p.exists(), "{} was created", p.display());
    }
}

/// Runs SQL against the database file behind the binary's back (as a careless operator or
/// a disk fault would), with plain sqlx: the first statement's affected row count.
/// `drop_event_triggers` first removes the triggers that keep stored events immutable.
pub(crate) fn tamper(db: &Path, drop_event_triggers: bool, statements: &[&str]) -> u64 {
    let url = format!("sqlite://{}", db.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the database file");
        if drop_event_triggers {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("list triggers");
            for n in names {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TRIGGER \"{n}\"")))
                    .execute(&mut conn)
                    .await
                    .expect("drop trigger");
            }
        }
        let mut first = None;
        for sql in statements {
            let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            first.get_or_insert(done.rows_affected());
        }
        conn.close().await.expect("close");
        first.unwrap_or(0)
    })
}
