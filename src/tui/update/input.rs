//! Keys by mode: line editing, the prompt, confirmations and overlays.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keys::{command, refresh};
use super::{ask, jobs, load_orders, set_cursor};
use crate::tui::action::{Completion, Effect};
use crate::tui::format::count;
use crate::tui::prompt::{
    CompletionTarget, PromptCommand, apply_completion, completion_target, parse_prompt, parse_time,
};
use crate::tui::state::{App, Back, Confirm, InputKind, Level, LineInput, Mode, Overlay, Pending};

/// Routes a key by mode. A key that does something begins a new action, which ends the
/// last one's message: in normal mode a bound key or Esc (an unbound key changes nothing,
/// so the message stays), in the other modes any key (it edits, answers or scrolls).
pub(super) fn key(app: &mut App, k: KeyEvent, fx: &mut Vec<Effect>) {
    if k.kind == KeyEventKind::Release {
        return;
    }
    let mode = std::mem::replace(&mut app.mode, Mode::Normal);
    match mode {
        Mode::Normal => {
            if super::fork::key(app, k) {
                return;
            }
            if k.code == KeyCode::Esc {
                escape(app, fx);
            } else if let Some(cmd) = app.keymap.lookup(&k) {
                app.status.begin_action();
                command(app, cmd, fx);
            }
        }
        Mode::Input(kind, line) => {
            app.status.begin_action();
            input(app, kind, line, k, fx);
            super::take::line_done(app);
        }
        Mode::Confirm(confirm) => {
            app.status.begin_action();
            answer(app, confirm, k, fx);
        }
        Mode::Overlay(o) => {
            app.status.begin_action();
            overlay(app, o, k, fx);
        }
        Mode::Mark(op) => {
            app.status.begin_action();
            super::history::letter(app, op, k, fx);
        }
    }
}

/// Esc in normal mode clears an orders filter (listing every order again from the first
/// page), else closes the message; with neither there is nothing to close, and it says so
/// rather than nothing.
fn escape(app: &mut App, fx: &mut Vec<Effect>) {
    let showing = app.status.current().is_some();
    app.status.begin_action();
    app.completions.clear();
    if !app.orders.filter.is_empty() {
        let was = std::mem::take(&mut app.orders.filter);
        app.orders.open_selected = true;
        app.orders.pages = vec![None];
        app.orders.lead = None;
        app.orders.selected = 0;
        load_orders(app, fx);
        app.status.say(
            Level::Info,
            format!("filter cleared: {}", crate::text::printable(&was)),
        );
    } else if !showing {
        app.status.say(
            Level::Info,
            "nothing to close (Esc closes overlays, prompts and messages)",
        );
    }
}

/// `y` runs the confirmed write, any other key cancels it; either way the keys go back to
/// where the confirmation was asked from.
fn answer(app: &mut App, confirm: Confirm, k: KeyEvent, fx: &mut Vec<Effect>) {
    let Confirm {
        text,
        pending,
        back,
        ..
    } = confirm;
    app.mode = back.mode();
    if k.code == KeyCode::Char('y') && k.modifiers.difference(KeyModifiers::SHIFT).is_empty() {
        app.status.say(Level::Info, format!("running: {text}"));
        jobs::run(app, pending, fx);
    } else {
        app.status.say(Level::Info, format!("cancelled: {text}"));
    }
}

/// Edits a line; Enter submits, Esc cancels.
fn input(app: &mut App, kind: InputKind, mut line: LineInput, k: KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            app.completions.clear();
            return;
        }
        KeyCode::Char('c') if ctrl => return,
        KeyCode::Enter => return submit(app, kind, &line.text, fx),
        KeyCode::Char('u') if ctrl => line = LineInput::default(),
        KeyCode::Char(c) if !ctrl => {
            let at = byte_index(&line.text, line.cursor);
            line.text.insert(at, c);
            line.cursor += 1;
        }
        KeyCode::Backspace if line.cursor > 0 => {
            line.cursor -= 1;
            let at = byte_index(&line.text, line.cursor);
            line.text.remove(at);
        }
        KeyCode::Delete if line.cursor < line.text.chars().count() => {
            let at = byte_index(&line.text, line.cursor);
            line.text.remove(at);
        }
        KeyCode::Left => line.cursor = line.cursor.saturating_sub(1),
        KeyCode::Right => line.cursor = (line.cursor + 1).min(line.text.chars().count()),
        KeyCode::Home => line.cursor = 0,
        KeyCode::End => line.cursor = line.text.chars().count(),
        KeyCode::Up | KeyCode::Down if kind == InputKind::Prompt => {
            history(app, &mut line, k.code == KeyCode::Up);
        }
        KeyCode::Tab if kind == InputKind::Prompt => complete(app, &mut line, fx),
        _ => {}
    }
    app.mode = Mode::Input(kind, line);
}

