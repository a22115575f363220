//! Background jobs in the model: `check`, `rebuild` and `project` start a job of their
//! kind, its progress shows in the header until its result arrives, and a second job of a
//! kind while one runs is refused before anything is sent. The request kinds: which effect
//! is which kind, which kinds coalesce.

use chronicle::store::{OrderFilter, OrderPageQuery, OrderSort};
use chronicle::tui::action::{Action, Completion, Effect, Loaded};
use chronicle::tui::request::{JobKind, Request, Tag};
use chronicle::tui::state::{App, HeadInfo, Level, Mode, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::{
    c, error, kinds, message, new_app, oid, opened, press, send, stale, state_at, state_load,
    submit, unasked,
};

const CHECK: Request = Request::Job(JobKind::Check);
const PROJECTOR: Request = Request::Job(JobKind::Projector);

/// Submits `:check`; returns the job's tag.
fn start_check(app: &mut App) -> Tag {
    let fx = submit(app, "check");
    let tag = app.tags.latest(CHECK);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Check { tag: t } if *t == tag.seq)),
        "{fx:?}"
    );
    tag
}

#[test]
fn a_check_shows_its_progress_in_the_header_until_its_result_arrives() {
    let mut app = opened(10, 1, 10, 4);
    let tag = start_check(&mut app);
    assert_eq!(app.jobs[JobKind::Check].as_deref(), Some("check: started"));
    assert!(message(&app, Level::Info).is_some_and(|m| m.contains("background")));

    assert!(
        send(
            &mut app,
            Action::Loaded(tag, Loaded::Progress("check: 40000 orders…".into()))
        )
        .is_empty()
    );
    assert_eq!(
        app.jobs[JobKind::Check].as_deref(),
        Some("check: 40000 orders…")
    );
    // Progress of some other request is not this job's.
    send(
        &mut app,
        Action::Loaded(stale(tag), Loaded::Progress("old".into())),
    );
    send(
        &mut app,
        Action::Loaded(unasked(PROJECTOR), Loaded::Progress("other".into())),
    );
    assert_eq!(
        app.jobs[JobKind::Check].as_deref(),
        Some("check: 40000 orders…")
    );
    assert_eq!(app.jobs[JobKind::Projector], None);
    assert!(
        header(&app).ends_with("check: 40000 orders…"),
        "{}",
        header(&app)
    );

    let fx = send(
        &mut app,
        Action::Loaded(
            tag,
            Loaded::Checked("✓ check: all 5 orders in sync".into(), 0),
        ),
    );
    assert_eq!(app.jobs[JobKind::Check], None);
    assert!(!app.jobs.any());
    assert_eq!(
        message(&app, Level::Ok),
        Some("✓ check: all 5 orders in sync")
    );
    // The panes that show the read model reload, as after any read-side command.
    assert_eq!(
        kinds(&fx),
        ["LoadOrders", "LoadStream", "LoadState", "LoadDivergence"]
    );
    assert!(!header(&app).contains("check:"), "{}", header(&app));
}

#[test]
fn a_second_check_while_one_runs_is_refused_and_sends_nothing() {
    let mut app = new_app(false);
    let tag = start_check(&mut app);
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Progress("check: 20000 orders…".into())),
    );
    let fx = submit(&mut app, "check");
    assert!(kinds(&fx).iter().all(|k| *k == "SaveHistory"), "{fx:?}");
    let refusal = error(&app);
    assert!(
        refusal.contains("already running") && refusal.contains("20000 orders"),
        "{refusal}"
    );
    assert_eq!(
        app.tags.latest(CHECK),
        tag,
        "the running job is still the latest"
    );

    // Once it is done, a check starts again.
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Checked("✓ check".into(), 0)),
    );
    let again = start_check(&mut app);
    assert!(again.seq > tag.seq);
}

#[test]
fn the_panes_keep_working_while_a_job_runs() {
    let mut app = opened(10, 1, 10, 4);
    start_check(&mut app);
    let fx = press(&mut app, c('l'));
    assert_eq!(state_load(&fx), Some(5));
    let tag = app.tags.latest(Request::State);
    send(&mut app, Action::Loaded(tag, state_at(5)));
    assert_eq!(app.state.version, 5);
    // The poll `start` sent answers, and the next one goes out.
    let tag = app.tags.latest(Request::Head);
    let head = Loaded::Head {
        info: HeadInfo::default(),
        stream_head: Some(10),
    };
    send(&mut app, Action::Loaded(tag, head));
    assert!(!app.polling);
    assert_eq!(kinds(&send(&mut app, Action::Tick)), ["Poll"]);
    assert!(app.jobs[JobKind::Check].is_some());
}

