//! The crash and concurrency suite: the real `chronicle` binary SIGKILLed in the middle of
//! commands, of an import, of `projector run` and of `projector rebuild`, on SQLite and on
//! PostgreSQL (a throwaway cluster, `common::pg`: the tests fail, never skip, without it);
//! `chronicle serve` SIGKILLed while concurrent HTTP clients' commands commit in batches;
//! then racing writers on one order and racing identical idempotent requests, by CLI and
//! by HTTP. Every scenario checks that nothing acknowledged was lost and nothing is partly
//! there, and prints one `crash summary:` line on stderr (`--nocapture` shows it).
//!
//! `CHRONICLE_CRASH_KILLS=N` sets the kills per scenario and backend (3 by default, so CI
//! stays fast; e.g. 25 for a stress run); `CHRONICLE_CRASH_SEED=S` repeats the kill timing
//! of a run (every scenario prints its seed).

mod common;

#[path = "crash/audit.rs"]
mod audit;
#[path = "crash/commands.rs"]
mod commands;
#[path = "crash/fixtures.rs"]
mod fixtures;
#[path = "crash/import.rs"]
mod import;
#[path = "crash/projector.rs"]
mod projector;
#[path = "crash/races.rs"]
mod races;
#[path = "crash/seed.rs"]
mod seed;
#[path = "crash/serve.rs"]
mod serve;
#[path = "crash/served_writes.rs"]
mod served_writes;
#[path = "crash/shared.rs"]
mod shared;
#[path = "crash/summary.rs"]
mod summary;

use shared::Backend::{Postgres, Sqlite};

#[test]
fn commands_killed_mid_write_lose_nothing_on_sqlite() {
    commands::scenario(Sqlite);
}

#[test]
fn commands_killed_mid_write_lose_nothing_on_postgres() {
    commands::scenario(Postgres);
}

#[test]
fn a_killed_import_leaves_all_or_nothing_on_sqlite() {
    import::scenario(Sqlite);
}

#[test]
fn a_killed_import_leaves_all_or_nothing_on_postgres() {
    import::scenario(Postgres);
}

#[test]
fn a_killed_projector_run_converges_to_a_rebuild_on_sqlite() {
    projector::run_scenario(Sqlite);
}

#[test]
fn a_killed_projector_run_converges_to_a_rebuild_on_postgres() {
    projector::run_scenario(Postgres);
}

#[test]
fn a_killed_rebuild_converges_to_a_clean_rebuild_on_sqlite() {
    projector::rebuild_scenario(Sqlite);
}

#[test]
fn a_killed_rebuild_converges_to_a_clean_rebuild_on_postgres() {
    projector::rebuild_scenario(Postgres);
}

#[test]
fn a_killed_server_loses_no_acknowledged_batched_command_on_sqlite() {
    served_writes::scenario(Sqlite);
}

#[test]
fn a_killed_server_loses_no_acknowledged_batched_command_on_postgres() {
    served_writes::scenario(Postgres);
}

#[test]
fn thirty_two_racing_writers_on_one_order_on_sqlite() {
    races::writers(Sqlite);
}

#[test]
fn thirty_two_racing_writers_on_one_order_on_postgres() {
    races::writers(Postgres);
}

#[test]
fn a_hundred_identical_idempotent_cli_creates_make_one_order_on_sqlite() {
    races::idempotent_cli(Sqlite);
}

#[test]
fn a_hundred_identical_idempotent_cli_creates_make_one_order_on_postgres() {
    races::idempotent_cli(Postgres);
}

#[test]
fn a_hundred_identical_idempotent_http_creates_make_one_order_on_sqlite() {
    races::idempotent_http(Sqlite);
}

#[test]
fn a_hundred_identical_idempotent_http_creates_make_one_order_on_postgres() {
    races::idempotent_http(Postgres);
}
