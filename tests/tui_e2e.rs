//! End to end: the real `chronicle` binary in a real terminal, a detached tmux server per
//! test. Needs `tmux` on PATH (`apt-get install tmux`; `.ci/run` installs it when missing):
//! without it these tests fail, they do not skip. Each test has its own temp dir (database,
//! config, history, log, HOME) and its own tmux socket.

#[path = "tui_e2e/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{LIVE, OPERATOR, Sandbox, Serve, Tmux, line_with, stream_title};

/// A write from the prompt is confirmed, lands with the operator as actor and `source` = tui,
/// and its line is kept in the history file across runs.
#[test]
fn create_from_the_prompt_lands_with_the_operator_as_actor() {
    let sandbox = Sandbox::seeded();
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();

    let confirm = tui.command("create e2e-cust SKU-E2E:2:3.50");
    assert!(
        confirm.contains("create e2e-cust SKU-E2E:2:3.50"),
        "the confirm line names the exact command: {confirm}"
    );
    tui.key("y");
    let screen = tui.wait_for("the ✓ result line", |s| {
        line_with(s, "✓ CreateOrder ").is_some()
    });
    let done = line_with(&screen, "✓ CreateOrder ").unwrap();
    let id = done["✓ CreateOrder ".len()..]
        .split(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "a full order id on the result line: {done}");
    assert!(done.ends_with("OrderCreated → v1"), "{done}");
    assert_eq!(tui.quit(&sandbox), 0, "q exits 0");

    let show: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["order", "show", &id, "--json"])).unwrap();
    assert_eq!(show["customer_id"], "e2e-cust");
    assert_eq!(show["items"][0]["sku"], "SKU-E2E");
    assert_eq!(show["items"][0]["quantity"], 2);
    assert_eq!(show["total"], "7.00");
    let events = sandbox.events(&id);
    assert_eq!(events.len(), 1, "{events:?}");
    let meta = &events[0]["metadata"];
    assert_eq!(meta["source"], "tui", "{meta}");
    let actor = meta["actor"].as_str().unwrap_or_default();
    assert!(
        actor.starts_with(&format!("{OPERATOR}@")),
        "the operator is the actor: {meta}"
    );

    let history = std::fs::read_to_string(sandbox.path("history")).expect("history file");
    assert!(
        history
            .lines()
            .any(|l| l == "create e2e-cust SKU-E2E:2:3.50"),
        "{history:?}"
    );
    // A second run offers it again: `:` then Up.
    drop(tui);
    let again = Tmux::start(&sandbox, &["tui"]);
    again.wait_ready();
    again.key(":");
    again.key("Up");
    again.wait_for("the create line recalled from history", |s| {
        s.lines()
            .any(|l| l.trim_end() == ":create e2e-cust SKU-E2E:2:3.50")
    });
    again.key("Escape");
    again.wait_for("the prompt closed", |s| !s.contains(":create e2e-cust"));
    assert_eq!(again.quit(&sandbox), 0);
}

/// A domain rejection is shown in place, the debugger keeps running, nothing is appended.
#[test]
fn rejection_is_shown_in_place_and_appends_nothing() {
    let sandbox = Sandbox::seeded();
    let (id, version) = sandbox.pending_order();
    let events = sandbox.events(&id).len();
    let log = sandbox.log_len();
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();

    let confirm = tui.command(&format!("pay {} card 0.01", &id[..8]));
    assert!(
        confirm.contains(&format!("pay {id} card 0.01 (at v{version})")),
        "the confirm line names the full id and the version: {confirm}"
    );
    tui.key("y");
    let screen = tui.wait_for("the rejection", |s| line_with(s, "rejected").is_some());
    let line = line_with(&screen, "rejected").unwrap();
    assert!(line.contains("0.01"), "the rejection says why: {line}");
    assert!(
        screen.contains("Orders") && screen.contains("Read model vs replay"),
        "still the debugger's screen:\n{screen}"
    );
    assert_eq!(tui.quit(&sandbox), 0);

    assert_eq!(sandbox.events(&id).len(), events, "the order's events");
    assert_eq!(sandbox.log_len(), log, "the whole log");
}

