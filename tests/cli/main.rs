//! End-to-end tests: the built `chronicle` binary against a real database file.
//!
//! Every run gets an explicit `--database-url` and `--config` and a scrubbed environment,
//! so neither the developer's config file nor their `DATABASE_URL` can change the outcome.
//! [`harness`] does that and holds the shared assertions; the other modules group the
//! tests by what they pin down.

mod bad_input;
mod closed_stdout;
mod concurrency;
mod corrupt_rows;
mod explain;
mod harness;
mod hostile_text;
mod id_prefix;
mod import_rules;
mod lifecycle;
mod projector;
mod read_only;
mod read_side;
mod storage;
mod times;
mod transfer;
mod urls;
