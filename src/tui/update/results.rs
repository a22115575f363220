//! Worker results: applied only when their tag is the latest of their kind.

use super::{ask, head_moved, jobs, load_divergence, load_orders, open_order, select, set_cursor};
use crate::app::read::EventSet;
use crate::tui::action::{Correlate, Effect, Loaded, OrdersPage};
use crate::tui::prompt::apply_completion;
use crate::tui::request::{Request, Tag};
use crate::tui::state::{App, Back, Confirm, HeadInfo, InputKind, Level, Link, Mode, Overlay};

/// Polls the header's event-rate sparkline spans.
const RATE_POLLS: usize = 24;

/// A correlated event: (stream, version, type, recorded).
type Correlated = (String, u64, String, chrono::DateTime<chrono::Utc>);

#[allow(clippy::too_many_lines)] // one arm per result kind
pub(super) fn loaded(app: &mut App, tag: Tag, loaded: Loaded, fx: &mut Vec<Effect>) {
    // The guards read the tags as they were when the result arrived.
    let tags = app.tags;
    let latest = |request: Request| tag == tags.latest(request);
    match loaded {
        Loaded::Orders(page) if latest(Request::Orders) => orders(app, page, fx),
        Loaded::Stream(w) if latest(Request::Stream) => {
            if app.stream.order.as_deref() != Some(w.order.as_str()) {
                return;
            }
            app.stream.loading = false;
            app.stream.window = w.rows;
            let moved = app.stream.head != w.head;
            app.stream.head = w.head;
            if moved {
                head_moved(app, tag, fx);
            }
            if app.stream.cursor == 0 || app.stream.cursor > w.head {
                app.stream.cursor = w.cursor;
                let v = app.stream.cursor;
                app.state.version = 0;
                set_cursor(app, v, fx);
            }
        }
        Loaded::State {
            version,
            base,
            fields,
        } if latest(Request::State) => {
            app.state.loading = false;
            app.state.error = None;
            app.state.version = version;
            app.state.base = base;
            app.state.fields = fields;
        }
        Loaded::Divergence(d) if latest(Request::Divergence) => {
            let d = *d;
            app.divergence = crate::tui::state::DivergencePane {
                order: Some(d.order),
                class: Some(d.class),
                behind: d.behind,
                row_version: d.row_version,
                stream_version: d.stream_version,
                fields: d.fields,
                compared_at: d.compared_at,
                unapplied: d.unapplied,
                explain: d.explain,
                parted_at: d.parted_at,
                loading: false,
                error: None,
            };
        }
        Loaded::Head { info, stream_head } if latest(Request::Head) => {
            head(app, tag, info, stream_head, fx);
        }
        Loaded::Raw(lines) if latest(Request::Overlay) => {
            app.mode = Mode::Overlay(Overlay::Raw { lines, scroll: 0 });
        }
        Loaded::Correlated {
            correlation_id,
            rows,
            from,
            purpose,
        } if latest(Request::Overlay) => correlated(app, correlation_id, rows, &from, purpose),
        Loaded::Matches {
            search,
            rows,
            cut,
            purpose,
        } if latest(Request::Overlay) => super::take::found(app, search, rows, cut, purpose),
        Loaded::DeadLetters(rows) if latest(Request::Overlay) => {
            let selected = match &app.mode {
                Mode::Overlay(Overlay::DeadLetters { selected, .. }) => *selected,
                _ => 0,
            }
            .min(rows.len().saturating_sub(1));
            app.mode = Mode::Overlay(Overlay::DeadLetters { rows, selected });
        }
        Loaded::Jump(v) if latest(Request::Prompt) => match v {
            Some(v) => {
                super::history::record(app);
                set_cursor(app, v, fx);
            }
            None => app
                .status
                .say(Level::Info, "no event at or before that time"),
        },
        Loaded::Found(found) if latest(Request::Prompt) => super::search::found(app, &found, fx),
        Loaded::Completions(c) if latest(Request::Prompt) => {
            if let Mode::Input(InputKind::Prompt, line) = &mut app.mode {
                line.text = apply_completion(&line.text, &c);
                line.cursor = line.text.chars().count();
                app.completions = if c.len() > 1 { c } else { Vec::new() };
                if app.completions.is_empty() && line.text.ends_with(' ') {
                    app.status.clear();
                }
            }
        }
        Loaded::AsOf(at) if latest(Request::Prompt) => super::asof::arrived(app, at, fx),
        Loaded::Forked(view) if latest(Request::Prompt) => super::fork::arrived(app, *view),
        Loaded::OutOfSync(found, towards) if latest(Request::Prompt) => {
            super::trouble::landed(app, found, towards, fx);
        }
        Loaded::Opened(id) if latest(Request::Prompt) => {
            // "finding…" is answered: the order on screen says the rest.
            app.status.clear();
            super::history::record(app);
            select::open(app, &id, fx);
        }
        Loaded::ToCopy(text, what) if latest(Request::Prompt) => {
            app.status
                .say(Level::Info, format!("copied {what} (OSC 52)"));
            fx.push(Effect::Copy(text));
        }
        Loaded::Confirm(text, pending, what_if) if latest(Request::Prompt) => {
            // "resolving…" is answered: the confirmation takes the line.
            app.status.clear();
            // An overlay opened while the write resolved is where the answer returns to.
            let back = match std::mem::replace(&mut app.mode, Mode::Normal) {
                Mode::Overlay(o) => Back::Overlay(o),
                _ => Back::Normal,
            };
            app.mode = Mode::Confirm(Confirm {
                text,
                pending,
                back,
                what_if,
            });
        }
        Loaded::Progress(text) => jobs::progress(app, tag, text),
        Loaded::Checked(text, out_of_sync) => {
            jobs::finished(app, tag);
            super::trouble::checked(app, text, out_of_sync, fx);
        }
        Loaded::Done(text, open) => {
            jobs::finished(app, tag);
            app.status.say(Level::Ok, text);
            if let Some(id) = open {
                // Show what the write did: the order at its new head.
                load_orders(app, fx);
                select::reopen(app, &id, None, fx);
            } else {
                super::keys::refresh(app, fx);
            }
            // A retry or skip confirmed from the list returned to it: show what it did.
            if matches!(app.mode, Mode::Overlay(Overlay::DeadLetters { .. })) {
                ask(app, fx, |tag| Effect::LoadDeadLetters { tag });
            }
        }
        // Written whatever was asked since: the file is there, and the line says where.
        Loaded::Saved(text) => app.status.say(Level::Ok, text),
        Loaded::Failed(e) => failed(app, tag, e),
        Loaded::Unavailable(e) => {
            if tag.request == Request::Head {
                app.link = Link::Down(e.clone());
            }
            failed(app, tag, e);
        }
        // A stale result: a newer request of its kind is in flight.
        _ => {}
    }
}

