//! What the writer holds for each queued command, and how a batch's results are told back
//! per command. Shared by both backends' batch paths.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::store::{
    AppendRequest, Appended, IdempotencyRecord, NewEvent, SnapshotRecord, StoreError,
};

pub(crate) type Outcome = Result<Appended, StoreError>;

/// An append the writer owns: it outlives the caller's borrow while it waits in the queue.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) stream_id: String,
    pub(crate) expected_version: u64,
    pub(crate) events: Vec<NewEvent>,
    pub(crate) idempotency: Option<IdempotencyRecord>,
    pub(crate) expired_before: Option<DateTime<Utc>>,
    pub(crate) snapshot: Option<SnapshotRecord>,
}

impl Pending {
    pub(crate) fn new(req: &AppendRequest<'_>) -> Self {
        Pending {
            stream_id: req.stream_id.to_string(),
            expected_version: req.expected_version,
            events: req.events.to_vec(),
            idempotency: req.idempotency.cloned(),
            expired_before: req.idempotency_expired_before,
            snapshot: req.snapshot.cloned(),
        }
    }

    /// The stream's version once this append has landed.
    pub(crate) fn version_after(&self) -> u64 {
        self.expected_version + self.events.len() as u64
    }

    /// Whether it writes more than events (and so needs a transaction of its own).
    pub(crate) fn writes_beside_events(&self) -> bool {
        self.idempotency.is_some() || self.snapshot.is_some()
    }
}

/// The commands that carry an idempotency key, each with its key.
pub(crate) fn keyed<'a>(appends: &[&'a Pending]) -> Vec<(&'a Pending, &'a IdempotencyRecord)> {
    appends
        .iter()
        .filter_map(|p| Some((*p, p.idempotency.as_ref()?)))
        .collect()
}

/// How a batch's keys were claimed, before its events go in.
#[derive(Debug, Default)]
pub(crate) struct Claims {
    /// (stream, key) of each key now held for its command.
    claimed: Vec<(String, String)>,
    /// The streams whose command's key another command holds: they insert nothing.
    pub(crate) taken: HashSet<String>,
}

impl Claims {
    /// The commands that go on to insert their events: all but those whose key is taken.
    pub(crate) fn writing<'a>(&self, appends: &[&'a Pending]) -> Vec<&'a Pending> {
        appends
            .iter()
            .copied()
            .filter(|p| !self.taken.contains(&p.stream_id))
            .collect()
    }

    /// Keys claimed for commands that then did not land: to be given back, since their
    /// command changed nothing.
    pub(crate) fn unused(&self, landed: &HashMap<String, i64>) -> Vec<&str> {
        self.claimed
            .iter()
            .filter(|(stream, _)| !landed.contains_key(stream))
            .map(|(_, key)| key.as_str())
            .collect()
    }
}

/// The keyed commands sorted by whether their key is now theirs (`won`: the new keys the
/// batch's insert took, and the recorded ones the single path's claim reused).
pub(crate) fn split_claims(
    keyed: &[(&Pending, &IdempotencyRecord)],
    won: &HashSet<String>,
) -> Claims {
    let mut claims = Claims::default();
    for &(p, rec) in keyed {
        if won.contains(&rec.key) {
            claims.claimed.push((p.stream_id.clone(), rec.key.clone()));
        } else {
            claims.taken.insert(p.stream_id.clone());
        }
    }
    claims
}

/// The last position each stream's rows landed at, from `RETURNING stream_id, position`.
pub(crate) fn landed(rows: Vec<(String, i64)>) -> HashMap<String, i64> {
    let mut last = HashMap::new();
    for (stream, position) in rows {
        let at = last.entry(stream).or_insert(position);
        *at = (*at).max(position);
    }
    last
}

/// The streams of the commands that did not land and whose key was not taken: the ones
/// whose stream was not at their expected version.
pub(crate) fn conflicting<'a>(
    appends: &[&'a Pending],
    landed: &HashMap<String, i64>,
    taken: &HashSet<String>,
) -> Vec<&'a str> {
    appends
        .iter()
        .filter(|p| !landed.contains_key(&p.stream_id) && !taken.contains(&p.stream_id))
        .map(|p| p.stream_id.as_str())
        .collect()
}

/// Each command's result, in order: where it landed, its key taken, or its conflict with
/// the version its stream is at (`actual`, 0 for a stream with no events).
pub(crate) fn outcomes(
    appends: &[&Pending],
    landed: &HashMap<String, i64>,
    taken: &HashSet<String>,
    actual: &HashMap<String, i64>,
) -> Vec<Outcome> {
    appends
        .iter()
        .map(|p| {
            if let Some(&last_position) = landed.get(&p.stream_id) {
                Ok(Appended {
                    version: p.version_after(),
                    last_position,
                })
            } else if taken.contains(&p.stream_id) {
                let key = p.idempotency.as_ref().map(|r| r.key.clone());
                Err(StoreError::IdempotencyKeyTaken(key.unwrap_or_default()))
            } else {
                Err(StoreError::Conflict {
                    stream_id: p.stream_id.clone(),
                    expected: p.expected_version,
                    actual: actual.get(&p.stream_id).map_or(0, |v| (*v).max(0) as u64),
                })
            }
        })
        .collect()
}
