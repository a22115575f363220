//! An in-memory event store that can only import: it answers `versions` and `load` from
//! what it was given, keeps what is appended and whether it was committed, and refuses
//! everything else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chronicle::store::{
    AppendRequest, Appended, EventStore, IdempotencyRecord, ImportRow, ImportSession, LoadedStream,
    SnapshotRecord, StoreError, StoredEvent, StreamInfo,
};
use chrono::{DateTime, Utc};

/// What an import left.
#[derive(Default)]
pub struct Shared {
    pub targets: HashMap<String, u64>,
    /// The events each stream already holds, for `load` (absent: none).
    pub held: HashMap<String, Vec<StoredEvent>>,
    pub rows: Vec<ImportRow>,
    pub snapshots: Vec<SnapshotRecord>,
    pub committed: bool,
}

pub struct FakeStore(Arc<Mutex<Shared>>);

impl FakeStore {
    /// A store whose streams are at `targets`, and a handle on what an import leaves.
    pub fn new(
        targets: HashMap<String, u64>,
        held: HashMap<String, Vec<StoredEvent>>,
    ) -> (FakeStore, Arc<Mutex<Shared>>) {
        let shared = Arc::new(Mutex::new(Shared {
            targets,
            held,
            ..Shared::default()
        }));
        (FakeStore(shared.clone()), shared)
    }
}

fn refused<T>() -> Result<T, StoreError> {
    Err(StoreError::Backend {
        message: "the fuzzing store only imports".into(),
        source: None,
    })
}

struct Session(Arc<Mutex<Shared>>);

#[async_trait]
impl ImportSession for Session {
    async fn versions(
        &mut self,
        stream_ids: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        let s = self.0.lock().unwrap();
        Ok(stream_ids
            .iter()
            .filter_map(|id| Some((id.clone(), *s.targets.get(id)?)))
            .collect())
    }

    async fn append(
        &mut self,
        rows: &[ImportRow],
        snapshots: &[SnapshotRecord],
    ) -> Result<(), StoreError> {
        let mut s = self.0.lock().unwrap();
        s.rows.extend_from_slice(rows);
        s.snapshots.extend_from_slice(snapshots);
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.0.lock().unwrap().committed = true;
        Ok(())
    }
}

#[async_trait]
impl EventStore for FakeStore {
    async fn append(&self, _: AppendRequest<'_>) -> Result<Appended, StoreError> {
        refused()
    }
    async fn load(&self, stream_id: &str, up_to: Option<u64>) -> Result<LoadedStream, StoreError> {
        let s = self.0.lock().unwrap();
        let events = s.held.get(stream_id).cloned().unwrap_or_default();
        let events = events
            .into_iter()
            .filter(|e| up_to.is_none_or(|v| e.version <= v))
            .collect();
        Ok(LoadedStream {
            snapshot: None,
            events,
        })
    }
    async fn read_stream(
        &self,
        _: &str,
        _: u64,
        _: u64,
        _: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        refused()
    }
    async fn read_all(&self, _: i64, _: u32) -> Result<Vec<StoredEvent>, StoreError> {
        refused()
    }
    async fn read_by_stream(
        &self,
        _: &str,
        _: u64,
        _: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        refused()
    }
    async fn stream_version(&self, _: &str) -> Result<u64, StoreError> {
        refused()
    }
    async fn version_at_time(&self, _: &str, _: DateTime<Utc>) -> Result<u64, StoreError> {
        refused()
    }
    async fn list_streams(&self, _: Option<&str>, _: u32) -> Result<Vec<StreamInfo>, StoreError> {
        refused()
    }
    async fn put_snapshot(&self, _: &SnapshotRecord) -> Result<(), StoreError> {
        refused()
    }
    async fn find_idempotency(&self, _: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        refused()
    }
    async fn begin_import(&self) -> Result<Box<dyn ImportSession>, StoreError> {
        Ok(Box::new(Session(self.0.clone())))
    }
    async fn count_after(&self, _: i64) -> Result<u64, StoreError> {
        refused()
    }
    async fn head_position(&self) -> Result<i64, StoreError> {
        refused()
    }
    async fn close(&self) {}
}
