//! Real, throwaway PostgreSQL servers for tests, driven through the server's own binaries
//! (initdb, pg_ctl, psql, pg_basebackup), so the harness stays synchronous and needs no client
//! library. Tests never skip: missing binaries fail loudly, saying how to install them.
//!
//! [`cluster`] is one server shared by every test in the process; [`Cluster::start_with`] starts
//! a private one (for settings of its own, or for restarts that would disturb other tests).
//! The Rust test harness has no global teardown, so each server gets a detached watchdog shell
//! that stops it and deletes its files once the test process is gone, however it ended.
#![allow(dead_code)]

use std::any::Any;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use std::{env, fs, panic, process, thread};

/// Every wait on a server is bounded, so a broken server fails a test instead of hanging it.
const WAIT: Duration = Duration::from_mins(1);
/// The superuser the tests connect as.
const USER: &str = "chronicle";
/// The binaries the harness runs; all come with the server package.
const TOOLS: [&str; 6] = [
    "initdb",
    "pg_ctl",
    "postgres",
    "psql",
    "pg_basebackup",
    "pg_isready",
];
const NOT_FOUND: &str = "PostgreSQL server binaries (initdb, pg_ctl) not found: install them \
                         (Debian: apt-get install postgresql), or put pg_config on PATH";

/// A fast, disposable server: durability off (a crash only loses a test's data), replication on
/// so replicas can be made, TCP on loopback only, and a quiet log that tests can read.
const TEST_SETTINGS: [(&str, &str); 13] = [
    ("listen_addresses", "127.0.0.1"),
    ("max_connections", "300"),
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("shared_buffers", "64MB"),
    ("wal_level", "replica"),
    ("max_wal_senders", "10"),
    // Without a replication slot, this keeps a slow standby from losing WAL it still needs.
    ("wal_keep_size", "256MB"),
    ("hot_standby", "on"),
    ("logging_collector", "off"),
    ("log_min_messages", "warning"),
    ("log_statement", "none"),
];

/// A running PostgreSQL server in its own temp dir (`data/`, `sock/`, `server.log`).
/// An owned one is stopped and deleted on drop; the shared one by its watchdog at exit.
pub struct Cluster {
    bindir: PathBuf,
    base: PathBuf,
    data: PathBuf,
    log: PathBuf,
    password: String,
    port: u16,
    /// A standby is only ready once it also accepts read-only queries.
    standby: bool,
    watchdog: Child,
}

/// A hot standby of a [`Cluster`], streaming from it. It derefs to a `Cluster` of its own for
/// `url`, `port`, `log`, `psql`, `restart`…; writes on it fail as on any standby.
pub struct Replica(Cluster);

/// The one server shared by all tests of this process, started on first use.
/// A failed start is remembered, so later tests fail at once with the same message.
pub fn cluster() -> &'static Cluster {
    static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        panic::catch_unwind(|| Cluster::start_with(&[])).map_err(|e| panic_text(&*e))
    });
    match shared {
        Ok(cluster) => cluster,
        Err(e) => panic!("the shared PostgreSQL cluster failed to start: {e}"),
    }
}

impl Cluster {
    /// Starts a private server: the test settings, then `settings` (which override them, e.g.
    /// `&[("fsync", "on"), ("synchronous_commit", "on")]` for a benchmark), on a free port.
    pub fn start_with(settings: &[(&str, &str)]) -> Cluster {
        let mut cluster = Cluster::prepare("chronicle-pg-", bindir().into(), random_hex(), false);
        let pwfile = cluster.base.join("pwfile");
        fs::write(&pwfile, &cluster.password).expect("write the initdb password file");
        let pwfile_arg = format!("--pwfile={}", text(&pwfile));
        let flags = "-E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 --no-sync \
                     --no-instructions";
        let args = argv(flags, &["-U", USER, &pwfile_arg, "-D", text(&cluster.data)]);
        let initdb = run(server_cmd(&cluster.bindir, "initdb", &args), "initdb");
        fs::remove_file(&pwfile).expect("remove the initdb password file");
        initdb.unwrap_or_else(|e| cluster.fail(&e));
        let sock = cluster.base.join("sock");
        let mut all = TEST_SETTINGS.to_vec();
        all.push(("unix_socket_directories", text(&sock)));
        all.extend_from_slice(settings);
        append_conf(&cluster.data, &all);
        cluster.boot();
        cluster
    }

    /// `postgres://chronicle:<password>@127.0.0.1:<port>/<db>`.
    pub fn url(&self, db: &str) -> String {
        let (password, port) = (&self.password, self.port);
        format!("postgres://{USER}:{password}@127.0.0.1:{port}/{db}")
    }

