//! `CommandService`: load (snapshot + tail) → decide → append at the expected version.
//!
//! On a conflict: when the caller gave `expected_version`, the conflict is reported and
//! nothing is retried (the caller decided against a state that is gone). When the caller
//! gave none, the service reloads and decides again, at most `max_conflict_retries` times,
//! so a rule is always checked against the state it is appended on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use sha2::{Digest, Sha256};
use tracing::Instrument as _;
use uuid::Uuid;

use super::error::AppError;
use super::loader::Loader;
use super::metadata::{CommandContext, EventMetadata};
use crate::domain::{
    DomainError, Order, OrderCommand, OrderEvent, OrderId, STATE_SCHEMA_VERSION, decide, evolve,
};
use crate::store::{
    AppendRequest, EventStore, IdempotencyRecord, NewEvent, SnapshotRecord, StoreError,
};

/// States kept in memory; a stale entry costs one conflict and a reload, never a wrong write.
const CACHE_CAPACITY: usize = 10_000;

/// One command addressed to one order.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    /// The order.
    pub order_id: OrderId,
    /// What to do.
    pub command: OrderCommand,
    /// Report a conflict unless the order is at exactly this version.
    pub expected_version: Option<u64>,
    /// True when the service's caller generated `order_id` (then a retried create with the
    /// same idempotency key but a fresh id is still the same command).
    pub id_generated: bool,
    /// Who, why, and retry safety.
    pub context: CommandContext,
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    /// The order's state after the command.
    pub order: Order,
    /// Events the command appended (empty for an idempotent replay).
    pub events: Vec<OrderEvent>,
    /// True when the idempotency key had been seen: the first result is returned.
    pub replayed: bool,
    /// Global position of the last event appended (0 for a replay).
    pub last_position: i64,
}

/// Settings of the command service.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// Snapshot each time a stream crosses a multiple of this.
    pub snapshot_every: u64,
    /// Idempotency keys older than this may be reused.
    pub idempotency_ttl: Duration,
    /// Re-decides after a conflict when no expected version was given.
    pub max_conflict_retries: u32,
}

/// Handles commands for every adapter (CLI, TUI, HTTP).
pub struct CommandService {
    store: Arc<dyn EventStore>,
    loader: Loader,
    settings: ServiceSettings,
    cache: Mutex<HashMap<OrderId, Order>>,
}

