//! Fuzzing at volume: every parser of outside input (the debugger's prompt, item specs,
//! amounts and the command line, stored events, import lines, HTTP bodies) on structured and
//! arbitrary input. No input may panic; values formatted and parsed back must round-trip;
//! what the grammar refuses must be refused.
//!
//! `CHRONICLE_FUZZ_CASES` sets the cases per target (default a few thousand, for CI):
//! `CHRONICLE_FUZZ_CASES=1000000 cargo test --locked --release --test fuzz -- --test-threads=1`.

#[path = "fuzz/config.rs"]
mod config;
#[path = "fuzz/strings.rs"]
mod strings;
#[path = "fuzz/values.rs"]
mod values;

#[path = "fuzz/argv.rs"]
mod argv;
#[path = "fuzz/bodies.rs"]
mod bodies;
#[path = "fuzz/body_model.rs"]
mod body_model;
#[path = "fuzz/events.rs"]
mod events;
#[path = "fuzz/fake.rs"]
mod fake;
#[path = "fuzz/history.rs"]
mod history;
#[path = "fuzz/import.rs"]
mod import;
#[path = "fuzz/items.rs"]
mod items;
#[path = "fuzz/mutate.rs"]
mod mutate;
#[path = "fuzz/prompt.rs"]
mod prompt;
#[path = "fuzz/prompt_gen.rs"]
mod prompt_gen;
