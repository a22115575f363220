//! Sets of events across orders: the events of one correlation id, and what a search of the
//! whole log finds (by global position, by event or correlation id, by text).

use uuid::Uuid;

use super::ReadSide;
use crate::app::error::AppError;
use crate::store::{EventSearch, StoredEvent};

/// Characters a search's text may have: every payload in the log is scanned for it, and
/// anything longer is a paste gone wrong, not a search.
pub const MAX_SEARCH: usize = 200;

/// A set of events across orders, as the debugger shows it in one overlay and exports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventSet {
    /// The events sharing a correlation id, in log order.
    Correlation(String),
    /// What a search finds, newest first.
    Find(EventSearch),
}

/// Up to a bound of a set's events, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetEvents {
    /// The events: a search's newest first, a correlation's in log order.
    pub events: Vec<StoredEvent>,
    /// More events belong to the set than the bound let through.
    pub cut: bool,
}

/// What a typed search asks for: `#21` the event at global position 21; a UUID the events
/// whose event id or correlation id it is; `id:TEXT` the same for an id that is no UUID (a
/// caller's `req-42`); anything else the events whose type or payload holds it (ASCII
/// case ignored). Quotes around the text search for it as it is: `"#21"` is text.
pub fn parse_search(typed: &str) -> Result<EventSearch, AppError> {
    let bad = |why: String| Err(AppError::BadInput(why));
    let typed = typed.trim();
    let len = typed.chars().count();
    if len > MAX_SEARCH {
        return bad(format!(
            "the search is {len} characters long; at most {MAX_SEARCH}"
        ));
    }
    if let Some(c) = typed.chars().find(|c| c.is_control()) {
        return bad(format!(
            "the search holds a control character ({}); search for the text around it",
            c.escape_default()
        ));
    }
    let quoted = typed
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|_| len >= 2);
    let search = if let Some(text) = quoted {
        EventSearch::Text(text.to_string())
    } else if let Some(p) = typed.strip_prefix('#') {
        match crate::text::parse_digits::<i64>(p) {
            Some(p) if p >= 1 => EventSearch::Position(p),
            _ => return bad(format!("#{p} is not a global position (#1, #21, …)")),
        }
    } else if let Some(id) = typed.strip_prefix("id:") {
        EventSearch::Id(id.trim().to_string())
    } else if let Ok(id) = Uuid::try_parse(typed) {
        // The program writes its ids lower-case and hyphenated; any spelling of one finds it.
        EventSearch::Id(id.hyphenated().to_string())
    } else {
        EventSearch::Text(typed.to_string())
    };
    match &search {
        EventSearch::Id(s) | EventSearch::Text(s) if s.is_empty() => bad(
            "find what? #POSITION, an event or correlation id, id:TEXT, or text in payloads".into(),
        ),
        _ => Ok(search),
    }
}

impl ReadSide {
    /// Up to `limit` events of a set, and whether more belong to it.
    pub async fn event_set(&self, set: &EventSet, limit: u32) -> Result<SetEvents, AppError> {
        // One more than asked for says whether the bound cut the set.
        let asked = limit.saturating_add(1);
        let mut events = match set {
            EventSet::Correlation(id) => self.browse.correlated(id, asked).await?,
            EventSet::Find(search) => self.browse.find_events(search, asked).await?,
        };
        let cut = events.len() > limit as usize;
        events.truncate(limit as usize);
        Ok(SetEvents { events, cut })
    }
}

#[cfg(test)]
mod tests {
    use super::{EventSearch, MAX_SEARCH, parse_search};

    fn parsed(typed: &str) -> EventSearch {
        parse_search(typed).unwrap_or_else(|e| panic!("{typed:?}: {e}"))
    }

    fn refused(typed: &str) -> String {
        parse_search(typed).unwrap_err().to_string()
    }

    #[test]
    fn a_search_is_a_position_an_id_or_text() {
        assert_eq!(parsed("#21"), EventSearch::Position(21));
        let id = "0b6f2a9e-8f0c-4c1e-9d1a-3c2b1a0f9e8d";
        assert_eq!(parsed(id), EventSearch::Id(id.into()));
        assert_eq!(parsed(&id.to_uppercase()), EventSearch::Id(id.into()));
        assert_eq!(parsed("id:req-42"), EventSearch::Id("req-42".into()));
        assert_eq!(
            parsed("  card declined "),
            EventSearch::Text("card declined".into())
        );
        assert_eq!(parsed("\"#21\""), EventSearch::Text("#21".into()));
        assert_eq!(parsed("21"), EventSearch::Text("21".into()));
        assert_eq!(parsed("\""), EventSearch::Text("\"".into()));
    }

    #[test]
    fn bad_searches_are_refused_in_one_line() {
        for typed in ["", "   ", "id:", "\"\""] {
            assert!(refused(typed).starts_with("find what?"), "{typed:?}");
        }
        for typed in ["#0", "#-3", "#x", "#", "#99999999999999999999"] {
            assert!(
                refused(typed).contains("not a global position"),
                "{typed:?}"
            );
        }
        let long = "x".repeat(MAX_SEARCH + 1);
        assert!(refused(&long).contains("at most 200"));
        assert!(parse_search(&"x".repeat(MAX_SEARCH)).is_ok());
        let e = refused("a\u{1b}[31mb");
        assert!(e.contains("control character (\\u{1b})"), "{e}");
        for e in [refused(&long), refused("a\nb"), refused("#x")] {
            assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{e}");
        }
    }
}