fn byte_index(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

fn history(app: &mut App, line: &mut LineInput, back: bool) {
    if app.history.is_empty() {
        return;
    }
    let last = app.history.len() - 1;
    app.history_pos = match (app.history_pos, back) {
        (None, true) => Some(last),
        (None, false) => None,
        (Some(0), true) => Some(0),
        (Some(p), true) => Some(p - 1),
        (Some(p), false) if p >= last => None,
        (Some(p), false) => Some(p + 1),
    };
    line.text = app
        .history_pos
        .map(|p| app.history[p].clone())
        .unwrap_or_default();
    line.cursor = line.text.chars().count();
}

fn complete(app: &mut App, line: &mut LineInput, fx: &mut Vec<Effect>) {
    line.cursor = line.text.chars().count();
    if let Some(id) = crate::tui::prompt::id_suggestion(&line.text, app.stream.order.as_deref()) {
        line.text = format!("{}{id} ", line.text);
        line.cursor = line.text.chars().count();
        return;
    }
    let what = match completion_target(&line.text) {
        CompletionTarget::Command(c) => {
            line.text = apply_completion(&line.text, &c);
            line.cursor = line.text.chars().count();
            app.completions = if c.len() > 1 { c } else { Vec::new() };
            return;
        }
        CompletionTarget::OrderId(p) => Completion::OrderId(p),
        CompletionTarget::Sku(id, p) => Completion::Sku(id, p),
        CompletionTarget::Amount(id) => Completion::Amount(id),
        CompletionTarget::None => return,
    };
    ask(app, fx, |tag| Effect::Complete { tag, what });
}

/// Runs a submitted line.
fn submit(app: &mut App, kind: InputKind, text: &str, fx: &mut Vec<Effect>) {
    app.completions.clear();
    match kind {
        InputKind::Filter => {
            // A filter that does not parse is refused; the working one stays.
            if let Err(e) = crate::tui::prompt::parse_list_filter(text) {
                app.status.say(Level::Error, e);
                return;
            }
            app.orders.filter = text.trim().to_string();
            app.orders.open_selected = true;
            app.orders.pages = vec![None];
            app.orders.lead = None;
            app.orders.selected = 0;
            load_orders(app, fx);
        }
        InputKind::Search => {
            app.stream.search = text.trim().to_string();
            if !app.stream.search.is_empty() {
                command(app, crate::tui::keymap::Cmd::SearchNext, fx);
            }
        }
        InputKind::Time => match parse_time(text) {
            Ok(at) => time_jump(app, at, fx),
            Err(e) => app.status.say(Level::Error, e),
        },
        InputKind::Prompt => prompt(app, text, fx),
    }
}

fn time_jump(app: &mut App, at: chrono::DateTime<chrono::Utc>, fx: &mut Vec<Effect>) {
    let Some(order) = app.stream.order.clone() else {
        app.status
            .say(Level::Info, "open an order first (Enter in Orders)");
        return;
    };
    ask(app, fx, |tag| Effect::VersionAt { tag, order, at });
}

fn prompt(app: &mut App, text: &str, fx: &mut Vec<Effect>) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if app.history.last().map(String::as_str) != Some(text) {
        app.history.push(text.to_string());
        fx.push(Effect::SaveHistory(text.to_string()));
    }
    app.history_pos = None;
    let cmd = match parse_prompt(text) {
        Ok(c) => c,
        Err(e) => {
            app.status.say(Level::Error, e);
            return;
        }
    };
    if cmd.writes() && app.read_only {
        app.status.say(
            Level::Error,
            "read-only: started with --read-only, the prompt refuses writes",
        );
        return;
    }
    match cmd {
        PromptCommand::Quit => app.quit = true,
        PromptCommand::Help => app.mode = Mode::Overlay(Overlay::Help { scroll: 0 }),
        PromptCommand::Version(v) => {
            if v > app.stream.head && app.stream.order.is_some() {
                let events = count(app.stream.head, "event");
                app.status.say(
                    Level::Error,
                    format!("the order has {events}; there is no version {v}"),
                );
            } else {
                super::history::record(app);
                set_cursor(app, v, fx);
            }
        }
        PromptCommand::Time(at) => time_jump(app, at, fx),
        PromptCommand::Open(prefix) => {
            app.status.say(Level::Info, format!("finding {prefix}…"));
            ask(app, fx, |tag| Effect::OpenPrefix { tag, prefix });
        }
        PromptCommand::At(target) => super::asof::at(app, target, fx),
        PromptCommand::Fork(arg) => super::fork::start(app, arg, fx),
        PromptCommand::Check => jobs::check(app, fx),
        PromptCommand::DeadLetters => command(app, crate::tui::keymap::Cmd::DeadLetters, fx),
        PromptCommand::Find(search) => super::take::find(app, search, fx),
        PromptCommand::Export(to) => super::take::export(app, to, fx),
        PromptCommand::Report(to) => super::take::report(app, to, fx),
        PromptCommand::Rebuild => jobs::confirm_projector(app, Pending::Rebuild),
        PromptCommand::Project => jobs::confirm_projector(app, Pending::Project),
        command @ (PromptCommand::Create { .. } | PromptCommand::Write { .. }) => {
            app.status.say(Level::Info, "resolving…");
            ask(app, fx, |tag| Effect::Resolve { tag, command });
        }
    }
}

