//! Shared fixtures: real SQLite files in a temp dir, and helpers to build commands.
#![allow(dead_code)]

use std::sync::Arc;

use chronicle::app::metadata::CommandContext;
use chronicle::app::{CommandRequest, CommandService, Loader, ServiceSettings};
use chronicle::domain::{OrderCommand, OrderId, UpcastContext};
use chronicle::store::{EventStore, NewEvent, OpenMode, SqliteStore};
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
        Arc::new(
            SqliteStore::open(&self.url, OpenMode::CreateIfMissing)
                .await
                .expect("open store"),
        )
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
