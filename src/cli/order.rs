//! `order …` subcommands: writes through the command service, reads through queries.

use std::io::Write;

use chrono::Utc;

use super::args::{OrderCmd, Source, WriteOpts};
use super::ctx::{Ctx, Failure, emit, item, order_id, order_ref, print_json, resolve, to_json};
use super::output;
use crate::app::metadata::{CommandContext, local_actor};
use crate::app::read::{OrderView, OutcomeView};
use crate::app::{AppError, At, CommandRequest, transfer};
use crate::domain::{Currency, OrderCommand, OrderId, OrderRef, OrderStatus, Sku, parse_amount};
use crate::text::parse_time;

/// Which order a write goes to: a new one (`order create`) or an existing one, named by
/// its id or a prefix of it.
enum Target {
    New { id: OrderId, generated: bool },
    Existing(OrderRef),
}

async fn write(
    ctx: &Ctx,
    target: Target,
    command: OrderCommand,
    opts: WriteOpts,
    verb: &str,
) -> Result<(), Failure> {
    let services = ctx.writer().await?;
    // A prefix names exactly one stored order before the command is decided.
    let (id, id_generated) = match &target {
        Target::New { id, generated } => (*id, *generated),
        Target::Existing(r) => (resolve(&services, r).await?, false),
    };
    let req = CommandRequest {
        order_id: id,
        command,
        expected_version: opts.expected_version,
        id_generated,
        context: CommandContext {
            correlation_id: opts.correlation_id,
            causation_id: None,
            idempotency_key: opts.idempotency_key,
            actor: local_actor(),
            source: "cli".into(),
            trace_id: None,
            span_id: None,
        },
    };
    let outcome = services.commands.execute(&req, Utc::now()).await?;
    if opts.json {
        print_json(&to_json(&OutcomeView::from(&outcome))?)?;
    } else {
        emit(&format!("{}\n", output::outcome_text(verb, &outcome)))?;
    }
    Ok(())
}

/// An existing order named on the command line, checked before anything is opened.
fn existing(s: &str) -> Result<Target, Failure> {
    Ok(Target::Existing(order_ref(s)?))
}

pub(super) async fn order(ctx: &Ctx, cmd: OrderCmd) -> Result<(), Failure> {
    match cmd {
        OrderCmd::Create {
            customer,
            items,
            currency,
            id,
            opts,
        } => {
            let items = items
                .iter()
                .map(|s| item(s))
                .collect::<Result<Vec<_>, _>>()?;
            let currency: Currency = match currency {
                Some(c) => c
                    .parse()
                    .map_err(|e: crate::domain::UnknownCurrency| Failure::usage(e.to_string()))?,
                None => ctx.config.default_currency,
            };
            let target = match id {
                Some(s) => Target::New {
                    id: order_id(&s)?,
                    generated: false,
                },
                None => Target::New {
                    id: OrderId(uuid::Uuid::new_v4()),
                    generated: true,
                },
            };
            let command = OrderCommand::CreateOrder {
                customer_id: customer,
                items,
                currency,
            };
            write(ctx, target, command, opts, "created").await
        }
        OrderCmd::AddItem {
            id,
            item: spec,
            opts,
        } => {
            let command = OrderCommand::AddItem { item: item(&spec)? };
            write(ctx, existing(&id)?, command, opts, "added item to").await
        }
        OrderCmd::RemoveItem { id, sku, opts } => {
            let sku = Sku::new(&sku).map_err(|e| Failure::usage(e.to_string()))?;
            write(
                ctx,
                existing(&id)?,
                OrderCommand::RemoveItem { sku },
                opts,
                "removed item from",
            )
            .await
        }
        OrderCmd::Pay {
            id,
            method,
            amount,
            opts,
        } => {
            let amount = parse_amount(&amount).map_err(|e| Failure::usage(e.to_string()))?;
            write(
                ctx,
                existing(&id)?,
                OrderCommand::PayOrder { method, amount },
                opts,
                "paid",
            )
            .await
        }
        OrderCmd::Ship { id, tracking, opts } => {
            let command = OrderCommand::ShipOrder {
                tracking_number: tracking,
            };
            write(ctx, existing(&id)?, command, opts, "shipped").await
        }
        OrderCmd::Deliver { id, opts } => {
            write(
                ctx,
                existing(&id)?,
                OrderCommand::DeliverOrder,
                opts,
                "delivered",
            )
            .await
        }
        OrderCmd::Cancel { id, reason, opts } => {
            write(
                ctx,
                existing(&id)?,
                OrderCommand::CancelOrder { reason },
                opts,
                "cancelled",
            )
            .await
        }
        read => order_read(ctx, read).await,
    }
}

async fn order_read(ctx: &Ctx, cmd: OrderCmd) -> Result<(), Failure> {
    match cmd {
        OrderCmd::Show {
            id,
            at_version,
            at,
            source,
            json,
        } => {
            if source == Source::ReadModel {
                return super::read_side::show_read_model(ctx, &id, json).await;
            }
            let order = order_ref(&id)?;
            let at = match (at_version, at) {
                (Some(v), _) => At::Version(v),
                (None, Some(t)) => {
                    At::Time(parse_time(&t).map_err(|e| Failure::usage(format!("--at: {e}")))?)
                }
                (None, None) => At::Latest,
            };
            let services = ctx.reader().await?;
            let id = resolve(&services, &order).await?;
            let order = services.read.state(id, at).await?;
            if json {
                print_json(&to_json(&OrderView::from(&order))?)?;
            } else {
                emit(&output::order_text(&order))?;
            }
            Ok(())
        }
        OrderCmd::Events { id, json } => {
            let order = order_ref(&id)?;
            let services = ctx.reader().await?;
            let id = resolve(&services, &order).await?;
            let queries = &services.read;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut from = 1;
            loop {
                let page = match queries.events(id, from, 1000).await {
                    Err(AppError::NotFound(_)) if from > 1 => break,
                    other => other?,
                };
                for e in &page {
                    let line = if json {
                        serde_json::to_string(&transfer::EventLine::from_stored(e)?)
                            .unwrap_or_default()
                    } else {
                        output::event_text(e)
                    };
                    writeln!(out, "{}", crate::text::for_terminal(&line))
                        .map_err(|e| Failure::output(&e))?;
                }
                match page.last() {
                    Some(last) if page.len() == 1000 => from = last.version + 1,
                    _ => break,
                }
            }
            out.flush().map_err(|e| Failure::output(&e))
        }
        OrderCmd::List {
            status,
            limit,
            json,
        } => {
            let status: Option<OrderStatus> = status
                .map(|s| {
                    s.parse()
                        .map_err(|e: crate::domain::UnknownStatus| Failure::usage(e.to_string()))
                })
                .transpose()?;
            let services = ctx.reader().await?;
            let rows = services.read.list(status, limit).await?;
            for r in &rows {
                if json {
                    print_json(&to_json(r)?)?;
                } else {
                    emit(&format!("{}\n", output::entry_text(r)))?;
                }
            }
            Ok(())
        }

        _ => Err(Failure::usage("not a read command")),
    }
}
