//! The jump list, marks and the diff against a mark: `ctrl-o`/`ctrl-n` walk back and forth
//! over every jump, across orders and versions; `m`/`'` set and jump to marks; `d` makes
//! the state pane compare the cursor with a mark.

use chronicle::tui::action::{Action, Direction, Effect, Found, Hit, Loaded};
use chronicle::tui::fields::{Change, FieldRow};
use chronicle::tui::jumps::{Base, JUMPS, Mark, MarkOp, Place};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Mode, Pane};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use crate::support::{
    c, ctrl, k, letter, oid, opened, press, send, shown, state_load, stream_load, submit, window,
};

fn place(i: usize, version: u64) -> Place {
    Place {
        order: oid(i),
        version,
    }
}

fn mark(ch: char) -> Mark {
    Mark::new(ch).expect("a letter")
}

/// The `base` of the one `LoadState` among the effects.
fn state_base(fx: &[Effect]) -> Option<Base> {
    let bases: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadState { base, .. } => Some(*base),
            _ => None,
        })
        .collect();
    assert_eq!(bases.len(), 1, "one LoadState in {fx:?}");
    bases[0]
}

/// Where the cursor is: (order, version).
fn at(app: &App) -> (Option<String>, u64) {
    (app.stream.order.clone(), app.stream.cursor)
}

/// Jumps to order `i` at `version` through the dead-letter overlay.
fn dead_letter_jump(app: &mut App, i: usize, version: u64) -> Vec<Effect> {
    press(app, c('D'));
    let tag = app.tags.latest(Request::Overlay);
    send(
        app,
        Action::Loaded(tag, Loaded::DeadLetters(vec![letter(i, version)])),
    );
    press(app, k(KeyCode::Enter))
}

/// The stream window of order `i` answering the latest stream request.
fn window_arrives(app: &mut App, i: usize, head: u64, cursor: u64) {
    let tag = app.tags.latest(Request::Stream);
    send(
        app,
        Action::Loaded(tag, window(&oid(i), head, 1, head, cursor)),
    );
}

#[test]
fn ctrl_o_goes_back_across_orders_and_versions_and_ctrl_n_forward() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('G'));
    assert_eq!(at(&app), (Some(oid(0)), 10));
    dead_letter_jump(&mut app, 2, 3);
    assert_eq!(at(&app), (Some(oid(2)), 3));

    // Back to the other order, at the version the jump left it at.
    let fx = press(&mut app, ctrl('o'));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(10))));
    assert_eq!(at(&app), (Some(oid(0)), 10));
    assert_eq!(
        app.selected_order().map(|r| r.id.clone()),
        Some(oid(0)),
        "the list follows"
    );
    window_arrives(&mut app, 0, 10, 10);
    // Then within it: the place before `G`.
    let fx = press(&mut app, ctrl('o'));
    assert_eq!(state_load(&fx), Some(4));
    assert_eq!(at(&app), (Some(oid(0)), 4));
    let fx = press(&mut app, ctrl('o'));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(
        shown(&app).map(|m| m.starts_with("no earlier jump")),
        Some(true)
    );

    // Forward redoes both jumps.
    press(&mut app, ctrl('n'));
    assert_eq!(at(&app), (Some(oid(0)), 10));
    let fx = press(&mut app, ctrl('n'));
    assert_eq!(stream_load(&fx), Some((oid(2), Some(3))));
    assert_eq!(at(&app), (Some(oid(2)), 3));
    let fx = press(&mut app, ctrl('n'));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(
        shown(&app).map(|m| m.starts_with("no later jump")),
        Some(true)
    );
}

#[test]
fn going_back_twice_before_the_window_arrives_still_lands_on_the_version() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('G'));
    dead_letter_jump(&mut app, 2, 3);
    press(&mut app, ctrl('o'));
    // Order 0's window has not arrived: the cursor cannot move in it, so it is read again.
    let fx = press(&mut app, ctrl('o'));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(4))));
    assert_eq!(at(&app), (Some(oid(0)), 4));
}

#[test]
fn a_new_jump_after_going_back_drops_the_forward_part() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('G'));
    press(&mut app, c('g'));
    assert_eq!(app.jumps.places(), [place(0, 4), place(0, 10)]);
    press(&mut app, ctrl('o'));
    assert_eq!(app.stream.cursor, 10);
    press(&mut app, ctrl('o'));
    assert_eq!(app.stream.cursor, 4);

    press(&mut app, c('G'));
    assert_eq!(
        app.jumps.places(),
        [place(0, 4)],
        "the forward part is gone"
    );
    press(&mut app, ctrl('n'));
    assert_eq!(app.stream.cursor, 10, "nothing ahead to go to");
    press(&mut app, ctrl('o'));
    assert_eq!(app.stream.cursor, 4);
}

