//! Use cases: command handling, queries, export/import and demo data, over any `EventStore`.

pub mod config;
pub mod demo;
pub mod divergence;
mod error;
mod loader;
pub mod metadata;
pub mod projection;
pub mod projector;
pub mod read;
mod service;
mod services;
pub mod transfer;

pub use error::AppError;
pub use loader::Loader;
pub use read::At;
pub use read::ReadSide;
pub use service::{
    CommandOutcome, CommandRequest, CommandService, ServiceSettings, command_hash, stored_events,
};
pub use services::Services;
