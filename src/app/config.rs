//! Settings from the TOML config file; flags and environment override them at the edge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::Currency;

/// Every setting, with its default. `assets/config.toml` documents each key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Database URL when neither `--database-url` nor `DATABASE_URL` is given.
    pub database_url: Option<String>,
    /// A snapshot is written each time a stream crosses a multiple of this many events.
    pub snapshot_every: u64,
    /// Currency for `order create` without `--currency` and for `OrderCreated` v1 events.
    pub default_currency: Currency,
    /// Idempotency keys older than this many seconds may be reused.
    pub idempotency_ttl_secs: u64,
    /// How often a command without `--expected-version` re-decides after a conflict.
    pub max_conflict_retries: u32,
    /// Events the projector reads and commits together.
    pub projector_batch_size: u32,
    /// Retries of an event the projection fails on (its order parked meanwhile), before its
    /// dead letter waits for an operator.
    pub projector_max_retries: u32,
    /// First retry delay in milliseconds; doubled for each further retry.
    pub projector_base_backoff_ms: u64,
    /// How often `projector run` polls for new events once caught up, in milliseconds.
    pub projector_poll_interval_ms: u64,
    /// Bearer tokens for `serve`'s writes, `name=token,name=token`
    /// (`CHRONICLE_API_TOKENS` overrides it).
    pub api_tokens: Option<Secret>,
    /// Whether `serve`'s reads need a token too: `open` or `token`.
    pub api_reads: ReadAccess,
    /// The terminal debugger's settings (`[tui]`).
    pub tui: TuiConfig,
}

/// Whether the HTTP API's reads need a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ReadAccess {
    /// Anyone who can reach the server may read.
    #[default]
    Open,
    /// Reads and `/metrics` need a configured token, as writes do; `/healthz`, `/readyz`
    /// and `/openapi.json` stay open for probes and clients.
    Token,
}

/// A setting that is a secret: it never reaches `Debug` output or a log.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<secret>")
    }
}

/// `[tui]`: the debugger's keys, colours and files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiConfig {
    /// How often the debugger looks for new events, in milliseconds.
    pub poll_interval_ms: u64,
    /// Prompt history file; unset means the platform data dir's `chronicle/history`.
    pub history_file: Option<PathBuf>,
    /// Log file; unset means the platform state (or data) dir's `chronicle/tui.log`.
    pub log_file: Option<PathBuf>,
    /// Rebound commands: `step_back = ["left", "h"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Colours per slot: `changed = "yellow"`.
    pub theme: BTreeMap<String, String>,
}

