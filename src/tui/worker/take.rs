//! The worker's side of `:find`, `:export` and `:report`: the search across orders, and the
//! files. A file is written whole or not at all, and never over one that is there unless
//! the path was given with `!`.

use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{Deps, parse_id};
use crate::app::AppError;
use crate::app::read::{EventSet, SetEvents};
use crate::app::transfer::{self, Incident, incident_markdown};
use crate::store::EventSearch;
use crate::text::printable;
use crate::tui::action::{Correlate, Loaded};
use crate::tui::take::{Export, OutPath, default_path, label, set_name};

/// Events an events overlay (and its export) holds at most.
pub const SET_LIMIT: u32 = 500;

/// What `:find` found, newest first, as the overlay's rows.
pub(super) async fn found(
    deps: &Deps,
    search: EventSearch,
    purpose: Correlate,
) -> Result<Loaded, AppError> {
    let set = EventSet::Find(search.clone());
    let SetEvents { events, cut } = deps.services.read.event_set(&set, SET_LIMIT).await?;
    Ok(Loaded::Matches {
        search,
        rows: events
            .into_iter()
            .map(|e| {
                (
                    e.stream_id,
                    e.version,
                    printable(&e.event_type),
                    e.recorded_at,
                )
            })
            .collect(),
        cut,
        purpose,
    })
}

/// `:export`: a stream exactly as `chronicle export --stream` writes it, or an overlay's
/// events in log order, in the same line format.
pub(super) async fn export(deps: &Deps, what: Export, to: &OutPath) -> Result<Loaded, AppError> {
    let path = destination(to, &default_path(&label(&what), Utc::now(), "jsonl"));
    refuse_existing(&path, to, "export")?;
    let mut out = Vec::new();
    let (count, what) = match &what {
        Export::Stream(order) => {
            let id = parse_id(order)?;
            let n = transfer::export(&deps.services.loader, Some(id), &mut out).await?;
            (n, format!("of order {order}"))
        }
        Export::Set(set) => {
            let SetEvents { mut events, cut } =
                deps.services.read.event_set(set, SET_LIMIT).await?;
            // A search reads newest first; a file of events reads in log order, as an export.
            if matches!(set, EventSet::Find(_)) {
                events.reverse();
            }
            let n = transfer::write_lines(&events, &mut out)?;
            let bound = if cut {
                format!(", the {SET_LIMIT} shown: more match")
            } else {
                String::new()
            };
            (n, format!("({}{bound})", set_name(set)))
        }
    };
    write_new(&path, to, "export", &out)?;
    Ok(Loaded::Saved(format!(
        "✓ exported {} {what} to {}",
        crate::tui::format::count(count, "event"),
        shown(&path)
    )))
}

/// `:report`: the open order's read model against its replay, as a Markdown incident note.
pub(super) async fn report(deps: &Deps, order: &str, to: &OutPath) -> Result<Loaded, AppError> {
    let now = Utc::now();
    let short: String = order.chars().take(8).collect();
    let path = destination(to, &default_path(&short, now, "md"));
    refuse_existing(&path, to, "report")?;
    let read = &deps.services.read;
    let divergence = read.divergence(order).await?;
    let parting = divergence
        .explanation
        .as_ref()
        .and_then(|e| e.first_divergence.as_ref());
    let payload = match parting {
        Some(p) => Some(read.raw_event(order, p.version).await?.payload),
        None => None,
    };
    let note = incident_markdown(&Incident {
        divergence: &divergence,
        parting_payload: payload.as_deref(),
        database: &deps.services.store.url(),
        written_at: now,
    });
    write_new(&path, to, "report", note.as_bytes())?;
    // A corrupt order has no replayed version to count its events by.
    let events = divergence
        .stream_version
        .map(|v| format!(", {}", crate::tui::format::count(v, "event")))
        .unwrap_or_default();
    Ok(Loaded::Saved(format!(
        "✓ wrote the incident note of {short}… ({}{events}) to {}",
        divergence.class.as_str(),
        shown(&path)
    )))
}

/// The path typed (`~/` is the home directory, as a shell would read it), or the default.
fn destination(to: &OutPath, default: &Path) -> PathBuf {
    let Some(path) = &to.path else {
        return default.to_path_buf();
    };
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.clone(),
    }
}

fn shown(path: &Path) -> String {
    printable(&path.display().to_string())
}

/// Refuses early, before anything is read, when the file is there and may not be replaced.
fn refuse_existing(path: &Path, to: &OutPath, command: &str) -> Result<(), AppError> {
    if to.overwrite || !path.exists() {
        return Ok(());
    }
    Err(exists(path, command))
}

fn exists(path: &Path, command: &str) -> AppError {
    let p = shown(path);
    AppError::BadInput(format!(
        "{p} exists: `:{command} {p}!` replaces it, or give another path"
    ))
}

/// Writes `bytes` to a new file (or over the file there, when the path ended in `!`); what
/// cannot be written is one line naming the path. A write that fails halfway leaves no
/// file behind.
fn write_new(path: &Path, to: &OutPath, command: &str, bytes: &[u8]) -> Result<(), AppError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if to.overwrite {
        options.create(true).truncate(true);
    } else {
        // Not `create`: a file made since the early check is not replaced either.
        options.create_new(true);
    }
    let cannot = |e: std::io::Error| {
        AppError::BadInput(format!(
            "cannot write {}: {}",
            shown(path),
            printable(&e.to_string())
        ))
    };
    let mut file = options.open(path).map_err(|e| match e.kind() {
        ErrorKind::AlreadyExists => exists(path, command),
        _ => cannot(e),
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    written.map_err(|e| {
        let _ = std::fs::remove_file(path);
        cannot(e)
    })
}