    /// The superuser's password: random per server, so wrong-password tests are real.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The TCP port on 127.0.0.1, fixed for the server's life (restarts keep it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The dir of initdb, pg_ctl, psql, … for tests that run a tool themselves.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// The data dir; its parent holds `sock/` and `server.log`.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The server log so far (`server.log` beside the data dir), e.g. to check it logged no error.
    pub fn log(&self) -> String {
        lossy(&fs::read(&self.log).unwrap_or_default())
    }

    /// Creates a fresh database `t_<pid>_<n>` and returns its URL: one per test, no cleanup.
    pub fn create_database(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "t_{}_{}",
            process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Whether a database of that name exists, e.g. to check a test's setup created it.
    pub fn database_exists(&self, name: &str) -> bool {
        let name = name.replace('\'', "''");
        let sql = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
        self.psql("postgres", &sql) == "1"
    }

    /// Runs `sql` (any number of statements, stopping at the first error) in `db` as the
    /// superuser over TCP; returns the rows unaligned (`|` between columns, one per line,
    /// no trailing newline). Panics with psql's stderr on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.try_psql(db, sql).unwrap_or_else(|e| {
            panic!("psql on port {} db {db} failed: {e}\nSQL: {sql}", self.port)
        })
    }

    /// [`Cluster::psql`], with the failure (psql's stderr) as an error instead of a panic.
    pub fn try_psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let port = self.port.to_string();
        let flags = "-X -q -A -t -w -v ON_ERROR_STOP=1 -h 127.0.0.1 -f -";
        let mut child = Command::new(self.bindir.join("psql"))
            .args(argv(flags, &["-p", &port, "-U", USER, "-d", db]))
            .env("PGPASSWORD", &self.password)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn psql");
        let mut stdin = child.stdin.take().expect("psql's stdin");
        let sql = sql.to_owned();
        // Written from a thread, so a big result can't fill stdout while psql waits for input.
        let writer = thread::spawn(move || stdin.write_all(sql.as_bytes()));
        let out = child.wait_with_output().expect("wait for psql");
        // A write error only means psql stopped reading; its stderr says why.
        let _ = writer.join();
        let (stdout, stderr) = (lossy(&out.stdout), lossy(&out.stderr));
        if out.status.success() {
            Ok(stdout.trim_end_matches('\n').to_owned())
        } else {
            Err(format!("{}: {}", out.status, stderr.trim_end()))
        }
    }

    /// A hot standby of this server (`pg_basebackup -R -X stream`) on its own port and dir,
    /// returned once it accepts read-only queries.
    pub fn replica(&self) -> Replica {
        let (bindir, password) = (self.bindir.clone(), self.password.clone());
        let mut replica = Cluster::prepare("chronicle-pg-replica-", bindir, password, true);
        let port = self.port.to_string();
        let flags = "-R -X stream -c fast --no-sync -w -h 127.0.0.1";
        let args = argv(flags, &["-p", &port, "-U", USER, "-D", text(&replica.data)]);
        let mut backup = server_cmd(&self.bindir, "pg_basebackup", &args);
        backup.env("PGPASSWORD", &self.password);
        run(backup, "pg_basebackup").unwrap_or_else(|e| self.fail(&e));
        // The copied postgresql.conf names the primary's socket dir; a later line wins.
        let sock = replica.base.join("sock");
        let settings = [
            ("unix_socket_directories", text(&sock)),
            ("hot_standby", "on"),
        ];
        append_conf(&replica.data, &settings);
        replica.boot();
        Replica(replica)
    }

    /// `pg_ctl restart -m fast`, same port; returns once it accepts connections again.
    /// On the shared cluster this cuts every test's connections: reconnect tests want their own.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast"])
            .unwrap_or_else(|e| self.fail(&e));
        self.wait_ready();
    }

    /// Stops the server at once (`-m immediate`, like a crash); [`Cluster::start`] brings it back.
    pub fn stop_now(&self) {
        self.pg_ctl(&["stop", "-m", "immediate"])
            .unwrap_or_else(|e| self.fail(&e));
    }

    /// Starts a stopped server again on its port; returns once it accepts connections.
    pub fn start(&self) {
        self.pg_ctl(&["start"]).unwrap_or_else(|e| self.fail(&e));
        self.wait_ready();
    }

    /// A temp dir for a server, with its watchdog, a socket dir, and (as root) `postgres` as owner.
    /// From here on, a failure drops the `Cluster`, which cleans up.
    fn prepare(prefix: &str, bindir: PathBuf, password: String, standby: bool) -> Cluster {
        let base = make_base(prefix);
        let watchdog = watchdog(&bindir, &base);
        fs::create_dir(base.join("sock")).expect("create the socket dir");
        hand_over(&base);
        let (data, log) = (base.join("data"), base.join("server.log"));
        Cluster {
            bindir,
            base,
            data,
            log,
            password,
            port: 0,
            standby,
            watchdog,
        }
    }

    /// First start: probes a free port; if someone takes it before the server binds, tries another.
    fn boot(&mut self) {
        for _ in 0..5 {
            let probe = TcpListener::bind("127.0.0.1:0").and_then(|probe| probe.local_addr());
            self.port = probe.expect("probe a free port on 127.0.0.1").port();
            append_conf(&self.data, &[("port", &self.port.to_string())]);
            let seen = self.log().len();
            let Err(e) = self.pg_ctl(&["start"]) else {
                return self.wait_ready();
            };
            let log = self.log();
            if !log.get(seen..).unwrap_or(&log).contains("could not bind") {
                self.fail(&e);
            }
        }
        self.fail("PostgreSQL found no free port in 5 tries");
    }

    /// `pg_ctl -w` already waits for the postmaster; this also waits until it accepts
    /// connections (`pg_isready`) and, on a standby, read-only queries.
    fn wait_ready(&self) {
        let deadline = Instant::now() + WAIT;
        let port = self.port.to_string();
        let args = argv("-q -h 127.0.0.1 -d postgres", &["-p", &port, "-U", USER]);
        let pg_isready = self.bindir.join("pg_isready");
        loop {
            let isready = Command::new(&pg_isready).args(&args).status();
            let in_recovery = || self.try_psql("postgres", "SELECT pg_is_in_recovery()");
            if isready.is_ok_and(|status| status.success())
                && (!self.standby || in_recovery().is_ok_and(|r| r == "t"))
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("PostgreSQL on port {port} not ready in {WAIT:?}"));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), String> {
        let mut args = argv("-w -t 60", &["-D", text(&self.data), "-l", text(&self.log)]);
        args.extend_from_slice(action);
        run(server_cmd(&self.bindir, "pg_ctl", &args), "pg_ctl")
    }

    /// Panics with `what` and the end of the server log, which usually says why.
    fn fail(&self, what: &str) -> ! {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        panic!("{what}\n--- {} ends:\n{tail}", self.log.display())
    }
}

