//! The worker: a tokio task that owns the store, runs effects one at a time and sends the
//! results back as actions tagged with their request. Long jobs (`check`, `rebuild`,
//! `project`) run beside it as their own tasks (see `jobs`), so they never hold up stepping,
//! paging or the live poll.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use tokio::sync::mpsc;

use super::action::{Action, Effect, Loaded};
use super::jumps::Base;
use super::request::Request;
use crate::app::{AppError, Services};
use crate::domain::{Currency, Order, OrderId};

mod jobs;
mod read;
mod take;
mod write;

pub use write::load_history;

/// What the worker needs: the same services the CLI uses, and who the operator is.
pub struct Deps {
    /// Every service, built once.
    pub services: Services,
    /// The operator, recorded as each command's actor.
    pub actor: String,
    /// Where prompt history is appended.
    pub history_file: Option<PathBuf>,
}

impl Deps {
    /// The worker's needs over `services`, acting as `actor`.
    pub fn new(services: Services, actor: String) -> Deps {
        Deps {
            services,
            actor,
            history_file: None,
        }
    }
}

/// States kept: a few snapshot intervals' worth, so stepping rarely queries.
const CACHE: usize = 512;
/// Events read past a cached state when stepping forward misses the cache.
const READ_AHEAD: u64 = 64;

/// Runs effects against the store.
pub struct Worker {
    deps: Deps,
    cache: HashMap<(OrderId, u64), Order>,
    cache_order: VecDeque<(OrderId, u64)>,
    /// Each order's currency, once known: it is set at creation and never changes, and a
    /// window that does not reach v1 would otherwise have to read it again.
    currencies: HashMap<OrderId, Currency>,
    /// States that were not in the cache and were read from the store.
    state_loads: u64,
}

impl Worker {
    /// A worker over `deps`.
    pub fn new(deps: Deps) -> Worker {
        Worker {
            deps,
            cache: HashMap::new(),
            cache_order: VecDeque::new(),
            currencies: HashMap::new(),
            state_loads: 0,
        }
    }

    /// Drops every cached state, as a worker just started has none: the next state is read
    /// from the store. A benchmark's cold control, and a test's.
    pub fn forget_states(&mut self) {
        self.cache.clear();
        self.cache_order.clear();
    }

    /// How many states were not in the cache and had to be read from the store.
    pub fn state_loads(&self) -> u64 {
        self.state_loads
    }

