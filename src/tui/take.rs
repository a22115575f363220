//! Taking things out of the debugger: what `:export` and `:report` write and where, parsed
//! and named here, purely (the worker writes the files).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::app::read::EventSet;
use crate::store::EventSearch;

/// Characters a typed path may have: more is a paste gone wrong (and past what most file
/// systems take), and the message naming it would fill the screen.
pub const MAX_PATH: usize = 1024;

/// Where a file goes, as typed after `:export` or `:report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutPath {
    /// The path typed; `None` for the default name in the working directory.
    pub path: Option<PathBuf>,
    /// The path ended in `!`: replace a file already there.
    pub overwrite: bool,
}

/// What `:export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    /// One order's stream, exactly as `chronicle export --stream ID` writes it.
    Stream(String),
    /// The events of the open correlation or find overlay, in log order.
    Set(EventSet),
}

/// The text after the command word, as typed (inner spaces kept: a search or a path may
/// hold them).
pub fn rest_of_line<'a>(line: &'a str, name: &str) -> &'a str {
    line.trim_start()
        .strip_prefix(name)
        .unwrap_or_default()
        .trim()
}

/// `[PATH[!]]`: nothing for the default name; a trailing `!` allows replacing a file.
pub fn parse_out_path(command: &str, rest: &str) -> Result<OutPath, String> {
    if rest.is_empty() {
        return Ok(OutPath::default());
    }
    let (path, overwrite) = match rest.strip_suffix('!') {
        Some(path) => (path.trim_end(), true),
        None => (rest, false),
    };
    if path.is_empty() {
        return Err(format!(
            "usage: {command} [PATH[!]] (the ! after a path replaces a file there)"
        ));
    }
    let len = path.chars().count();
    if len > MAX_PATH {
        return Err(format!(
            "the path is {len} characters long; at most {MAX_PATH}"
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(format!(
            "the path {} holds a control character",
            crate::text::printable(path)
        ));
    }
    Ok(OutPath {
        path: Some(PathBuf::from(path)),
        overwrite,
    })
}

/// The default file name: `./chronicle-LABEL-20261126T100200Z.EXT` in the working
/// directory, its time in UTC without separators a file system might refuse.
pub fn default_path(label: &str, now: DateTime<Utc>, ext: &str) -> PathBuf {
    PathBuf::from(".").join(format!(
        "chronicle-{label}-{}.{ext}",
        now.format("%Y%m%dT%H%M%SZ")
    ))
}

/// A default file's label: the order's first 8 characters, or what the set is.
pub fn label(export: &Export) -> String {
    match export {
        Export::Stream(order) => order.chars().take(8).collect(),
        Export::Set(EventSet::Correlation(_)) => "correlation".into(),
        Export::Set(EventSet::Find(_)) => "find".into(),
    }
}

/// What was searched for, as a title or a message says it: `find #21`, `find id ID`,
/// `find "text"` (stored or typed text made printable).
pub fn searched(search: &EventSearch) -> String {
    let printable = crate::text::printable;
    match search {
        EventSearch::Position(p) => format!("find #{p}"),
        EventSearch::Id(id) => format!("find id {}", printable(id)),
        EventSearch::Text(text) => format!("find \"{}\"", printable(text)),
    }
}

/// What a set is, as a title or a message says it.
pub fn set_name(set: &EventSet) -> String {
    match set {
        EventSet::Correlation(id) => format!("correlation {}", crate::text::printable(id)),
        EventSet::Find(search) => searched(search),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn a_path_may_hold_spaces_and_ends_in_a_bang_to_overwrite() {
        let p = |rest| parse_out_path("export", rest);
        assert_eq!(p(""), Ok(OutPath::default()));
        let path = |s: &str, overwrite| {
            Ok(OutPath {
                path: Some(PathBuf::from(s)),
                overwrite,
            })
        };
        assert_eq!(p("out.jsonl"), path("out.jsonl", false));
        assert_eq!(p("my notes/x.md!"), path("my notes/x.md", true));
        assert_eq!(p("x.md !"), path("x.md", true));
        assert!(p("!").unwrap_err().starts_with("usage: export"));
        assert!(p("a\u{1b}b").unwrap_err().contains("control character"));
        assert_eq!(rest_of_line("  export  a  b ", "export"), "a  b");
    }

    #[test]
    fn default_names_say_what_and_when_in_utc() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 2, 7).unwrap();
        let order = "3f2a1b2c-0000-4000-8000-000000000000".to_string();
        let path = default_path(&label(&Export::Stream(order)), now, "jsonl");
        assert_eq!(
            path.display().to_string(),
            "./chronicle-3f2a1b2c-20261126T100207Z.jsonl"
        );
        let find = Export::Set(EventSet::Find(EventSearch::Position(3)));
        assert_eq!(label(&find), "find");
    }
}
