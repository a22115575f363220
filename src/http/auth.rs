//! Bearer tokens: named, configured (`CHRONICLE_API_TOKENS="ops=…,shop=…"` or the config
//! file's `api_tokens`), compared in constant time. A token's name becomes the actor of the
//! events its requests cause (`http:<name>`).

use subtle::ConstantTimeEq as _;

/// The tokens a server accepts.
#[derive(Clone, Default)]
pub struct Tokens(Vec<(String, Vec<u8>)>);

/// Shortest token accepted: a guessable token is no token.
pub const MIN_TOKEN_LEN: usize = 16;

impl Tokens {
    /// Parses `name=token,name=token`. Names are 1–64 of `[A-Za-z0-9_.-]`; tokens at least
    /// `MIN_TOKEN_LEN` visible ASCII characters; names unique. The error never holds a token.
    pub fn parse(spec: &str) -> Result<Tokens, String> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for (i, pair) in spec.split(',').map(str::trim).enumerate() {
            if pair.is_empty() {
                continue;
            }
            let Some((name, token)) = pair.split_once('=') else {
                return Err(format!("API token {}: expected name=token", i + 1));
            };
            let (name, token) = (name.trim(), token.trim());
            let name_ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !name_ok {
                return Err(format!(
                    "API token {}: the name must be 1-64 of A-Z a-z 0-9 _ . -",
                    i + 1
                ));
            }
            if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!(
                    "API token {name:?}: the token must be at least {MIN_TOKEN_LEN} visible ASCII characters"
                ));
            }
            if out.iter().any(|(n, _)| n == name) {
                return Err(format!("API token {name:?} is named twice"));
            }
            out.push((name.to_string(), token.as_bytes().to_vec()));
        }
        Ok(Tokens(out))
    }

    /// True when no token is configured (then every write is refused).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name of the token an `Authorization` header value carries, if it is one of
    /// ours. Every configured token is compared, so the time taken does not say which
    /// matched or how much of one did.
    pub fn name_of(&self, authorization: &str) -> Option<&str> {
        let presented = authorization
            .strip_prefix("Bearer ")
            .or_else(|| authorization.strip_prefix("bearer "))?
            .trim()
            .as_bytes();
        let mut found = None;
        for (name, token) in &self.0 {
            if bool::from(token.as_slice().ct_eq(presented)) {
                found = Some(name.as_str());
            }
        }
        found
    }
}

/// Who a write comes from: the name of the token it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

impl Caller {
    /// The events' actor: `http:<name>`.
    pub fn actor(&self) -> String {
        format!("http:{}", self.0)
    }
}

impl std::fmt::Debug for Tokens {
    // Names only: a token never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| n))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_named_tokens_and_finds_the_name_of_a_presented_one() {
        let t = Tokens::parse("ops=0123456789abcdef, shop = fedcba9876543210").unwrap();
        assert_eq!(t.name_of("Bearer 0123456789abcdef"), Some("ops"));
        assert_eq!(t.name_of("Bearer fedcba9876543210"), Some("shop"));
        assert_eq!(t.name_of("Bearer 0123456789abcdeF"), None);
        assert_eq!(t.name_of("Bearer 0123456789abcde"), None);
        assert_eq!(t.name_of("Basic 0123456789abcdef"), None);
        assert_eq!(format!("{t:?}"), r#"["ops", "shop"]"#);
    }

    #[test]
    fn refuses_short_unnamed_duplicated_or_hostile_tokens_without_echoing_them() {
        for bad in [
            "ops",
            "=0123456789abcdef",
            "ops=short",
            "ops=0123456789abcdef,ops=fedcba9876543210",
            "o p=0123456789abcdef",
            "ops=0123456789abcdef\u{1b}",
        ] {
            let e = Tokens::parse(bad).unwrap_err();
            assert!(!e.contains("0123456789abcdef"), "{e}");
        }
        assert!(Tokens::parse("").unwrap().is_empty());
    }
}
