//! `chronicle tui`: opens the debugger over an existing database.

use super::ctx::{Ctx, Failure, exit};
use crate::app::Services;
use crate::app::metadata::local_actor;
use crate::store::{self, Access, StoreError};
use crate::tui::worker::Deps;
use crate::tui::{Options, run};

/// Opens the debugger; `welcome` is its first message.
pub(super) async fn tui(ctx: &Ctx, welcome: Option<String>) -> Result<(), Failure> {
    // Opened for writes (the prompt writes) but never created: a missing file is an error.
    let store = match store::open(&ctx.url, ctx.access(Access::ReadWrite)?).await {
        Ok(store) => store,
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
    let opts = Options {
        read_only: ctx.read_only,
        database: store.url(),
        config: ctx.config.tui.clone(),
        welcome,
    };
    let services = Services::new(store.clone(), &ctx.config);
    let result = run(Deps::new(services, local_actor()), opts).await;
    store.close().await;
    result.map_err(Failure::usage)
}
