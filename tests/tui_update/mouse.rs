//! Mouse: clicks focus and select, the wheel scrolls the pane under the pointer.

use chronicle::tui::action::{Action, Loaded};
use chronicle::tui::request::Request;
use chronicle::tui::state::{App, Mode, Pane};
use chronicle::tui::view::layout::{Areas, areas};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{MouseButton, MouseEventKind};
use ratatui::layout::Rect;

use crate::support::{
    c, click, kinds, mouse, new_app, oid, opened, press, send, state_load, stream_load, with_orders,
};

fn layout(app: &App) -> Areas {
    areas(app.size.0, app.size.1).expect("big enough")
}

#[test]
fn resize_updates_the_size() {
    let mut app = new_app(false);
    assert!(send(&mut app, Action::Resize(100, 30)).is_empty());
    assert_eq!(app.size, (100, 30));
}

#[test]
fn a_click_in_orders_focuses_it_and_selects_and_opens_that_row() {
    let mut app = with_orders(5, false);
    app.size = (120, 40);
    app.focus = Pane::Divergence;
    let a = layout(&app);
    // The first row inside the border is row 0.
    let fx = send(&mut app, click(a.orders.x + 3, a.orders.y + 1 + 3));
    assert_eq!(app.focus, Pane::Orders);
    assert_eq!(app.orders.selected, 3);
    assert_eq!(kinds(&fx), ["LoadStream", "LoadDivergence"]);
    assert_eq!(stream_load(&fx), Some((oid(3), None)));

    // Below the last row, and on the border: focus only.
    for row in [a.orders.y + 1 + 7, a.orders.y] {
        app.focus = Pane::Stream;
        assert!(send(&mut app, click(a.orders.x + 3, row)).is_empty());
        assert_eq!(app.focus, Pane::Orders);
        assert_eq!(app.orders.selected, 3);
    }
}

#[test]
fn a_click_in_the_stream_moves_the_cursor_to_that_event() {
    let mut app = opened(10, 1, 10, 10);
    app.size = (120, 40);
    let a = layout(&app);
    let fx = send(&mut app, click(a.stream.x + 2, a.stream.y + 1 + 2));
    assert_eq!(app.focus, Pane::Stream);
    assert_eq!(app.stream.cursor, 3);
    assert_eq!(kinds(&fx), ["LoadState"]);
    assert_eq!(state_load(&fx), Some(3));
    // A click in the state pane only focuses it.
    assert!(send(&mut app, click(a.state.x + 2, a.state.y + 2)).is_empty());
    assert_eq!(app.focus, Pane::State);
    assert_eq!(app.stream.cursor, 3);
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut app = opened(10, 1, 10, 5);
    app.size = (120, 40);
    let a = layout(&app);
    let (ox, oy) = (a.orders.x + 2, a.orders.y + 2);
    app.focus = Pane::State;
    let fx = send(&mut app, mouse(MouseEventKind::ScrollDown, ox, oy));
    assert_eq!(app.orders.selected, 1);
    assert_eq!(stream_load(&fx), Some((oid(1), None)));
    send(&mut app, mouse(MouseEventKind::ScrollUp, ox, oy));
    assert_eq!(app.orders.selected, 0);
    // The wheel does not move the focus.
    assert_eq!(app.focus, Pane::State);

    let mut app = opened(10, 1, 10, 5);
    app.size = (120, 40);
    let (sx, sy) = (a.stream.x + 2, a.stream.y + 2);
    let fx = send(&mut app, mouse(MouseEventKind::ScrollDown, sx, sy));
    assert_eq!((app.stream.cursor, state_load(&fx)), (6, Some(6)));
    send(&mut app, mouse(MouseEventKind::ScrollUp, sx, sy));
    send(&mut app, mouse(MouseEventKind::ScrollUp, sx, sy));
    assert_eq!(app.stream.cursor, 4);
    // Over the state pane the wheel steps the cursor too.
    send(
        &mut app,
        mouse(MouseEventKind::ScrollDown, a.state.x + 2, a.state.y + 2),
    );
    assert_eq!(app.stream.cursor, 5);
}

