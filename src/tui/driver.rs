//! Drives the model and a worker in-process, without a terminal: every effect runs to
//! completion before the next action. Screen tests and benchmarks use it.

use std::collections::VecDeque;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::{Action, Effect};
use super::state::App;
use super::update::{start, update};
use super::view::render;
use super::worker::Worker;

/// The model and its worker, run step by step.
pub struct Driver {
    /// The model.
    pub app: App,
    worker: Worker,
}

impl Driver {
    /// A driver over a model and a worker.
    pub fn new(app: App, worker: Worker) -> Driver {
        Driver { app, worker }
    }

    /// The first frame's effects, run until nothing is left to do.
    pub async fn start(&mut self) {
        let fx = start(&mut self.app);
        self.settle(fx).await;
    }

    /// Applies an action and runs the effects it causes (and theirs) to completion.
    pub async fn send(&mut self, action: Action) {
        let fx = update(&mut self.app, action);
        self.settle(fx).await;
    }

    async fn settle(&mut self, fx: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = fx.into();
        while let Some(effect) = queue.pop_front() {
            for action in self.worker.run(effect).await {
                queue.extend(update(&mut self.app, action));
            }
        }
    }

    /// The worker, to read its counters or empty its cache.
    pub fn worker(&mut self) -> &mut Worker {
        &mut self.worker
    }

    /// Renders the model to a test terminal.
    pub fn render(&self, terminal: &mut Terminal<TestBackend>) {
        // A TestBackend cannot fail to draw.
        let _ = terminal.draw(|f| render(&self.app, f));
    }
}
