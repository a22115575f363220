//! Runs a parsed command line against the store and maps every failure to an exit code.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use clap::CommandFactory;

use super::args::{Cli, Command, OrderCmd, WriteOpts};
use super::output;
use crate::app::config::Config;
use crate::app::demo::{DemoSpec, generate};
use crate::app::metadata::{CommandContext, local_actor};
use crate::app::{
    AppError, At, CommandRequest, CommandService, Loader, Queries, ServiceSettings, transfer,
};
use crate::domain::{
    Currency, LineItem, OrderCommand, OrderId, OrderStatus, Sku, UpcastContext, parse_amount,
};
use crate::store::{EventStore, OpenMode, SqliteStore, StoreError};

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// `check` found divergence.
    pub const DIVERGED: u8 = 1;
    /// Bad usage or input.
    pub const USAGE: u8 = 2;
    /// A domain rule refused the command.
    pub const REJECTED: u8 = 3;
    /// Optimistic concurrency conflict.
    pub const CONFLICT: u8 = 4;
    /// No such order.
    pub const NOT_FOUND: u8 = 5;
    /// Storage failure.
    pub const STORAGE: u8 = 6;
}

/// A failed command: one line for stderr and its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// One line, no trailing newline.
    pub message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let code = match &e {
            AppError::Rejected(_) => exit::REJECTED,
            AppError::Conflict { .. } => exit::CONFLICT,
            AppError::KeyReused(_) | AppError::BadInput(_) => exit::USAGE,
            AppError::NotFound(_) => exit::NOT_FOUND,
            AppError::Corrupt { .. } | AppError::Storage(_) => exit::STORAGE,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        AppError::Storage(e).into()
    }
}

/// Everything a command needs, built from flags, environment and config.
struct Ctx {
    config: Config,
    url: String,
    read_only: bool,
}

impl Ctx {
    fn new(cli: &Cli) -> Result<Ctx, Failure> {
        let mut config =
            Config::load(cli.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
        if let Some(n) = cli.snapshot_every {
            if n == 0 {
                return Err(Failure::usage("--snapshot-every must be at least 1"));
            }
            config.snapshot_every = n;
        }
        if let Some(c) = &cli.default_currency {
            config.default_currency = c
                .parse()
                .map_err(|e: crate::domain::UnknownCurrency| Failure::usage(e.to_string()))?;
        }
        if let Some(t) = cli.idempotency_ttl_secs {
            config.idempotency_ttl_secs = t;
        }
        let url = cli
            .database_url
            .clone()
            .or_else(|| config.database_url.clone())
            .unwrap_or_else(|| "sqlite://chronicle.db".into());
        Ok(Ctx {
            config,
            url,
            read_only: cli.read_only,
        })
    }

    async fn store(&self, write: bool) -> Result<Arc<dyn EventStore>, Failure> {
        if write && self.read_only {
            return Err(Failure::usage("read-only mode: refusing to write"));
        }
        if self.url.starts_with("postgres:") || self.url.starts_with("postgresql:") {
            return Err(Failure::usage(
                "PostgreSQL URLs are not supported by this build yet; use sqlite://PATH",
            ));
        }
        let mode = if write {
            OpenMode::CreateIfMissing
        } else {
            OpenMode::MustExist
        };
        Ok(Arc::new(SqliteStore::open(&self.url, mode).await?))
    }

    fn loader(&self, store: Arc<dyn EventStore>) -> Loader {
        Loader::new(
            store,
            UpcastContext {
                default_currency: self.config.default_currency,
            },
        )
    }

    fn service(&self, store: Arc<dyn EventStore>) -> CommandService {
        CommandService::new(
            store.clone(),
            self.loader(store),
            ServiceSettings {
                snapshot_every: self.config.snapshot_every,
                idempotency_ttl: chrono::Duration::seconds(
                    i64::try_from(self.config.idempotency_ttl_secs).unwrap_or(i64::MAX / 1000),
                ),
                max_conflict_retries: self.config.max_conflict_retries,
            },
        )
    }
}

fn order_id(s: &str) -> Result<OrderId, Failure> {
    s.parse()
        .map_err(|e: crate::domain::InvalidOrderId| Failure::usage(e.to_string()))
}

fn item(s: &str) -> Result<LineItem, Failure> {
    s.parse()
        .map_err(|e: crate::domain::ItemSpecError| Failure::usage(e.to_string()))
}

/// Writes to stdout; a closed or full stdout is one error line, never a panic.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::usage(format!("writing output: {e}")))
}

