//! `projector`, `dlq`, `check`, `explain` and `order show --source read-model`.

use std::fmt::Write as _;

use super::args::{DlqCmd, ProjectorCmd};
use super::ctx::{Ctx, Failure, emit, exit, order_ref, print_json, resolve, to_json};
use super::output::{human_duration, human_seconds, printable};
use crate::app::divergence::{Class, Explanation, FieldDiff};
use crate::app::projector::{BatchReport, RunNote};
use crate::store::{Access, DeadLetter};

/// Progress on stderr, at most once a second (and always when caught up).
fn progress_line(verb: &str) -> impl FnMut(&BatchReport) {
    let verb = verb.to_string();
    let mut last: Option<std::time::Instant> = None;
    move |r: &BatchReport| {
        if r.caught_up || last.is_none_or(|t| t.elapsed().as_secs() >= 1) {
            last = Some(std::time::Instant::now());
            let recovered = if r.recovered > 0 {
                format!(", {} recovered by retries", r.recovered)
            } else {
                String::new()
            };
            eprintln!(
                "{verb}: position {}, {} applied, {} parked, {} dead-lettered{recovered}",
                r.position, r.applied, r.parked, r.dead_lettered
            );
        }
    }
}

/// `projector run|rebuild|status`.
pub(super) async fn projector(ctx: &Ctx, cmd: ProjectorCmd) -> Result<(), Failure> {
    match cmd {
        ProjectorCmd::Run { once, batch_size } => {
            let mut ctx_config = ctx.config.clone();
            if let Some(n) = batch_size {
                ctx_config.projector_batch_size = n;
            }
            ctx_config.check().map_err(Failure::usage)?;
            let services = ctx
                .services_with(Access::CreateIfMissing, &ctx_config)
                .await?;
            let projector = &services.projector;
            let total = if once {
                // Once means settled: the parked orders' retries are waited out too.
                projector.settle(|_| {}).await?
            } else {
                let stop = async {
                    // Without a signal handler there is nothing to wait for: run until killed.
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                };
                let mut progress = progress_line("projector");
                projector
                    .run(stop, |note| match note {
                        RunNote::Progress(r) => progress(r),
                        RunNote::Standby { leader } => eprintln!(
                            "projector: standby: another projector leads ({}); taking over when it stops",
                            leader.map_or_else(|| "pid unknown".to_string(), |p| format!("backend pid {p}"))
                        ),
                        RunNote::Leading => eprintln!("projector: leading"),
                        RunNote::LostLease => eprintln!("projector: lost the lead; standing for election again"),
                        RunNote::Unavailable { error, retry_in } => eprintln!(
                            "projector: {error}; retrying in {}",
                            human_duration(retry_in)
                        ),
                    })
                    .await?
            };
            emit(&format!(
                "projector at position {}: {} applied, {} parked, {} dead-lettered\n",
                total.position, total.applied, total.parked, total.dead_lettered
            ))
        }
        ProjectorCmd::Rebuild { order } => {
            let order = order.as_deref().map(order_ref).transpose()?;
            let services = ctx.updater().await?;
            let id = match &order {
                Some(r) => Some(resolve(&services, r).await?),
                None => None,
            };
            let total = services
                .projector
                .rebuild(id, progress_line("rebuild"))
                .await?;
            emit(&format!(
                "rebuilt {}: {} events applied, {} dead-lettered, checkpoint {}\n",
                id.map_or_else(|| "the read model".to_string(), |i| format!("order {i}")),
                total.applied,
                total.dead_lettered,
                total.position
            ))
        }
        ProjectorCmd::Status { json } => {
            let services = ctx.reader().await?;
            let s = services.projector.status(chrono::Utc::now()).await?;
            if json {
                print_json(&to_json(&s)?)
            } else {
                let mut text = format!(
                    "checkpoint   {}\nhead         {}\nlag          {} events, {}\ndead letters {}\nparked       {} orders\n",
                    s.checkpoint,
                    s.head,
                    s.lag_events,
                    human_seconds(s.lag_seconds),
                    s.dead_letters,
                    s.parked_orders
                );
                if let Some(held) = &s.server.held_back_by {
                    let _ = writeln!(text, "log          {held}");
                }
                if let Some(pid) = s.server.projector_leader {
                    let _ = writeln!(text, "leader       projector at backend pid {pid}");
                }
                if let Some(lag) = s.server.replica_lag_seconds {
                    let _ = writeln!(
                        text,
                        "standby      replay {} behind its primary",
                        human_seconds(lag)
                    );
                }
                emit(&text)
            }
        }
    }
}

