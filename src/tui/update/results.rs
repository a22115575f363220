//! Worker results: applied only when their tag is the latest of their kind.

use super::{load_divergence, load_orders, open_order, set_cursor};
use crate::tui::action::{Effect, Loaded};
use crate::tui::prompt::apply_completion;
use crate::tui::state::{App, InputKind, Level, Mode, Overlay};

#[allow(clippy::too_many_lines)] // one arm per result kind
pub(super) fn loaded(app: &mut App, tag: u64, loaded: Loaded, fx: &mut Vec<Effect>) {
    match loaded {
        Loaded::Orders(page) if tag == app.tags.orders => {
            let keep = app.selected_order().map(|r| r.id.clone());
            app.orders.loading = false;
            app.orders.error = None;
            app.orders.rows = page.rows;
            app.orders.next = page.next;
            // A reload keeps the selection on the same order when it is still listed.
            let same = keep.and_then(|id| app.orders.rows.iter().position(|r| r.id == id));
            app.orders.selected = same.unwrap_or_else(|| {
                app.orders
                    .selected
                    .min(app.orders.rows.len().saturating_sub(1))
            });
            let open = std::mem::take(&mut app.orders.open_selected) || app.stream.order.is_none();
            if let Some(id) = app.selected_order().map(|r| r.id.clone())
                && open
                && app.stream.order.as_deref() != Some(id.as_str())
            {
                open_order(app, &id, None, fx);
            }
        }
        Loaded::Stream(w) if tag == app.tags.stream => {
            if app.stream.order.as_deref() != Some(w.order.as_str()) {
                return;
            }
            app.stream.loading = false;
            app.stream.window = w.rows;
            app.stream.head = w.head;
            if app.stream.cursor == 0 || app.stream.cursor > w.head {
                app.stream.cursor = w.cursor;
                let v = app.stream.cursor;
                app.state.version = 0;
                set_cursor(app, v, fx);
            }
        }
        Loaded::State { version, fields } if tag == app.tags.state => {
            app.state.loading = false;
            app.state.error = None;
            app.state.version = version;
            app.state.fields = fields;
        }
        Loaded::Divergence(d) if tag == app.tags.divergence => {
            let d = *d;
            app.divergence = crate::tui::state::DivergencePane {
                order: Some(d.order),
                class: Some(d.class),
                behind: d.behind,
                row_version: d.row_version,
                fields: d.fields,
                explain: d.explain,
                parted_at: d.parted_at,
                loading: false,
                error: None,
            };
        }
        Loaded::Head { info, stream_head } if tag == app.tags.head => {
            app.polling = false;
            let seen = std::mem::replace(&mut app.seen_head, true);
            let before = std::mem::replace(&mut app.head, info);
            let grown = stream_head.filter(|h| *h != app.stream.head && app.stream.head != 0);
            if seen && info != before {
                load_orders(app, fx);
            }
            // The open order's comparison (and its explain, a replay) changes only when its
            // stream or the read side moves, not with every write elsewhere in the log.
            let read_side_moved =
                info.projected != before.projected || info.dead_letters != before.dead_letters;
            if seen && (read_side_moved || grown.is_some()) {
                load_divergence(app, fx);
            }
            if let Some(h) = grown {
                grew(app, h, fx);
            }
        }
        Loaded::Raw(lines) if tag == app.tags.overlay => {
            app.mode = Mode::Overlay(Overlay::Raw { lines, scroll: 0 });
        }
        Loaded::Correlated {
            correlation_id,
            rows,
        } if tag == app.tags.overlay => {
            app.mode = Mode::Overlay(Overlay::Correlated {
                correlation_id,
                rows,
                selected: 0,
            });
        }
        Loaded::DeadLetters(rows) if tag == app.tags.overlay => {
            let selected = match &app.mode {
                Mode::Overlay(Overlay::DeadLetters { selected, .. }) => *selected,
                _ => 0,
            }
            .min(rows.len().saturating_sub(1));
            app.mode = Mode::Overlay(Overlay::DeadLetters { rows, selected });
        }
        Loaded::Jump(v) if tag == app.tags.prompt => match v {
            Some(v) => set_cursor(app, v, fx),
            None => app.message = Some((Level::Info, "no match".into())),
        },
        Loaded::Completions(c) if tag == app.tags.prompt => {
            if let Mode::Input(InputKind::Prompt, line) = &mut app.mode {
                line.text = apply_completion(&line.text, &c);
                line.cursor = line.text.chars().count();
                app.completions = if c.len() > 1 { c } else { Vec::new() };
                if app.completions.is_empty() && line.text.ends_with(' ') {
                    app.message = None;
                }
            }
        }
        Loaded::Confirm(text, pending) if tag == app.tags.prompt => {
            app.message = None;
            app.mode = Mode::Confirm(text, pending);
        }
        Loaded::Done(text, open) => {
            app.message = Some((Level::Ok, text));
            if let Some(id) = open {
                // Show what the write did: the order at its new head.
                load_orders(app, fx);
                app.stream.order = None;
                open_order(app, &id, None, fx);
            } else {
                super::keys::refresh(app, fx);
            }
            if std::mem::take(&mut app.dlq_return)
                || matches!(app.mode, Mode::Overlay(Overlay::DeadLetters { .. }))
            {
                let tag = app.tag();
                app.tags.overlay = tag;
                fx.push(Effect::LoadDeadLetters { tag });
            }
        }
        Loaded::Failed(e) => failed(app, tag, e),
        // A stale result: a newer request of its kind is in flight.
        _ => {}
    }
}

/// New events arrived on the open stream.
fn grew(app: &mut App, head: u64, fx: &mut Vec<Effect>) {
    let old_head = app.stream.head;
    app.stream.head = head;
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
        let tag = app.tag();
        app.tags.stream = tag;
        fx.push(Effect::LoadStream {
            tag,
            order,
            around: Some(cursor.min(head)),
        });
    }
}

fn failed(app: &mut App, tag: u64, e: String) {
    let t = app.tags;
    if tag == t.orders {
        app.orders.loading = false;
        app.orders.error = Some(e.clone());
    } else if tag == t.stream {
        app.stream.loading = false;
        app.stream.error = Some(e.clone());
    } else if tag == t.state {
        app.state.loading = false;
        app.state.error = Some(e.clone());
    } else if tag == t.divergence {
        app.divergence.loading = false;
        app.divergence.error = Some(e.clone());
    } else if tag == t.head {
        app.polling = false;
    } else if tag != t.prompt && tag != t.overlay {
        return;
    }
    app.message = Some((Level::Error, e));
}
