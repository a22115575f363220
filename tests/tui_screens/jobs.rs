//! The real worker loop (`serve`) over a seeded SQLite database: long jobs run beside it.
//! While a check or a rebuild runs, state loads, stream windows and polls are answered
//! before the job's result; a second job of a running kind is refused; a job reports
//! progress before its result. Assertions are on the order results arrive in, never on
//! durations, so a slow machine only makes the test slower.

use std::time::Duration;

use chronicle::app::Services;
use chronicle::app::config::Config;
use chronicle::tui::action::{Action, Effect, Loaded};
use chronicle::tui::request::{JobKind, Request, Tag};
use chronicle::tui::state::Pending;
use chronicle::tui::worker::{Deps, Worker, serve};
use tokio::sync::mpsc;

use crate::Demo;

/// Orders seeded: about 20,000 events, so a check or a rebuild takes far longer than a
/// handful of single-order loads.
const ORDERS: usize = 3_000;
/// How long any one result may take before the test gives up (a loaded CI machine, a
/// debug build).
const PATIENCE: Duration = Duration::from_mins(2);

const CHECK: Request = Request::Job(JobKind::Check);
const PROJECTOR: Request = Request::Job(JobKind::Projector);

/// The worker's loop, fed effects, with every result it sent so far, in arrival order.
struct Session {
    effects: mpsc::UnboundedSender<Effect>,
    actions: mpsc::UnboundedReceiver<Action>,
    log: Vec<(Tag, Loaded)>,
}

impl Session {
    fn new(demo: &Demo) -> Session {
        let services = Services::new(demo.db.clone(), &Config::default());
        let worker = Worker::new(Deps::new(services, "tester@host".into()));
        let (effects, effect_rx) = mpsc::unbounded_channel();
        let (action_tx, actions) = mpsc::unbounded_channel();
        tokio::spawn(serve(worker, effect_rx, action_tx));
        Session {
            effects,
            actions,
            log: Vec::new(),
        }
    }

    fn send(&self, effect: Effect) {
        self.effects.send(effect).expect("the worker runs");
    }

