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
    /// A PostgreSQL database (the URL as given, password included: never shown).
    Postgres {
        /// The whole URL.
        url: String,
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
                "the database URL is empty: use sqlite://PATH or postgres://USER@HOST/DATABASE"
                    .into(),
            ));
        }
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(refuse(
                "has no scheme: use sqlite://PATH or postgres://USER@HOST/DATABASE",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.contains('?') || path.contains('#') {
                    return Err(refuse(
                        "has parameters; Chronicle sets SQLite's options itself: use sqlite://PATH or postgres://USER@HOST/DATABASE",
                    ));
                }
                if path.is_empty() {
                    return Err(refuse(
                        "names no file: use sqlite://PATH or postgres://USER@HOST/DATABASE",
                    ));
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
            "postgres" | "postgresql" => {
                let Some(after) = rest.strip_prefix("//") else {
                    return Err(refuse("is not of the form postgres://USER@HOST/DATABASE"));
                };
                let authority = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                let database = after[authority.len()..]
                    .strip_prefix('/')
                    .map_or("", |d| &d[..d.find(['?', '#']).unwrap_or(d.len())]);
                if host.is_empty() && !after[authority.len()..].contains("host=") {
                    return Err(refuse("names no host: use postgres://USER@HOST/DATABASE"));
                }
                if database.is_empty() && !after.contains("dbname=") {
                    return Err(refuse(
                        "names no database: use postgres://USER@HOST/DATABASE",
                    ));
                }
                Ok(DatabaseUrl::Postgres {
                    url: url.to_string(),
                })
            }
            // A Windows drive letter or a bare path with a colon: still no scheme.
            s if s.len() == 1 || s.contains('/') || s.contains('.') => Err(refuse(
                "has no scheme: use sqlite://PATH or postgres://USER@HOST/DATABASE",
            )),
            s => Err(refuse(&format!(
                "has the unknown scheme {s:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE"
            ))),
        }
    }

    /// The URL as shown to people.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => redact(url),
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
    }

    #[test]
    fn postgres_urls_need_a_host_and_a_database_and_show_no_password() {
        let url = "postgres://app:s3cr@t@127.0.0.1:5432/shop?sslmode=disable";
        let parsed = DatabaseUrl::parse(url).unwrap();
        assert_eq!(parsed, DatabaseUrl::Postgres { url: url.into() });
        assert_eq!(
            parsed.display(),
            "postgres://app:***@127.0.0.1:5432/shop?sslmode=disable"
        );
        assert!(DatabaseUrl::parse("postgresql://app@db/shop").is_ok());
        for bad in [
            "postgres:shop",
            "postgres://app:s3cr@t@127.0.0.1:5432",
            "postgres://app:s3cr@t@127.0.0.1:5432/",
            "postgres:///shop",
        ] {
            let m = refused(bad);
            assert!(!m.contains("s3cr"), "{m}");
            assert!(m.contains("postgres://USER@HOST/DATABASE"), "{m}");
        }
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