    /// Runs one effect to completion; every outcome, failures included, comes back as
    /// actions. A job runs here too, in line, its progress lines before its result: the
    /// in-process `Driver` wants every effect finished; `serve` starts jobs beside itself.
    pub async fn run(&mut self, effect: Effect) -> Vec<Action> {
        let Some(tag) = effect.tag() else {
            if let Effect::SaveHistory(line) = effect {
                write::save_history(self.deps.history_file.as_deref(), &line);
            }
            return Vec::new();
        };
        if let Request::Job(_) = tag.request {
            let mut out = Vec::new();
            let progress = |text| out.push(Action::Loaded(tag, Loaded::Progress(text)));
            let loaded = jobs::run(&self.deps.services, effect, progress).await;
            out.push(Action::Loaded(tag, loaded));
            return out;
        }
        let result = self.answer(effect).await;
        let loaded = result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "worker request failed");
            let text = crate::text::printable(&e.to_string());
            if e.is_unavailable() {
                Loaded::Unavailable(text)
            } else {
                Loaded::Failed(text)
            }
        });
        vec![Action::Loaded(tag, loaded)]
    }

    /// The answer to one request (not a job, not fire-and-forget).
    async fn answer(&mut self, effect: Effect) -> Result<Loaded, AppError> {
        match effect {
            Effect::LoadOrders {
                query,
                class,
                as_of: Some(p),
                ..
            } => read::orders_at(&self.deps, p, &query, class).await,
            Effect::LoadOrders {
                query, class, lead, ..
            } => read::orders(&self.deps, &query, class, lead.as_deref()).await,
            Effect::ResolveAt { target, .. } => read::resolve_at(&self.deps, target).await,
            Effect::Fork {
                order,
                at,
                change,
                what,
                ..
            } => self
                .deps
                .services
                .read
                .fork(&order, at, change, chrono::Utc::now())
                .await
                .map(|f| Loaded::Forked(Box::new(crate::tui::fork::ForkView::new(&f, what)))),
            Effect::NextOutOfSync {
                sort,
                from,
                towards,
                ..
            } => read::next_out_of_sync(&self.deps, sort, from.as_deref(), towards).await,
            Effect::LoadStream {
                order,
                around,
                as_of,
                ..
            } => self.stream(&order, around, as_of).await,
            Effect::LoadState {
                order,
                version,
                base,
                ..
            } => self.state(&order, version, base).await,
            Effect::LoadDivergence { order, .. } => read::divergence(&self.deps, &order).await,
            Effect::Poll { order, as_of, .. } => {
                read::poll(&self.deps, order.as_deref(), as_of).await
            }
            Effect::LoadRaw { order, version, .. } => read::raw(&self.deps, &order, version).await,
            Effect::LoadCorrelated {
                order,
                version,
                purpose,
                ..
            } => read::correlated(&self.deps, &order, version, purpose).await,
            Effect::FindEvents {
                search, purpose, ..
            } => take::found(&self.deps, search, purpose).await,
            Effect::Export { what, to, .. } => take::export(&self.deps, what, &to).await,
            Effect::Report { order, to, .. } => take::report(&self.deps, &order, &to).await,
            Effect::LoadDeadLetters { .. } => self
                .deps
                .services
                .read
                .dead_letters()
                .await
                .map(Loaded::DeadLetters),
            Effect::Search {
                order,
                from,
                needle,
                direction,
                ..
            } => read::search(&self.deps, &order, from, &needle, direction).await,
            Effect::VersionAt { order, at, .. } => read::version_at(&self.deps, &order, at).await,
            Effect::Complete { what, .. } => write::complete(&self.deps, what).await,
            Effect::Resolve { command, .. } => write::resolve(&self.deps, command).await,
            Effect::LoadRawCopy { order, version, .. } => {
                read::raw_copy(&self.deps, &order, version).await
            }
            Effect::OpenPrefix { prefix, .. } => self
                .deps
                .services
                .read
                .resolve_id(&prefix)
                .await
                .map(Loaded::Opened),
            Effect::Execute { pending, .. } => write::execute(&self.deps, pending).await,
            Effect::Check { .. } => Err(AppError::BadInput("check runs as a job".into())),
            Effect::SaveHistory(_) | Effect::Copy(_) => {
                Err(AppError::BadInput("not a request".into()))
            }
        }
    }

    /// A window of a stream, its amounts written in the order's currency: known from an
    /// earlier window, else taken from this one when it holds the order's creation, else
    /// from the state at v1.
    async fn stream(
        &mut self,
        order: &str,
        around: Option<u64>,
        as_of: Option<i64>,
    ) -> Result<Loaded, AppError> {
        let w = read::stream_window(&self.deps, order, around, as_of).await?;
        let id = parse_id(order)?;
        let mut currency = self
            .currencies
            .get(&id)
            .copied()
            .or_else(|| read::created_currency(&w));
        if currency.is_none() && !w.events.is_empty() {
            // An order whose first event does not decode still shows, its amounts as stored.
            currency = self.state_at(id, 1).await.ok().map(|o| o.currency);
        }
        if let Some(c) = currency {
            self.currencies.insert(id, c);
        }
        Ok(read::stream(w, currency))
    }

    /// The state at `version` diffed with the state at `version - 1`, or at the base's
    /// version when there is one (a mark: then the diff spans any number of events, in
    /// either direction).
    async fn state(
        &mut self,
        order: &str,
        version: u64,
        base: Option<Base>,
    ) -> Result<Loaded, AppError> {
        let id = parse_id(order)?;
        let after = self.state_at(id, version).await?;
        let before = match base.map_or(version.saturating_sub(1), |b| b.version) {
            0 => Order::empty(id),
            v => self.state_at(id, v).await?,
        };
        Ok(Loaded::State {
            version,
            base,
            fields: super::fields::diff_fields(&before, &after),
        })
    }

    /// From the cache; else the events after a cached neighbour, read a few ahead; else
    /// snapshot + tail. Every state folded on the way is cached, so stepping on in either
    /// direction mostly finds its state without a query: a step costs the same at version 10
    /// and version 100,000.
    async fn state_at(&mut self, id: OrderId, v: u64) -> Result<Order, AppError> {
        if let Some(o) = self.cache.get(&(id, v)) {
            return Ok(o.clone());
        }
        self.state_loads += 1;
        if let Some(prev) = v.checked_sub(1).and_then(|p| self.cache.get(&(id, p))) {
            let mut order = prev.clone();
            let loader = self.deps.services.loader.clone();
            let events = loader
                .store()
                .read_stream(&id.to_stream_id(), v, v + READ_AHEAD - 1, READ_AHEAD as u32)
                .await?;
            for e in &events {
                order = crate::domain::evolve(order, &loader.decode(e)?);
                self.remember(id, &order);
            }
        } else {
            for order in self.deps.services.loader.load_trail(id, v).await? {
                self.remember(id, &order);
            }
        }
        self.cache
            .get(&(id, v))
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("order {id} has no version {v}")))
    }

    fn remember(&mut self, id: OrderId, order: &Order) {
        let key = (id, order.version);
        if self.cache.contains_key(&key) {
            return;
        }
        if self.cache_order.len() >= CACHE
            && let Some(old) = self.cache_order.pop_front()
        {
            self.cache.remove(&old);
        }
        self.cache_order.push_back(key);
        self.cache.insert(key, order.clone());
    }
}