/// `--read-only`: a write from the prompt is refused before any confirmation; nothing lands.
#[test]
fn read_only_refuses_writes_from_the_prompt() {
    let sandbox = Sandbox::seeded();
    let log = sandbox.log_len();
    let tui = Tmux::start(&sandbox, &["--read-only", "tui"]);
    let screen = tui.wait_ready();
    assert!(
        screen.contains("READ-ONLY"),
        "the header says so:\n{screen}"
    );

    tui.key(":");
    tui.type_text("create ro-cust SKU-RO:1:1.00");
    tui.key("Enter");
    let screen = tui.wait_for("the read-only refusal", |s| {
        line_with(s, "read-only:").is_some()
    });
    assert!(
        !screen.contains("confirm:"),
        "nothing to confirm:\n{screen}"
    );
    // Even a `y` now runs nothing: it is the copy key again, and its answer shows before
    // `q` goes in, so a write it had started could not have been cut short by quitting.
    tui.key("y");
    tui.wait_for("y answered", |s| line_with(s, "copied").is_some());
    assert_eq!(tui.quit(&sandbox), 0);

    assert_eq!(sandbox.log_len(), log, "nothing appended");
    assert!(!sandbox.ok(&["export"]).contains("ro-cust"));
}

/// Events another process writes show on the open order's stream title within ~1 s.
#[test]
fn events_from_another_process_appear_live() {
    let sandbox = Sandbox::seeded();
    let (id, version) = sandbox.pending_order();
    let prefix = &id[..8];
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();

    tui.open_order(prefix, version);

    let out = sandbox.ok(&[
        "order",
        "add-item",
        &id,
        "--item",
        "SKU-LIVE:1:1.00",
        "--json",
    ]);
    let written = std::time::Instant::now();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["version"], version + 1, "{out}");
    let screen = tui.wait_within(LIVE, "the new head on the stream title", |s| {
        stream_title(s).is_some_and(|(p, _, head)| p == prefix && head == version + 1)
    });
    eprintln!(
        "live: the new head showed {:?} after the write; title {:?}",
        written.elapsed(),
        line_with(&screen, "Stream ")
    );
    assert_eq!(tui.quit(&sandbox), 0);
}

