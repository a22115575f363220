//! `--read-only` opens read-only, as `sqlite3 -readonly` does: nothing migrated, created or
//! switched (the journal mode stays what it was), the file's bytes unchanged, and a database
//! in a directory this process cannot write still reads.

use std::path::Path;
use std::process::Command;

use crate::harness::{Chronicle, assert_fails, describe, tamper};

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn companions(db: &Path) -> Vec<String> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| format!("{}{s}", db.display()))
        .filter(|p| Path::new(p).exists())
        .collect()
}

const READS: [&[&str]; 5] = [
    &["order", "list"],
    &["check"],
    &["export"],
    &["projector", "status"],
    &["dlq", "list"],
];

#[test]
fn reads_leave_a_rollback_journal_database_byte_for_byte_as_it_was() {
    let c = Chronicle::with_config("snapshot_every = 1\n");
    let id = c.create(&["A:1:1.00"]);
    c.ok(&["projector", "run", "--once"]);
    // A snapshot that no longer decodes (a writer would replace it), and the file as
    // `sqlite3` would leave a copy made elsewhere: no WAL.
    let spoiled = tamper(&c.db(), false, &["UPDATE snapshots SET state = 'garbage'"]);
    assert_eq!(spoiled, 1, "a snapshot at v1");
    tamper(&c.db(), false, &["PRAGMA journal_mode = DELETE"]);
    let before = bytes(&c.db());
    assert!(companions(&c.db()).is_empty(), "{:?}", companions(&c.db()));
    for args in READS
        .iter()
        .chain([&["order", "show", id.as_str()][..]].iter())
    {
        let mut all = vec!["--read-only"];
        all.extend_from_slice(args);
        let out = c.run(&all);
        assert!(
            out.status.code().is_some_and(|code| code <= 1),
            "{args:?}: {}",
            describe(&out)
        );
    }
    // Bytes 18 and 19 of the header say WAL (2) or rollback journal (1): unchanged.
    let after = bytes(&c.db());
    assert_eq!((after[18], after[19]), (1, 1), "journal mode switched");
    assert_eq!(after, before, "the file changed");
    assert!(companions(&c.db()).is_empty(), "{:?}", companions(&c.db()));
}

#[test]
fn a_file_that_is_no_chronicle_database_is_refused_and_left_alone() {
    let c = Chronicle::new();
    for content in [&b""[..], b"just some text\n"] {
        std::fs::write(c.db(), content).unwrap();
        let line = assert_fails(&c.run(&["--read-only", "order", "list"]), 6);
        assert!(
            line.contains("not a Chronicle database") || line.contains("cannot open"),
            "{line}"
        );
        assert_eq!(bytes(&c.db()), content, "the file was written");
        assert!(companions(&c.db()).is_empty(), "{:?}", companions(&c.db()));
    }
    // A writer's command in read-only mode is refused before anything opens.
    std::fs::remove_file(c.db()).unwrap();
    let line = assert_fails(
        &c.run(&[
            "--read-only",
            "order",
            "create",
            "--customer",
            "a",
            "--item",
            "A:1:1",
        ]),
        2,
    );
    assert!(line.contains("read-only"), "{line}");
    assert!(!c.db().exists());
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn a_wal_database_in_a_directory_it_cannot_write_still_reads() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:1.50"]);
    // A directory and file anyone may read and nobody but the owner may write; the binary
    // copied beside them, so an unprivileged user can run it.
    let shelf = tempfile::tempdir().unwrap();
    let dir = shelf.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("shop.db");
    std::fs::copy(c.db(), &db).unwrap();
    let bin = shelf.path().join("chronicle");
    std::fs::copy(env!("CARGO_BIN_EXE_chronicle"), &bin).unwrap();
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    mode(shelf.path(), 0o755);
    mode(&bin, 0o755);
    mode(&db, 0o444);
    mode(&dir, 0o555);
    let url = format!("sqlite://{}", db.display());
    let args = ["--read-only", "--database-url", &url, "order", "show", &id];
    // Root writes anywhere: the reader is then the unprivileged `nobody`.
    let mut cmd = if is_root() {
        let mut r = Command::new("runuser");
        r.args(["-u", "nobody", "--"]).arg(&bin);
        r
    } else {
        Command::new(&bin)
    };
    let out = cmd
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CHRONICLE_CONFIG")
        .current_dir(shelf.path())
        .output()
        .expect("run the reader");
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3.00"),
        "{}",
        describe(&out)
    );
    assert!(companions(&db).is_empty(), "{:?}", companions(&db));
    mode(&dir, 0o755);
}
