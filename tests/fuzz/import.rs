//! `chronicle import`'s line parsing and checks, through the public `app::transfer::import`
//! over an in-memory store (`parse_line` is private). Histories are made by `decide`, so a
//! file `export` would write (`event_line`) imports exactly: same rows in file order,
//! conflicts refused per stream, continuations checked against what the target holds,
//! snapshots where due. A mutated or arbitrary file never panics; refused, it commits
//! nothing and names the line; taken, everything appended decodes in contiguous versions.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use chronicle::app::transfer::{ImportReport, event_line, import};
use chronicle::app::{AppError, Loader};
use chronicle::domain::{LineItem, Order, OrderEvent, OrderId, UpcastContext};
use chronicle::store::StoredEvent;
use proptest::prelude::*;
use proptest::sample::select;

use super::config;
use super::fake::{FakeStore, Shared};
use super::history::{Cmd, Setup, Stream, file, setup, stream};
use super::strings::{arbitrary, insert, nasty, nasty_char};

#[derive(Debug, Clone)]
enum Input {
    Valid(Vec<Stream>, Vec<usize>, u64, Vec<u8>),
    Mutated(Vec<Stream>, Vec<(u8, usize, usize, char)>),
    Text(Vec<u8>),
    Bulk(Stream, u16),
}

const KINDS: &[&str] = &["valid", "mutated", "text", "bulk"];

type Outcome = (Result<ImportReport, AppError>, Arc<Mutex<Shared>>);

fn run(rt: &tokio::runtime::Runtime, bytes: Vec<u8>, setup: Setup, every: u64) -> Outcome {
    let (store, shared) = FakeStore::new(setup.targets, setup.held);
    let loader = Loader::new(Arc::new(store), UpcastContext::default());
    (
        rt.block_on(import(&loader, every, &mut Cursor::new(bytes))),
        shared,
    )
}

/// What holds for any file: refused, nothing committed and the line said; taken, what was
/// appended decodes, per stream contiguously, `OrderCreated` only at version 1.
fn any_file(rt: &tokio::runtime::Runtime, bytes: Vec<u8>, setup: Setup) {
    let (result, shared) = run(rt, bytes, setup, 3);
    let shared = shared.lock().unwrap();
    match result {
        Err(AppError::BadInput(m)) => {
            assert!(!shared.committed, "refused but committed: {m}");
            assert!(
                m.starts_with("line ") || m.starts_with("reading input"),
                "{m}"
            );
        }
        Err(e) => panic!("an in-memory import failed otherwise: {e}"),
        Ok(report) => {
            assert!(shared.committed);
            assert_eq!(report.events, shared.rows.len() as u64);
            let mut last: HashMap<&str, u64> = HashMap::new();
            for row in &shared.rows {
                let e = &row.event;
                let event = OrderEvent::decode(
                    &e.event_type,
                    e.schema_version,
                    &e.payload,
                    &UpcastContext::default(),
                )
                .unwrap_or_else(|err| panic!("imported a row that does not decode: {err}"));
                assert_eq!(matches!(event, OrderEvent::Created(_)), row.version == 1);
                if let Some(v) = last.insert(&row.stream_id, row.version) {
                    assert_eq!(row.version, v + 1, "{}", row.stream_id);
                }
            }
        }
    }
}

fn input() -> impl Strategy<Value = Input> {
    let streams = proptest::collection::vec(stream(), 1..5);
    let ops =
        proptest::collection::vec((0..6u8, any::<usize>(), any::<usize>(), nasty_char()), 1..5);
    let line = (any::<u128>(), 0..3u64, select(vec!["OrderDelivered", "OrderCreated", "X"]), nasty(40)).prop_map(|(id, v, t, p)| {
        let id = uuid::Uuid::from_u128(id);
        format!("{{\"stream_id\":\"{id}\",\"version\":{v},\"event_type\":\"{t}\",\"schema_version\":1,\"recorded_at\":\"2026-07-29T10:00:00Z\",\"payload\":{{\"at\":\"{p}\"}},\"metadata\":{{}}}}\n").into_bytes()
    });
    let text = prop_oneof![
        arbitrary(300).prop_map(String::into_bytes),
        nasty(300).prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..300),
        line,
    ];
    let picks = proptest::collection::vec(any::<usize>(), 0..30);
    let endings = proptest::collection::vec(any::<u8>(), 0..30);
    prop_oneof![
        40 => (streams.clone(), picks, 1..5u64, endings).prop_map(|(s, p, every, e)| Input::Valid(s, p, every, e)),
        40 => (streams, ops).prop_map(|(s, ops)| Input::Mutated(s, ops)),
        20 => text.prop_map(Input::Text),
        // One file in a hundred spans chunks: each costs as much as a hundred small ones.
        1 => (stream(), 990..2_600u16).prop_map(|(s, n)| Input::Bulk(s, n)),
    ]
}