#[test]
fn the_jump_list_is_bounded() {
    let mut app = opened(300, 1, 200, 4);
    for _ in 0..(JUMPS + 20) {
        press(&mut app, c('G'));
        press(&mut app, c('g'));
    }
    assert_eq!(app.jumps.places().len(), JUMPS);
}

/// Each kind of jump, from order 0 at v4; `ctrl-o` must come back there.
fn comes_back(name: &str, jump: impl FnOnce(&mut App)) {
    let mut app = opened(10, 1, 10, 4);
    jump(&mut app);
    assert_ne!(at(&app), (Some(oid(0)), 4), "{name}: the jump moved");
    press(&mut app, ctrl('o'));
    assert_eq!(at(&app), (Some(oid(0)), 4), "{name}: ctrl-o comes back");
}

#[test]
fn every_kind_of_jump_is_recorded() {
    comes_back("search hit", |app| {
        app.stream.search = "Paid".into();
        press(app, c('n'));
        let tag = app.tags.latest(Request::Prompt);
        let found = Found {
            order: oid(0),
            needle: "Paid".into(),
            from: 4,
            direction: Direction::Forward,
            hit: Hit::Next(8),
        };
        send(app, Action::Loaded(tag, Loaded::Found(found)));
    });
    comes_back("time jump", |app| {
        let tag = app.tags.latest(Request::Prompt);
        send(app, Action::Loaded(tag, Loaded::Jump(Some(2))));
    });
    comes_back(":v N", |app| {
        submit(app, "v 9");
    });
    comes_back(":open", |app| {
        submit(app, "open 0000");
        let tag = app.tags.latest(Request::Prompt);
        send(app, Action::Loaded(tag, Loaded::Opened(oid(3))));
    });
    comes_back("the parting event", |app| {
        app.divergence.parted_at = Some(6);
        app.focus = Pane::Divergence;
        press(app, k(KeyCode::Enter));
    });
    comes_back("Enter in Orders", |app| {
        app.focus = Pane::Orders;
        app.orders.selected = 2;
        press(app, k(KeyCode::Enter));
    });
    comes_back("a correlated event", |app| {
        press(app, c('c'));
        let tag = app.tags.latest(Request::Overlay);
        let rows = vec![(oid(4), 2, "OrderPaid".to_string(), crate::support::at(1))];
        let answer = Loaded::Correlated {
            correlation_id: "corr".into(),
            rows,
            from: (oid(0), 4),
            purpose: chronicle::tui::action::Correlate::Open,
        };
        send(app, Action::Loaded(tag, answer));
        press(app, k(KeyCode::Enter));
    });
    comes_back("a dead letter", |app| {
        dead_letter_jump(app, 1, 2);
    });
}

#[test]
fn m_marks_the_cursor_and_quote_jumps_there_as_a_jump() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('m'));
    assert!(matches!(app.mode, Mode::Mark(MarkOp::Set)));
    assert!(
        shown(&app).is_some_and(|m| m.contains("mark v4")),
        "{:?}",
        shown(&app)
    );
    press(&mut app, c('a'));
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(app.marks.get(mark('a')), Some(&place(0, 4)));
    assert!(
        shown(&app).is_some_and(|m| m.starts_with("mark a: ")),
        "{:?}",
        shown(&app)
    );

    press(&mut app, c('G'));
    press(&mut app, c('\''));
    assert!(matches!(app.mode, Mode::Mark(MarkOp::Jump)));
    let fx = press(&mut app, c('a'));
    assert_eq!(state_load(&fx), Some(4));
    assert_eq!(app.stream.cursor, 4);
    // The mark jump went on the jump list.
    press(&mut app, ctrl('o'));
    assert_eq!(app.stream.cursor, 10);

    // A mark on another order opens it there.
    dead_letter_jump(&mut app, 3, 2);
    press(&mut app, c('\''));
    let fx = press(&mut app, c('a'));
    assert_eq!(stream_load(&fx), Some((oid(0), Some(4))));
    assert_eq!(at(&app), (Some(oid(0)), 4));
}