impl Drop for Cluster {
    /// Owned servers only (a static is never dropped): stop, call off the watchdog, delete.
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
        let _ = fs::remove_dir_all(&self.base);
    }
}

impl Replica {
    /// Waits (30 s at most) until this standby has replayed everything the primary committed.
    /// With `synchronous_commit=off` the last commits may still sit in the primary's WAL
    /// buffers, which no walsender ships; a synchronous commit that writes WAL (a logical
    /// message: no table needed) flushes them first.
    pub fn wait_caught_up(&self, primary: &Cluster) {
        let flush = "BEGIN; SET LOCAL synchronous_commit = on;
            SELECT pg_logical_emit_message(true, 'chronicle-test', 'flush'); COMMIT;
            SELECT pg_current_wal_lsn();";
        let flushed = primary.psql("postgres", flush);
        let target = flushed.lines().last().unwrap_or_default();
        let sql = format!("SELECT coalesce(pg_last_wal_replay_lsn() >= '{target}'::pg_lsn, false)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.psql("postgres", &sql) != "t" {
            if Instant::now() > deadline {
                self.fail(&format!("replica did not replay up to {target} in 30 s"));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Deref for Replica {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        &self.0
    }
}

/// `pg_config --bindir` if it holds the tools, else the newest `/usr/lib/postgresql/*/bin`.
fn bindir() -> &'static Path {
    static BINDIR: OnceLock<PathBuf> = OnceLock::new();
    BINDIR.get_or_init(|| {
        let complete = |dir: &Path| TOOLS.iter().all(|tool| dir.join(tool).is_file());
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
            && let dir = PathBuf::from(lossy(&out.stdout).trim())
            && out.status.success()
            && complete(&dir)
        {
            return dir;
        }
        let versions = fs::read_dir("/usr/lib/postgresql").into_iter().flatten();
        let mut found: Vec<(Vec<u32>, PathBuf)> = versions
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let version = name
                    .split('.')
                    .map(|n| n.parse().ok())
                    .collect::<Option<_>>()?;
                Some((version, entry.path().join("bin")))
            })
            .filter(|(_, dir)| complete(dir))
            .collect();
        found.sort();
        found.pop().map(|(_, dir)| dir).expect(NOT_FOUND)
    })
}

