//! The composition root: every service, built once from an open store and the config.

use std::sync::Arc;

use super::config::Config;
use super::projector::Projector;
use super::read::ReadSide;
use super::{CommandService, Loader};
use crate::store::Store;

/// What every adapter (CLI, debugger, benchmarks, HTTP) takes: the same services over one
/// database. Cloning shares them.
#[derive(Clone)]
pub struct Services {
    /// The open database.
    pub store: Store,
    /// The settings the services were built with.
    pub config: Arc<Config>,
    /// Reads states through snapshots.
    pub loader: Loader,
    /// Handles commands.
    pub commands: Arc<CommandService>,
    /// Keeps the read model up to date; rebuilds and dead letters.
    pub projector: Arc<Projector>,
    /// Every read use case.
    pub read: ReadSide,
}

impl Services {
    /// The services over `store` with `config`.
    pub fn new(store: Store, config: &Config) -> Services {
        let events = store.events();
        let loader = Loader::new(events.clone(), config.upcast());
        let commands = CommandService::new(events.clone(), loader.clone(), config.service());
        let projector = Projector::new(
            events,
            store.read_model(),
            config.upcast(),
            config.projector(),
        );
        let read = ReadSide::new(
            loader.clone(),
            store.read_model(),
            store.browse(),
            projector.projection(),
        );
        Services {
            store,
            config: Arc::new(config.clone()),
            loader,
            commands: Arc::new(commands),
            projector: Arc::new(projector),
            read,
        }
    }

    /// The same services with another projector (tests plant buggy projections with it).
    #[must_use]
    pub fn with_projector(mut self, projector: Projector) -> Services {
        self.read = ReadSide::new(
            self.loader.clone(),
            self.store.read_model(),
            self.store.browse(),
            projector.projection(),
        );
        self.projector = Arc::new(projector);
        self
    }
}
