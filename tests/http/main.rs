//! The HTTP API end to end: `reqwest` against the real server on 127.0.0.1, over a real
//! SQLite file.

#[path = "../common/mod.rs"]
mod common;
#[macro_use]
mod support;
mod errors;
mod headers;
mod metrics;
mod openapi;
mod orders;
mod process;
mod reads_access;
mod schemathesis;
mod served;
mod tracing;
mod unavailable;