pub(super) use crate::app::read::parse_id;

/// Runs the worker until the effect channel closes. Effects queued behind a newer one of
/// the same coalescing kind are dropped unrun: their results would be stale anyway. Jobs
/// start beside the loop and answer on `actions` when done; they stop with it.
pub async fn serve(
    mut worker: Worker,
    mut effects: mpsc::UnboundedReceiver<Effect>,
    actions: mpsc::UnboundedSender<Action>,
) {
    let mut jobs = jobs::Jobs::default();
    // The end-to-end test proves a panic here ends the process; nothing else sets this.
    let test_panic = std::env::var_os("CHRONICLE_TUI_TEST_PANIC").is_some_and(|v| v == "worker");
    while let Some(first) = effects.recv().await {
        let mut queue = vec![first];
        while let Ok(e) = effects.try_recv() {
            queue.push(e);
        }
        for effect in coalesce(queue) {
            if let Some(tag) = effect.tag()
                && let Request::Job(kind) = tag.request
            {
                jobs.start(kind, tag, effect, &worker.deps.services, &actions);
                continue;
            }
            assert!(
                !(test_panic && matches!(effect, Effect::LoadRaw { .. })),
                "CHRONICLE_TUI_TEST_PANIC: the worker panicking on request"
            );
            for action in worker.run(effect).await {
                if actions.send(action).is_err() {
                    return;
                }
            }
        }
    }
}

/// The queue without the effects a later one of the same coalescing kind supersedes.
fn coalesce(queue: Vec<Effect>) -> Vec<Effect> {
    let kinds: Vec<Option<Request>> = queue
        .iter()
        .map(|e| e.request().filter(|r| r.coalesces()))
        .collect();
    queue
        .into_iter()
        .enumerate()
        .filter(|(i, _)| kinds[*i].is_none_or(|k| !kinds[i + 1..].contains(&Some(k))))
        .map(|(_, e)| e)
        .collect()
}

#[cfg(test)]
mod coalescing {
    use super::*;

    fn state(tag: u64, version: u64) -> Effect {
        Effect::LoadState {
            tag,
            order: "o".into(),
            version,
            base: None,
        }
    }

    fn raw(tag: u64, version: u64) -> Effect {
        Effect::LoadRaw {
            tag,
            order: "o".into(),
            version,
        }
    }

    /// What is left of a queue, each as (kind, tag).
    fn left(queue: Vec<Effect>) -> Vec<(Request, u64)> {
        coalesce(queue)
            .iter()
            .map(|e| {
                let tag = e.tag().expect("tagged");
                (tag.request, tag.seq)
            })
            .collect()
    }

    #[test]
    fn a_held_arrow_key_loads_only_the_last_state_queued() {
        let queue: Vec<Effect> = (1..=50).map(|v| state(v, v)).collect();
        assert_eq!(left(queue), vec![(Request::State, 50)]);
    }

    #[test]
    fn each_coalescing_kind_keeps_its_newest_in_place_and_the_rest_all_run() {
        let queue = vec![
            state(1, 1),
            Effect::LoadDivergence {
                tag: 2,
                order: "o".into(),
            },
            raw(3, 1),
            state(4, 2),
            raw(5, 2),
            Effect::LoadDivergence {
                tag: 6,
                order: "o".into(),
            },
            Effect::Check { tag: 7 },
            Effect::Check { tag: 8 },
        ];
        assert_eq!(
            left(queue),
            vec![
                // Overlay requests were each asked for: none dropped, order kept.
                (Request::Overlay, 3),
                (Request::State, 4),
                (Request::Overlay, 5),
                (Request::Divergence, 6),
                (Request::Job(crate::tui::request::JobKind::Check), 7),
                (Request::Job(crate::tui::request::JobKind::Check), 8),
            ]
        );
    }

    #[test]
    fn fire_and_forget_effects_are_never_dropped() {
        let queue = vec![
            Effect::SaveHistory("a".into()),
            state(1, 1),
            Effect::SaveHistory("b".into()),
            state(2, 2),
        ];
        let kept = coalesce(queue);
        let saved: Vec<&str> = kept
            .iter()
            .filter_map(|e| match e {
                Effect::SaveHistory(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(saved, ["a", "b"]);
        assert_eq!(kept.len(), 3);
    }
}
