//! A big log to import and to project, made from a few orders the binary itself wrote (so
//! every event is one `decide` made and passes import's checks, whatever the rules become):
//! three template lifecycles, exported, then copied under fresh order ids.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::shared::{Backend, Target, parse_json, str_of};

/// A file of `orders` orders (about 8 events each) as JSON lines, made once per size for
/// the whole test run.
pub fn seed_file(orders: usize) -> PathBuf {
    static FILES: OnceLock<Mutex<Vec<(usize, TempDir)>>> = OnceLock::new();
    let mut files = FILES.get_or_init(Mutex::default).lock().unwrap();
    if let Some((_, dir)) = files.iter().find(|(n, _)| *n == orders) {
        return dir.path().join("seed.jsonl");
    }
    let templates = templates();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("seed.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
    for i in 0..orders {
        let id = uuid::Uuid::new_v4().to_string();
        for line in &templates[i % templates.len()] {
            let mut e = line.clone();
            e["stream_id"] = json!(id);
            e["global_position"] = json!(0);
            if e["payload"].get("order_id").is_some() {
                e["payload"]["order_id"] = json!(id);
            }
            if e["metadata"].get("event_id").is_some() {
                e["metadata"]["event_id"] = json!(uuid::Uuid::new_v4().to_string());
            }
            writeln!(out, "{e}").expect("write the seed file");
        }
    }
    out.flush().expect("flush the seed file");
    drop(out);
    files.push((orders, dir));
    file
}

/// The template orders' events, one list per order, in version order.
fn templates() -> Vec<Vec<Value>> {
    let t = Target::new(Backend::Sqlite, "");
    let lifecycles: [&[&str]; 3] = [
        &[
            "C1", "C2", "C3", "C4", "C5", "C6", "-B", "pay", "ship", "deliver",
        ],
        &["C1", "C2", "C3", "pay", "cancel"],
        &["C1", "C2", "C3", "C4", "C5"],
    ];
    let ids: Vec<String> = lifecycles.iter().map(|steps| template(&t, steps)).collect();
    let log = t.export();
    ids.iter()
        .map(|id| {
            log.iter()
                .filter(|e| e["stream_id"] == id.as_str())
                .cloned()
                .collect()
        })
        .collect()
}

/// One order through `steps` (`C<n>` adds an item, `-B` removes B), by the binary.
fn template(t: &Target, steps: &[&str]) -> String {
    let create = [
        "order",
        "create",
        "--customer",
        "seed",
        "--item",
        "A:1:9.99",
    ];
    let mut args: Vec<String> = create.map(String::from).into();
    args.extend(["--item", "B:2:0.50", "--json"].map(String::from));
    let answer = t.json(&args);
    let (id, mut total) = (str_of(&answer, "order_id"), str_of(&answer, "total"));
    for step in steps {
        let item = format!("{step}:1:1.25");
        let words: Vec<&str> = match *step {
            "-B" => vec!["remove-item", &id, "--sku", "B"],
            "pay" => vec!["pay", &id, "--method", "card", "--amount", &total],
            "ship" => vec!["ship", &id, "--tracking", "TRK-SEED"],
            "deliver" => vec!["deliver", &id],
            "cancel" => vec!["cancel", &id, "--reason", "seed"],
            _ => vec!["add-item", &id, "--item", &item],
        };
        let mut args = vec!["order"];
        args.extend(words);
        args.push("--json");
        total = str_of(&parse_json(t.ok(&args).trim()), "total");
    }
    id
}
