//! `chronicle tui`: opens the debugger over an existing database.

use std::sync::Arc;

use super::ctx::{Ctx, Failure, exit};
use crate::app::metadata::local_actor;
use crate::store::{EventStore, OpenMode, SqliteStore, StoreError};
use crate::tui::worker::Deps;
use crate::tui::{Options, run};

/// Opens the debugger; `welcome` is its first message.
pub(super) async fn tui(ctx: &Ctx, welcome: Option<String>) -> Result<(), Failure> {
    ctx.sqlite_only()?;
    // Opened for writes (the prompt writes) but never created: a missing file is an error.
    let db = match SqliteStore::open(&ctx.url, OpenMode::MustExist).await {
        Ok(db) => Arc::new(db),
        Err(StoreError::Missing(path)) => {
            return Err(Failure {
                code: exit::NOT_FOUND,
                message: format!(
                    "no database at {path}: `chronicle demo` seeds one, or pass --database-url"
                ),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let deps = Deps::sqlite(&db, &ctx.config, local_actor());
    let opts = Options {
        read_only: ctx.read_only,
        database: ctx.url.clone(),
        config: ctx.config.tui.clone(),
        welcome,
    };
    let result = run(deps, opts).await;
    db.close().await;
    result.map_err(Failure::usage)
}