/// Keys while an overlay is open.
fn overlay(app: &mut App, mut o: Overlay, k: KeyEvent, fx: &mut Vec<Effect>) {
    let close = matches!(k.code, KeyCode::Esc | KeyCode::Char('q' | '?'));
    if close {
        return;
    }
    if matches!(o, Overlay::Correlated { .. })
        && app.keymap.lookup(&k) == Some(crate::tui::keymap::Cmd::Prompt)
    {
        return super::take::prompt_over(app, o);
    }
    let down = matches!(k.code, KeyCode::Down | KeyCode::Char('j'));
    let up = matches!(k.code, KeyCode::Up | KeyCode::Char('k'));
    match &mut o {
        Overlay::Help { scroll } | Overlay::Raw { scroll, .. } => {
            if down {
                *scroll = scroll.saturating_add(1);
            } else if up {
                *scroll = scroll.saturating_sub(1);
            } else if k.code == KeyCode::PageDown {
                *scroll = scroll.saturating_add(10);
            } else if k.code == KeyCode::PageUp {
                *scroll = scroll.saturating_sub(10);
            }
        }
        Overlay::Correlated { rows, selected, .. } => {
            if down {
                *selected = (*selected + 1).min(rows.len().saturating_sub(1));
            } else if up {
                *selected = selected.saturating_sub(1);
            } else if k.code == KeyCode::Enter {
                if let Some((stream, version, ..)) = rows.get(*selected).cloned() {
                    super::history::record(app);
                    super::select::jump(app, &stream, version, fx);
                }
                return;
            }
        }
        Overlay::DeadLetters { rows, selected } => {
            if down {
                *selected = (*selected + 1).min(rows.len().saturating_sub(1));
            } else if up {
                *selected = selected.saturating_sub(1);
            } else if let (KeyCode::Char(c @ ('r' | 's')), Some(letter)) =
                (k.code, rows.get(*selected))
            {
                if app.read_only {
                    app.status.say(
                        Level::Error,
                        "read-only: started with --read-only, dead letters stay as they are",
                    );
                } else {
                    let skip = c == 's';
                    let text = format!(
                        "dlq {} {} (event #{}, {} v{})",
                        if skip { "skip" } else { "retry" },
                        letter.global_position,
                        letter.global_position,
                        letter.stream_id,
                        letter.version
                    );
                    let pending = Pending::DeadLetter {
                        position: letter.global_position,
                        skip,
                    };
                    app.mode = Mode::Confirm(Confirm {
                        text,
                        pending,
                        back: Back::Overlay(o),
                        what_if: None,
                    });
                    return;
                }
            } else if k.code == KeyCode::Enter {
                if let Some(letter) = rows.get(*selected).cloned() {
                    super::history::record(app);
                    super::select::jump(app, &letter.stream_id, letter.version, fx);
                }
                return;
            } else if k.code == KeyCode::Char('r') {
                refresh(app, fx);
            }
        }
    }
    app.mode = Mode::Overlay(o);
}
