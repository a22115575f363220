//! Shared fixtures: real SQLite files in a temp dir, and helpers to build commands.
#![allow(dead_code)]

pub mod pg;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chronicle::app::metadata::CommandContext;
use chronicle::app::projection::{ProjectionError, Rejected, project};
use chronicle::app::projector::{Projector, ProjectorSettings};
use chronicle::app::{CommandOutcome, CommandRequest, CommandService, Loader, ServiceSettings};
use chronicle::domain::{OrderCommand, OrderEvent, OrderId, UpcastContext};
use chronicle::store::{
    self, Access, EventStore, NewEvent, ReadModel, Store, StoredEvent, SummaryRow,
};
use chrono::{DateTime, TimeZone, Utc};
use tempfile::TempDir;

/// A database file in its own temp dir; the dir lives as long as this.
pub struct Db {
    pub dir: TempDir,
    pub url: String,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Db { dir, url }
    }

    /// A fresh handle: two handles on one file behave like two processes.
    pub async fn open(&self) -> Arc<dyn EventStore> {
        self.open_store().await.events()
    }

    /// The database file itself.
    pub fn file(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// A fresh handle on the whole database: event store, read model, browse queries.
    pub async fn open_store(&self) -> Store {
        store::open(&self.url, Access::CreateIfMissing)
            .await
            .expect("open store")
    }

    /// The command side and the read side over one fresh handle.
    pub async fn shop(&self) -> Shop {
        Shop::over(&self.open_store().await)
    }
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

pub fn event(n: u32) -> NewEvent {
    NewEvent {
        event_type: "Test".into(),
        schema_version: 1,
        payload: format!("{{\"n\":{n}}}"),
        metadata: "{}".into(),
        recorded_at: t0() + chrono::Duration::seconds(i64::from(n)),
    }
}

pub fn loader(store: &Arc<dyn EventStore>) -> Loader {
    Loader::new(store.clone(), UpcastContext::default())
}

pub fn service(store: &Arc<dyn EventStore>, snapshot_every: u64) -> CommandService {
    CommandService::new(
        store.clone(),
        loader(store),
        ServiceSettings {
            snapshot_every,
            idempotency_ttl: chrono::Duration::hours(24),
            max_conflict_retries: 3,
        },
    )
}

pub fn request(id: OrderId, command: OrderCommand) -> CommandRequest {
    CommandRequest {
        order_id: id,
        command,
        expected_version: None,
        id_generated: false,
        context: CommandContext {
            actor: "tester@test".into(),
            source: "test".into(),
            ..CommandContext::default()
        },
    }
}

pub fn create(customer: &str, items: &[&str]) -> OrderCommand {
    OrderCommand::CreateOrder {
        customer_id: customer.into(),
        items: items.iter().map(|s| s.parse().unwrap()).collect(),
        currency: "EUR".parse().unwrap(),
    }
}

pub fn add(spec: &str) -> OrderCommand {
    OrderCommand::AddItem {
        item: spec.parse().unwrap(),
    }
}

pub fn new_id() -> OrderId {
    OrderId(uuid::Uuid::new_v4())
}

/// Projector settings for tests: small batches, 1 ms backoff, fast polling.
pub fn settings(batch_size: u32) -> ProjectorSettings {
    ProjectorSettings {
        batch_size,
        max_retries: 3,
        base_backoff: Duration::from_millis(1),
        poll_interval: Duration::from_millis(5),
    }
}

/// True for the event the planted projection bug cannot apply: a `POISON…` item added.
pub fn poisoned(event: &OrderEvent) -> bool {
    matches!(event, OrderEvent::ItemAdded(e) if e.item.sku.as_str().starts_with("POISON"))
}

/// The error the planted bug fails with.
pub fn planted_error() -> ProjectionError {
    ProjectionError::BadLines("planted failure".into())
}

/// The real projection with a planted bug: it cannot apply a `POISON…` item being added.
pub fn failing_projection(
    row: Option<SummaryRow>,
    stored: &StoredEvent,
    event: &OrderEvent,
) -> Result<SummaryRow, Box<Rejected>> {
    if poisoned(event) {
        return Err(Rejected::new(planted_error(), row));
    }
    project(row, stored, event)
}

/// One database seen from both sides: commands through the service, the read model, and a
/// clock that moves one second per command (so every event has its own timestamp).
pub struct Shop {
    pub store: Arc<dyn EventStore>,
    pub read_model: Arc<dyn ReadModel>,
    pub svc: CommandService,
    pub loader: Loader,
    ticks: AtomicI64,
}

impl Shop {
    pub fn over(db: &Store) -> Shop {
        let store = db.events();
        Shop {
            svc: service(&store, 5),
            loader: loader(&store),
            store,
            read_model: db.read_model(),
            ticks: AtomicI64::new(0),
        }
    }

    /// The time the next command runs at.
    pub fn tick(&self) -> DateTime<Utc> {
        t0() + chrono::Duration::seconds(self.ticks.fetch_add(1, Ordering::SeqCst) + 1)
    }

    pub async fn exec(&self, id: OrderId, command: OrderCommand) -> CommandOutcome {
        self.svc
            .execute(&request(id, command), self.tick())
            .await
            .unwrap_or_else(|e| panic!("command on {id}: {e}"))
    }

    pub async fn create(&self, customer: &str, items: &[&str]) -> OrderId {
        let id = new_id();
        self.exec(id, create(customer, items)).await;
        id
    }

    pub async fn add(&self, id: OrderId, spec: &str) -> CommandOutcome {
        self.exec(id, add(spec)).await
    }

    pub async fn remove(&self, id: OrderId, sku: &str) -> CommandOutcome {
        let sku = chronicle::domain::Sku::new(sku).unwrap();
        self.exec(id, OrderCommand::RemoveItem { sku }).await
    }

    /// Pays the order's exact total.
    pub async fn pay(&self, id: OrderId) -> CommandOutcome {
        let amount = self.loader.load(id, None).await.unwrap().total();
        let method = "card".into();
        self.exec(id, OrderCommand::PayOrder { method, amount })
            .await
    }

    pub async fn ship(&self, id: OrderId, tracking_number: &str) -> CommandOutcome {
        let tracking_number = tracking_number.into();
        self.exec(id, OrderCommand::ShipOrder { tracking_number })
            .await
    }

    pub async fn deliver(&self, id: OrderId) -> CommandOutcome {
        self.exec(id, OrderCommand::DeliverOrder).await
    }

    pub async fn cancel(&self, id: OrderId) -> CommandOutcome {
        let reason = "changed mind".into();
        self.exec(id, OrderCommand::CancelOrder { reason }).await
    }

    /// Moves order number `i` one step along a lifecycle chosen by `i` (six paths, item
    /// edits included, ending delivered, cancelled paid, shipped, cancelled pending, or
    /// pending); false when that path has no such step.
    pub async fn step(&self, id: OrderId, i: usize, step: usize) -> bool {
        match (i % 6, step) {
            (_, 0) => self.add(id, &format!("X{i}:1:1.05")).await,
            (0..=3, 1) => self.add(id, "B:2:0.50").await,
            (0 | 1, 2) => self.remove(id, "B").await,
            (0 | 1 | 3, 3) | (2, 2) => self.pay(id).await,
            (0, 4) | (2, 3) => self.ship(id, &format!("TRK-{i}")).await,
            (0, 5) => self.deliver(id).await,
            (1 | 3, 4) | (4, 1) => self.cancel(id).await,
            _ => return false,
        };
        true
    }

    /// `n` orders taken through every lifecycle path; their ids, in creation order.
    pub async fn workload(&self, n: usize) -> Vec<OrderId> {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(self.create(&format!("cust-{i}"), &["A:1:9.99"]).await);
        }
        for step in 0..6 {
            for (i, id) in ids.iter().enumerate() {
                self.step(*id, i, step).await;
            }
        }
        ids
    }

    pub fn projector(&self, settings: ProjectorSettings) -> Projector {
        Projector::new(
            self.store.clone(),
            self.read_model.clone(),
            UpcastContext::default(),
            settings,
        )
    }

    /// Every read-model row, in id order.
    pub async fn rows(&self) -> Vec<SummaryRow> {
        let mut out: Vec<SummaryRow> = Vec::new();
        loop {
            let after = out.last().map(|r| r.order_id.clone()).unwrap_or_default();
            let page = self.read_model.rows_after(&after, 500).await.unwrap();
            let done = page.len() < 500;
            out.extend(page);
            if done {
                return out;
            }
        }
    }

    pub async fn row(&self, id: OrderId) -> Option<SummaryRow> {
        let rows = self.read_model.rows(&[id.to_stream_id()]).await.unwrap();
        rows.into_iter().next()
    }

    pub async fn version(&self, id: OrderId) -> u64 {
        self.store.stream_version(&id.to_stream_id()).await.unwrap()
    }

    /// Writes a row behind the projector's back.
    pub async fn put_row(&self, row: &SummaryRow) {
        let mut tx = self.read_model.begin_projection().await.unwrap();
        tx.upsert_rows(std::slice::from_ref(row)).await.unwrap();
        tx.commit().await.unwrap();
    }
}
