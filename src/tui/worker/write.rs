//! The worker's writes and prompt helpers: resolving, executing, completing.

use std::io::Write as _;
use std::path::Path;

use chrono::Utc;
use uuid::Uuid;

use super::{Deps, parse_id};
use crate::app::metadata::CommandContext;
use crate::app::{AppError, CommandRequest};
use crate::domain::{OrderCommand, OrderId};
use crate::text::printable;
use crate::tui::action::{Completion, Loaded};
use crate::tui::prompt::{PromptCommand, command_line};
use crate::tui::state::Pending;
use crate::tui::whatif::{self, WhatIf};

/// Candidates offered at most.
const COMPLETIONS: u32 = 20;

/// Candidates for the word being completed.
pub(super) async fn complete(deps: &Deps, what: Completion) -> Result<Loaded, AppError> {
    let read = &deps.services.read;
    Ok(Loaded::Completions(match what {
        Completion::OrderId(prefix) => read.ids_with_prefix(&prefix, COMPLETIONS).await?,
        Completion::Sku(id_prefix, prefix) => read.skus(&id_prefix, &prefix).await?,
        Completion::Amount(id_prefix) => {
            let id = parse_id(&read.resolve_id(&id_prefix).await?)?;
            let order = deps.services.loader.load(id, None).await?;
            if order.exists() {
                vec![crate::tui::format::money(
                    order.total(),
                    Some(order.currency),
                )]
            } else {
                Vec::new()
            }
        }
    }))
}

/// Turns a parsed write into the exact command to confirm: full id, default currency, and
/// the version the operator saw (a write that finds the order moved is a conflict).
pub(super) async fn resolve(deps: &Deps, command: PromptCommand) -> Result<Loaded, AppError> {
    let context = CommandContext {
        actor: deps.actor.clone(),
        source: "tui".into(),
        ..CommandContext::default()
    };
    let (request, text) = match command {
        PromptCommand::Create {
            customer,
            items,
            currency,
        } => {
            let command = OrderCommand::CreateOrder {
                customer_id: customer,
                items,
                currency: currency.unwrap_or(deps.services.config.default_currency),
            };
            let text = command_line("", &command);
            let request = CommandRequest {
                order_id: OrderId(Uuid::new_v4()),
                command,
                expected_version: Some(0),
                id_generated: true,
                context,
            };
            (request, text)
        }
        PromptCommand::Write { id_prefix, command } => {
            let id = deps.services.read.resolve_id(&id_prefix).await?;
            let version = deps.services.read.stream_version(&id).await?;
            let text = format!("{} (at v{version})", command_line(&id, &command));
            let request = CommandRequest {
                order_id: parse_id(&id)?,
                command,
                expected_version: Some(version),
                id_generated: false,
                context,
            };
            (request, text)
        }
        other => {
            return Err(AppError::BadInput(format!("{other:?} is not a write")));
        }
    };
    let what_if = what_if(deps, &request).await?;
    Ok(Loaded::Confirm(
        printable(&text),
        Pending::Command(Box::new(request)),
        Some(what_if),
    ))
}

/// The command run on a copy of the state it will expect (the head the confirmation names;
/// nothing for a new order), now.
async fn what_if(deps: &Deps, request: &CommandRequest) -> Result<WhatIf, AppError> {
    let state = match request.expected_version {
        Some(0) => crate::domain::Order::empty(request.order_id),
        at => deps.services.loader.load(request.order_id, at).await?,
    };
    Ok(whatif::preview(&state, &request.command, Utc::now()))
}

/// Runs a confirmed write.
pub(super) async fn execute(deps: &Deps, pending: Pending) -> Result<Loaded, AppError> {
    let now = Utc::now();
    match pending {
        Pending::Command(req) => {
            let out = deps.services.commands.execute(&req, now).await?;
            let types: Vec<&str> = out
                .events
                .iter()
                .map(crate::domain::OrderEvent::event_type)
                .collect();
            let id = req.order_id.to_string();
            tracing::info!(order = %id, command = req.command.name(), "command from the prompt");
            Ok(Loaded::Done(
                format!(
                    "✓ {} {}: {} → v{}",
                    req.command.name(),
                    id,
                    types.join(", "),
                    out.order.version
                ),
                Some(id),
            ))
        }
        // `Effect::request` names these jobs; the worker runs them beside its queue.
        Pending::Rebuild | Pending::Project => Err(AppError::BadInput(
            "rebuild and project run as background jobs".into(),
        )),
        Pending::DeadLetter { position, skip } => {
            let left = deps
                .services
                .projector
                .resolve_dead_letter(position, skip, now)
                .await?;
            let verb = if skip { "skipped" } else { "retried" };
            Ok(Loaded::Done(
                match left {
                    None => format!("✓ {verb} event #{position}; the order is unparked"),
                    Some(d) => format!(
                        "{verb} event #{position}; still dead-lettered: #{} {}",
                        d.global_position,
                        printable(&d.error)
                    ),
                },
                None,
            ))
        }
    }
}

/// Appends a prompt line to the history file; a failure is logged, never shown.
pub(super) fn save_history(file: Option<&Path>, line: &str) {
    let Some(file) = file else { return };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| writeln!(f, "{}", line.replace('\n', " ")));
    if let Err(e) = written {
        tracing::warn!(error = %e, file = %file.display(), "cannot save prompt history");
    }
}

/// The last `limit` lines of the history file.
pub fn load_history(file: Option<&Path>, limit: usize) -> Vec<String> {
    let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok()) else {
        return Vec::new();
    };
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(ToString::to_string)
        .collect();
    lines[lines.len().saturating_sub(limit)..].to_vec()
}