/// `dlq list|retry|skip`.
pub(super) async fn dlq(ctx: &Ctx, cmd: DlqCmd) -> Result<(), Failure> {
    match cmd {
        DlqCmd::List { json } => {
            let services = ctx.reader().await?;
            let mut text = String::new();
            for d in services.read.dead_letters().await? {
                if json {
                    let _ = writeln!(text, "{}", to_json(&d)?);
                } else {
                    let _ = writeln!(text, "{}", dead_letter_text(&d));
                }
            }
            emit(&text)
        }
        DlqCmd::Retry { position } | DlqCmd::Skip { position } => {
            let skip = matches!(cmd, DlqCmd::Skip { .. });
            let services = ctx.updater().await?;
            match services
                .projector
                .resolve_dead_letter(position, skip, chrono::Utc::now())
                .await?
            {
                None => emit(&format!(
                    "{} dead letter #{position}; its order's parked events are applied\n",
                    if skip { "skipped" } else { "applied" }
                )),
                Some(d) => Err(Failure {
                    code: exit::STORAGE,
                    message: format!(
                        "event #{} of order {} still fails after {} attempts: {}",
                        d.global_position, d.stream_id, d.attempts, d.error
                    ),
                }),
            }
        }
    }
}

/// One dead letter as a line: the times of its first and last failure to the millisecond,
/// so attempts a backoff apart read apart.
fn dead_letter_text(d: &DeadLetter) -> String {
    const AT: &str = "%Y-%m-%d %H:%M:%S%.3f";
    let next = d.next_retry_at.map_or_else(
        || "retries spent".to_string(),
        |t| format!("retry at {}", t.format("%H:%M:%S%.3f")),
    );
    let last = if d.last_failed_at.date_naive() == d.first_failed_at.date_naive() {
        d.last_failed_at.format("%H:%M:%S%.3f")
    } else {
        d.last_failed_at.format(AT)
    };
    let failed = if d.attempts > 1 {
        format!("failed {} .. {last}", d.first_failed_at.format(AT))
    } else {
        format!("failed {}", d.first_failed_at.format(AT))
    };
    format!(
        "#{:<8} {} v{:<5} {:<14} attempts {}, {failed} ({next})  {}",
        d.global_position,
        printable(&d.stream_id),
        d.version,
        printable(&d.event_type),
        d.attempts,
        printable(&d.error)
    )
}

/// `check [--order ID] [--json]`: exit 1 unless every order is in sync.
pub(super) async fn check(ctx: &Ctx, order: Option<String>, json: bool) -> Result<(), Failure> {
    let order = order.as_deref().map(order_ref).transpose()?;
    let services = ctx.reader().await?;
    let id = match &order {
        Some(r) => Some(resolve(&services, r).await?),
        None => None,
    };
    let report = services
        .read
        .check(id, |n| {
            if n > 0 && n.is_multiple_of(10_000) && id.is_none() {
                eprintln!("checked {n} orders");
            }
        })
        .await?;
    if json {
        print_json(&to_json(&report)?)?;
    } else {
        let mut text = format!("{} orders:", report.orders);
        for c in Class::ALL {
            let _ = write!(
                text,
                " {} {}",
                report.counts.get(c.as_str()).copied().unwrap_or(0),
                c.as_str()
            );
        }
        text.push('\n');
        for d in &report.divergent {
            let _ = write!(text, "{}  {}", d.order_id, d.class.as_str());
            if d.behind > 0 {
                let _ = write!(text, " ({} behind)", d.behind);
            }
            if let Some(c) = &d.corrupt {
                let _ = write!(
                    text,
                    ": event #{} does not decode: {}",
                    c.global_position,
                    printable(&c.error)
                );
            }
            text.push('\n');
            write_diffs(&mut text, &d.fields, "read model", "replay");
        }
        emit(&text)?;
    }
    if report.all_in_sync() {
        Ok(())
    } else {
        Err(Failure {
            code: exit::DIVERGED,
            message: format!(
                "{} of {} orders are not in sync",
                report.divergent.len(),
                report.orders
            ),
        })
    }
}