#[test]
fn the_mouse_is_ignored_outside_normal_mode_off_the_panes_and_on_a_tiny_screen() {
    let mut app = with_orders(5, false);
    app.size = (120, 40);
    let a = layout(&app);
    let target = click(a.orders.x + 3, a.orders.y + 1 + 2);

    press(&mut app, c('?'));
    assert!(send(&mut app, target.clone()).is_empty());
    assert!(matches!(app.mode, Mode::Overlay(_)));
    assert_eq!(app.orders.selected, 0);

    let mut app = with_orders(5, false);
    app.size = (120, 40);
    app.focus = Pane::Stream;
    // The header and the footer are no pane.
    assert!(send(&mut app, click(2, a.header.y)).is_empty());
    assert!(send(&mut app, click(2, a.footer.y)).is_empty());
    assert_eq!(app.focus, Pane::Stream);
    // Other buttons do nothing.
    let right = mouse(
        MouseEventKind::Down(MouseButton::Right),
        a.orders.x + 3,
        a.orders.y + 3,
    );
    assert!(send(&mut app, right).is_empty());
    assert_eq!(app.orders.selected, 0);
    assert_eq!(app.focus, Pane::Stream);

    app.size = (60, 10);
    assert!(send(&mut app, target).is_empty());
    assert_eq!(app.orders.selected, 0);
    assert_eq!(app.focus, Pane::Stream);
}

/// The screen row (inside `area`) where `needle` is drawn.
fn drawn_at(app: &App, area: Rect, needle: &str) -> u16 {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal
        .draw(|f| chronicle::tui::view::render(app, f))
        .expect("draw");
    let buf = terminal.backend().buffer();
    (area.y..area.bottom())
        .find(|&y| {
            (area.x..area.right())
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains(needle)
        })
        .unwrap_or_else(|| panic!("{needle:?} is not drawn in {area:?}"))
}

#[test]
fn a_click_picks_the_row_drawn_under_the_pointer() {
    let mut app = opened(10, 1, 10, 10);
    app.size = (120, 40);
    let a = layout(&app);
    let y = drawn_at(&app, a.orders, &oid(2)[..8]);
    send(&mut app, click(a.orders.x + 4, y));
    assert_eq!(app.orders.selected, 2);

    let mut app = opened(10, 1, 10, 10);
    app.size = (120, 40);
    let y = drawn_at(&app, a.stream, "event 3");
    send(&mut app, click(a.stream.x + 4, y));
    assert_eq!(app.stream.cursor, 3);
}

/// A failed reload draws its error above the rows it keeps; clicks must still pick the row
/// under the pointer, not the one below it.
#[test]
fn a_click_picks_the_row_drawn_under_the_pointer_below_an_error_line() {
    let mut app = opened(10, 1, 10, 10);
    app.size = (120, 40);
    let a = layout(&app);
    press(&mut app, c('r'));
    let tag = app.tags.latest(Request::Orders);
    send(&mut app, Action::Loaded(tag, Loaded::Failed("busy".into())));
    assert!(app.orders.error.is_some() && !app.orders.rows.is_empty());
    let y = drawn_at(&app, a.orders, &oid(2)[..8]);
    send(&mut app, click(a.orders.x + 4, y));
    assert_eq!(app.orders.selected, 2, "clicked order 2's row");
}

/// The same in the stream: a window reload near its edge fails, and the window stays.
#[test]
fn a_click_picks_the_event_drawn_under_the_pointer_below_an_error_line() {
    let mut app = opened(1000, 401, 600, 575);
    app.size = (120, 40);
    let a = layout(&app);
    let fx = press(&mut app, c('l'));
    assert!(stream_load(&fx).is_some());
    let tag = app.tags.latest(Request::Stream);
    send(&mut app, Action::Loaded(tag, Loaded::Failed("busy".into())));
    assert!(app.stream.error.is_some() && !app.stream.window.is_empty());
    let y = drawn_at(&app, a.stream, "event 570");
    send(&mut app, click(a.stream.x + 4, y));
    assert_eq!(app.stream.cursor, 570, "clicked event 570's row");
}