    /// Receives results until one answers `tag` with something other than progress;
    /// returns its index in the log.
    async fn answer(&mut self, tag: Tag) -> usize {
        if let Some(i) = self.find(tag) {
            return i;
        }
        loop {
            let action = tokio::time::timeout(PATIENCE, self.actions.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer to {tag:?}; so far: {:#?}", self.summary()))
                .expect("the worker runs");
            let Action::Loaded(t, loaded) = action else {
                panic!("the worker sent {action:?}");
            };
            let answers = t == tag && !matches!(loaded, Loaded::Progress(_));
            self.log.push((t, loaded));
            if answers {
                return self.log.len() - 1;
            }
        }
    }

    fn find(&self, tag: Tag) -> Option<usize> {
        self.log
            .iter()
            .position(|(t, l)| *t == tag && !matches!(l, Loaded::Progress(_)))
    }

    /// The log, one short line per result, for failure messages.
    fn summary(&self) -> Vec<String> {
        self.log
            .iter()
            .map(|(t, l)| {
                let l = format!("{l:?}");
                format!(
                    "{:?}#{}: {}",
                    t.request,
                    t.seq,
                    l.chars().take(60).collect::<String>()
                )
            })
            .collect()
    }

    /// Indexes of `tag`'s progress lines.
    fn progress(&self, tag: Tag) -> Vec<usize> {
        (0..self.log.len())
            .filter(|i| self.log[*i].0 == tag && matches!(self.log[*i].1, Loaded::Progress(_)))
            .collect()
    }
}

fn tag(request: Request, seq: u64) -> Tag {
    Tag { request, seq }
}

/// The single-order reads a user causes by stepping and by the live poll, tagged from
/// `first`; returns their tags.
fn browse(s: &Session, order: &str, first: u64) -> [Tag; 3] {
    s.send(Effect::LoadState {
        tag: first,
        order: order.into(),
        version: 1,
        base: None,
    });
    s.send(Effect::LoadStream {
        tag: first + 1,
        order: order.into(),
        around: None,
        as_of: None,
    });
    s.send(Effect::Poll {
        tag: first + 2,
        order: Some(order.into()),
        as_of: None,
    });
    [
        tag(Request::State, first),
        tag(Request::Stream, first + 1),
        tag(Request::Head, first + 2),
    ]
}

/// Each of the browse results arrived, as what it asked for, before the job's result.
fn answered_before(s: &Session, reads: &[Tag], job: usize) {
    for t in reads {
        let i = s.find(*t).unwrap_or_else(|| panic!("{t:?} not answered"));
        assert!(
            i < job,
            "{t:?} answered at {i}, after the job's result at {job}: {:#?}",
            s.summary()
        );
        let kind_ok = match (t.request, &s.log[i].1) {
            (Request::State, Loaded::State { version, .. }) => *version == 1,
            (Request::Stream, Loaded::Stream(w)) => !w.rows.is_empty(),
            (Request::Head, Loaded::Head { info, .. }) => info.position > 0,
            _ => false,
        };
        assert!(kind_ok, "{t:?} got {:?}", s.log[i].1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_runs_beside_the_worker_which_keeps_answering() {
    let demo = Demo::seeded(ORDERS).await;
    let order = demo.faults.lagging_order.clone();
    let mut s = Session::new(&demo);

    s.send(Effect::Check { tag: 1 });
    s.send(Effect::Check { tag: 2 });
    let reads = browse(&s, &order, 3);
    for t in reads {
        s.answer(t).await;
    }
    let refused = s.answer(tag(CHECK, 2)).await;
    let done = s.answer(tag(CHECK, 1)).await;

    answered_before(&s, &reads, done);
    let Loaded::Checked(text, _) = &s.log[done].1 else {
        panic!("the check did not finish: {:?}", s.log[done].1);
    };
    assert!(text.contains(&format!("{ORDERS} orders")), "{text}");
    // The second check, asked while the first ran, was refused, not queued.
    assert!(refused < done);
    assert!(
        matches!(&s.log[refused].1, Loaded::Failed(e) if e.contains("already running")),
        "{:?}",
        s.log[refused].1
    );
    // Progress came, and only before the result.
    let progress = s.progress(tag(CHECK, 1));
    assert!(!progress.is_empty(), "no progress: {:#?}", s.summary());
    assert!(progress.iter().all(|i| *i < done));
    assert!(
        matches!(&s.log[progress[0]].1, Loaded::Progress(p) if p.starts_with("check: ")),
        "{:?}",
        s.log[progress[0]].1
    );

    // The slot is free once the result is out: the next check runs.
    s.send(Effect::Check { tag: 6 });
    let again = s.answer(tag(CHECK, 6)).await;
    assert!(
        matches!(&s.log[again].1, Loaded::Checked(..)),
        "{:?}",
        s.log[again].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_refuses_a_catch_up_but_not_a_check_or_the_panes() {
    let demo = Demo::seeded(ORDERS).await;
    let order = demo.faults.lagging_order.clone();
    let mut s = Session::new(&demo);

    s.send(Effect::Execute {
        tag: 1,
        pending: Pending::Rebuild,
    });
    s.send(Effect::Execute {
        tag: 2,
        pending: Pending::Project,
    });
    let reads = browse(&s, &order, 3);
    for t in reads {
        s.answer(t).await;
    }
    let refused = s.answer(tag(PROJECTOR, 2)).await;
    let rebuilt = s.answer(tag(PROJECTOR, 1)).await;

    answered_before(&s, &reads, rebuilt);
    assert!(
        matches!(&s.log[rebuilt].1, Loaded::Done(text, None) if text.starts_with("✓ rebuilt")),
        "{:?}",
        s.log[rebuilt].1
    );
    assert!(refused < rebuilt);
    assert!(
        matches!(&s.log[refused].1, Loaded::Failed(e) if e.contains("projector job is already running")),
        "{:?}",
        s.log[refused].1
    );
    assert!(s.progress(tag(PROJECTOR, 1)).iter().all(|i| *i < rebuilt));

    // A check is another kind of job: it runs, and then a catch-up does too.
    s.send(Effect::Check { tag: 6 });
    s.send(Effect::Execute {
        tag: 7,
        pending: Pending::Project,
    });
    for t in [tag(CHECK, 6), tag(PROJECTOR, 7)] {
        let i = s.answer(t).await;
        assert!(
            matches!(&s.log[i].1, Loaded::Done(..) | Loaded::Checked(..)),
            "{t:?}: {:?}",
            s.log[i].1
        );
    }
}

/// The in-process `Driver` (screen tests, benchmarks) runs a job in line, to its result: the
/// message line has it and no job is left showing.
#[tokio::test]
async fn the_driver_runs_a_check_to_its_result() {
    let demo = Demo::new().await;
    let mut d = demo
        .driver(false, chronicle::tui::theme::Theme::monochrome())
        .await;
    crate::keys(&mut d, ":check").await;
    d.send(crate::key(ratatui::crossterm::event::KeyCode::Enter))
        .await;
    let Some(chronicle::tui::state::Message {
        level: chronicle::tui::state::Level::Ok,
        text,
    }) = d.app.status.current()
    else {
        panic!("{:?}", d.app.status.current());
    };
    assert!(
        text.starts_with(&format!("check: {} orders", crate::ORDERS)),
        "{text}"
    );
    assert!(!d.app.jobs.any(), "{:?}", d.app.jobs);
}
