//! What the binary refuses: malformed input (exit 2), domain rule violations (exit 3),
//! unknown orders (exit 5), and bad configuration.

use crate::harness::{Chronicle, UNKNOWN, assert_fails, describe};

#[test]
fn malformed_input_exits_2_and_appends_nothing() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let cases: &[&[&str]] = &[
        &["order", "show", "not-a-uuid"],
        &["order", "events", "42"],
        &["order", "pay", "nope", "--method", "card", "--amount", "1"],
        &["order", "add-item", &id, "--item", "no-colons"],
        &["order", "add-item", &id, "--item", "B:0:1"],
        &["order", "add-item", &id, "--item", "B:1:-1"],
        &["order", "add-item", &id, "--item", "B:x:1"],
        &["order", "add-item", &id, "--item", "B:1:1e3"],
        &["order", "add-item", &id, "--item", ":1:1"],
        &["order", "remove-item", &id, "--sku", "has space"],
        &[
            "order",
            "create",
            "--customer",
            "C",
            "--item",
            "A:1:1",
            "--currency",
            "XYZ",
        ],
        &["order", "create", "--customer", "C", "--item", "A:1"],
        &[
            "order",
            "create",
            "--customer",
            "C",
            "--item",
            "A:1:1",
            "--id",
            "123",
        ],
        &[
            "order", "pay", &id, "--method", "card", "--amount", "-24.98",
        ],
        &["order", "pay", &id, "--method", "card", "--amount", "lots"],
        &["order", "list", "--status", "bogus"],
        &["export", "--stream", "nope"],
    ];
    for args in cases {
        let line = assert_fails(&c.run(args), 2);
        assert!(!line.contains("panicked"), "{args:?}: {line}");
    }
    assert_eq!(c.event_count(), before);
    assert_eq!(c.json(&["order", "show", &id, "--json"])["version"], 1);
}

#[test]
fn domain_rejections_exit_3_and_append_nothing() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let cases: [(&[&str], &str); 6] = [
        (
            &["order", "pay", &id, "--method", "card", "--amount", "24.97"],
            "does not equal",
        ),
        (&["order", "ship", &id, "--tracking", "T"], "Pending"),
        (&["order", "deliver", &id], "Pending"),
        (&["order", "remove-item", &id, "--sku", "A"], "at least one"),
        (
            &["order", "remove-item", &id, "--sku", "ZZ"],
            "not in the order",
        ),
        (
            &[
                "order",
                "create",
                "--id",
                &id,
                "--customer",
                "C",
                "--item",
                "A:1:1",
            ],
            "already exists",
        ),
    ];
    for (args, why) in cases {
        let line = assert_fails(&c.run(args), 3);
        assert!(
            line.contains("rejected") && line.contains(why),
            "{args:?}: {line}"
        );
    }
    assert_eq!(c.event_count(), before);

    // Paying is accepted once; the same payment again is a rule violation, not a retry.
    c.ok(&[
        "order", "pay", &id, "--method", "card", "--amount", "24.980",
    ]);
    let paid = c.event_count();
    let line = assert_fails(
        &c.run(&["order", "pay", &id, "--method", "card", "--amount", "24.98"]),
        3,
    );
    assert!(line.contains("Paid"), "{line}");
    assert_eq!(c.event_count(), paid);
}

#[test]
fn unknown_orders_are_not_found_for_reads_and_writes() {
    let c = Chronicle::new();
    c.create(&["A:1:1"]);
    let before = c.event_count();
    for args in [
        &["order", "show", UNKNOWN][..],
        &["order", "show", UNKNOWN, "--at-version", "1"],
        &["order", "show", UNKNOWN, "--at", "2030-01-01T00:00:00Z"],
        &["order", "events", UNKNOWN],
        &["export", "--stream", UNKNOWN],
    ] {
        let line = assert_fails(&c.run(args), 5);
        assert!(line.contains(UNKNOWN), "{args:?}: {line}");
    }
    // A write to an order that was never created is "not found" too, and appends nothing.
    for args in [
        &["order", "deliver", UNKNOWN][..],
        &["order", "pay", UNKNOWN, "--method", "card", "--amount", "1"],
        &["order", "add-item", UNKNOWN, "--item", "A:1:1"],
        &["order", "cancel", UNKNOWN, "--reason", "x"],
    ] {
        let line = assert_fails(&c.run(args), 5);
        assert!(
            line.contains("does not exist") && line.contains(UNKNOWN),
            "{args:?}: {line}"
        );
    }
    assert_eq!(c.event_count(), before);
}