/// An orders page: the selection stays on its order when listed; an empty page closes
/// the open order.
fn orders(app: &mut App, page: OrdersPage, fx: &mut Vec<Effect>) {
    let keep = app.selected_order().map(|r| r.id.clone());
    app.orders.loading = false;
    app.orders.error = None;
    app.orders.rows = page.rows;
    app.orders.next = page.next;
    app.orders.source = page.source;
    // A reload keeps the selection on the same order when it is still listed.
    let same = keep.and_then(|id| app.orders.rows.iter().position(|r| r.id == id));
    app.orders.selected = same.unwrap_or_else(|| {
        app.orders
            .selected
            .min(app.orders.rows.len().saturating_sub(1))
    });
    if app.orders.rows.is_empty() {
        select::close_order(app);
    }
    let open = std::mem::take(&mut app.orders.open_selected) || app.stream.order.is_none();
    if let Some(id) = app.selected_order().map(|r| r.id.clone())
        && open
        && app.stream.order.as_deref() != Some(id.as_str())
    {
        open_order(app, &id, None, fx);
    }
}

/// A poll's answer: what moved reloads what shows it.
fn head(app: &mut App, tag: Tag, info: HeadInfo, stream_head: Option<u64>, fx: &mut Vec<Effect>) {
    app.polling = false;
    let seen = std::mem::replace(&mut app.seen_head, true);
    let before = std::mem::replace(&mut app.head, info);
    if seen {
        // Positions may skip (a rolled-back sequence value): a rate, not an exact count.
        let grown = info.position.saturating_sub(before.position).max(0) as u64;
        app.rate.push_back(grown);
        while app.rate.len() > RATE_POLLS {
            app.rate.pop_front();
        }
    }
    app.link = Link::Up;
    let grown = stream_head.filter(|h| *h != app.stream.head && app.stream.head != 0);
    // A historical list is fixed at its point; the live one follows the log.
    if seen && info.moved(&before) && app.as_of.is_none() {
        load_orders(app, fx);
    }
    // The open order's comparison (and its explain, a replay) changes only when its
    // stream or the read side moves, not with every write elsewhere in the log.
    let read_side_moved =
        info.projected != before.projected || info.dead_letters != before.dead_letters;
    if seen && read_side_moved {
        load_divergence(app, fx);
    }
    if let Some(h) = grown {
        grew(app, h, fx);
        if seen {
            head_moved(app, tag, fx);
        }
    }
    if seen && info.moved(&before) {
        refresh_correlated(app, fx);
    }
}