/// Hex SHA-256 of the command, so a reused idempotency key can be told from a retry.
pub fn command_hash(req: &CommandRequest) -> String {
    let id = if req.id_generated {
        String::new()
    } else {
        req.order_id.to_string()
    };
    let body = serde_json::to_string(&req.command).unwrap_or_default();
    let digest = Sha256::digest(format!("{id}\n{body}").as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl CommandService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn EventStore>, loader: Loader, settings: ServiceSettings) -> Self {
        CommandService {
            store,
            loader,
            settings,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The loader this service reads states with.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    fn cached(&self, id: OrderId) -> Option<Order> {
        self.cache.lock().ok()?.get(&id).cloned()
    }

    fn remember(&self, order: &Order) {
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= CACHE_CAPACITY && !c.contains_key(&order.id) {
                let victim = c.keys().next().copied();
                if let Some(v) = victim {
                    c.remove(&v);
                }
            }
            c.insert(order.id, order.clone());
        }
    }

    fn forget(&self, id: OrderId) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(&id);
        }
    }

    /// Executes one command at time `now`: all its events are appended, or none.
    ///
    /// Traced as a `command` span (inside the caller's, e.g. the HTTP request's) holding
    /// an `append` span per attempt.
    pub async fn execute(
        &self,
        req: &CommandRequest,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, AppError> {
        let ctx = &req.context;
        let span = tracing::info_span!(
            "command",
            command = req.command.name(),
            order_id = %req.order_id,
            correlation_id = ctx.correlation_id.as_deref(),
            trace_id = ctx.trace_id.as_deref(),
        );
        self.execute_untraced(req, now).instrument(span).await
    }

    async fn execute_untraced(
        &self,
        req: &CommandRequest,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, AppError> {
        // Stored timestamps have microsecond precision; events and metadata agree with them.
        let now = now.trunc_subsecs(6);
        let hash = req
            .context
            .idempotency_key
            .as_ref()
            .map(|_| command_hash(req));
        if let (Some(key), Some(hash)) = (&req.context.idempotency_key, &hash)
            && let Some(done) = self.replay_if_seen(key, hash, now).await?
        {
            return Ok(done);
        }
        let mut use_cache = true;
        let mut retries = 0;
        loop {
            let remembered = if use_cache {
                self.remembered(req)
            } else {
                None
            };
            let from_store = remembered.is_none();
            let state = match remembered {
                Some(s) => s,
                None => self.loader.load(req.order_id, None).await?,
            };
            let outcome = self.try_once(req, state, hash.as_deref(), now).await;
            // A request with the same key that won a race leaves this one a conflict, or a
            // rejection of the state it made: its answer is the first one's.
            if let (Some(key), Some(hash), Err(AppError::Rejected(_) | AppError::Conflict { .. })) =
                (&req.context.idempotency_key, &hash, &outcome)
                && let Some(done) = self.replay_if_seen(key, hash, now).await?
            {
                return Ok(done);
            }
            match outcome {
                // A state from memory may be stale: a rejection or conflict based on it is
                // confirmed once against the store before it is reported.
                Err(AppError::Rejected(_) | AppError::NotFound(_) | AppError::Conflict { .. })
                    if !from_store =>
                {
                    self.forget(req.order_id);
                    use_cache = false;
                }
                Err(AppError::Conflict { .. })
                    if req.expected_version.is_none()
                        && retries < self.settings.max_conflict_retries =>
                {
                    retries += 1;
                    use_cache = false;
                }
                other => return other,
            }
        }
    }

    /// Keys recorded before this may be reused; `None` when the TTL reaches back past any
    /// date (then no key has expired), so no setting can make the subtraction overflow.
    fn expired_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        now.checked_sub_signed(self.settings.idempotency_ttl)
    }

    /// The cached state, or the empty state for a create (most creates target a new stream,
    /// and the append's version check catches an existing one: one statement saved).
    fn remembered(&self, req: &CommandRequest) -> Option<Order> {
        self.cached(req.order_id).or_else(|| {
            matches!(req.command, OrderCommand::CreateOrder { .. })
                .then(|| Order::empty(req.order_id))
        })
    }

    async fn try_once(
        &self,
        req: &CommandRequest,
        state: Order,
        hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, AppError> {
        if let Some(expected) = req.expected_version
            && state.version != expected
        {
            return Err(AppError::Conflict {
                order_id: req.order_id,
                expected: Some(expected),
                actual: state.version,
            });
        }
        let events = decide(&state, &req.command, now).map_err(|e| match e {
            // Not a rule of the lifecycle: there is no order to apply one to.
            DomainError::NotFound => {
                AppError::NotFound(format!("order {} does not exist", req.order_id))
            }
            other => AppError::Rejected(other),
        })?;
        let expected = state.version;
        let ctx = &req.context;
        let new_events = stored_events(&events, ctx, now);
        let order = events.iter().fold(state, evolve);
        let n = self.settings.snapshot_every.max(1);
        let snapshot = (order.version / n > expected / n).then(|| SnapshotRecord {
            stream_id: req.order_id.to_stream_id(),
            version: order.version,
            schema_version: STATE_SCHEMA_VERSION,
            state: serde_json::to_string(&order).unwrap_or_default(),
        });
        let idem = match (&ctx.idempotency_key, hash) {
            (Some(key), Some(hash)) => Some(IdempotencyRecord {
                key: key.clone(),
                command_hash: hash.to_string(),
                stream_id: req.order_id.to_stream_id(),
                version: order.version,
                created_at: now,
            }),
            _ => None,
        };
        let stream_id = req.order_id.to_stream_id();
        let appended = self
            .store
            .append(AppendRequest {
                stream_id: &stream_id,
                expected_version: expected,
                events: &new_events,
                idempotency: idem.as_ref(),
                idempotency_expired_before: self.expired_before(now),
                snapshot: snapshot.as_ref(),
            })
            .instrument(tracing::info_span!(
                "append",
                order_id = %req.order_id,
                expected_version = expected,
                events = new_events.len(),
            ))
            .await;
        match appended {
            Ok(a) => {
                self.remember(&order);
                Ok(CommandOutcome {
                    order,
                    events,
                    replayed: false,
                    last_position: a.last_position,
                })
            }
            Err(StoreError::Conflict { actual, .. }) => {
                self.forget(req.order_id);
                Err(AppError::Conflict {
                    order_id: req.order_id,
                    expected: req.expected_version,
                    actual,
                })
            }
            Err(StoreError::IdempotencyKeyTaken(key)) => {
                // Another request with this key won the race: answer as a retry would.
                let hash = hash.unwrap_or_default();
                match self.replay_if_seen(&key, hash, now).await? {
                    Some(done) => Ok(done),
                    None => Err(AppError::KeyReused(key)),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn replay_if_seen(
        &self,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CommandOutcome>, AppError> {
        let Some(rec) = self.store.find_idempotency(key).await? else {
            return Ok(None);
        };
        if self
            .expired_before(now)
            .is_some_and(|cut| rec.created_at < cut)
        {
            return Ok(None);
        }
        if rec.command_hash != hash {
            return Err(AppError::KeyReused(key.to_string()));
        }
        let id: OrderId = rec.stream_id.parse().map_err(|_| {
            AppError::BadInput(format!("idempotency record names stream {}", rec.stream_id))
        })?;
        let order = self.loader.load(id, Some(rec.version)).await?;
        Ok(Some(CommandOutcome {
            order,
            events: Vec::new(),
            replayed: true,
            last_position: 0,
        }))
    }
}

/// The events as stored, each with its metadata; one command id and correlation id for all.
/// Public so that tools seeding a log by hand (the benchmarks) store what a command would.
pub fn stored_events(
    events: &[OrderEvent],
    ctx: &CommandContext,
    now: DateTime<Utc>,
) -> Vec<NewEvent> {
    let command_id = Uuid::new_v4();
    let correlation_id = ctx
        .correlation_id
        .clone()
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let causation_id = ctx
        .causation_id
        .clone()
        .unwrap_or_else(|| command_id.to_string());
    events
        .iter()
        .map(|e| {
            let meta = EventMetadata {
                event_id: Uuid::new_v4(),
                correlation_id: correlation_id.clone(),
                causation_id: causation_id.clone(),
                command_id,
                idempotency_key: ctx.idempotency_key.clone(),
                actor: ctx.actor.clone(),
                source: ctx.source.clone(),
                trace_id: ctx.trace_id.clone(),
                span_id: ctx.span_id.clone(),
                recorded_at: now,
            };
            NewEvent {
                event_type: e.event_type().to_string(),
                schema_version: e.schema_version(),
                payload: e.payload_json(),
                metadata: serde_json::to_string(&meta).unwrap_or_default(),
                recorded_at: now,
            }
        })
        .collect()
}
