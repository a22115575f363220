//! The `chronicle` command line: a thin adapter over `app`.

mod args;
mod output;
mod run;

pub use args::{Cli, Command, OrderCmd, WriteOpts};
pub use run::{Failure, exit, run};
