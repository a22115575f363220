//! The projector's words about time: the lag in `projector status`, and each attempt's own
//! time in `dlq list`, its retries a backoff apart.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::harness::{Chronicle, json_lines, tamper};

#[test]
fn projector_status_reads_a_long_lag_in_days_and_hours_and_json_keeps_the_seconds() {
    // An event recorded 91 days ago, brought over by import and not projected yet.
    let source = Chronicle::new();
    source.create(&["A:1:1.00"]);
    let mut line = source.export().remove(0);
    let old = Utc::now() - Duration::days(91) - Duration::minutes(30);
    line["recorded_at"] = old.to_rfc3339_opts(SecondsFormat::Micros, true).into();
    let c = Chronicle::new();
    let file = c.path("old.jsonl");
    std::fs::write(&file, format!("{line}\n")).expect("write the file");
    c.ok(&["import", &file.display().to_string()]);

    let text = c.ok(&["projector", "status"]);
    assert!(text.contains("lag          1 events, 91 d 0 h\n"), "{text}");
    let s = c.json(&["projector", "status", "--json"]);
    let seconds = s["lag_seconds"].as_f64().expect("a number of seconds");
    let want = f64::from(91 * 86_400 + 1_800);
    assert!((want..want + 600.0).contains(&seconds), "{s}");

    c.ok(&["projector", "run", "--once"]);
    let text = c.ok(&["projector", "status"]);
    assert!(text.contains("lag          0 events, < 1 ms\n"), "{text}");
}

fn time(v: &serde_json::Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[test]
fn a_failing_event_is_retried_a_backoff_apart_and_dlq_list_shows_the_attempts_times() {
    let c = Chronicle::with_config("projector_max_retries = 3\nprojector_base_backoff_ms = 40\n");
    let id = c.create(&["A:1:1.00"]);
    c.ok(&["order", "pay", &id, "--method", "card", "--amount", "1.00"]);
    c.ok(&["order", "ship", &id, "--tracking", "TRK-1"]);
    // A shipment stored wider than the read model's column, as an earlier release with a
    // looser limit (or a hand edit) left it: the domain refuses it today, the log still has it.
    let wide = format!(
        "UPDATE events SET payload = replace(payload, 'TRK-1', '{}') \
         WHERE event_type = 'OrderShipped'",
        "T".repeat(85)
    );
    assert_eq!(tamper(&c.db(), true, &[&wide]), 1);
    c.ok(&["projector", "run", "--once"]);

    let letters = json_lines(&c.ok(&["dlq", "list", "--json"]));
    assert_eq!(letters.len(), 1, "{letters:?}");
    let d = &letters[0];
    assert_eq!(d["attempts"], 4, "one try and max_retries retries: {d}");
    assert!(d["next_retry_at"].is_null(), "{d}");
    let (first, last) = (time(&d["first_failed_at"]), time(&d["last_failed_at"]));
    // Each retry waited its backoff: 40, 80 and 160 ms.
    assert!(
        last - first >= Duration::milliseconds(40 + 80 + 160),
        "{first} .. {last}"
    );

    let text = c.ok(&["dlq", "list"]);
    let shown = |t: DateTime<Utc>, f: &str| t.format(f).to_string();
    let last_shown = if first.date_naive() == last.date_naive() {
        shown(last, "%H:%M:%S%.3f")
    } else {
        shown(last, "%Y-%m-%d %H:%M:%S%.3f")
    };
    let want = format!(
        "attempts 4, failed {} .. {last_shown} (retries spent)",
        shown(first, "%Y-%m-%d %H:%M:%S%.3f")
    );
    assert!(text.contains(&want), "want {want:?} in {text}");
    assert!(text.contains("does not fit the read model"), "{text}");
}