/// The API's token for these tests: its name `e2e` becomes the actor `http:e2e`.
const API_TOKEN: &str = "0123456789abcdef0123";
/// The trace id of the `traceparent` the HTTP write carries.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// A write made over HTTP to `chronicle serve` (another process, the real server on a real
/// socket) shows in a running debugger within a second of its response, and its raw event
/// names the token's actor and the request's trace id.
#[test]
fn a_write_over_http_appears_in_the_debugger_within_a_second() {
    let sandbox = Sandbox::seeded();
    let (id, version) = sandbox.pending_order();
    let show: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["order", "show", &id, "--json"])).unwrap();
    let total = show["total"].as_str().expect("total").to_string();
    let prefix = &id[..8];
    let serve = Serve::start(&sandbox, &format!("e2e={API_TOKEN}"));
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();

    tui.open_order(prefix, version);

    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let bearer = format!("Bearer {API_TOKEN}");
    let paid = serve.request(
        "POST",
        &format!("/api/orders/{id}/pay"),
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
            ("traceparent", &traceparent),
        ],
        &serde_json::json!({"method": "card", "amount": total}).to_string(),
    );
    let answered = Instant::now();
    assert!(
        (200..300).contains(&paid.status),
        "POST pay: {paid:?}; {}",
        serve.stderr()
    );
    let body = paid.json();
    assert_eq!(body["order_id"], id.as_str(), "{body}");
    assert_eq!(body["version"], version + 1, "{body}");

    // The bound is the claim itself: not `LIVE`'s headroom.
    let within = Duration::from_secs(1);
    let paid_row = format!("{} OrderPaid", version + 1);
    let screen = tui.wait_within(within, "the OrderPaid event at the new head", |s| {
        stream_title(s).is_some_and(|(p, _, head)| p == prefix && head == version + 1)
            && s.contains(&paid_row)
    });
    let took = answered.elapsed();
    eprintln!(
        "live over HTTP: the new event showed {took:?} after the response; title {:?}",
        line_with(&screen, "Stream ")
    );
    assert!(
        took <= within,
        "shown after {took:?}, not within {within:?}:\n{screen}"
    );

    // The event itself, on the debugger's raw view: the token's actor, the request's trace.
    tui.key("G");
    tui.wait_for("the cursor on the new event", |s| {
        stream_title(s) == Some((prefix.to_string(), version + 1, version + 1))
    });
    tui.key("e");
    let screen = tui.wait_for("the raw OrderPaid with its metadata", |s| {
        s.contains("Raw event")
            && s.contains("OrderPaid")
            && stored_metadata(s).contains("\"source\":\"http\"")
    });
    assert!(
        line_with(&screen, "trace ").is_some_and(|l| l.starts_with(&format!("trace {TRACE_ID} "))),
        "the trace line names the request's trace id:\n{screen}"
    );
    assert!(
        stored_metadata(&screen).contains("\"actor\":\"http:e2e\""),
        "the token's name is the actor:\n{screen}"
    );
    tui.key("Escape");
    assert_eq!(tui.quit(&sandbox), 0);
    drop(serve);

    let events = sandbox.events(&id);
    let meta = &events.last().expect("events")["metadata"];
    assert_eq!(meta["actor"], "http:e2e", "{meta}");
    assert_eq!(meta["source"], "http", "{meta}");
    assert_eq!(meta["trace_id"], TRACE_ID, "{meta}");
}

/// The raw overlay's metadata as stored, its pieces joined again: the overlay splits a
/// long stored line at its edge, and continues it two columns in.
fn stored_metadata(screen: &str) -> String {
    let mut rows = screen
        .lines()
        .skip_while(|l| !l.contains("metadata as stored:"));
    let Some(label) = rows.next() else {
        return String::new();
    };
    let at = label.find("metadata as stored:").unwrap_or_default();
    let left = label[..at].chars().count();
    let mut joined = String::new();
    for row in rows {
        let inner: String = row.chars().skip(left).take_while(|c| *c != '│').collect();
        let Some(piece) = inner.strip_prefix("  ").filter(|p| !p.trim().is_empty()) else {
            break;
        };
        joined.push_str(piece.trim_end());
    }
    joined
}

/// A tiny terminal gets a message, not a panic; resizing back brings the panes back; `q`
/// restores the terminal (no alternate screen, no mouse capture, cooked mode, cursor shown).
#[test]
fn resize_to_tiny_and_back_then_quit_restores_the_terminal() {
    let sandbox = Sandbox::seeded();
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();
    assert_eq!(
        tui.format("#{alternate_on}"),
        "1",
        "the debugger uses the alternate screen"
    );

    tui.ok(&["resize-window", "-t", "e2e", "-x", "40", "-y", "10"]);
    tui.wait_for("the too-small message", |s| {
        s.contains("too small") && s.contains("40×10")
    });
    tui.ok(&["resize-window", "-t", "e2e", "-x", "120", "-y", "40"]);
    let screen = tui.wait_ready();
    assert!(!screen.contains("too small"), "{screen}");

    assert_eq!(tui.quit(&sandbox), 0);
    let screen = tui.wait_for("the shell's line after exit", |s| {
        s.contains("chronicle exited with 0")
    });
    assert_terminal_restored(&tui, &sandbox, &screen);
}