impl Default for TuiConfig {
    fn default() -> Self {
        TuiConfig {
            poll_interval_ms: 400,
            history_file: None,
            log_file: None,
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            snapshot_every: 100,
            default_currency: Currency::EUR,
            idempotency_ttl_secs: 24 * 3600,
            max_conflict_retries: 3,
            projector_batch_size: 25_000,
            projector_max_retries: 3,
            projector_base_backoff_ms: 50,
            projector_poll_interval_ms: 500,
            api_tokens: None,
            api_reads: ReadAccess::Open,
            tui: TuiConfig::default(),
        }
    }
}

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("config {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// The projector's settings.
    pub fn projector(&self) -> crate::app::projector::ProjectorSettings {
        crate::app::projector::ProjectorSettings {
            batch_size: self.projector_batch_size,
            max_retries: self.projector_max_retries,
            base_backoff: std::time::Duration::from_millis(self.projector_base_backoff_ms),
            poll_interval: std::time::Duration::from_millis(self.projector_poll_interval_ms),
        }
    }

    /// The command service's settings.
    pub fn service(&self) -> crate::app::ServiceSettings {
        crate::app::ServiceSettings {
            snapshot_every: self.snapshot_every,
            idempotency_ttl: chrono::Duration::seconds(
                i64::try_from(self.idempotency_ttl_secs).unwrap_or(i64::MAX / 1000),
            ),
            max_conflict_retries: self.max_conflict_retries,
        }
    }

    /// The upcasting context.
    pub fn upcast(&self) -> crate::domain::UpcastContext {
        crate::domain::UpcastContext {
            default_currency: self.default_currency,
        }
    }

    /// The platform's default config file, e.g. `~/.config/chronicle/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("chronicle").join("config.toml"))
    }

    /// Reads `path`; a missing default file gives the defaults, a missing explicit one is an error.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match Self::default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::parse(&text).map_err(|message| ConfigError::Parse { path, message })
    }

    /// Parses config text and checks the values.
    pub fn parse(text: &str) -> Result<Config, String> {
        // toml's Display draws a multi-line caret diagram; errors here are one line.
        let c: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().trim().replace('\n', " ");
            match line {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            }
        })?;
        c.check()?;
        Ok(c)
    }

    /// Every numeric setting inside its range ([`RANGES`]), whichever of file, environment
    /// or flag it came from: the one check, run once all of them are applied.
    pub fn check(&self) -> Result<(), String> {
        for r in RANGES {
            let v = self.numeric(r.key);
            if v < r.min || v > r.max {
                let also = r.flag.map(|f| format!(" ({f})")).unwrap_or_default();
                return Err(format!(
                    "{}{also} is {v}: it must be {} to {} {}",
                    r.key, r.min, r.max, r.unit
                ));
            }
        }
        Ok(())
    }

    fn numeric(&self, key: &str) -> u64 {
        match key {
            "snapshot_every" => self.snapshot_every,
            "idempotency_ttl_secs" => self.idempotency_ttl_secs,
            "max_conflict_retries" => u64::from(self.max_conflict_retries),
            "projector_batch_size" => u64::from(self.projector_batch_size),
            "projector_max_retries" => u64::from(self.projector_max_retries),
            "projector_base_backoff_ms" => self.projector_base_backoff_ms,
            "projector_poll_interval_ms" => self.projector_poll_interval_ms,
            "tui.poll_interval_ms" => self.tui.poll_interval_ms,
            other => unreachable!("RANGES names {other}, which has no value"),
        }
    }
}

/// A numeric setting's range, inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// The config file's key (`[tui]` keys as `tui.KEY`).
    pub key: &'static str,
    /// The flags and variables that set it too, as the message names them.
    pub flag: Option<&'static str>,
    /// Smallest allowed.
    pub min: u64,
    /// Largest allowed.
    pub max: u64,
    /// What it counts.
    pub unit: &'static str,
}