/// PostgreSQL refuses to run as root: then its files belong to, and its tools run as, `postgres`.
fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        let out = Command::new("id").arg("-u").output().expect("run `id -u`");
        lossy(&out.stdout).trim() == "0"
    })
}

/// `argv` as the server user: as is, or through runuser (su where there is none) when root.
fn as_server_user(argv: Vec<String>) -> Vec<String> {
    static RUNUSER: OnceLock<bool> = OnceLock::new();
    if !is_root() {
        return argv;
    }
    if *RUNUSER.get_or_init(|| Command::new("runuser").arg("--version").output().is_ok()) {
        let mut wrapped: Vec<String> = ["runuser", "-u", "postgres", "--"].map(String::from).into();
        wrapped.extend(argv);
        wrapped
    } else {
        let line = shell_line(&argv);
        ["su", "postgres", "-s", "/bin/sh", "-c", &line]
            .map(String::from)
            .into()
    }
}

/// Server tool `tool` run as the server user, from `/` (root's cwd may be closed to it).
fn server_cmd(bindir: &Path, tool: &str, args: &[&str]) -> Command {
    let mut line = vec![text(&bindir.join(tool)).to_owned()];
    line.extend(args.iter().map(|&arg| arg.to_owned()));
    let line = as_server_user(line);
    let mut cmd = Command::new(&line[0]);
    cmd.args(&line[1..]).current_dir("/");
    cmd
}

/// Fixed space-separated `flags`, then arguments that may hold anything (paths, names).
fn argv<'a>(flags: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    flags.split(' ').chain(rest.iter().copied()).collect()
}

/// Runs `cmd`; on failure, its output is the error.
fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output();
    let out = out.map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let (stdout, stderr) = (lossy(&out.stdout), lossy(&out.stderr));
    Err(format!("{what} failed ({}):\n{stdout}{stderr}", out.status))
}

/// A fresh temp dir (kept: its watchdog or `Drop` deletes it). As root it must be reachable
/// by `postgres`, so a TMPDIR behind a closed dir (e.g. under /root) gives way to /tmp.
fn make_base(prefix: &str) -> PathBuf {
    let open = |d: &Path| fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0);
    let mut parent = env::temp_dir();
    if is_root() && !parent.ancestors().all(open) {
        parent = PathBuf::from("/tmp");
    }
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent);
    dir.expect("create a temp dir for PostgreSQL").keep()
}

/// As root, gives `base` and all in it to `postgres`, as initdb and the server require.
fn hand_over(base: &Path) {
    if is_root() {
        let chown = Command::new("chown")
            .args(["-R", "postgres:", text(base)])
            .output();
        let chown = chown.expect("run chown");
        let error = lossy(&chown.stderr);
        let hint = "as root, the server runs as user `postgres` (Debian's package makes it)";
        assert!(
            chown.status.success(),
            "{hint}; chown to it failed: {error}"
        );
    }
}

/// Appends settings to postgresql.conf; a later line overrides an earlier one.
fn append_conf(data: &Path, settings: &[(&str, &str)]) {
    let path = data.join("postgresql.conf");
    let mut conf = fs::OpenOptions::new().append(true).open(path);
    let conf = conf.as_mut().expect("open postgresql.conf");
    for (key, value) in settings {
        let line = format!("{key} = '{}'\n", value.replace('\'', "''"));
        conf.write_all(line.as_bytes())
            .expect("append to postgresql.conf");
    }
}

/// A detached shell that waits for this process to end, then stops the server and deletes
/// `base`. Its own process group keeps Ctrl-C off it; /dev/null as stdio keeps `cargo test`
/// (or a pipe after it) from waiting on it.
fn watchdog(bindir: &Path, base: &Path) -> Child {
    let (pg_ctl, data) = (bindir.join("pg_ctl"), base.join("data"));
    let stop = [text(&pg_ctl), "-D", text(&data), "stop", "-m", "immediate"];
    let stop = shell_line(&as_server_user(stop.map(String::from).to_vec()));
    let (pid, base) = (process::id(), quote(text(base)));
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {base}"
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn the PostgreSQL watchdog shell")
}

fn shell_line(argv: &[String]) -> String {
    let quoted: Vec<String> = argv.iter().map(|arg| quote(arg)).collect();
    quoted.join(" ")
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn text(path: &Path) -> &str {
    path.to_str().expect("PostgreSQL paths must be UTF-8")
}

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    let urandom = fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    urandom.expect("read /dev/urandom");
    format!("{:032x}", u128::from_ne_bytes(bytes))
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    match payload.downcast_ref::<String>() {
        Some(text) => text.clone(),
        None => payload
            .downcast_ref::<&str>()
            .map_or_else(String::new, |&s| s.to_owned()),
    }
}