fn print_json(v: &serde_json::Value) -> Result<(), Failure> {
    emit(&format!("{v}\n"))
}

/// Runs one command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let ctx = Ctx::new(&cli)?;
    match cli.command {
        Command::Order(cmd) => order(&ctx, cmd).await,
        Command::Export { stream } => {
            let id = stream.as_deref().map(order_id).transpose()?;
            let store = ctx.store(false).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            transfer::export(&ctx.loader(store), id, &mut out).await?;
            out.flush()
                .map_err(|e| Failure::usage(format!("writing output: {e}")))
        }
        Command::Import { file } => import(&ctx, &file).await,
        Command::Demo {
            orders,
            seed,
            no_tui: _,
            fresh,
        } => demo(&ctx, orders, seed, fresh).await,
        Command::Migrate => {
            let _ = ctx.store(true).await?;
            emit(&format!("database {} is at the latest schema\n", ctx.url))?;
            Ok(())
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "chronicle", &mut script);
            emit(&String::from_utf8_lossy(&script))
        }
    }
}

async fn write(
    ctx: &Ctx,
    id: OrderId,
    id_generated: bool,
    command: OrderCommand,
    opts: WriteOpts,
    verb: &str,
) -> Result<(), Failure> {
    let store = ctx.store(true).await?;
    let service = ctx.service(store);
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
        },
    };
    let outcome = service.execute(&req, Utc::now()).await?;
    if opts.json {
        print_json(&output::outcome_json(&outcome))?;
    } else {
        emit(&format!("{}\n", output::outcome_text(verb, &outcome)))?;
    }
    Ok(())
}

async fn order(ctx: &Ctx, cmd: OrderCmd) -> Result<(), Failure> {
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
            let (oid, generated) = match id {
                Some(s) => (order_id(&s)?, false),
                None => (OrderId(uuid::Uuid::new_v4()), true),
            };
            let command = OrderCommand::CreateOrder {
                customer_id: customer,
                items,
                currency,
            };
            write(ctx, oid, generated, command, opts, "created").await
        }
        OrderCmd::AddItem {
            id,
            item: spec,
            opts,
        } => {
            let command = OrderCommand::AddItem { item: item(&spec)? };
            write(ctx, order_id(&id)?, false, command, opts, "added item to").await
        }
        OrderCmd::RemoveItem { id, sku, opts } => {
            let sku = Sku::new(&sku).map_err(|e| Failure::usage(e.to_string()))?;
            write(
                ctx,
                order_id(&id)?,
                false,
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
                order_id(&id)?,
                false,
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
            write(ctx, order_id(&id)?, false, command, opts, "shipped").await
        }
        OrderCmd::Deliver { id, opts } => {
            write(
                ctx,
                order_id(&id)?,
                false,
                OrderCommand::DeliverOrder,
                opts,
                "delivered",
            )
            .await
        }
        OrderCmd::Cancel { id, reason, opts } => {
            write(
                ctx,
                order_id(&id)?,
                false,
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
            json,
        } => {
            let id = order_id(&id)?;
            let at = match (at_version, at) {
                (Some(v), _) => At::Version(v),
                (None, Some(t)) => At::Time(
                    DateTime::parse_from_rfc3339(&t)
                        .map_err(|e| {
                            Failure::usage(format!("--at {t:?} is not an RFC 3339 time: {e}"))
                        })?
                        .with_timezone(&Utc),
                ),
                (None, None) => At::Latest,
            };
            let store = ctx.store(false).await?;
            let order = Queries::new(ctx.loader(store)).state(id, at).await?;
            if json {
                print_json(&output::order_json(&order))?;
            } else {
                emit(&output::order_text(&order))?;
            }
            Ok(())
        }
        OrderCmd::Events { id, json } => {
            let id = order_id(&id)?;
            let store = ctx.store(false).await?;
            let queries = Queries::new(ctx.loader(store));
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
                    writeln!(out, "{line}")
                        .map_err(|e| Failure::usage(format!("writing output: {e}")))?;
                }
                match page.last() {
                    Some(last) if page.len() == 1000 => from = last.version + 1,
                    _ => break,
                }
            }
            out.flush()
                .map_err(|e| Failure::usage(format!("writing output: {e}")))
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
            let store = ctx.store(false).await?;
            let rows = Queries::new(ctx.loader(store)).list(status, limit).await?;
            for r in &rows {
                if json {
                    print_json(&output::summary_json(r))?;
                } else {
                    emit(&format!("{}\n", output::summary_text(r)))?;
                }
            }
            Ok(())
        }

        _ => Err(Failure::usage("not a read command")),
    }
}

