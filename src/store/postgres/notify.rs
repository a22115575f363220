//! Announcing commits with `NOTIFY`: after the commit, off the command's path, the commits
//! of a 10 ms window collapsed into one notification, and whatever is still unannounced sent when the store
//! closes (a CLI process ends right after its one command).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgPool;
use tokio::sync::mpsc;

use super::CHANNEL;

/// Counts commits asked to be announced and those a sent notification covers.
#[derive(Debug)]
pub(super) struct Announcer {
    wake: mpsc::Sender<()>,
    asked: AtomicU64,
    told: AtomicU64,
}

impl Announcer {
    /// An announcer and, for a writing handle, its task on `pool`.
    pub(super) fn start(pool: &PgPool, writes: bool) -> Arc<Announcer> {
        let (wake, woken) = mpsc::channel(1);
        let announcer = Arc::new(Announcer {
            wake,
            asked: AtomicU64::new(0),
            told: AtomicU64::new(0),
        });
        if writes {
            tokio::spawn(run(pool.clone(), Arc::downgrade(&announcer), woken));
        }
        announcer
    }

    /// A commit to announce; a full channel means a notification is already due.
    pub(super) fn commit(&self) {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let _ = self.wake.try_send(());
    }

    /// Sends now what no notification has covered yet.
    pub(super) async fn flush(&self, pool: &PgPool) {
        let upto = self.asked.load(Ordering::SeqCst);
        if self.told.load(Ordering::SeqCst) < upto && send(pool).await {
            self.told.fetch_max(upto, Ordering::SeqCst);
        }
    }
}

/// One notification, committed asynchronously: losing it costs a poll interval, nothing
/// more, so it waits for no disk.
async fn send(pool: &PgPool) -> bool {
    sqlx::query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(pool)
        .await
        .is_ok()
}

/// At most one notification per `WINDOW`: the first commit after a quiet spell is announced
/// at once, later ones in the window wait for its end and share one notification. Each
/// notification is a transaction of its own on the server; one per commit would double
/// the transactions a busy writer makes.
const WINDOW: std::time::Duration = std::time::Duration::from_millis(10);

async fn run(pool: PgPool, announcer: std::sync::Weak<Announcer>, mut woken: mpsc::Receiver<()>) {
    while woken.recv().await.is_some() {
        let Some(a) = announcer.upgrade() else { return };
        let upto = a.asked.load(Ordering::SeqCst);
        if send(&pool).await {
            a.told.fetch_max(upto, Ordering::SeqCst);
        } else if pool.is_closed() {
            return;
        }
        drop(a);
        tokio::time::sleep(WINDOW).await;
    }
}
