//! Reading a database URL: the one place that knows which schemes name which backend.

use std::path::PathBuf;

use super::StoreError;

/// A database URL this build can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite {
        /// The file.
        path: PathBuf,
    },
}

impl DatabaseUrl {
    /// Parses and validates `url`. Refused: an empty URL, one without a scheme, an unknown
    /// scheme, and a database that would not outlive the process (in-memory SQLite), each
    /// with a message that names the URL without its password.
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let shown = redact(url);
        let refuse = |why: &str| StoreError::InvalidUrl(format!("database URL {shown:?} {why}"));
        let url = url.trim();
        if url.is_empty() {
            return Err(StoreError::InvalidUrl(
                "the database URL is empty: use sqlite://PATH".into(),
            ));
        }
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(refuse("has no scheme: use sqlite://PATH"));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.contains('?') || path.contains('#') {
                    return Err(refuse(
                        "has parameters; Chronicle sets SQLite's options itself: use sqlite://PATH",
                    ));
                }
                if path.is_empty() {
                    return Err(refuse("names no file: use sqlite://PATH"));
                }
                if path == ":memory:" || path.starts_with("file::memory:") {
                    return Err(refuse(
                        "is an in-memory database, which would not outlive the process",
                    ));
                }
                Ok(DatabaseUrl::Sqlite {
                    path: PathBuf::from(path),
                })
            }
            "postgres" | "postgresql" => Err(refuse(
                "is PostgreSQL, which this build does not support yet: use sqlite://PATH",
            )),
            // A Windows drive letter or a bare path with a colon: still no scheme.
            s if s.len() == 1 || s.contains('/') || s.contains('.') => {
                Err(refuse("has no scheme: use sqlite://PATH"))
            }
            s => Err(refuse(&format!(
                "has the unknown scheme {s:?}: use sqlite://PATH"
            ))),
        }
    }

    /// The URL as shown to people.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
        }
    }
}

/// `url` with any password replaced by `***` (`scheme://user:***@host/…`), for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The last '@' ends the user info: a password may itself contain '@'.
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let (userinfo, host) = authority.split_at(at);
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{host}{tail}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        match DatabaseUrl::parse(url) {
            Err(StoreError::InvalidUrl(m)) => m,
            other => panic!("{url:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn sqlite_urls_name_a_file() {
        for (url, path) in [
            ("sqlite://chronicle.db", "chronicle.db"),
            ("sqlite:chronicle.db", "chronicle.db"),
            ("sqlite:///tmp/x.db", "/tmp/x.db"),
            ("SQLITE://a/b.db", "a/b.db"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url).unwrap(),
                DatabaseUrl::Sqlite { path: path.into() },
                "{url}"
            );
        }
    }

    #[test]
    fn urls_that_would_store_nothing_lasting_are_refused() {
        for url in [
            "",
            "  ",
            "sqlite:",
            "sqlite://",
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://x.db?mode=memory",
            "sqlite://file::memory:?cache=shared",
        ] {
            refused(url);
        }
        assert!(refused("sqlite::memory:").contains("outlive the process"));
    }

    #[test]
    fn unknown_schemes_and_bare_paths_are_refused_without_the_password() {
        let m = refused("mysql://root:hunter2@db.local/shop");
        assert!(m.contains("unknown scheme \"mysql\""), "{m}");
        assert!(m.contains("root:***@db.local"), "{m}");
        assert!(!m.contains("hunter2"), "{m}");
        assert!(refused("chronicle.db").contains("no scheme"));
        assert!(refused("/tmp/chronicle.db").contains("no scheme"));
        assert!(refused("C:\\data\\x.db").contains("no scheme"));
        let m = refused("postgres://app:s3cr@t@127.0.0.1:5432/db");
        assert!(!m.contains("s3cr"), "{m}");
    }

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redact("postgres://u:p@h:5/d?x=1"),
            "postgres://u:***@h:5/d?x=1"
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