/// After the debugger exits, by `q` or by a panic: its screen is gone and the alternate
/// screen, mouse capture, hidden cursor and raw mode are all undone.
fn assert_terminal_restored(tui: &Tmux, sandbox: &Sandbox, screen: &str) {
    assert!(!screen.contains("Read model vs replay"), "{screen}");
    assert_eq!(tui.format("#{alternate_on}"), "0", "alternate screen left");
    assert_eq!(tui.format("#{mouse_any_flag}"), "0", "mouse capture off");
    assert_eq!(tui.format("#{cursor_flag}"), "1", "cursor shown");
    let stty = std::fs::read_to_string(sandbox.path("stty")).expect("stty -a output");
    let modes: Vec<&str> = stty
        .split(|c: char| c.is_whitespace() || c == ';')
        .collect();
    assert!(
        modes.contains(&"icanon") && modes.contains(&"echo"),
        "raw mode is off after exit: {stty}"
    );
}

/// The pid of the debugger in the pane: the wrapper shell's one child.
fn debugger_pid(tui: &Tmux) -> u32 {
    let shell = tui.format("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .expect("the wrapper's children");
    children
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no child of the wrapper shell {shell}: {children:?}"))
}

/// SIGTERM (a `kill`, a service manager) and SIGHUP (the terminal closed) end the debugger
/// cleanly: exit 0, and the alternate screen, mouse capture, hidden cursor and raw mode are
/// undone, as after `q`.
#[test]
fn sigterm_and_sighup_end_the_debugger_with_the_terminal_restored() {
    for signal in ["TERM", "HUP"] {
        let sandbox = Sandbox::seeded();
        let tui = Tmux::start(&sandbox, &["tui"]);
        tui.wait_ready();
        assert_eq!(tui.format("#{alternate_on}"), "1", "{signal}");
        let pid = debugger_pid(&tui).to_string();
        let sent = std::process::Command::new("kill")
            .args(["-s", signal, &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -s {signal} {pid}");
        assert_eq!(sandbox.wait_exit(), 0, "SIG{signal} ends it cleanly");
        let screen = tui.wait_for("the shell's line after exit", |s| {
            s.contains("chronicle exited with 0")
        });
        assert_terminal_restored(&tui, &sandbox, &screen);
    }
}

/// A panic inside the loop (provoked through the test-only `CHRONICLE_TUI_TEST_PANIC` hook)
/// leaves the terminal usable: the alternate screen, mouse capture and raw mode are undone
/// and the panic message is readable on the normal screen.
#[test]
fn a_panic_restores_the_terminal() {
    let sandbox = Sandbox::seeded();
    let tui = Tmux::start_with_env(&sandbox, &["CHRONICLE_TUI_TEST_PANIC=1"], &["tui"]);
    tui.wait_ready();
    tui.key("!");
    assert_eq!(
        sandbox.wait_exit(),
        101,
        "a panic exits with Rust's panic code"
    );
    let screen = tui.wait_for("the panic message after exit", |s| {
        s.contains("chronicle exited with 101")
    });
    assert!(screen.contains("panicking on request"), "{screen}");
    let report = line_with(&screen, "chronicle: internal error").expect("a one-line report");
    assert!(report.contains("panicking on request"), "{report}");
    assert_terminal_restored(&tui, &sandbox, &screen);
}

/// A panic in the worker task (not the loop) ends the process too, terminal restored, with
/// the same one-line report: the loop does not live on deaf to `q`.
#[test]
fn a_panic_in_the_worker_ends_the_process_with_the_terminal_restored() {
    let sandbox = Sandbox::seeded();
    let tui = Tmux::start_with_env(&sandbox, &["CHRONICLE_TUI_TEST_PANIC=worker"], &["tui"]);
    tui.wait_for("the first order open", |s| {
        stream_title(s).is_some_and(|(_, cursor, _)| cursor > 0)
    });
    // `e` asks the worker for the raw event, which it panics on.
    tui.key("Tab");
    tui.key("e");
    assert_eq!(
        sandbox.wait_exit(),
        101,
        "the process ends with the panic code"
    );
    let screen = tui.wait_for("the report after exit", |s| {
        s.contains("chronicle exited with 101")
    });
    let report = line_with(&screen, "chronicle: internal error").expect("a one-line report");
    assert!(
        report.contains("the worker panicking on request"),
        "{report}"
    );
    assert_terminal_restored(&tui, &sandbox, &screen);
}

/// A missing database: a one-line error naming `chronicle demo`, exit 5, no escape
/// sequences (the terminal is never touched), no file created.
#[test]
fn missing_database_names_the_demo_and_leaves_the_terminal_alone() {
    let sandbox = Sandbox::empty();
    let out = sandbox.run_at("sqlite://NOPE", &["tui"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(5),
        "README: the debugger on a missing file exits 5; {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.starts_with("chronicle:"), "{stderr}");
    assert!(stderr.contains("chronicle demo"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no escape sequences: {stderr:?}"
    );
    assert!(!sandbox.path("NOPE").exists(), "no database created");
}

/// `ctrl-o` and `ctrl-n` reach the debugger through tmux (vim's `ctrl-i` would arrive as
/// `Tab`, the pane key), and so do a mark's `m` and `'`.
#[test]
fn ctrl_o_and_ctrl_n_walk_the_jump_list_through_tmux() {
    let sandbox = Sandbox::seeded();
    let tui = Tmux::start(&sandbox, &["tui"]);
    let screen = tui.wait_for("the first order open at its head", |s| {
        stream_title(s).is_some_and(|(_, cursor, head)| cursor == head && head >= 2)
    });
    let (prefix, _, head) = stream_title(&screen).unwrap();
    let at = |v: u64| {
        let want = Some((prefix.clone(), v, head));
        move |s: &str| stream_title(s) == want
    };
    tui.type_text("ma");
    tui.key("g");
    tui.wait_for("the cursor at v1", at(1));
    tui.key("C-o");
    tui.wait_for("ctrl-o: back at the head", at(head));
    tui.key("C-n");
    tui.wait_for("ctrl-n: forward at v1 again", at(1));
    tui.type_text("'a");
    tui.wait_for("'a: at the mark, the head", at(head));
    assert_eq!(tui.quit(&sandbox), 0);
}

/// The message line: the line above the footer.
fn message_line(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let n = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .unwrap_or(0);
    lines
        .get(n.saturating_sub(1))
        .unwrap_or(&"")
        .trim()
        .to_string()
}

/// The version `parted at vN` names in the divergence pane.
fn parted_at(screen: &str) -> Option<u64> {
    let rest = line_with(screen, "parted at v")?.strip_prefix("parted at v")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The walk an operator takes: `]` to the first out-of-sync order with a parting event (the
/// demo's diverged row was edited behind the projector, so it has none; its parked order
/// parts where the projection failed), that event, a mark, back, a diff against the mark,
/// then a what-if pay on a pending order that shows the would-be event, cancelled: nothing
/// is written.
#[test]
fn walk_find_a_diverged_order_compare_two_versions_and_try_a_pay_without_writing() {
    let sandbox = Sandbox::seeded();
    let log = sandbox.log_len();
    let (pending, pending_version) = sandbox.pending_order();
    let tui = Tmux::start(&sandbox, &["tui"]);
    tui.wait_ready();

    // `]` until the order it lands on has a parting event; each press names the class it
    // found and the order, whose comparison then loads.
    let mut last = String::new();
    let mut found = None;
    for _ in 0..8 {
        tui.key("]");
        let screen = tui.wait_for("] to answer", |s| {
            let m = message_line(s);
            m.contains("out of sync") && m != last
        });
        last = message_line(&screen);
        let (_, rest) = last.split_once(' ').expect("class then id");
        let prefix = rest[..8].to_string();
        tui.wait_for("the order's stream", |s| {
            stream_title(s).is_some_and(|(p, _, _)| p == prefix)
        });
        let screen = tui.wait_stable();
        if parted_at(&screen).is_some() {
            found = Some(prefix);
            break;
        }
    }
    let prefix = found.expect("] reaches an order whose projection parted from its replay");
    let screen = tui.screen();
    let (_, _, head) = stream_title(&screen).unwrap();
    let parted = parted_at(&screen).unwrap();
    assert!(parted <= head, "{screen}");

    // Enter in the divergence pane jumps to the parting event; mark it.
    for _ in 0..3 {
        tui.key("Tab");
    }
    tui.key("Enter");
    tui.wait_for("the cursor on the parting event", |s| {
        stream_title(s) == Some((prefix.clone(), parted, head))
    });
    tui.type_text("ma");
    // Back to where the jump left from (the head), then the state against the mark.
    tui.key("C-o");
    tui.wait_for("ctrl-o back at the head", |s| {
        stream_title(s) == Some((prefix.clone(), head, head))
    });
    tui.type_text("da");
    tui.wait_for("the state against mark a", |s| {
        s.contains(&format!("State v{head} vs mark a v{parted}"))
    });

    // A what-if pay on a pending order: Tab takes the suggested id and the exact total.
    tui.command_open(&pending[..8]);
    tui.wait_for("the pending order open", |s| {
        stream_title(s) == Some((pending[..8].to_string(), pending_version, pending_version))
    });
    tui.key(":");
    tui.type_text("pay ");
    tui.wait_for("the open order's id suggested", |s| {
        line_with(s, ":pay ").is_some_and(|l| l.contains(&pending) && l.contains("Tab"))
    });
    tui.key("Tab");
    tui.type_text("card ");
    tui.key("Tab");
    tui.wait_for("the exact total filled in", |s| {
        line_with(s, ":pay ").is_some_and(|l| {
            l.split_whitespace()
                .nth(3)
                .is_some_and(|a| a.parse::<f64>().is_ok())
        })
    });
    tui.key("Enter");
    let screen = tui.wait_for("the what-if box", |s| {
        s.contains("what-if · not stored") && s.contains("would append:")
    });
    assert!(
        line_with(&screen, &format!("v{} OrderPaid", pending_version + 1)).is_some(),
        "the would-be event:\n{screen}"
    );
    assert!(screen.contains("~ status       Paid"), "{screen}");
    tui.key("n");
    tui.wait_for("cancelled", |s| line_with(s, "cancelled: pay").is_some());
    assert_eq!(tui.quit(&sandbox), 0);
    assert_eq!(sandbox.log_len(), log, "nothing was written");
}

/// Whether captured text sets a foreground or background colour (SGR 30–38, 40–48, 90–97,
/// 100–107; 39 and 49 only reset to the terminal's own).
fn sets_a_colour(captured: &str) -> bool {
    captured.split("\u{1b}[").skip(1).any(|seq| {
        let params = seq.split('m').next().unwrap_or_default();
        params.split(';').any(|p| {
            p.parse::<u8>()
                .is_ok_and(|n| matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107))
        })
    })
}

/// `NO_COLOR` in the environment, as the real binary reads it: no colour on the screen,
/// where the same screen without it has colour.
#[test]
fn no_color_in_the_environment_turns_colour_off() {
    let sandbox = Sandbox::seeded();
    let coloured = Tmux::start(&sandbox, &["tui"]);
    coloured.wait_ready();
    let with = coloured.screen_with_escapes();
    assert!(sets_a_colour(&with), "the default theme colours the screen");
    assert_eq!(coloured.quit(&sandbox), 0);

    let plain = Tmux::start_with_env(&sandbox, &["NO_COLOR=1"], &["tui"]);
    plain.wait_ready();
    let without = plain.screen_with_escapes();
    assert!(
        !sets_a_colour(&without),
        "NO_COLOR set, yet colour:\n{without:?}"
    );
    assert_eq!(plain.quit(&sandbox), 0);
}