/// Line-level and character-level damage: drop, repeat or swap lines, change a character,
/// change a version.
fn damage(lines: &mut Vec<String>, ops: &[(u8, usize, usize, char)]) {
    for &(op, a, b, c) in ops {
        if lines.is_empty() {
            return;
        }
        let (i, j) = (a % lines.len(), b % lines.len());
        match op {
            0 => drop(lines.remove(i)),
            1 => lines.insert(j, lines[i].clone()),
            2 => lines.swap(i, j),
            3 => lines[i] = insert(&lines[i], c, b),
            4 => {
                let cut = b % (lines[i].chars().count() + 1);
                lines[i] = lines[i]
                    .chars()
                    .enumerate()
                    .filter(|(k, _)| *k != cut)
                    .map(|(_, x)| x)
                    .collect();
            }
            _ => lines[i] = lines[i].replacen("\"version\":", &format!("\"version\":{}", b % 3), 1),
        }
    }
}

/// A file `export` would write imports exactly: its accepted streams' lines as rows, in file
/// order; the others refused; snapshots of fresh streams where due, each reading back.
fn check_valid(
    rt: &tokio::runtime::Runtime,
    streams: Vec<Stream>,
    picks: &[usize],
    every: u64,
    endings: &[u8],
) {
    let mut seen = HashSet::new();
    let streams: Vec<Stream> = streams.into_iter().filter(|s| seen.insert(s.id)).collect();
    let setup = setup(&streams, picks);
    let lines = setup.lines.clone();
    let accepted: Vec<Option<bool>> = streams
        .iter()
        .zip(&setup.cuts)
        .map(|(s, cut)| {
            Some(
                setup
                    .targets
                    .get(&s.id.to_stream_id())
                    .copied()
                    .unwrap_or(0)
                    == (*cut)? as u64,
            )
        })
        .collect();
    let fresh: HashSet<String> = streams
        .iter()
        .zip(&setup.cuts)
        .filter(|(_, c)| **c == Some(0))
        .map(|(s, _)| s.id.to_stream_id())
        .collect();
    let (result, shared) = run(rt, file(&lines, endings), setup, every);
    let report = result.unwrap_or_else(|e| panic!("a valid file was refused: {e}"));
    let shared = shared.lock().unwrap();
    let expected: Vec<&StoredEvent> = lines
        .iter()
        .filter(|(s, _)| accepted[*s] == Some(true))
        .map(|(_, e)| e)
        .collect();
    assert_eq!(shared.rows.len(), expected.len());
    for (row, e) in shared.rows.iter().zip(expected) {
        let id = OrderId(uuid::Uuid::parse_str(&e.stream_id).unwrap()).to_stream_id();
        assert_eq!(
            (row.stream_id.as_str(), row.version),
            (id.as_str(), e.version)
        );
        let ev = &row.event;
        assert_eq!(
            (&ev.event_type, ev.schema_version, &ev.payload),
            (&e.event_type, e.schema_version, &e.payload)
        );
        assert_eq!((&ev.metadata, ev.recorded_at), (&e.metadata, e.recorded_at));
    }
    let ok = accepted.iter().filter(|a| **a == Some(true)).count();
    let refused = accepted.iter().filter(|a| **a == Some(false)).count();
    assert_eq!((report.streams, report.refused.len()), (ok, refused));
    let mut due = HashSet::new();
    for row in &shared.rows {
        if fresh.contains(&row.stream_id) && row.version % every == 0 {
            due.insert((row.stream_id.clone(), row.version));
        }
    }
    for s in &shared.snapshots {
        assert!(
            s.version % every == 0,
            "a snapshot at {} with every {every}",
            s.version
        );
        due.remove(&(s.stream_id.clone(), s.version));
        let order: Order = serde_json::from_str(&s.state).expect("a snapshot reads back");
        assert_eq!(serde_json::to_string(&order).ok().as_ref(), Some(&s.state));
    }
    assert!(due.is_empty(), "snapshots missing: {due:?}");
}

#[test]
fn import_lines() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    config::run("import", KINDS, input(), |tally, input| match input {
        Input::Valid(streams, picks, every, endings) => {
            tally.hit(0);
            check_valid(&rt, streams, &picks, every, &endings);
        }
        Input::Mutated(streams, ops) => {
            tally.hit(1);
            let setup = setup(&streams, &[]);
            let mut text: Vec<String> = setup
                .lines
                .iter()
                .map(|(_, e)| event_line(e).unwrap())
                .collect();
            damage(&mut text, &ops);
            any_file(&rt, text.join("\n").into_bytes(), setup);
        }
        Input::Text(bytes) => {
            tally.hit(2);
            any_file(&rt, bytes, setup(&[], &[]));
        }
        Input::Bulk(mut s, n) => {
            tally.hit(3);
            // More than one chunk of lines: the next is checked while the last is appended.
            let extra: LineItem = "EXTRA:1:1".parse().unwrap();
            s.cmds = (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        Cmd::Add(extra.clone())
                    } else {
                        Cmd::Remove(extra.sku.clone())
                    }
                })
                .collect();
            (s.cut, s.target, s.v1) = (0, None, false);
            s.items.retain(|i| i.sku != extra.sku);
            let setup = setup(std::slice::from_ref(&s), &[]);
            let lines = setup.lines.len() as u64;
            let (result, shared) = run(&rt, file(&setup.lines.clone(), &[]), setup, 100);
            assert_eq!(result.map(|r| r.events).ok(), Some(lines));
            assert_eq!(shared.lock().unwrap().snapshots.len() as u64, lines / 100);
        }
    });
}
