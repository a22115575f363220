//! Chronicle on a real PostgreSQL server: the throwaway cluster of `common::pg`, a database
//! per test. What only a server can show: many writers and a projector that never skips,
//! many processes with one elected projector, a streaming replica that reads, the CLI and
//! the debugger end to end, and what happens when the server goes away.

#[path = "../common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tui_e2e/harness.rs"]
mod tui_harness;

mod cli;
mod never_skip;
mod outage;
mod processes;
mod replica;
mod support;
