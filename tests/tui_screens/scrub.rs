//! Makes a screen stable: order ids become `<id1>`, `<id2>`… in order of first appearance
//! (the 8-character short id padded to its width; a full UUID becomes `<uuid1>` with the same
//! number as its short id), and clocks made while the test ran become `<time>`. The demo's
//! own times come from its seed and stay.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

/// A scanner over one screen's text.
struct Scrubber {
    ids: HashMap<String, usize>,
    /// Clocks in `since..=until` are the test's own.
    since: DateTime<Utc>,
    until: DateTime<Utc>,
}

/// The screen with ids and test-time clocks replaced.
pub fn scrub(text: &str, since: DateTime<Utc>) -> String {
    let mut s = Scrubber {
        ids: HashMap::new(),
        // A clock a second before seeding began is still the test's own.
        since: since - chrono::Duration::seconds(1),
        until: Utc::now() + chrono::Duration::minutes(1),
    };
    s.run(text)
}

fn is_hex(c: char) -> bool {
    c.is_ascii_digit() || ('a'..='f').contains(&c)
}

/// Whether `n` lower-case hex digits start at `at`.
fn hex_run(c: &[char], at: usize, n: usize) -> bool {
    c.len() >= at + n && c[at..at + n].iter().all(|&x| is_hex(x))
}

/// Whether `pattern` matches at `at`: `9` a digit, anything else itself.
fn shape(c: &[char], at: usize, pattern: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    c.len() >= at + p.len()
        && p.iter()
            .zip(&c[at..])
            .all(|(&p, &x)| if p == '9' { x.is_ascii_digit() } else { p == x })
}

impl Scrubber {
    fn run(&mut self, text: &str) -> String {
        let c: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < c.len() {
            let boundary = i == 0 || !c[i - 1].is_ascii_alphanumeric();
            if boundary && let Some((len, replacement)) = self.clock(&c, i) {
                out.push_str(&replacement);
                i += len;
            } else if boundary && let Some((len, replacement)) = self.id(&c, i) {
                out.push_str(&replacement);
                i += len;
            } else {
                out.push(c[i]);
                i += 1;
            }
        }
        out
    }

    /// The number of the order (or other id) whose first 8 hex digits are `key`.
    fn number(&mut self, key: String) -> usize {
        let next = self.ids.len() + 1;
        *self.ids.entry(key).or_insert(next)
    }

    /// A full UUID, a UUID cut short by the pane edge, or an 8-digit short id at `i`.
    fn id(&mut self, c: &[char], i: usize) -> Option<(usize, String)> {
        if !hex_run(c, i, 8) {
            return None;
        }
        let key: String = c[i..i + 8].iter().collect();
        let mut end = i + 8;
        if c.get(end) == Some(&'-') && c.get(end + 1).copied().is_some_and(is_hex) {
            // A UUID, whole or cut: its hex digits and dashes.
            while end < c.len() && (is_hex(c[end]) || c[end] == '-') {
                end += 1;
            }
            if c.get(end).is_some_and(char::is_ascii_alphanumeric) {
                return None;
            }
            let whole = end - i == 36;
            let n = self.number(key);
            let cut = if whole { "" } else { "…" };
            return Some((end - i, format!("<uuid{n}{cut}>")));
        }
        if c.get(end).is_some_and(char::is_ascii_alphanumeric) {
            return None;
        }
        let n = self.number(key);
        Some((8, format!("{:<8}", format!("<id{n}>"))))
    }

    /// Whether a clock was read while the test ran.
    fn own(&self, t: DateTime<Utc>) -> bool {
        self.since <= t && t <= self.until
    }

    /// `YYYY-MM-DD HH:MM:SS` or an RFC 3339 time at `i`, when it is the test's own.
    fn clock(&self, c: &[char], i: usize) -> Option<(usize, String)> {
        if shape(c, i, "9999-99-99 99:99:99") {
            let s: String = c[i..i + 19].iter().collect();
            let t = NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S")
                .ok()?
                .and_utc();
            return self.own(t).then(|| (19, "<time>".to_string()));
        }
        if shape(c, i, "9999-99-99T99:99:99") {
            let mut end = i + 19;
            while end < c.len() && (c[end].is_ascii_digit() || ".:+-Z".contains(c[end])) {
                end += 1;
            }
            let s: String = c[i..end].iter().collect();
            let t = DateTime::parse_from_rfc3339(&s).ok()?.with_timezone(&Utc);
            return self.own(t).then(|| (end - i, "<time>".to_string()));
        }
        None
    }
}

#[test]
fn scrub_replaces_ids_in_order_and_only_new_clocks() {
    let now = Utc::now();
    let since = now - chrono::Duration::seconds(5);
    let plain = now.format("%Y-%m-%d %H:%M:%S");
    let rfc = now.to_rfc3339();
    let text = format!(
        "a 0123abcd x\n\
         b 89abcdef · 0123abcd-0000-4000-8000-00000000000f\n\
         c 0123abcd-00 cut · 1234567 short · 0123abcde long · SKU-1\n\
         d 2026-01-05 08:00:00 · {plain}\n\
         e {rfc} · 2026-01-05T08:00:00+00:00 · 2099-01-01 00:00:00\n"
    );
    assert_eq!(
        scrub(&text, since),
        "a <id1>    x\n\
         b <id2>    · <uuid1>\n\
         c <uuid1…> cut · 1234567 short · 0123abcde long · SKU-1\n\
         d 2026-01-05 08:00:00 · <time>\n\
         e <time> · 2026-01-05T08:00:00+00:00 · 2099-01-01 00:00:00\n"
    );
}
