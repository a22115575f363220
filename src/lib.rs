//! Chronicle: an event-sourced order system and the terminal debugger that sees through it.

pub mod app;
pub mod cli;
pub mod domain;
pub mod http;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod tui;

/// mimalloc for every binary built on the crate (the CLI, its tests and benchmarks): the
/// projector allocates a batch's events on its reader thread and frees them on another, and
/// the system allocator spent a sixth of a PostgreSQL catch-up in `malloc` and `free`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
