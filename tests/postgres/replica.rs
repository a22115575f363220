//! Read-only on a hot standby made with `pg_basebackup -R`: the debugger, `check`, `order
//! show|events|list` and `projector status` work there, and the standby refuses nothing
//! because nothing is asked of it but reads.

use crate::common::pg;
use crate::support::{chronicle, ok};
use crate::tui_harness::{Sandbox, Tmux};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_streaming_replica_serves_every_read_and_refuses_nothing() {
    let primary = pg::cluster();
    let url = primary.create_database();
    let db = url.rsplit('/').next().unwrap().to_string();
    ok(&url, &["demo", "--no-tui", "--orders", "60"]);
    let replica = primary.replica();
    // Written after the base backup: it reaches the standby by streaming.
    let created = ok(
        &url,
        &[
            "order",
            "create",
            "--customer",
            "after-backup",
            "--item",
            "A:1:2.00",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(created.trim()).unwrap();
    let id = v["order_id"].as_str().unwrap().to_string();
    ok(&url, &["projector", "run", "--once"]);
    replica.wait_caught_up(primary);
    let standby = replica.url(&db);

    let on_primary = chronicle(&url, &["check", "--json"]);
    let on_standby = chronicle(&standby, &["--read-only", "check", "--json"]);
    assert_eq!(on_standby.status.code(), on_primary.status.code());
    assert_eq!(
        stdout(&on_standby),
        stdout(&on_primary),
        "the same verdicts"
    );

    let shown = ok(&standby, &["--read-only", "order", "show", &id, "--json"]);
    assert!(shown.contains("after-backup"), "{shown}");
    let events = ok(&standby, &["--read-only", "order", "events", &id, "--json"]);
    assert_eq!(events.lines().count(), 1);
    assert!(
        ok(
            &standby,
            &["--read-only", "order", "list", "--limit", "1000"]
        )
        .contains(&id)
    );
    let status = ok(&standby, &["--read-only", "projector", "status"]);
    assert!(status.contains("standby      replay"), "{status}");

    let sandbox = Sandbox::on(&standby);
    let tui = Tmux::start(&sandbox, &["--read-only", "tui"]);
    tui.wait_ready();
    let screen = tui.wait_for("the standby's lag in the header", |s| s.contains("standby"));
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("head #"), "{screen}");
    assert_eq!(tui.quit(&sandbox), 0);

    // Every statement was a read: the standby logged no refusal.
    let log = replica.log();
    for refusal in [
        "read-only transaction",
        "cannot execute",
        "recovery is in progress",
    ] {
        assert!(
            !log.contains(refusal),
            "the standby refused something: {log}"
        );
    }
}
