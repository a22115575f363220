//! The `chronicle` command line: a thin adapter over `app`.

// clap derive: a field's doc is its help text; flattened and subcommand fields have none.
#[allow(missing_docs)]
mod args;
mod ctx;
mod demo_guard;
mod order;
mod output;
mod parse;
mod read_side;
mod run;
mod serve;
mod tui;

pub use args::{Cli, Command, OrderCmd, WriteOpts};
pub use ctx::{Failure, exit};
pub use parse::{Parsed, parse};
pub use run::run;