/// Correlated events: a new overlay opens on the event it was asked from; a refresh keeps
/// the selection on the same event, and is dropped when the overlay closed meanwhile.
fn correlated(
    app: &mut App,
    id: String,
    rows: Vec<Correlated>,
    from: &(String, u64),
    purpose: Correlate,
) {
    let on = match (purpose, &app.mode) {
        (Correlate::Open, _) => Some(from.clone()),
        (
            Correlate::Refresh,
            Mode::Overlay(Overlay::Correlated {
                set: EventSet::Correlation(open),
                rows: old,
                selected,
                ..
            }),
        ) if *open == id => old.get(*selected).map(|r| (r.0.clone(), r.1)),
        (Correlate::Refresh, _) => return,
    };
    let selected = on
        .and_then(|(stream, version)| rows.iter().position(|r| r.0 == stream && r.1 == version))
        .unwrap_or(0);
    app.mode = Mode::Overlay(Overlay::Correlated {
        set: EventSet::Correlation(id),
        rows,
        cut: false,
        selected,
    });
}

/// The log moved while the correlation overlay is open: reads its set again, so events
/// that joined it since show. Any of its events names the set (they share the id).
fn refresh_correlated(app: &mut App, fx: &mut Vec<Effect>) {
    if super::take::refresh(app, fx) {
        return;
    }
    let Mode::Overlay(Overlay::Correlated { rows, selected, .. }) = &app.mode else {
        return;
    };
    let Some((order, version, ..)) = rows.get(*selected).or(rows.first()).cloned() else {
        return;
    };
    ask(app, fx, |tag| Effect::LoadCorrelated {
        tag,
        order,
        version,
        purpose: Correlate::Refresh,
    });
}

/// New events arrived on the open stream. A cursor on the head follows it (as `f` does),
/// so the newest state stays in view; one parked on an older version stays there.
fn grew(app: &mut App, head: u64, fx: &mut Vec<Effect>) {
    let old_head = app.stream.head;
    app.stream.head = head;
    if app.stream.cursor == old_head && old_head > 0 && head > old_head {
        app.stream.following = true;
    }
    if app.stream.following {
        set_cursor(app, head, fx);
    } else if app
        .stream
        .window
        .last()
        .is_some_and(|r| r.version == old_head)
        || head < old_head
    {
        // The window ends at the old head: fetch it again so the new events show.
        let (Some(order), cursor) = (app.stream.order.clone(), app.stream.cursor) else {
            return;
        };
        let as_of = app.as_of_position();
        ask(app, fx, |tag| Effect::LoadStream {
            tag,
            order,
            around: Some(cursor.min(head)),
            as_of,
        });
    }
}

/// A failure: shown on the pane its request was for, and on the message line, unless a newer
/// request of its kind superseded it. A job's failure always shows: it was asked for once.
fn failed(app: &mut App, tag: Tag, e: String) {
    let latest = app.tags.is_latest(tag);
    match tag.request {
        _ if !latest && !matches!(tag.request, Request::Job(_)) => return,
        Request::Orders => {
            app.orders.loading = false;
            app.orders.error = Some(e.clone());
        }
        Request::Stream => {
            app.stream.loading = false;
            app.stream.error = Some(e.clone());
        }
        Request::State => {
            app.state.loading = false;
            app.state.error = Some(e.clone());
        }
        Request::Divergence => {
            app.divergence.loading = false;
            app.divergence.error = Some(e.clone());
        }
        Request::Head => app.polling = false,
        Request::Job(_) => jobs::finished(app, tag),
        Request::Overlay | Request::Prompt => {}
    }
    app.status.say(Level::Error, e);
}