#[test]
fn config_problems_are_usage_errors() {
    let c = Chronicle::with_config("snapshot_every = 0\n");
    let line = assert_fails(&c.run(&["order", "list"]), 2);
    assert!(line.contains("snapshot_every"), "{line}");

    // Only the exit code here: the message shape is `a_toml_error_is_reported_on_one_line`.
    let c = Chronicle::with_config("no_such_key = 1\n");
    let out = c.run(&["order", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_key"));

    let mut c = Chronicle::new();
    assert_fails(&c.run(&["--snapshot-every", "0", "order", "list"]), 2);
    assert_fails(&c.run(&["--default-currency", "XYZ", "order", "list"]), 2);

    // An explicit config that does not exist is an error, not silently the defaults.
    c.config = c.path("absent.toml");
    let out = c.run(&["order", "list"]);
    let line = assert_fails(&out, 2);
    assert!(line.contains("absent.toml"), "{line}");
    assert!(!c.db().exists());
}

#[test]
fn a_toml_error_is_reported_on_one_line() {
    for text in [
        "no_such_key = 1\n",
        "snapshot_every = \"three\"\n",
        "= broken\n",
    ] {
        let c = Chronicle::with_config(text);
        let line = assert_fails(&c.run(&["order", "list"]), 2);
        assert!(line.contains("config.toml"), "{text:?}: {line}");
    }
}

/// Numeric settings out of range, from a flag, the environment or the file: one line naming
/// the setting and its range, exit 2, before anything is opened or written.
#[test]
fn out_of_range_settings_are_refused_from_every_source_before_anything_runs() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    let huge = "18446744073709551615";
    for args in [
        &["--idempotency-ttl-secs", huge, "order", "show", &id][..],
        &["--snapshot-every", "0", "order", "show", &id],
        &["--snapshot-every", "1000001", "order", "show", &id],
        &["projector", "run", "--once", "--batch-size", "0"],
        &["projector", "run", "--once", "--batch-size", "4000000000"],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(
            line.contains(" must be ") && line.contains(" to "),
            "{args:?}: {line}"
        );
    }
    let mut cmd = c.command(&c.url(), &["order", "show", &id]);
    cmd.env("CHRONICLE_IDEMPOTENCY_TTL_SECS", huge);
    let line = assert_fails(&cmd.output().unwrap(), 2);
    assert!(line.contains("idempotency_ttl_secs"), "{line}");
    for toml in [
        "projector_base_backoff_ms = 999999999999",
        "projector_max_retries = 4000000000",
        "idempotency_ttl_secs = 18446744073709551615",
        "[tui]\npoll_interval_ms = 0",
    ] {
        let f = Chronicle::with_config(toml);
        let line = assert_fails(&f.run(&["order", "list"]), 2);
        assert!(line.contains(" must be "), "{toml}: {line}");
    }
    assert_eq!(c.event_count(), before);
}

/// Amounts and quantities parse exactly as documented: no `_`, sign, space or bare point.
#[test]
fn amounts_and_quantities_are_taken_only_in_their_documented_form() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let before = c.event_count();
    for item in [
        "B:1:1_5",
        "B:+1:1.00",
        "B:1:1.",
        "B:1: 1.00",
        "B: 1:1.00",
        "B:1:.5",
    ] {
        let line = assert_fails(&c.run(&["order", "add-item", &id, "--item", item]), 2);
        assert!(!line.contains("panicked"), "{item}: {line}");
    }
    for amount in ["24_98", "+24.98", "24.", " 24.98"] {
        let args = ["order", "pay", &id, "--method", "card", "--amount", amount];
        assert_fails(&c.run(&args), 2);
    }
    assert_eq!(c.event_count(), before);
}

/// The parser's own errors look like every other: one `chronicle:` line, exit 2; help
/// and the version still print whole.
#[test]
fn argument_errors_are_one_chronicle_line() {
    let c = Chronicle::new();
    for args in [
        &["--no-such-flag"][..],
        &["order", "show"],
        &["order", "list", "--limit", "lots"],
        &["no-such-command"],
        &["check", "--order"],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("--help"), "{args:?}: {line}");
    }
    let help = c.run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:"));
    let version = c.run(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("chronicle "));
}

/// A huge input is refused with a short quote of it, never echoed whole.
#[test]
fn a_huge_input_is_quoted_short_in_its_error() {
    let c = Chronicle::new();
    let id = c.create(&["A:2:12.49"]);
    let big = "Z".repeat(100_000);
    let item = format!("{big}:1:1.00");
    let amount = format!("1{big}");
    for args in [
        &["order", "add-item", &id, "--item", &item][..],
        &["order", "add-item", &id, "--item", &big],
        &["order", "show", &big],
        &["order", "list", "--status", &big],
        &["order", "pay", &id, "--method", "card", "--amount", &amount],
        &[
            "order",
            "create",
            "--customer",
            "c",
            "--item",
            "A:1:1",
            "--currency",
            &big,
        ],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(
            line.len() < 400,
            "{} bytes for {:?}…",
            line.len(),
            &args[..2]
        );
    }
}
