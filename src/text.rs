//! Text for people, shared by every adapter: stored text made safe for a terminal,
//! durations as a person reads them, and the times a person types.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Escapes control characters, and characters that print as nothing or reorder the text
/// around them (zero-width, bidi: `domain::limits::invisible`), so stored text can never
/// drive the terminal or read as something it is not.
pub fn printable(s: &str) -> String {
    escaped(s, |c| !visible(c))
}

/// What reaches a terminal: [`printable`], keeping line breaks and tabs. Control characters
/// read `\u{1b}`; invisible ones read `\u202E`, the form a JSON string takes too, so JSON
/// output stays JSON and decodes to the same text.
pub fn for_terminal(s: &str) -> String {
    escaped(s, |c| !visible(c) && c != '\n' && c != '\t')
}

/// A typed whole number, as digits only: `+1`, ` 1` and `1_0` are refused (Rust's own
/// parse takes a leading `+`), so every count the operator types reads one way.
pub fn parse_digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Longest error line, in characters: whatever an error quotes, it stays one short line.
const MAX_ERROR_CHARS: usize = 600;

/// `s` escaped like [`printable`] and cut at `max` characters with `…`: how an error
/// quotes what it was given.
pub fn short(s: &str, max: usize) -> String {
    let line = printable(s);
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// An error message as one line for a terminal: escaped like [`printable`] (a line break
/// included) and cut at `MAX_ERROR_CHARS` with `…`.
pub fn error_line(message: &str) -> String {
    short(message, MAX_ERROR_CHARS)
}

fn visible(c: char) -> bool {
    crate::domain::limits::visible(c)
}

fn escaped(s: &str, escape: impl Fn(char) -> bool) -> String {
    if !s.chars().any(&escape) {
        return s.to_string();
    }
    s.chars()
        .fold(String::with_capacity(s.len() + 8), |mut out, c| {
            if !escape(c) {
                out.push(c);
            } else if c.is_control() {
                let _ = write!(out, "{}", c.escape_default());
            } else {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04X}");
                }
            }
            out
        })
}

/// A duration in its two largest units: `< 1 ms`, `340 ms`, `4.2 s`, `5 min 3 s`,
/// `2 h 11 min`, `91 d 0 h`. Each unit is cut, never rounded up, so a value just under a
/// boundary never reads as the next unit (`59.99 s` is `59.9 s`, not `60.0 s`).
pub fn human_duration(d: Duration) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let ms = d.as_millis();
    let s = d.as_secs();
    match s {
        _ if ms == 0 => "< 1 ms".to_string(),
        _ if ms < 1000 => format!("{ms} ms"),
        0..MINUTE => format!("{s}.{} s", d.subsec_millis() / 100),
        MINUTE..HOUR => format!("{} min {} s", s / MINUTE, s % MINUTE),
        HOUR..DAY => format!("{} h {} min", s / HOUR, s % HOUR / MINUTE),
        _ => format!("{} d {} h", s / DAY, s % DAY / HOUR),
    }
}

/// [`human_duration`] of a number of seconds (a negative or non-finite one reads as none).
pub fn human_seconds(seconds: f64) -> String {
    human_duration(Duration::try_from_secs_f64(seconds).unwrap_or_default())
}

/// A time that does not read as one of the forms [`parse_time`] takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time: give RFC 3339 (2026-07-29T10:00:00Z), or YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DD in UTC"
)]
pub struct InvalidTime(pub String);

/// The one parser of a typed time: RFC 3339 (any offset), or `YYYY-MM-DD HH:MM[:SS]` or
/// `YYYY-MM-DD` (its midnight), both in UTC: the form the debugger shows times in, so what
/// it shows can be typed back. `2026-07-29T10:00:00` is refused: it reads as RFC 3339 with
/// its offset forgotten, and ISO 8601 would take it as local time, not UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, InvalidTime> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| InvalidTime(printable(s)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{TimeZone, Utc};

    use super::{human_duration, human_seconds, parse_time, printable};

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(printable("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
    }

    #[test]
    fn durations_read_in_their_two_largest_units_at_every_boundary() {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        for (d, want) in [
            (Duration::ZERO, "< 1 ms"),
            (Duration::from_micros(999), "< 1 ms"),
            (ms(1), "1 ms"),
            (ms(999), "999 ms"),
            (ms(1000), "1.0 s"),
            (ms(4_250), "4.2 s"),
            (ms(59_999), "59.9 s"),
            (s(60), "1 min 0 s"),
            (s(3_599), "59 min 59 s"),
            (s(3_600), "1 h 0 min"),
            (s(2 * 3_600 + 11 * 60 + 59), "2 h 11 min"),
            (s(86_399), "23 h 59 min"),
            (s(86_400), "1 d 0 h"),
            (s(91 * 86_400 + 1_800), "91 d 0 h"),
            (s(7_858_229), "90 d 22 h"),
        ] {
            assert_eq!(human_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn seconds_that_are_no_duration_read_as_none() {
        assert_eq!(human_seconds(4.25), "4.2 s");
        assert_eq!(human_seconds(-3.0), "< 1 ms");
        assert_eq!(human_seconds(f64::NAN), "< 1 ms");
    }

    #[test]
    fn times_are_read_as_rfc_3339_or_the_debuggers_form_in_utc() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 7, 29, h, m, s).unwrap();
        for (text, want) in [
            ("2026-07-29T10:00:00Z", at(10, 0, 0)),
            ("2026-07-29T12:00:00+02:00", at(10, 0, 0)),
            ("2026-07-29 10:00", at(10, 0, 0)),
            (" 2026-07-29 10:00:05 ", at(10, 0, 5)),
            ("2026-07-29", at(0, 0, 0)),
        ] {
            assert_eq!(parse_time(text), Ok(want), "{text}");
        }
        let precise = parse_time("2026-07-29 10:00:05.250").unwrap();
        assert_eq!(precise.timestamp_subsec_millis(), 250);
        for bad in [
            "",
            "yesterday",
            "2026-07-29 25:00",
            "2026-13-01",
            "10:00",
            "2026-07-29T10:00:00",
        ] {
            let e = parse_time(bad).unwrap_err();
            assert!(e.to_string().contains("is not a time"), "{bad}: {e}");
        }
    }
}
