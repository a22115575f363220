//! Guarded and repeated writes: `--expected-version`, idempotency keys and their expiry,
//! and several processes writing one order at once.

use std::process::Stdio;

use serde_json::json;

use crate::harness::{Chronicle, assert_fails, describe, parse_json};

#[test]
fn expected_version_guards_a_write() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1"]);
    for wrong in ["0", "2"] {
        let line = assert_fails(
            &c.run(&[
                "order",
                "add-item",
                &id,
                "--item",
                "B:1:1",
                "--expected-version",
                wrong,
            ]),
            4,
        );
        assert!(line.contains("conflict"), "{line}");
    }
    assert_eq!(c.events(&id).len(), 1);
    let out = c.json(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--expected-version",
        "1",
        "--json",
    ]);
    assert_eq!(out["version"], 2);
    assert_eq!(c.events(&id).len(), 2);
}

#[test]
fn idempotency_key_replays_the_first_result() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let args = [
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K-1",
        "--json",
    ];
    let first = c.json(&args);
    assert_eq!(first["version"], 2);
    assert_eq!(first["replayed"], false);
    let count = c.event_count();

    let again = c.json(&args);
    assert_eq!(again["version"], 2, "{again}");
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["total"], first["total"]);
    assert_eq!(again["events"], json!([]));
    let text = c.ok(&args[..args.len() - 1]);
    assert!(text.contains("idempotent retry"), "{text}");
    assert_eq!(c.event_count(), count);

    // The first result stands even after the order has moved on.
    c.ok(&["order", "add-item", &id, "--item", "C:1:1"]);
    assert_eq!(c.json(&args)["version"], 2);

    // A retry is answered before the version check: the first attempt already moved it.
    let guarded = [
        "order",
        "add-item",
        &id,
        "--item",
        "D:1:1",
        "--expected-version",
        "3",
        "--idempotency-key",
        "K-2",
        "--json",
    ];
    assert_eq!(c.json(&guarded)["version"], 4);
    let retried = c.json(&guarded);
    assert_eq!(retried["version"], 4, "{retried}");
    assert_eq!(retried["replayed"], true);
    assert_eq!(c.events(&id).len(), 4);
}

#[test]
fn idempotency_key_reused_for_another_command_is_refused() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let other = c.create(&["A:1:10"]);
    c.ok(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K",
    ]);
    let count = c.event_count();
    for args in [
        &[
            "order",
            "add-item",
            &id,
            "--item",
            "B:2:1",
            "--idempotency-key",
            "K",
        ][..],
        &[
            "order",
            "add-item",
            &other,
            "--item",
            "B:1:1",
            "--idempotency-key",
            "K",
        ],
        &[
            "order",
            "remove-item",
            &id,
            "--sku",
            "A",
            "--idempotency-key",
            "K",
        ],
    ] {
        let line = assert_fails(&c.run(args), 2);
        assert!(line.contains("\"K\""), "{args:?}: {line}");
    }
    assert_eq!(c.event_count(), count);
}

#[test]
fn create_retried_with_the_same_key_returns_the_same_order() {
    let c = Chronicle::new();
    let args = [
        "order",
        "create",
        "--customer",
        "C",
        "--item",
        "A:1:5",
        "--idempotency-key",
        "create-1",
        "--json",
    ];
    let first = c.json(&args);
    let second = c.json(&args);
    assert_eq!(second["order_id"], first["order_id"]);
    assert_eq!(second["replayed"], true);
    assert_eq!(c.event_count(), 1);
    assert_eq!(
        c.json(&["order", "list", "--json"])["order_id"],
        first["order_id"]
    );

    // Different contents under the same key are a different command.
    let mut changed = args;
    changed[5] = "A:2:5";
    assert_fails(&c.run(&changed), 2);
    assert_eq!(c.event_count(), 1);
}

#[test]
fn an_expired_idempotency_key_may_be_used_again() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    c.ok(&[
        "order",
        "add-item",
        &id,
        "--item",
        "B:1:1",
        "--idempotency-key",
        "K",
    ]);
    // Stored times have microsecond precision; make sure the key is strictly older.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let reused = c.json(&[
        "--idempotency-ttl-secs",
        "0",
        "order",
        "add-item",
        &id,
        "--item",
        "C:1:1",
        "--idempotency-key",
        "K",
        "--json",
    ]);
    assert_eq!(reused["replayed"], false, "{reused}");
    assert_eq!(reused["version"], 3);
    // The key now belongs to the newer command.
    let retried = c.json(&[
        "order",
        "add-item",
        &id,
        "--item",
        "C:1:1",
        "--idempotency-key",
        "K",
        "--json",
    ]);
    assert_eq!(retried["replayed"], true, "{retried}");
    assert_eq!(c.events(&id).len(), 3);
}

#[test]
fn concurrent_retries_with_one_key_append_once() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let children: Vec<_> = (0..6)
        .map(|_| {
            c.command(
                &c.url(),
                &[
                    "order",
                    "add-item",
                    &id,
                    "--item",
                    "B:1:1",
                    "--idempotency-key",
                    "race",
                    "--json",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let mut fresh = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let v = parse_json(String::from_utf8_lossy(&out.stdout).trim());
        assert_eq!(v["version"], 2, "{v}");
        if v["replayed"] == false {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "exactly one run appends");
    assert_eq!(c.events(&id).len(), 2);
}

#[test]
fn concurrent_writers_never_lose_or_duplicate_a_version() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let skus: Vec<String> = (0..6).map(|i| format!("S{i}:1:1")).collect();
    let children: Vec<_> = skus
        .iter()
        .map(|item| {
            c.command(
                &c.url(),
                &["order", "add-item", &id, "--item", item, "--json"],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let mut versions = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        // Bounded retries may give up under contention, but only as a conflict.
        match out.status.code() {
            Some(0) => {
                let v = parse_json(String::from_utf8_lossy(&out.stdout).trim());
                versions.push(v["version"].as_u64().expect("version"));
            }
            Some(4) => {
                assert_fails(&out, 4);
            }
            _ => panic!("{}", describe(&out)),
        }
    }
    // All conflicts would also satisfy the checks below: at least one writer must land.
    assert!(!versions.is_empty(), "every writer gave up: none succeeded");
    versions.sort_unstable();
    let want: Vec<u64> = (2..2 + versions.len() as u64).collect();
    assert_eq!(versions, want, "each success got its own next version");
    let o = c.json(&["order", "show", &id, "--json"]);
    assert_eq!(o["version"], 1 + versions.len() as u64);
    assert_eq!(
        o["items"].as_array().map(Vec::len),
        Some(1 + versions.len())
    );
}