/// One indented line per differing field.
fn write_diffs(text: &mut String, fields: &[FieldDiff], left: &str, right: &str) {
    for f in fields {
        let _ = writeln!(
            text,
            "  {}: {left} {}, {right} {}",
            f.field,
            printable(&f.read_model),
            printable(&f.replay)
        );
    }
}

/// `explain ID`.
pub(super) async fn explain(ctx: &Ctx, id: &str, json: bool) -> Result<(), Failure> {
    let order = order_ref(id)?;
    let services = ctx.reader().await?;
    let id = resolve(&services, &order).await?;
    let e = services.read.explain(id).await?;
    if json {
        return print_json(&to_json(&e)?);
    }
    let mut text = format!("order {}: {} events replayed\n", e.order_id, e.events);
    if let Some(p) = &e.first_divergence {
        let _ = writeln!(
            text,
            "projection and replay part at version {} ({}, global position {})",
            p.version, p.event_type, p.global_position
        );
        if let Some(err) = &p.error {
            let _ = writeln!(text, "  the projection cannot apply it: {}", printable(err));
        }
        write_diffs(&mut text, &p.fields, "projection", "replay");
    } else {
        let _ = writeln!(text, "projection and replay agree at every version");
        if !e.row_changed_outside.is_empty() {
            let _ = writeln!(text, "so the stored row was changed outside the projector:");
            write_diffs(&mut text, &e.row_changed_outside, "stored", "projection");
        } else if let Some(v) = e
            .row_version
            .filter(|&v| v >= 1 && v as u64 <= e.stream_version)
        {
            let _ = writeln!(text, "the stored row matches the projection at v{v}");
        }
    }
    let _ = writeln!(text, "{}", standing_text(&e));
    emit(&text)
}

/// Where the row stands against its stream: `read model at v4, stream at v6: lagging,
/// 2 events behind (v5 OrderPaid, v6 OrderShipped not yet applied)`. "in sync" and
/// "lagging" only when nothing else is wrong: otherwise the lines above say what is.
fn standing_text(e: &Explanation) -> String {
    let row = e.row_version.map_or_else(
        || "no read-model row".to_string(),
        |v| format!("read model at v{v}"),
    );
    let mut text = format!("{row}, stream at v{}", e.stream_version);
    let agrees = e.first_divergence.is_none() && e.row_changed_outside.is_empty();
    let ahead = e
        .row_version
        .is_some_and(|v| v > 0 && v as u64 > e.stream_version);
    if ahead {
        text.push_str(": the row is ahead of its stream");
        return text;
    }
    if e.behind == 0 {
        if agrees {
            text.push_str(": in sync");
        }
        return text;
    }
    let verdict = if agrees && e.row_version.is_some() {
        "lagging, "
    } else {
        ""
    };
    let events = if e.behind == 1 { "event" } else { "events" };
    let named: Vec<String> = e
        .unapplied
        .iter()
        .map(|u| format!("v{} {}", u.version, printable(&u.event_type)))
        .collect();
    let more = if (named.len() as u64) < e.behind {
        ", …"
    } else {
        ""
    };
    let _ = write!(
        text,
        ": {verdict}{} {events} behind ({}{more} not yet applied)",
        e.behind,
        named.join(", ")
    );
    text
}

/// `order show ID --source read-model`.
pub(super) async fn show_read_model(ctx: &Ctx, id: &str, json: bool) -> Result<(), Failure> {
    let order = order_ref(id)?;
    let services = ctx.reader().await?;
    let id = resolve(&services, &order).await?;
    let row = services.read.read_model_row(id).await?;
    if json {
        return print_json(&to_json(&row)?);
    }
    emit(&format!(
        "order     {}\nversion   {} (read model, last position {})\nstatus    {}\ncustomer  {}\ntotal     {} {}\nlines     {} ({} units)\n",
        row.order_id,
        row.version,
        row.last_position,
        printable(&row.status),
        printable(&row.customer_id),
        printable(&row.total),
        printable(&row.currency),
        row.line_count,
        row.item_count
    ))
}