async fn import(ctx: &Ctx, file: &Path) -> Result<(), Failure> {
    let mut input: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        Box::new(BufReader::with_capacity(1 << 20, f))
    };
    let store = ctx.store(true).await?;
    let started = Instant::now();
    let report =
        transfer::import(&ctx.loader(store), ctx.config.snapshot_every, &mut input).await?;
    eprintln!(
        "imported {} events in {} streams in {:.2}s",
        report.events,
        report.streams,
        started.elapsed().as_secs_f64()
    );
    if let Some((stream, why)) = report.refused.first() {
        for (s, e) in &report.refused {
            eprintln!("refused stream {s}: {e}");
        }
        let code = if matches!(why, StoreError::Conflict { .. }) {
            exit::CONFLICT
        } else {
            exit::STORAGE
        };
        return Err(Failure {
            code,
            message: format!(
                "{} of {} streams refused (first: {stream})",
                report.refused.len(),
                report.refused.len() + report.streams
            ),
        });
    }
    Ok(())
}

async fn demo(ctx: &Ctx, orders: usize, seed: u64, fresh: bool) -> Result<(), Failure> {
    if fresh {
        if ctx.read_only {
            return Err(Failure::usage("read-only mode: refusing to write"));
        }
        let path = ctx
            .url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if Path::new(&p).exists() {
                std::fs::remove_file(&p).map_err(|e| Failure {
                    code: exit::STORAGE,
                    message: format!("cannot remove {p}: {e}"),
                })?;
            }
        }
    }
    let store = ctx.store(true).await?;
    let head = store.head_position().await?;
    if head > 0 {
        eprintln!(
            "database {} already holds {head} events; showing it as it is (--fresh reseeds)",
            ctx.url
        );
    } else {
        let started = Instant::now();
        let streams = generate(DemoSpec {
            orders,
            seed,
            snapshot_every: ctx.config.snapshot_every,
        });
        let events: usize = streams.iter().map(|s| s.events.len()).sum();
        for r in store.import(&streams).await {
            r?;
        }
        eprintln!(
            "seeded {orders} orders, {events} events into {} in {:.2}s",
            ctx.url,
            started.elapsed().as_secs_f64()
        );
    }
    let queries = Queries::new(ctx.loader(store.clone()));
    let sample = queries.list(None, 10).await?;
    let mut text = String::from("first orders (chronicle order show ID for more):\n");
    for s in &sample {
        let _ = writeln!(text, "  {}", output::summary_text(s));
    }
    let _ = writeln!(text, "events in the log: {}", store.head_position().await?);
    emit(&text)?;
    Ok(())
}