#[test]
fn rebuild_and_project_share_the_projector_slot() {
    let mut app = new_app(false);
    submit(&mut app, "rebuild");
    let fx = press(&mut app, c('y'));
    let tag = app.tags.latest(PROJECTOR);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Execute { tag: t, pending: Pending::Rebuild }] if *t == tag.seq
    ));
    assert_eq!(
        app.jobs[JobKind::Projector].as_deref(),
        Some("rebuild: started")
    );

    // A catch-up while the rebuild runs is refused before it asks for `y`.
    for line in ["project", "rebuild"] {
        let fx = submit(&mut app, line);
        assert!(
            kinds(&fx).iter().all(|k| *k == "SaveHistory"),
            "{line}: {fx:?}"
        );
        assert!(matches!(app.mode, Mode::Normal), "{line}");
        assert!(error(&app).contains("rebuild: started"), "{line}");
    }
    // Another kind of job is not in its way.
    start_check(&mut app);
    assert_eq!(app.jobs.lines().count(), 2);

    // A failed rebuild frees the slot and says why.
    send(
        &mut app,
        Action::Loaded(tag, Loaded::Failed("disk full".into())),
    );
    assert_eq!(error(&app), "disk full");
    assert_eq!(app.jobs[JobKind::Projector], None);
    assert!(app.jobs[JobKind::Check].is_some());
    submit(&mut app, "project");
    press(&mut app, c('y'));
    assert_eq!(
        app.jobs[JobKind::Projector].as_deref(),
        Some("project: started")
    );
}

/// The worker refuses a job of a running kind too; the refusal carries its own tag, so the
/// job that runs stays shown.
#[test]
fn a_refusal_from_the_worker_leaves_the_running_job_shown() {
    let mut app = new_app(false);
    let tag = start_check(&mut app);
    send(
        &mut app,
        Action::Loaded(
            stale(tag),
            Loaded::Failed("a check job is already running".into()),
        ),
    );
    assert_eq!(error(&app), "a check job is already running");
    assert!(app.jobs[JobKind::Check].is_some());
}

#[test]
#[allow(clippy::too_many_lines)] // one case per effect
fn every_effect_names_its_request_kind() {
    let order = oid(0);
    let query = OrderPageQuery {
        filter: OrderFilter::default(),
        sort: OrderSort::default(),
        after: None,
        limit: 10,
    };
    let cases = [
        (
            Effect::LoadOrders {
                tag: 1,
                query,
                class: None,
                as_of: None,
                lead: None,
            },
            Some(Request::Orders),
        ),
        (
            Effect::LoadStream {
                tag: 1,
                order: order.clone(),
                around: None,
                as_of: None,
            },
            Some(Request::Stream),
        ),
        (
            Effect::LoadState {
                tag: 1,
                order: order.clone(),
                version: 1,
                base: None,
            },
            Some(Request::State),
        ),
        (
            Effect::LoadDivergence {
                tag: 1,
                order: order.clone(),
            },
            Some(Request::Divergence),
        ),
        (
            Effect::Poll {
                tag: 1,
                order: None,
                as_of: None,
            },
            Some(Request::Head),
        ),
        (
            Effect::LoadRaw {
                tag: 1,
                order: order.clone(),
                version: 1,
            },
            Some(Request::Overlay),
        ),
        (Effect::LoadDeadLetters { tag: 1 }, Some(Request::Overlay)),
        (
            Effect::Complete {
                tag: 1,
                what: Completion::OrderId("0".into()),
            },
            Some(Request::Prompt),
        ),
        (
            Effect::Execute {
                tag: 1,
                pending: Pending::DeadLetter {
                    position: 1,
                    skip: true,
                },
            },
            Some(Request::Prompt),
        ),
        (
            Effect::Execute {
                tag: 1,
                pending: Pending::Rebuild,
            },
            Some(PROJECTOR),
        ),
        (
            Effect::Execute {
                tag: 1,
                pending: Pending::Project,
            },
            Some(PROJECTOR),
        ),
        (Effect::Check { tag: 1 }, Some(CHECK)),
        (Effect::SaveHistory("check".into()), None),
    ];
    for (effect, want) in cases {
        assert_eq!(effect.request(), want, "{effect:?}");
        assert_eq!(
            effect.tag().map(|t| (t.request, t.seq)),
            want.map(|r| (r, 1)),
            "{effect:?}"
        );
    }
}

#[test]
fn only_pane_and_poll_requests_coalesce() {
    let coalescing: Vec<Request> = [
        Request::Orders,
        Request::Stream,
        Request::State,
        Request::Divergence,
        Request::Overlay,
        Request::Prompt,
        Request::Head,
        CHECK,
        PROJECTOR,
    ]
    .into_iter()
    .filter(|r| r.coalesces())
    .collect();
    assert_eq!(
        coalescing,
        [
            Request::Orders,
            Request::Stream,
            Request::State,
            Request::Divergence,
            Request::Head
        ]
    );
}

/// The header line of a 120×40 frame.
fn header(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    terminal
        .draw(|f| chronicle::tui::view::render(app, f))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .map(|x| buffer[(x, 0)].symbol())
        .collect::<String>()
        .trim_end()
        .to_string()
}
