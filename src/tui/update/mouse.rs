//! Mouse: a click focuses a pane and selects the row under it; the wheel scrolls the pane
//! under the pointer.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::keys::{command, move_selection};
use super::{open_order, set_cursor};
use crate::tui::action::Effect;
use crate::tui::keymap::Cmd;
use crate::tui::state::{App, Mode, Pane};
use crate::tui::view::layout::{areas, contains, inner_rows, list_offset};

pub(super) fn mouse(app: &mut App, m: MouseEvent, fx: &mut Vec<Effect>) {
    if !matches!(app.mode, Mode::Normal) {
        return;
    }
    let Some(a) = areas(app.size.0, app.size.1) else {
        return;
    };
    let pane = [
        (a.orders, Pane::Orders),
        (a.stream, Pane::Stream),
        (a.state, Pane::State),
        (a.divergence, Pane::Divergence),
    ]
    .into_iter()
    .find(|(r, _)| contains(*r, m.column, m.row));
    let Some((rect, pane)) = pane else {
        return;
    };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            // A click on a pane is an action (it focuses the pane at least): see `input::key`.
            app.status.begin_action();
            app.focus = pane;
            // The first row inside the border.
            let Some(row) = (m.row as usize).checked_sub(rect.y as usize + 1) else {
                return;
            };
            if row >= inner_rows(rect) {
                return;
            }
            match pane {
                Pane::Orders => {
                    let len = app.orders.rows.len();
                    let offset = list_offset(app.orders.selected, len, inner_rows(rect));
                    let index = offset + row;
                    if index < len {
                        app.orders.selected = index;
                        if let Some(id) = app.selected_order().map(|r| r.id.clone()) {
                            open_order(app, &id, None, fx);
                        }
                    }
                }
                Pane::Stream => {
                    let w = &app.stream.window;
                    let cursor_index = w
                        .iter()
                        .position(|r| r.version == app.stream.cursor)
                        .unwrap_or(0);
                    let offset = list_offset(cursor_index, w.len(), inner_rows(rect));
                    if let Some(v) = w.get(offset + row).map(|r| r.version) {
                        set_cursor(app, v, fx);
                    }
                }
                Pane::State | Pane::Divergence => {}
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            app.status.begin_action();
            let down = m.kind == MouseEventKind::ScrollDown;
            if pane == Pane::Orders {
                move_selection(app, if down { 1 } else { -1 }, fx);
            } else {
                command(
                    app,
                    if down {
                        Cmd::StepForward
                    } else {
                        Cmd::StepBack
                    },
                    fx,
                );
            }
        }
        _ => {}
    }
}
