//! SIGKILL in the middle of `chronicle import FILE`. An import is one transaction
//! (src/app/transfer/import.rs: every chunk is validated and appended inside one session,
//! committed at the end of the file), so a killed import leaves either every stream of the
//! file, whole, or none of them: never a stream in part, never some streams without the
//! others, and the order already in the database untouched. A rerun then completes: it
//! imports the whole file when nothing had landed, and when everything had it refuses every
//! stream as a conflict (exit 4) and appends nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::seed::seed_file;
use crate::shared::{Backend, Target, describe, kill, parse_json, str_of};
use crate::summary::{Summary, between, kills, rng};

/// Orders in the imported file (about 8 events each).
const ORDERS: usize = 1000;

/// A stream's events as the file has them: (version, type, payload, metadata).
type Events = Vec<(u64, String, Value, Value)>;

/// What a killed import left of the file.
#[derive(Debug, PartialEq)]
enum Left {
    Nothing,
    Everything,
    /// Some streams whole, `broken` streams in part or missing beside them.
    Part {
        broken: usize,
    },
}

pub fn scenario(backend: Backend) {
    let mut summary = Summary::start("import", backend);
    let file = seed_file(ORDERS);
    let want = streams(&std::fs::read_to_string(&file).expect("read the seed file"));
    let mut rng = rng("import", backend);
    // A clean import first: how long one takes, so that the kills land inside one.
    let (clean, _) = fresh(backend);
    let started = Instant::now();
    clean.ok(&[Path::new("import"), file.as_path()]);
    let took = started.elapsed();
    assert_eq!(left(&clean, &want), Left::Everything);
    let (mut attempts, mut committed) = (0, 0);
    while summary.kills < kills() {
        attempts += 1;
        assert!(
            attempts <= 5 * kills() + 10,
            "{attempts} tries for {} kills",
            summary.kills
        );
        let (t, bystander) = fresh(backend);
        let mut child = t.spawn(&[Path::new("import"), file.as_path()]);
        std::thread::sleep(between(&mut rng, took / 20, took));
        if !kill(&mut child) {
            continue;
        }
        summary.kills += 1;
        let after_kill = left(&t, &want);
        if let Left::Part { broken } = after_kill {
            eprintln!("partial: a killed import left {broken} streams broken");
            summary.partial += broken;
        }
        committed += usize::from(after_kill == Left::Everything);
        rerun(&t, &file, &after_kill);
        if left(&t, &want) == Left::Everything {
            summary.acknowledged += want.len();
        } else {
            eprintln!("lost: the rerun did not leave the whole file");
            summary.lost += want.len();
        }
        assert_eq!(
            t.events_of(&bystander),
            1,
            "the order already there is untouched"
        );
        t.assert_intact();
    }
    summary.note = format!(
        "streams_per_file={} clean_import_ms={} killed_after_commit={committed}",
        want.len(),
        took.as_millis()
    );
    summary.finish();
}

/// A fresh database holding one order of its own (so the import is not the first write:
/// the kill lands in the import, not in creating the schema), and that order's id.
fn fresh(backend: Backend) -> (Target, String) {
    let t = Target::new(backend, "");
    let args = [
        "order",
        "create",
        "--customer",
        "bystander",
        "--item",
        "A:1:1",
        "--json",
    ];
    let id = str_of(&t.json(&args), "order_id");
    (t, id)
}

/// The rerun after a kill completes: it imports everything when nothing had landed, and
/// refuses every stream, appending nothing, when everything had.
fn rerun(t: &Target, file: &Path, after_kill: &Left) {
    let out = t.run(&[Path::new("import"), file]);
    let code = out.status.code();
    match after_kill {
        Left::Nothing => assert_eq!(code, Some(0), "{}", describe(&out)),
        Left::Everything => {
            assert_eq!(code, Some(4), "{}", describe(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("imported 0 events"), "{stderr}");
        }
        Left::Part { .. } => {}
    }
}

/// What `t` holds of the file's streams.
fn left(t: &Target, want: &BTreeMap<String, Events>) -> Left {
    let export = t
        .export()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let got = streams(&export);
    let whole = want
        .iter()
        .filter(|(id, evs)| got.get(*id) == Some(evs))
        .count();
    let present = want.keys().filter(|id| got.contains_key(*id)).count();
    match (present, whole) {
        (0, _) => Left::Nothing,
        (p, w) if p == want.len() && w == p => Left::Everything,
        (_, w) => Left::Part {
            broken: want.len() - w,
        },
    }
}

/// The events of JSON lines, by stream, in version order.
fn streams(lines: &str) -> BTreeMap<String, Events> {
    let mut out: BTreeMap<String, Events> = BTreeMap::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let e = parse_json(line);
        out.entry(str_of(&e, "stream_id")).or_default().push((
            e["version"].as_u64().expect("version"),
            str_of(&e, "event_type"),
            e["payload"].clone(),
            e["metadata"].clone(),
        ));
    }
    for events in out.values_mut() {
        events.sort_by_key(|e| e.0);
    }
    out
}

impl Target {
    /// How many events the order `id` has.
    fn events_of(&self, id: &str) -> usize {
        let out = self.ok(&["order", "events", id, "--json"]);
        out.lines().count()
    }
}
