//! Times on the command line: RFC 3339, or the debugger's `YYYY-MM-DD HH:MM[:SS]` and
//! `YYYY-MM-DD`, read in UTC whatever the machine's time zone.

use chrono::{DateTime, Duration, Utc};

use crate::harness::{Chronicle, assert_fails, describe};

fn created_at(c: &Chronicle, id: &str) -> DateTime<Utc> {
    let events = c.events(id);
    let t = events[0]["recorded_at"].as_str().expect("recorded_at");
    DateTime::parse_from_rfc3339(t)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[test]
fn show_at_takes_the_debuggers_time_forms_in_utc() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    let created = created_at(&c, &id);
    let (before, after) = (created - Duration::hours(1), created + Duration::hours(1));
    let show = |at: &str| c.run(&["order", "show", &id, "--at", at, "--json"]);
    for form in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"] {
        let at = after.format(form).to_string();
        let out = show(&at);
        assert_eq!(out.status.code(), Some(0), "--at {at}: {}", describe(&out));
        let at = before.format(form).to_string();
        let line = assert_fails(&show(&at), 5);
        assert!(line.contains("no events at or before"), "--at {at}: {line}");
    }
    // A date is its midnight, UTC.
    let tomorrow = (created + Duration::days(1)).format("%Y-%m-%d").to_string();
    assert_eq!(show(&tomorrow).status.code(), Some(0), "--at {tomorrow}");
    let yesterday = (created - Duration::days(1)).format("%Y-%m-%d").to_string();
    assert_fails(&show(&yesterday), 5);

    // A zone west of UTC would put the hour before the creation after it.
    let at = before.format("%Y-%m-%d %H:%M").to_string();
    let mut west = c.command(&c.url(), &["order", "show", &id, "--at", &at]);
    assert_fails(&west.env("TZ", "PST8PDT").output().expect("run"), 5);
}

#[test]
fn a_time_in_no_known_form_is_bad_input_naming_the_forms_and_help_says_utc() {
    let c = Chronicle::new();
    let id = c.create(&["A:1:10"]);
    for bad in ["2026-07-29 25:00", "29.07.2026", "2026-07-29T10:00:00"] {
        let line = assert_fails(&c.run(&["order", "show", &id, "--at", bad]), 2);
        assert!(line.contains("is not a time"), "{bad}: {line}");
        assert!(line.contains("YYYY-MM-DD HH:MM[:SS]"), "{bad}: {line}");
    }
    let help = c.ok(&["order", "show", "--help"]);
    assert!(help.contains("YYYY-MM-DD HH:MM[:SS]"), "{help}");
    assert!(help.contains("UTC"), "{help}");
}
