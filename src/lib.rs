//! Chronicle: an event-sourced order system and the terminal debugger that sees through it.

pub mod app;
pub mod cli;
pub mod domain;
pub mod store;
pub mod text;
pub mod tui;
