//! What every crash scenario shares: a database on either backend, the real binary run
//! against it with a scrubbed environment, and the checks after a crash.

use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::pg;

#[path = "../common/env.rs"]
mod env;
use env::CHRONICLE_ENV;

/// Which database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temp dir.
    Sqlite,
    /// A fresh database on the test run's PostgreSQL cluster.
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database on one backend, a temp dir beside it (config file, scratch files), and the
/// real binary run against it.
pub struct Target {
    pub backend: Backend,
    pub url: String,
    pub config: PathBuf,
    dir: TempDir,
}

impl Target {
    /// A fresh, empty database, and `config` as its config file.
    pub fn new(backend: Backend, config: &str) -> Target {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("crash.db").display()),
            Backend::Postgres => pg::cluster().create_database(),
        };
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).expect("write config");
        Target {
            backend,
            url,
            config: path,
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The SQLite file (`None` on PostgreSQL).
    pub fn db_file(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| self.path("crash.db"))
    }

    /// The binary with `args`, output captured; `--database-url` and `--config` explicit.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = chronicle(&self.url, &self.config, self.dir.path());
        cmd.args(args);
        cmd
    }

    pub fn spawn<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Child {
        self.command(args).spawn().expect("spawn chronicle")
    }

    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        self.command(args).output().expect("run chronicle")
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    pub fn json<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Value {
        parse_json(self.ok(args).trim())
    }

    /// The whole log, as `chronicle export` writes it.
    pub fn export(&self) -> Vec<Value> {
        self.ok(&["export"]).lines().map(parse_json).collect()
    }

    /// A copy of this database, under the same config: its files (SQLite), or a database
    /// made from it as a template (PostgreSQL). Nothing may be connected to it.
    pub fn copy(&self) -> Target {
        let config = std::fs::read_to_string(&self.config).expect("read config");
        let copy = Target::new(self.backend, &config);
        if let (Some(from), Some(to)) = (self.db_file(), copy.db_file()) {
            for suffix in ["", "-wal"] {
                let src = format!("{}{suffix}", from.display());
                if Path::new(&src).exists() {
                    std::fs::copy(&src, format!("{}{suffix}", to.display())).expect("copy");
                }
            }
        } else {
            let (from, to) = (db_name(&self.url), db_name(&copy.url));
            let cluster = pg::cluster();
            cluster.psql("postgres", &format!("DROP DATABASE {to}"));
            cluster.psql("postgres", &format!("CREATE DATABASE {to} TEMPLATE {from}"));
        }
        copy
    }

    /// After a crash: SQLite's `PRAGMA integrity_check` says ok (PostgreSQL recovers its
    /// own files; there the checks of the data are the proof).
    pub fn assert_intact(&self) {
        if let Some(file) = self.db_file() {
            assert_eq!(integrity_check(&file), "ok", "{}", file.display());
        }
    }

    /// `chronicle check --json`: the orders not in sync, with their class.
    pub fn findings(&self) -> Vec<(String, String)> {
        let out = self.run(&["check", "--json"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            describe(&out)
        );
        let report = parse_json(String::from_utf8_lossy(&out.stdout).trim());
        let divergent = report["divergent"].as_array().expect("divergent");
        let mut found: Vec<(String, String)> = divergent
            .iter()
            .map(|d| (str_of(d, "order_id"), str_of(d, "class")))
            .collect();
        found.sort();
        found
    }
}

/// The binary on `url` with `config`, run in `dir`, in a scrubbed environment, output
/// captured; the arguments follow.
pub fn chronicle(url: &str, config: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chronicle"));
    for var in CHRONICLE_ENV {
        cmd.env_remove(var);
    }
    cmd.current_dir(dir)
        .arg("--database-url")
        .arg(url)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn db_name(url: &str) -> String {
    url.rsplit('/').next().expect("a database name").to_string()
}

/// `PRAGMA integrity_check` on a SQLite file, with plain sqlx (no process may be writing).
pub fn integrity_check(db: &Path) -> String {
    let url = format!("sqlite://{}", db.display());
    block_on(async {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the database file");
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await
            .expect("integrity_check");
        conn.close().await.expect("close");
        rows.join("; ")
    })
}

/// Runs `f` on a runtime of its own, for the library handles a scenario opens and closes.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

pub fn describe(out: &Output) -> String {
    format!(
        "{:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

pub fn str_of(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
        .to_string()
}

/// SIGKILL, if it still runs: whether the kill landed before it finished by itself.
pub fn kill(child: &mut Child) -> bool {
    let running = child.try_wait().expect("try_wait").is_none();
    if running {
        child.kill().expect("SIGKILL");
    }
    let status = child.wait().expect("wait");
    running && status.signal() == Some(9)
}
