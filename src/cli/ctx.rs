//! Settings resolved from flags, environment and config; failures and their exit codes.

use std::io::Write;

use super::args::Cli;
use crate::app::config::Config;
use crate::app::{AppError, Services};
use crate::domain::{LineItem, OrderId, OrderRef};
use crate::store::{self, Access, StoreError};

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

    /// Stdout could not be written. A reader that stopped reading (`| head`) is no failure
    /// of the command: it ends quietly with exit 0, as `git log | head` does; anything
    /// else (a full disk) is one error line.
    pub(super) fn output(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure {
                code: exit::OK,
                message: String::new(),
            }
        } else {
            Failure::usage(format!("writing output: {e}"))
        }
    }

    /// True for the quiet end of [`Failure::output`]: the reader of stdout went away.
    pub(super) fn is_closed_output(&self) -> bool {
        self.code == exit::OK
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        if let AppError::Output(io) = e {
            return Failure::output(&io);
        }
        let code = match &e {
            // The domain refused the input's shape (blank, too long, control characters).
            AppError::Rejected(d) if d.is_malformed_input() => exit::USAGE,
            AppError::Rejected(_) => exit::REJECTED,
            AppError::Conflict { .. } | AppError::Storage(StoreError::Conflict { .. }) => {
                exit::CONFLICT
            }
            // (Output is answered above; a failed write was always a usage failure.)
            AppError::KeyReused(_)
            | AppError::BadInput(_)
            | AppError::Output(_)
            | AppError::Storage(StoreError::InvalidUrl(_) | StoreError::ReadOnly) => exit::USAGE,
            AppError::NotFound(_) => exit::NOT_FOUND,
            AppError::Corrupt { .. }
            | AppError::CorruptRow { .. }
            | AppError::Internal(_)
            | AppError::Storage(_) => exit::STORAGE,
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
    /// Every database handle this command opened, closed when it ends (a server backend
    /// sends its last commit notification then).
    opened: std::sync::Mutex<Vec<crate::store::Store>>,
}

impl Ctx {
    pub(super) fn new(cli: &Cli) -> Result<Ctx, Failure> {
        let mut config =
            Config::load(cli.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
        if let Some(n) = cli.snapshot_every {
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
        // Once every source is applied: one check of every range.
        config.check().map_err(Failure::usage)?;
        let url = cli
            .database_url
            .clone()
            .or_else(|| config.database_url.clone())
            .unwrap_or_else(|| "sqlite://chronicle.db".into());
        Ok(Ctx {
            config,
            url,
            read_only: cli.read_only,
            opened: std::sync::Mutex::default(),
        })
    }

    /// Closes every handle the command opened.
    pub(super) async fn close(&self) {
        let opened = std::mem::take(
            &mut *self
                .opened
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for store in opened {
            store.close().await;
        }
    }

    /// The services over the database, opened as `access` asks; a write in read-only mode
    /// is refused before anything is opened.
    pub(super) async fn services(&self, access: Access) -> Result<Services, Failure> {
        self.services_with(access, &self.config).await
    }

    /// The services with these settings.
    pub(super) async fn services_with(
        &self,
        access: Access,
        config: &Config,
    ) -> Result<Services, Failure> {
        let store = store::open(&self.url, self.access(access)?).await?;
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(store.clone());
        Ok(Services::new(store, config))
    }

    /// `access`, narrowed by `--read-only`: a write that would create is refused, anything
    /// else opens read-only.
    pub(super) fn access(&self, access: Access) -> Result<Access, Failure> {
        if !self.read_only {
            return Ok(access);
        }
        if access == Access::CreateIfMissing {
            return Err(Failure::usage("read-only mode: refusing to write"));
        }
        Ok(Access::ReadOnly)
    }

    /// A write: refused in read-only mode, else the database is created when missing.
    pub(super) async fn writer(&self) -> Result<Services, Failure> {
        self.services(Access::CreateIfMissing).await
    }

    /// A write to a database that must already exist (a dead-letter retry, a rebuild): a
    /// missing one is reported, never created empty.
    pub(super) async fn updater(&self) -> Result<Services, Failure> {
        self.services(Access::ReadWrite).await
    }

    /// A read: the database must exist and nothing is written.
    pub(super) async fn reader(&self) -> Result<Services, Failure> {
        self.services(Access::ReadOnly).await
    }
}

/// A whole order id, for what names a new order (`order create --id`).
pub(super) fn order_id(s: &str) -> Result<OrderId, Failure> {
    s.parse()
        .map_err(|e: crate::domain::InvalidOrderId| Failure::usage(e.to_string()))
}

/// An existing order's id or its prefix, checked before anything is opened; resolve it
/// with [`resolve`] once the services are.
pub(super) fn order_ref(s: &str) -> Result<OrderRef, Failure> {
    s.parse()
        .map_err(|e: crate::domain::InvalidOrderRef| Failure::usage(e.to_string()))
}

/// The one order `r` names (a prefix must match exactly one stored order).
pub(super) async fn resolve(services: &Services, r: &OrderRef) -> Result<OrderId, Failure> {
    Ok(services.read.resolve(r).await?)
}

pub(super) fn item(s: &str) -> Result<LineItem, Failure> {
    s.parse()
        .map_err(|e: crate::domain::ItemSpecError| Failure::usage(e.to_string()))
}

/// Writes to stdout; a full stdout is one error line, a closed one a quiet end (see
/// [`Failure::output`]), never a panic.
/// Writes `text` to stdout, escaped for a terminal (`text::for_terminal`): whatever stored
/// text a view holds, it cannot drive the terminal.
pub(super) fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(crate::text::for_terminal(text).as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::output(&e))
}

/// A view as JSON; a view that does not serialise is a bug, reported as one.
pub(super) fn to_json(v: &impl serde::Serialize) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(v)
        .map_err(|e| AppError::Internal(format!("serialising output: {e}")).into())
}

pub(super) fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    emit(&format!("{v}\n"))
}
