//! Hostile text stored behind the application's back (a hand edit, an older release) reaches
//! no terminal raw: every human output escapes control, invisible and bidi characters, JSON
//! output stays JSON and decodes to the stored text, and an error line stays short.

use crate::harness::{Chronicle, assert_fails, json_lines, parse_json, tamper};

/// Characters that would drive a terminal or make text read as something it is not.
const HOSTILE: [char; 6] = [
    '\u{1b}', '\u{7}', '\u{202e}', '\u{200b}', '\u{2066}', '\u{feff}',
];

fn assert_clean(what: &str, text: &str) {
    for c in HOSTILE {
        assert!(!text.contains(c), "{what}: a raw {c:?} in {text:?}");
    }
}

#[test]
fn dlq_list_escapes_a_stored_event_type_and_its_error() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1.00"]);
    c.ok(&["order", "add-item", &id, "--item", "B:1:1.00"]);
    let hostile = "UPDATE events SET event_type = 'Item' || char(27) || '[2J' || char(8238) \
                   || 'Added' || char(7) WHERE version = 2";
    assert_eq!(tamper(&c.db(), true, &[hostile]), 1);
    c.ok(&["projector", "run", "--once"]);
    let text = c.ok(&["dlq", "list"]);
    assert_clean("dlq list", &text);
    assert!(text.contains("Item\\u{1b}[2J\\u202EAdded\\u{7}"), "{text}");
    let letters = json_lines(&c.ok(&["dlq", "list", "--json"]));
    assert_eq!(letters[0]["event_type"], "Item\u{1b}[2J\u{202e}Added\u{7}");
    assert_clean("dlq list --json", &c.ok(&["dlq", "list", "--json"]));
    let events = c.ok(&["order", "events", &id]);
    assert_clean("order events", &events);
}

#[test]
fn order_show_list_and_events_escape_stored_text_and_json_keeps_it() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:1.00"]);
    // The customer id gains a bidi override, a zero-width space and (as JSON escapes) an
    // OSC sequence that would retitle the terminal, ended by BEL.
    let edit = "UPDATE events SET payload = replace(payload, '\"customer_id\":\"', \
                '\"customer_id\":\"' || char(8238) || char(8203) || '\\u001b]0;owned\\u0007') \
                WHERE version = 1";
    assert_eq!(tamper(&c.db(), true, &[edit]), 1);
    c.ok(&["projector", "run", "--once"]);
    for args in [
        &["order", "show", &id][..],
        &["order", "show", &id, "--source", "read-model"],
        &["order", "list"],
        &["order", "events", &id],
    ] {
        assert_clean(&format!("{args:?}"), &c.ok(args));
    }
    let shown = c.ok(&["order", "show", &id, "--json"]);
    assert_clean("order show --json", &shown);
    let v = parse_json(shown.trim());
    assert!(
        v["customer_id"]
            .as_str()
            .unwrap()
            .starts_with("\u{202e}\u{200b}\u{1b}]0;owned\u{7}cust-1"),
        "{v}"
    );
}

#[test]
fn an_error_quotes_a_short_prefix_of_a_huge_or_hostile_input_on_one_line() {
    let c = Chronicle::new();
    let huge = format!("{}\u{1b}[2J", "x".repeat(100_000));
    for args in [
        vec!["order", "show", huge.as_str()],
        vec![
            "order",
            "create",
            "--customer",
            "a",
            "--item",
            huge.as_str(),
        ],
        vec![
            "order",
            "create",
            "--customer",
            huge.as_str(),
            "--item",
            "A:1:1",
        ],
        vec!["order", "list", "--status", huge.as_str()],
    ] {
        let out = c.run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_clean("error", &stderr);
        assert_eq!(
            stderr.lines().count(),
            1,
            "{}",
            &stderr[..stderr.len().min(400)]
        );
        assert!(
            stderr.len() < 700,
            "{} bytes: {}",
            stderr.len(),
            &stderr[..400]
        );
        assert_fails(&out, 2);
    }
}
