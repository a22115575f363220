//! `:find`, `:export` and `:report` over real SQLite files, typed as an operator would: the
//! find overlay at three sizes; an export that is exactly what `chronicle export --stream`
//! prints, refused over a file unless given with `!`; an export of the overlay's events in
//! the same lines; and the incident note of an order a planted projection bug made diverge.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use chronicle::app::metadata::CommandContext;
use chronicle::app::projection::{Rejected, project};
use chronicle::app::projector::Projector;
use chronicle::app::transfer::markdown_text;
use chronicle::app::{CommandRequest, Services};
use chronicle::domain::{OrderCommand, OrderEvent, OrderId};
use chronicle::store::{Stored, StoredEvent, SummaryRow};
use chronicle::tui::state::{Level, Mode, Overlay};
use serde_json::Value;

use super::*;

/// The message shown, which must have this level.
fn said(d: &Driver, level: Level) -> String {
    match d.app.status.current() {
        Some(m) if m.level == level => m.text.clone(),
        other => panic!("no {level:?} message: {other:?}"),
    }
}

/// What the `chronicle` binary prints for `args` over the database at `url`.
fn chronicle(url: &str, args: &[&str], dir: &Path) -> String {
    let config = dir.join("empty-config.toml");
    std::fs::write(&config, "").expect("write config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chronicle"));
    for var in [
        "DATABASE_URL",
        "CHRONICLE_CONFIG",
        "CHRONICLE_SNAPSHOT_EVERY",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .current_dir(dir)
        .args(["--database-url", url, "--config"])
        .arg(&config)
        .args(args)
        .output()
        .expect("run chronicle");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn demo_url(demo: &Demo) -> String {
    demo.db.url()
}

/// The open events overlay's rows as (stream, version).
fn overlay_rows(d: &Driver) -> Vec<(String, u64)> {
    let Mode::Overlay(Overlay::Correlated { rows, .. }) = &d.app.mode else {
        panic!("no events overlay: {:?}", d.app.mode);
    };
    rows.iter().map(|r| (r.0.clone(), r.1)).collect()
}

#[tokio::test]
async fn the_find_overlay_at_three_sizes() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    prompt(&mut d, "find lamp-desk").await;
    let found = overlay_rows(&d);
    assert!(!found.is_empty() && found.len() < 500, "{}", found.len());
    for (size, what) in [
        (
            (80, 24),
            "80×24: the find overlay names the search, its count and order; rows cut in …",
        ),
        (
            (120, 40),
            "120×40: the find overlay, newest match first and selected",
        ),
        ((200, 60), "200×60: the find overlay with room to spare"),
    ] {
        d.send(Action::Resize(size.0, size.1)).await;
        let screen = demo.scrub(&render(&d, size));
        assert!(screen.contains("Find \"lamp-desk\" · "), "{screen}");
        snapshot(
            &format!("find_overlay_{}x{}", size.0, size.1),
            what,
            &screen,
        );
    }
}

#[tokio::test]
async fn export_writes_exactly_what_chronicle_export_prints_and_keeps_files_it_was_not_told_to_replace()
 {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    let id = demo.faults.lagging_order.clone();
    open(&mut d, &id).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stream.jsonl");
    let shown = path.display().to_string();
    prompt(&mut d, &format!("export {shown}")).await;
    let cli = chronicle(&demo_url(&demo), &["export", "--stream", &id], dir.path());
    let written = std::fs::read_to_string(&path).expect("the export is written");
    assert_eq!(written, cli);
    let n = d.app.stream.head;
    assert_eq!(written.lines().count() as u64, n);
    assert_eq!(
        said(&d, Level::Ok),
        format!("✓ exported {n} events of order {id} to {shown}")
    );

    std::fs::write(&path, "kept\n").unwrap();
    prompt(&mut d, &format!("export {shown}")).await;
    let refused = said(&d, Level::Error);
    assert_eq!(
        refused,
        format!("{shown} exists: `:export {shown}!` replaces it, or give another path")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "kept\n");
    prompt(&mut d, &format!("export {shown}!")).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), cli);

    let nowhere = dir.path().join("no-such-dir").join("x.jsonl");
    prompt(&mut d, &format!("export {}", nowhere.display())).await;
    let e = said(&d, Level::Error);
    assert!(
        e.starts_with(&format!("cannot write {}: ", nowhere.display())),
        "{e}"
    );
    assert!(!e.contains('\n') && !nowhere.exists(), "{e}");

    // The lagging order's note names what its row has not applied yet.
    let note = dir.path().join("lagging.md");
    prompt(&mut d, &format!("report {}", note.display())).await;
    let md = std::fs::read_to_string(&note).expect("the note is written");
    assert!(md.contains("| Class | lagging |"), "{md}");
    assert!(md.contains("## Unapplied events"), "{md}");
    let behind = d.app.divergence.behind;
    let behind = chronicle::tui::format::count(behind, "event");
    assert!(md.contains(&format!("The row is {behind} behind")), "{md}");
}

