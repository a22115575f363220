//! Background jobs: the long read-side commands (`check`, `rebuild`, `project`) run as
//! their own tokio tasks beside the worker, so the worker's queue, which serves stepping,
//! paging and the live poll, never waits seconds behind one. At most one job of each kind
//! runs; a second is refused (gitui's `AsyncSingleJob`). A job reports progress, throttled,
//! and its result, through the same action channel the worker answers on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use crate::app::{AppError, Services};
use crate::tui::action::{Action, Effect, Loaded};
use crate::tui::request::{JobKind, Tag};
use crate::tui::state::Pending;

/// Progress lines sent at most this often: a few a second is enough to read, and the
/// update loop redraws once per line.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// One slot per job kind: a permit held while a job of that kind runs, and its tasks, so
/// they stop with the worker.
#[derive(Default)]
pub(super) struct Jobs {
    slots: HashMap<JobKind, Arc<Semaphore>>,
    tasks: Vec<AbortHandle>,
}

impl Jobs {
    /// Starts `effect` as a job of `kind` under `tag`, or answers it with a refusal when a
    /// job of that kind is running.
    pub(super) fn start(
        &mut self,
        kind: JobKind,
        tag: Tag,
        effect: Effect,
        services: &Services,
        actions: &mpsc::UnboundedSender<Action>,
    ) {
        let slot = self
            .slots
            .entry(kind)
            .or_insert_with(|| Arc::new(Semaphore::new(1)));
        let Ok(permit) = slot.clone().try_acquire_owned() else {
            let refusal = format!(
                "a {} job is already running; this one is refused (the running one's result \
                 shows when it is done)",
                kind.name()
            );
            let _ = actions.send(Action::Loaded(tag, Loaded::Failed(refusal)));
            return;
        };
        self.tasks.retain(|t| !t.is_finished());
        let (services, progress_to) = (services.clone(), actions.clone());
        let work = tokio::spawn(async move {
            let progress =
                move |text| drop(progress_to.send(Action::Loaded(tag, Loaded::Progress(text))));
            run(&services, effect, progress).await
        });
        self.tasks.push(work.abort_handle());
        let actions = actions.clone();
        // A separate task awaits the work so that a panic still answers (the model would
        // otherwise wait for the job forever), and frees the slot before the result is sent:
        // once the model sees the result, a new job of the kind is accepted.
        let report = tokio::spawn(async move {
            let loaded = work.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, job = kind.name(), "job task failed");
                Loaded::Failed(format!("the {} job stopped: {e}", kind.name()))
            });
            drop(permit);
            let _ = actions.send(Action::Loaded(tag, loaded));
        });
        self.tasks.push(report.abort_handle());
    }
}

impl Drop for Jobs {
    /// The worker is gone (the debugger quit): a job left running would hold database
    /// connections, and closing the store waits for those. A rebuild stopped between
    /// batches leaves a consistent, partly rebuilt read model that the next catch-up
    /// finishes, as after an interrupted `chronicle rebuild`.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Runs a job to its result; `progress` sees a line now and then.
pub(super) async fn run(
    services: &Services,
    effect: Effect,
    progress: impl FnMut(String) + Send,
) -> Loaded {
    let mut progress = Throttle::new(progress);
    let result = match effect {
        Effect::Check { .. } => check(services, &mut progress).await,
        Effect::Execute {
            pending: Pending::Rebuild,
            ..
        } => rebuild(services, &mut progress).await,
        Effect::Execute {
            pending: Pending::Project,
            ..
        } => project(services, &mut progress).await,
        other => Err(AppError::BadInput(format!("not a job: {other:?}"))),
    };
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "job failed");
        Loaded::Failed(crate::text::printable(&e.to_string()))
    })
}

/// Passes a line on at most every [`PROGRESS_EVERY`]; the first at once.
struct Throttle<F> {
    send: F,
    last: Option<Instant>,
}

impl<F: FnMut(String)> Throttle<F> {
    fn new(send: F) -> Self {
        Throttle { send, last: None }
    }

    /// Sends the line `text` makes, if one is due (the line is made only then).
    fn report(&mut self, text: impl FnOnce() -> String) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < PROGRESS_EVERY)
        {
            return;
        }
        self.last = Some(now);
        (self.send)(text());
    }
}

/// The divergence check over every order, as one line.
async fn check<F: FnMut(String)>(
    services: &Services,
    progress: &mut Throttle<F>,
) -> Result<Loaded, AppError> {
    let report = services
        .read
        .check(None, |n| progress.report(|| format!("check: {n} orders…")))
        .await?;
    let counts: Vec<String> = report
        .counts
        .iter()
        .filter(|(k, n)| **n > 0 && **k != "in-sync")
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let text = if report.all_in_sync() {
        format!("✓ check: all {} orders in sync", report.orders)
    } else {
        format!(
            "check: {} orders, {} not in sync ({})",
            report.orders,
            report.divergent.len(),
            counts.join(", ")
        )
    };
    Ok(Loaded::Checked(text, report.divergent.len()))
}

/// The whole read model, rebuilt from the log.
async fn rebuild<F: FnMut(String)>(
    services: &Services,
    progress: &mut Throttle<F>,
) -> Result<Loaded, AppError> {
    let r = services
        .projector
        .rebuild(None, |b| {
            progress.report(|| format!("rebuild: position {}, {} applied…", b.position, b.applied));
        })
        .await?;
    Ok(Loaded::Done(
        format!(
            "✓ rebuilt: {} events applied, {} dead-lettered",
            r.applied, r.dead_lettered
        ),
        None,
    ))
}

/// The read model, caught up with the log.
async fn project<F: FnMut(String)>(
    services: &Services,
    progress: &mut Throttle<F>,
) -> Result<Loaded, AppError> {
    let r = services
        .projector
        .settle(|b| {
            progress.report(|| format!("project: position {}, {} applied…", b.position, b.applied));
        })
        .await?;
    Ok(Loaded::Done(
        format!(
            "✓ projected {} events ({} parked, {} dead-lettered)",
            r.applied, r.parked, r.dead_lettered
        ),
        None,
    ))
}
