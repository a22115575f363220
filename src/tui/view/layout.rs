//! Where each pane goes. `update` hit-tests mouse clicks with the same rectangles.

use ratatui::layout::{Constraint, Layout, Rect};

/// Narrower or shorter than this shows a message instead of the panes.
pub const MIN_WIDTH: u16 = 80;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u16 = 16;
/// Narrower than this the orders list spans the screen above the other panes (as lazygit
/// stacks its panes), so its rows keep their badges and currencies whole; from this width
/// on the four panes stand side by side.
pub const SIDE_BY_SIDE: u16 = 100;
/// The orders pane's width side by side on a screen under 120 columns: a row's marker,
/// short id, status, a four-digit total with its currency and the widest badge, whole.
const ORDERS_WIDTH: u16 = 46;

/// The screen's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Title line.
    pub header: Rect,
    /// Orders pane.
    pub orders: Rect,
    /// Stream pane.
    pub stream: Rect,
    /// State pane.
    pub state: Rect,
    /// Read model vs replay pane.
    pub divergence: Rect,
    /// Prompt / message line.
    pub prompt: Rect,
    /// Key hints.
    pub footer: Rect,
}

/// The regions of a `width`×`height` screen, or `None` when it is too small.
pub fn areas(width: u16, height: u16) -> Option<Areas> {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return None;
    }
    let screen = Rect::new(0, 0, width, height);
    let [header, body, prompt, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(8),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(screen);
    let (orders, stream, right) = if width < SIDE_BY_SIDE {
        let [orders, rest] =
            Layout::vertical([Constraint::Percentage(40), Constraint::Min(4)]).areas(body);
        let [stream, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(rest);
        (orders, stream, right)
    } else if width < 120 {
        // The list keeps the width its rows need whole (ids, statuses, totals, badges);
        // the other panes share the rest.
        let [orders, stream, right] = Layout::horizontal([
            Constraint::Length(ORDERS_WIDTH),
            Constraint::Fill(30),
            Constraint::Fill(32),
        ])
        .areas(body);
        (orders, stream, right)
    } else {
        let [orders, stream, right] = Layout::horizontal([
            Constraint::Percentage(38),
            Constraint::Percentage(30),
            Constraint::Percentage(32),
        ])
        .areas(body);
        (orders, stream, right)
    };
    let [state, divergence] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
    Some(Areas {
        header,
        orders,
        stream,
        state,
        divergence,
        prompt,
        footer,
    })
}

/// Rows inside a bordered pane.
pub fn inner_rows(area: Rect) -> usize {
    area.height.saturating_sub(2) as usize
}

/// The first row shown so that `selected` is visible. The list scrolls by half a page when
/// the selection comes within a quarter page of an edge, not by one row per step: most
/// steps then redraw two rows instead of the whole list.
pub fn list_offset(selected: usize, len: usize, visible: usize) -> usize {
    if visible == 0 || len <= visible {
        return 0;
    }
    // A selection past the end (a page still loading) shows the last rows.
    let selected = selected.min(len - 1);
    let margin = visible / 4;
    let step = (visible / 2).max(1);
    (selected.saturating_sub(margin) / step * step).min(len - visible)
}

/// Whether a point lies in a rectangle.
pub fn contains(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}