#[tokio::test]
async fn export_from_the_find_overlay_writes_its_events_in_log_order_as_export_lines() {
    let demo = Demo::new().await;
    let mut d = demo.driver(false, Theme::monochrome()).await;
    prompt(&mut d, "find lamp-desk").await;
    let newest_first = overlay_rows(&d);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("found.jsonl");
    // The prompt opens over the overlay; `:export` writes the overlay's events.
    prompt(&mut d, &format!("export {}", path.display())).await;
    assert!(matches!(
        d.app.mode,
        Mode::Overlay(Overlay::Correlated { .. })
    ));
    let n = newest_first.len();
    assert_eq!(
        said(&d, Level::Ok),
        format!(
            "✓ exported {n} events (find \"lamp-desk\") to {}",
            path.display()
        )
    );

    let written = std::fs::read_to_string(&path).expect("the export is written");
    let key = |line: &str| {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        (
            v["stream_id"].as_str().unwrap().to_string(),
            v["version"].as_u64().unwrap(),
        )
    };
    let keys: Vec<(String, u64)> = written.lines().map(key).collect();
    let mut log_order = newest_first.clone();
    log_order.reverse();
    assert_eq!(keys, log_order);
    // Each line is the one `chronicle export` prints for that event.
    let whole_log = chronicle(&demo_url(&demo), &["export"], dir.path());
    let by_key: HashMap<(String, u64), &str> = whole_log.lines().map(|l| (key(l), l)).collect();
    for line in written.lines() {
        assert_eq!(Some(&line), by_key.get(&key(line)), "{line}");
    }
}

/// The real projection with a planted bug: an item removed leaves the lines as they were.
fn ignores_removals(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    match (event, row) {
        (OrderEvent::ItemRemoved(e), Some(mut r)) => {
            r.version = stored.version as i64;
            r.last_position = stored.global_position;
            r.updated_at = Stored::Valid(e.at);
            Ok(r)
        }
        (_, row) => project(row, stored, event),
    }
}

/// An order whose third event (a removal) the planted bug gets wrong, projected by it, and
/// the debugger over services that explain with the same bug.
async fn diverged_by_a_bug(dir: &Path) -> (Driver, String) {
    let url = format!("sqlite://{}", dir.join("bug.db").display());
    let db = store::open(&url, Access::CreateIfMissing).await.unwrap();
    let config = Config::default();
    let services = Services::new(db.clone(), &config);
    let id = OrderId(uuid::Uuid::new_v4());
    let item = |s: &str| s.parse().unwrap();
    let sku = |s: &str| chronicle::domain::Sku::new(s).unwrap();
    for command in [
        OrderCommand::CreateOrder {
            customer_id: "c".into(),
            items: vec![item("A:1:10.00"), item("B:2:1.50"), item("C:1:4.00")],
            currency: "EUR".parse().unwrap(),
        },
        OrderCommand::AddItem {
            item: item("D:1:0.99"),
        },
        OrderCommand::RemoveItem { sku: sku("B") },
        OrderCommand::AddItem {
            item: item("E:1:1.00"),
        },
        OrderCommand::RemoveItem { sku: sku("C") },
    ] {
        let request = CommandRequest {
            order_id: id,
            command,
            expected_version: None,
            id_generated: false,
            context: CommandContext {
                actor: "tester@host".into(),
                source: "test".into(),
                ..CommandContext::default()
            },
        };
        services
            .commands
            .execute(&request, Utc::now())
            .await
            .unwrap();
    }
    let buggy = Projector::new(
        db.events(),
        db.read_model(),
        config.upcast(),
        config.projector(),
    )
    .with_projection(ignores_removals);
    buggy.settle(|_| {}).await.unwrap();
    let deps = Deps::new(services.with_projector(buggy), "tester@host".into());
    let app = App::new(db.url(), false, Keymap::default(), Theme::monochrome());
    let mut d = Driver::new(app, Worker::new(deps));
    d.start().await;
    (d, id.to_string())
}

#[tokio::test]
async fn report_writes_the_fields_table_and_the_parting_event_of_a_diverged_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut d, id) = diverged_by_a_bug(dir.path()).await;
    open(&mut d, &id).await;
    assert_eq!(d.app.divergence.parted_at, Some(3), "explain found the bug");
    let note = dir.path().join("notes with space.md");
    prompt(&mut d, &format!("report {}", note.display())).await;
    assert_eq!(
        said(&d, Level::Ok),
        format!(
            "✓ wrote the incident note of {}… (diverged, 5 events) to {}",
            &id[..8],
            note.display()
        )
    );
    let md = std::fs::read_to_string(&note).expect("the note is written");
    for part in [
        format!("# Incident: order {id}\n"),
        "| Class | diverged |\n".into(),
        "| Behind | 0 events |\n".into(),
        format!(
            "| Database | sqlite://{} |\n",
            markdown_text(&dir.path().join("bug.db").display().to_string())
        ),
        "## Read model vs replay\n\n| Field | Read model | Replay |\n".into(),
        "| total | 18.99 | 11.99 |\n".into(),
        "They part at **v3 ItemRemoved** (event #3), after 3 events replayed.".into(),
        "| Field | Projection | Replay |\n|---|---|---|\n| total | 17.99 | 14.99 |\n".into(),
        "| item\\_count | 5 | 3 |\n| line\\_count | 4 | 3 |\n".into(),
        "### The event's fields, as stored\n\n| Field | Value |\n|---|---|\n".into(),
        "| sku | \"B\" |\n".into(),
    ] {
        assert!(md.contains(&part), "no {part:?} in:\n{md}");
    }
    // Every differing field the pane shows is in the note's table.
    for f in &d.app.divergence.fields {
        let row = format!(
            "| {} | {} | {} |",
            markdown_text(f.field),
            markdown_text(&f.read_model),
            markdown_text(&f.replay)
        );
        assert!(md.contains(&row), "no {row:?} in:\n{md}");
    }
    assert!(!md.contains("Unapplied"), "{md}");
    assert!(md.contains("| Written | 20"), "{md}");
}
