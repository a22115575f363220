//! The terminal debugger (design §5): Elm-style. `state` is plain data, `update` turns
//! actions into state changes and effects without IO, `view` renders the state, and the
//! `worker` task owns the store, runs effects and answers with tagged actions; long jobs
//! (check, rebuild, project) run beside it and answer the same way. `request` names the
//! kinds of request, which the tags, the coalescing and the jobs all go by.

pub mod action;
pub mod clipboard;
pub mod driver;
pub mod fields;
pub mod fork;
pub mod format;
mod head;
pub mod jumps;
pub mod keymap;
pub mod prompt;
pub mod request;
pub mod state;
pub mod status;
pub mod take;
mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod whatif;
pub mod worker;

pub use driver::Driver;
pub use terminal::{Options, run};
