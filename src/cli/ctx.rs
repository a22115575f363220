//! Settings resolved from flags, environment and config; failures and their exit codes.

use std::io::Write;
use std::sync::Arc;

use super::args::Cli;
use crate::app::config::Config;
use crate::app::projector::Projector;
use crate::app::{AppError, CommandService, Loader};
use crate::domain::{LineItem, OrderId, UpcastContext};
use crate::store::{EventStore, OpenMode, ReadModel, SqliteStore, StoreError};

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// `check` found divergence.
    pub const DIVERGED: u8 = 1;
    /// Bad usage or input.
    pub const USAGE: u8 = 2;
    /// A domain rule refused the command.
    pub const REJECTED: u8 = 3;
    /// Optimistic concurrency conflict.
    pub const CONFLICT: u8 = 4;
    /// No such order.
    pub const NOT_FOUND: u8 = 5;
    /// Storage failure.
    pub const STORAGE: u8 = 6;
}

/// A failed command: one line for stderr and its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// One line, no trailing newline.
    pub message: String,
}

impl Failure {
    pub(super) fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let code = match &e {
            AppError::Rejected(_) => exit::REJECTED,
            AppError::Conflict { .. } => exit::CONFLICT,
            AppError::KeyReused(_) | AppError::BadInput(_) => exit::USAGE,
            AppError::NotFound(_) => exit::NOT_FOUND,
            AppError::Corrupt { .. } | AppError::Storage(_) => exit::STORAGE,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        AppError::Storage(e).into()
    }
}

/// Everything a command needs, built from flags, environment and config.
pub(super) struct Ctx {
    pub(super) config: Config,
    pub(super) url: String,
    pub(super) read_only: bool,
}

impl Ctx {
    pub(super) fn new(cli: &Cli) -> Result<Ctx, Failure> {
        let mut config =
            Config::load(cli.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
        if let Some(n) = cli.snapshot_every {
            if n == 0 {
                return Err(Failure::usage("--snapshot-every must be at least 1"));
            }
            config.snapshot_every = n;
        }
        if let Some(c) = &cli.default_currency {
            config.default_currency = c
                .parse()
                .map_err(|e: crate::domain::UnknownCurrency| Failure::usage(e.to_string()))?;
        }
        if let Some(t) = cli.idempotency_ttl_secs {
            config.idempotency_ttl_secs = t;
        }
        let url = cli
            .database_url
            .clone()
            .or_else(|| config.database_url.clone())
            .unwrap_or_else(|| "sqlite://chronicle.db".into());
        Ok(Ctx {
            config,
            url,
            read_only: cli.read_only,
        })
    }

    pub(super) async fn store(&self, write: bool) -> Result<Arc<dyn EventStore>, Failure> {
        Ok(self.open(write).await?)
    }

    /// The event store and the read model (one database).
    pub(super) async fn stores(
        &self,
        write: bool,
    ) -> Result<(Arc<dyn EventStore>, Arc<dyn ReadModel>), Failure> {
        let db = self.open(write).await?;
        Ok((db.clone(), db))
    }

    /// A projector over the database.
    pub(super) async fn projector(
        &self,
        write: bool,
    ) -> Result<(Loader, Arc<dyn ReadModel>, Projector), Failure> {
        self.projector_with(write, &self.config).await
    }

    /// A projector with these settings.
    pub(super) async fn projector_with(
        &self,
        write: bool,
        config: &Config,
    ) -> Result<(Loader, Arc<dyn ReadModel>, Projector), Failure> {
        let (store, read_model) = self.stores(write).await?;
        let projector = Projector::new(
            store.clone(),
            read_model.clone(),
            UpcastContext {
                default_currency: self.config.default_currency,
            },
            config.projector(),
        );
        Ok((self.loader(store), read_model, projector))
    }

    /// Refuses database URLs this build cannot open.
    pub(super) fn sqlite_only(&self) -> Result<(), Failure> {
        if self.url.starts_with("postgres:") || self.url.starts_with("postgresql:") {
            return Err(Failure::usage(
                "PostgreSQL URLs are not supported by this build yet; use sqlite://PATH",
            ));
        }
        Ok(())
    }

    async fn open(&self, write: bool) -> Result<Arc<SqliteStore>, Failure> {
        if write && self.read_only {
            return Err(Failure::usage("read-only mode: refusing to write"));
        }
        self.sqlite_only()?;
        let mode = if write {
            OpenMode::CreateIfMissing
        } else {
            OpenMode::MustExist
        };
        Ok(Arc::new(SqliteStore::open(&self.url, mode).await?))
    }

    pub(super) fn loader(&self, store: Arc<dyn EventStore>) -> Loader {
        Loader::new(store, self.config.upcast())
    }

    pub(super) fn service(&self, store: Arc<dyn EventStore>) -> CommandService {
        CommandService::new(store.clone(), self.loader(store), self.config.service())
    }
}

pub(super) fn order_id(s: &str) -> Result<OrderId, Failure> {
    s.parse()
        .map_err(|e: crate::domain::InvalidOrderId| Failure::usage(e.to_string()))
}

pub(super) fn item(s: &str) -> Result<LineItem, Failure> {
    s.parse()
        .map_err(|e: crate::domain::ItemSpecError| Failure::usage(e.to_string()))
}

/// Writes to stdout; a closed or full stdout is one error line, never a panic.
pub(super) fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::usage(format!("writing output: {e}")))
}

pub(super) fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    emit(&format!("{v}\n"))
}
