//! What the PostgreSQL tests share: a database per test, services over it, a projector run
//! live in the background, and waits that are bounded.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chronicle::app::projector::Projector;
use chronicle::store::{self, Access, Store};

use crate::common::pg;

/// A fresh database on the run's cluster and a first handle on it.
pub async fn database() -> (String, Store) {
    let url = tokio::task::spawn_blocking(|| pg::cluster().create_database())
        .await
        .expect("create a database");
    let store = store::open(&url, Access::CreateIfMissing)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    (url, store)
}

/// Polls `done` every 20 ms until it holds, failing the test after `secs`.
pub async fn until<F, Fut>(secs: u64, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the projector's checkpoint has no event after it.
pub async fn caught_up(store: &Store, secs: u64) {
    let events = store.events();
    let read_model = store.read_model();
    until(secs, "the projector catches up", || {
        let events = events.clone();
        let read_model = read_model.clone();
        async move {
            let at = read_model.projector_state().await.unwrap().position;
            events.count_after(at).await.unwrap() == 0
        }
    })
    .await;
}

/// A projector running `run` on a task until dropped (or `stop`ped).
pub struct Live {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Live {
    pub fn start(projector: Projector) -> Live {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            projector
                .run(
                    async {
                        let _ = stopped.await;
                    },
                    |_| {},
                )
                .await
                .expect("the projector failed");
        });
        Live {
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("the projector task panicked");
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// An empty config file, so no developer's own config leaks in.
fn empty_config() -> &'static std::path::Path {
    static FILE: std::sync::OnceLock<tempfile::NamedTempFile> = std::sync::OnceLock::new();
    FILE.get_or_init(|| tempfile::NamedTempFile::new().expect("config file"))
        .path()
}

/// The binary against a URL, not run yet.
pub fn command(url: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chronicle"));
    for var in [
        "DATABASE_URL",
        "CHRONICLE_CONFIG",
        "CHRONICLE_SNAPSHOT_EVERY",
    ] {
        cmd.env_remove(var);
    }
    cmd.arg("--database-url")
        .arg(url)
        .arg("--config")
        .arg(empty_config())
        .args(args)
        .stdin(std::process::Stdio::null());
    cmd
}

/// The binary, against a URL, run to the end.
pub fn chronicle(url: &str, args: &[&str]) -> std::process::Output {
    command(url, args).output().expect("run chronicle")
}

/// stdout of a run that must succeed.
pub fn ok(url: &str, args: &[&str]) -> String {
    let out = chronicle(url, args);
    assert!(
        out.status.success(),
        "chronicle {args:?} failed ({:?}): {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `projector run` process whose stderr lines arrive on a channel.
pub struct ProjectorProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl ProjectorProcess {
    pub fn start(url: &str, batch_size: &str) -> ProjectorProcess {
        let mut child = command(url, &["projector", "run", "--batch-size", batch_size])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start projector run");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ProjectorProcess { child, lines }
    }

    /// Waits for a stderr line containing `needle`; every line seen on the way.
    pub fn wait_for(&self, needle: &str, secs: u64) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(needle);
                    seen.push(line);
                    if hit {
                        return seen;
                    }
                }
                Err(e) => panic!("no {needle:?} within {secs} s ({e}); saw {seen:?}"),
            }
        }
    }

    /// The lines that arrived and were not waited for yet.
    pub fn drain(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Whether the process has ended.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    pub fn kill(&mut self) {
        // SIGKILL: no handler runs, the connection simply drops.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProjectorProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