/// Every numeric setting and its range. The bounds keep every use finite: the longest
/// projector retry delay is `projector_base_backoff_ms` × 2^(`projector_max_retries` − 1),
/// at most 60 s × 512 = 8.5 hours; the TTL reaches back at most ten years from now.
pub const RANGES: &[Range] = &[
    Range {
        key: "snapshot_every",
        flag: Some("--snapshot-every, CHRONICLE_SNAPSHOT_EVERY"),
        min: 1,
        max: 1_000_000,
        unit: "events",
    },
    Range {
        key: "idempotency_ttl_secs",
        flag: Some("--idempotency-ttl-secs, CHRONICLE_IDEMPOTENCY_TTL_SECS"),
        min: 0,
        max: 315_360_000,
        unit: "seconds (ten years)",
    },
    Range {
        key: "max_conflict_retries",
        flag: None,
        min: 0,
        max: 100,
        unit: "retries",
    },
    Range {
        key: "projector_batch_size",
        flag: Some("projector run --batch-size"),
        min: 1,
        max: 1_000_000,
        unit: "events",
    },
    Range {
        key: "projector_max_retries",
        flag: None,
        min: 0,
        max: 10,
        unit: "retries",
    },
    Range {
        key: "projector_base_backoff_ms",
        flag: None,
        min: 1,
        max: 60_000,
        unit: "ms",
    },
    Range {
        key: "projector_poll_interval_ms",
        flag: None,
        min: 1,
        max: 3_600_000,
        unit: "ms",
    },
    Range {
        key: "tui.poll_interval_ms",
        flag: Some("[tui] poll_interval_ms"),
        min: 10,
        max: 3_600_000,
        unit: "ms",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_documents_every_key_with_its_default() {
        let shipped = include_str!("../../assets/config.toml");
        let parsed = Config::parse(shipped).expect("assets/config.toml parses");
        assert_eq!(parsed, Config::default());
        for key in [
            "database_url",
            "snapshot_every",
            "default_currency",
            "idempotency_ttl_secs",
            "max_conflict_retries",
            "projector_batch_size",
            "projector_max_retries",
            "projector_base_backoff_ms",
            "projector_poll_interval_ms",
            "api_tokens",
            "api_reads",
            "[tui]",
            "poll_interval_ms",
            "history_file",
            "log_file",
            "[tui.keys]",
            "[tui.theme]",
        ] {
            assert!(shipped.contains(key), "assets/config.toml lacks {key}");
        }
    }

    #[test]
    fn every_numeric_setting_is_held_to_its_range_and_the_readme_documents_it() {
        let readme = include_str!("../../README.md");
        for r in RANGES {
            let mut c = Config::default();
            let set = |c: &mut Config, v: u64| {
                let n32 = u32::try_from(v).unwrap_or(u32::MAX);
                match r.key {
                    "snapshot_every" => c.snapshot_every = v,
                    "idempotency_ttl_secs" => c.idempotency_ttl_secs = v,
                    "max_conflict_retries" => c.max_conflict_retries = n32,
                    "projector_batch_size" => c.projector_batch_size = n32,
                    "projector_max_retries" => c.projector_max_retries = n32,
                    "projector_base_backoff_ms" => c.projector_base_backoff_ms = v,
                    "projector_poll_interval_ms" => c.projector_poll_interval_ms = v,
                    "tui.poll_interval_ms" => c.tui.poll_interval_ms = v,
                    other => panic!("a range for {other}, which this test cannot set"),
                }
            };
            for ok in [r.min, r.max] {
                set(&mut c, ok);
                assert_eq!(c.check(), Ok(()), "{} = {ok}", r.key);
            }
            let mut bad = vec![r.max + 1, u64::from(u32::MAX), u64::MAX];
            if r.min > 0 {
                bad.push(r.min - 1);
            }
            for v in bad {
                set(&mut c, v);
                let e = c.check().unwrap_err();
                assert!(
                    e.starts_with(r.key) && e.contains(&r.max.to_string()),
                    "{e}"
                );
                assert!(!e.contains('\n'));
            }
            let key = r.key.rsplit('.').next().unwrap();
            assert!(readme.contains(&format!("`{key}`")), "README lacks {key}");
        }
        // The file path runs the same check.
        assert!(Config::parse("idempotency_ttl_secs = 18446744073709551615").is_err());
        assert!(Config::parse("projector_base_backoff_ms = 999999999999").is_err());
        assert!(Config::parse("[tui]\npoll_interval_ms = 0").is_err());
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Config::parse("snapshot_every = 0").is_err());
        assert!(Config::parse("default_currency = \"XYZ\"").is_err());
        assert!(Config::parse("no_such_key = 1").is_err());
        assert!(Config::parse("api_reads = \"closed\"").is_err());
        assert_eq!(
            Config::parse("api_reads = \"token\"").unwrap().api_reads,
            ReadAccess::Token
        );
        assert_eq!(
            Config::parse("snapshot_every = 7").unwrap().snapshot_every,
            7
        );
        assert!(Config::parse("[tui]\nno_such_key = 1").is_err());
        let keys = Config::parse("[tui.keys]\nquit = [\"x\"]").unwrap();
        assert_eq!(keys.tui.keys["quit"], vec!["x".to_string()]);
    }
}
