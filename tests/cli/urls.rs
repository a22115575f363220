//! Database URLs: read once, validated once. A URL that names no lasting database, has no
//! scheme or an unknown one is refused with exit 2 before anything is written anywhere, and
//! the message never shows a password.

use std::path::Path;

use crate::harness::{Chronicle, assert_fails, describe};

/// Every file in the sandbox: nothing may appear when a URL is refused.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn urls_that_would_store_nothing_lasting_are_refused_before_a_write() {
    let c = Chronicle::new();
    let before = files(&c.path(""));
    let create = ["order", "create", "--customer", "c", "--item", "A:1:1"];
    for url in [
        "",
        "sqlite:",
        "sqlite://",
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite://t.db?mode=memory",
        "sqlite://t.db?mode=rwc",
        "t.db",
        "./t.db",
        "mysql://root@localhost/shop",
    ] {
        let out = c.run_at(url, &create);
        let line = assert_fails(&out, 2);
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("created"),
            "{url:?}: {}",
            describe(&out)
        );
        assert!(line.contains("database URL"), "{url:?}: {line}");
        for args in [&["order", "list"][..], &["check"], &["migrate"]] {
            assert_fails(&c.run_at(url, args), 2);
        }
    }
    assert_eq!(files(&c.path("")), before, "a refused URL created a file");
}

#[test]
fn an_empty_database_url_variable_is_refused_not_defaulted() {
    let c = Chronicle::new();
    // Without --database-url, so the variable is what is read.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .current_dir(c.path(""))
        .env_clear()
        .env("DATABASE_URL", "")
        .args(["--config", &c.config.display().to_string()])
        .args(["order", "create", "--customer", "c", "--item", "A:1:1"])
        .output()
        .expect("run chronicle");
    let line = assert_fails(&out, 2);
    assert!(line.contains("empty"), "{line}");
    assert!(!c.path("chronicle.db").exists());
}

#[test]
fn unknown_schemes_are_named_without_their_password() {
    let c = Chronicle::new();
    for (url, shown) in [
        (
            "mysql://app:hunter2@db.internal/shop",
            "app:***@db.internal",
        ),
        ("redis://:hunter2@cache", ":***@cache"),
    ] {
        let out = c.run_at(url, &["order", "list"]);
        let line = assert_fails(&out, 2);
        assert!(line.contains(shown), "{url}: {line}");
        let all = describe(&out);
        assert!(
            !all.contains("hunter2"),
            "{url}: the password leaked: {all}"
        );
    }
    // PostgreSQL is a backend: a server that is not there is a storage failure, named the
    // same way.
    let out = c.run_at(
        "postgres://app:hunter2@127.0.0.1:1/shop",
        &["order", "list"],
    );
    let line = assert_fails(&out, 6);
    assert!(line.contains("app:***@127.0.0.1:1/shop"), "{line}");
    assert!(!describe(&out).contains("hunter2"));
}

#[test]
fn malformed_text_fields_are_bad_input_and_lifecycle_rules_are_rejections() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let long = "x".repeat(201);
    let cases: &[&[&str]] = &[
        &["order", "create", "--customer", "", "--item", "A:1:1"],
        &["order", "create", "--customer", "   ", "--item", "A:1:1"],
        &["order", "create", "--customer", &long, "--item", "A:1:1"],
        &[
            "order",
            "create",
            "--customer",
            "a\u{7}b",
            "--item",
            "A:1:1",
        ],
        &["order", "pay", &id, "--method", "", "--amount", "24.98"],
        &["order", "pay", &id, "--method", &long, "--amount", "24.98"],
        &["order", "cancel", &id, "--reason", ""],
        &["order", "cancel", &id, "--reason", "line\nbreak"],
        &["order", "cancel", &id, "--reason", "\u{202e}desrever"],
        &[
            "order",
            "pay",
            &id,
            "--method",
            "ca\u{200b}rd",
            "--amount",
            "24.98",
        ],
    ];
    for args in cases {
        let line = assert_fails(&c.run(args), 2);
        assert!(
            line.contains("characters, none of them control, invisible or bidi"),
            "{args:?}: {line}"
        );
    }
    assert_eq!(c.event_count(), before);
    c.ok(&["order", "pay", &id, "--method", "card", "--amount", "24.98"]);
    for args in [
        &["order", "ship", &id, "--tracking", ""][..],
        &["order", "ship", &id, "--tracking", "T\u{1b}[2J"],
        &["order", "ship", &id, "--tracking", &"T".repeat(65)],
        &["order", "ship", &id, "--tracking", "TRK\u{2066}1"],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("tracking number must be 1-64"), "{line}");
    }
    // The same shape that is fine, against a lifecycle rule, is a rejection (exit 3).
    let line = assert_fails(
        &c.run(&["order", "pay", &id, "--method", "card", "--amount", "24.98"]),
        3,
    );
    assert!(line.contains("rejected"), "{line}");
}

/// A password in the database URL never reaches any output: not `--help` (the variable's
/// value is hidden), not a refused URL, not an unreachable server, whatever the command.
#[test]
fn a_password_in_the_url_is_never_printed_by_any_command() {
    let c = Chronicle::new();
    let secret = "postgres://app:hunter2@127.0.0.1:1/shop";
    for args in [&["--help"][..], &["order", "--help"], &["serve", "--help"]] {
        let mut cmd = c.command(&c.url(), args);
        cmd.env("DATABASE_URL", secret);
        let out = cmd.output().expect("run chronicle");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            !describe(&out).contains("hunter2"),
            "{args:?}: {}",
            describe(&out)
        );
    }
    for args in [
        &["order", "list"][..],
        &["check"],
        &["projector", "status"],
        &["export"],
        &["dlq", "list"],
        &["explain", "0000"],
    ] {
        let out = c.run_at(secret, args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            !describe(&out).contains("hunter2"),
            "{args:?}: {}",
            describe(&out)
        );
    }
    for url in [
        "postgres://app:hunter2@",
        "postgres://app:hunter2@host:notaport/shop",
        "postgresql://app:hunter2@[::1/shop",
        "ftp://app:hunter2@files/x",
    ] {
        let out = c.run_at(url, &["order", "list"]);
        assert!(!out.status.success(), "{url}");
        assert!(
            !describe(&out).contains("hunter2"),
            "{url}: {}",
            describe(&out)
        );
    }
}