#[test]
fn an_unset_mark_or_a_key_that_is_no_mark_says_so() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('\''));
    let fx = press(&mut app, c('b'));
    assert!(fx.is_empty());
    assert_eq!(
        shown(&app),
        Some("mark b is not set (m then b marks the cursor's version)")
    );
    press(&mut app, c('m'));
    press(&mut app, c('1'));
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(shown(&app), Some("not a mark: marks are the letters a-z"));
    press(&mut app, c('m'));
    press(&mut app, k(KeyCode::Esc));
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(shown(&app), None, "Esc cancels quietly");
    assert_eq!(app.marks.get(mark('b')), None);
}

fn state_vs(app: &mut App, version: u64, base: Option<Base>) {
    let tag = app.tags.latest(Request::State);
    let fields = vec![FieldRow {
        name: "status".into(),
        value: "Paid".into(),
        old: Some("Pending".into()),
        change: Change::Changed,
    }];
    send(
        app,
        Action::Loaded(
            tag,
            Loaded::State {
                version,
                base,
                fields,
            },
        ),
    );
}

/// The state pane's title as drawn.
fn state_title(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal
        .draw(|f| chronicle::tui::view::render(app, f))
        .expect("draw");
    let area = chronicle::tui::view::layout::areas(app.size.0, app.size.1)
        .expect("big enough")
        .state;
    let buf = terminal.backend().buffer();
    (area.x..area.right())
        .map(|x| buf[(x, area.y)].symbol())
        .collect::<String>()
}

#[test]
fn d_then_a_mark_compares_the_state_with_it_until_d_again() {
    let mut app = opened(10, 1, 10, 4);
    press(&mut app, c('m'));
    press(&mut app, c('a'));
    for _ in 0..3 {
        assert_eq!(state_base(&press(&mut app, c('l'))), None);
    }
    press(&mut app, c('d'));
    assert!(matches!(app.mode, Mode::Mark(MarkOp::Diff)));
    assert!(
        shown(&app).is_some_and(|m| m.contains("a v4")),
        "{:?}",
        shown(&app)
    );
    let fx = press(&mut app, c('a'));
    let base = Some(Base {
        mark: mark('a'),
        version: 4,
    });
    assert_eq!(state_load(&fx), Some(7));
    assert_eq!(state_base(&fx), base);
    state_vs(&mut app, 7, base);
    assert!(
        state_title(&app).contains(" State v7 vs mark a v4 "),
        "{}",
        state_title(&app)
    );

    // Every step compares with the mark.
    let fx = press(&mut app, c('l'));
    assert_eq!((state_load(&fx), state_base(&fx)), (Some(8), base));
    // Moving the mark moves the base.
    press(&mut app, c('m'));
    let fx = press(&mut app, c('a'));
    assert_eq!(
        state_base(&fx),
        Some(Base {
            mark: mark('a'),
            version: 8
        })
    );

    // `d` again: back to what each event changed.
    let fx = press(&mut app, c('d'));
    assert_eq!((state_load(&fx), state_base(&fx)), (Some(8), None));
    state_vs(&mut app, 8, None);
    assert!(
        state_title(&app).contains(" State @ v8 · ItemAdded "),
        "{}",
        state_title(&app)
    );
}

#[test]
fn the_diff_needs_a_mark_on_the_open_order_and_ends_with_it() {
    let mut app = opened(10, 1, 10, 4);
    let fx = press(&mut app, c('d'));
    assert!(fx.is_empty() && matches!(app.mode, Mode::Normal));
    assert!(
        shown(&app).is_some_and(|m| m.starts_with("no mark on this order")),
        "{:?}",
        shown(&app)
    );
    press(&mut app, c('m'));
    press(&mut app, c('a'));
    dead_letter_jump(&mut app, 3, 2);
    press(&mut app, c('m'));
    press(&mut app, c('b'));
    press(&mut app, c('d'));
    let fx = press(&mut app, c('a'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        shown(&app).is_some_and(|m| m.starts_with("mark a is on another order")),
        "{:?}",
        shown(&app)
    );

    press(&mut app, c('d'));
    assert_eq!(
        state_base(&press(&mut app, c('b'))).map(|b| b.version),
        Some(2)
    );
    // Opening another order ends it: its state is what its event changed.
    let fx = dead_letter_jump(&mut app, 1, 2);
    assert_eq!(state_base(&fx), None);
    assert_eq!(app.state.against, None);
}
