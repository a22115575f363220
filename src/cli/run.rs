//! Runs a parsed command line against the store and maps every failure to an exit code.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::Instant;

use clap::CommandFactory;

use super::args::{Cli, Command};
use super::ctx::{Ctx, Failure, emit, exit, order_ref, resolve};
use super::order::order;
use super::output;
use super::read_side;
use crate::app::demo::{DemoSpec, plant_faults};
use crate::app::transfer;
use crate::store::{self, StoreError};

/// Runs one command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let ctx = Ctx::new(&cli)?;
    let result = dispatch(&ctx, cli).await;
    ctx.close().await;
    match result {
        // The reader of stdout stopped reading: what it read was all it wanted.
        Err(f) if f.is_closed_output() => Ok(()),
        other => other,
    }
}

async fn dispatch(ctx: &Ctx, cli: Cli) -> Result<(), Failure> {
    match cli.command.unwrap_or(Command::Tui) {
        Command::Tui => super::tui::tui(ctx, None).await,
        Command::Order(cmd) => order(ctx, cmd).await,
        Command::Projector(cmd) => read_side::projector(ctx, cmd).await,
        Command::Dlq(cmd) => read_side::dlq(ctx, cmd).await,
        Command::Check { order, json } => read_side::check(ctx, order, json).await,
        Command::Explain { id, json } => read_side::explain(ctx, &id, json).await,
        Command::Export { stream } => {
            let order = stream.as_deref().map(order_ref).transpose()?;
            let services = ctx.reader().await?;
            let id = match &order {
                Some(r) => Some(resolve(&services, r).await?),
                None => None,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            transfer::export(&services.loader, id, &mut out).await?;
            out.flush().map_err(|e| Failure::output(&e))
        }
        Command::Import { file } => import(ctx, &file).await,
        Command::Demo {
            orders,
            seed,
            no_tui,
            fresh,
            force,
        } => {
            let mode = match (fresh, force) {
                (false, _) => Fresh::Keep,
                (true, false) => Fresh::Replace,
                (true, true) => Fresh::Force,
            };
            demo(ctx, orders, seed, mode, no_tui).await
        }
        Command::Migrate => {
            let services = ctx.writer().await?;
            emit(&format!(
                "database {} is at the latest schema\n",
                services.store.url()
            ))?;
            Ok(())
        }
        Command::Serve(args) => super::serve::serve(ctx, args).await,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "chronicle", &mut script);
            emit(&String::from_utf8_lossy(&script))
        }
    }
}

async fn import(ctx: &Ctx, file: &Path) -> Result<(), Failure> {
    let mut input: Box<dyn BufRead + Send> = if file.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        Box::new(BufReader::with_capacity(1 << 20, f))
    };
    let services = ctx.writer().await?;
    let started = Instant::now();
    let report = transfer::import(&services.loader, ctx.config.snapshot_every, &mut input).await?;
    eprintln!(
        "imported {} events in {} streams in {}",
        report.events,
        report.streams,
        output::human_duration(started.elapsed())
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

/// What `demo` does with a database already at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    /// Shows it as it is.
    Keep,
    /// `--fresh`: replaces it if the demo made all of it.
    Replace,
    /// `--fresh --force`: replaces it whatever it holds.
    Force,
}

async fn demo(
    ctx: &Ctx,
    orders: usize,
    seed: u64,
    mode: Fresh,
    no_tui: bool,
) -> Result<(), Failure> {
    // Everything that can refuse, before anything is written: a database the demo would
    // only show needs no seed; any other is seeded, so the seed is checked first.
    let shows_existing = mode == Fresh::Keep && super::demo_guard::holds_events(&ctx.url).await;
    if !shows_existing {
        super::demo_guard::seedable(orders, seed, ctx.config.snapshot_every)?;
    }
    if mode != Fresh::Keep {
        if ctx.read_only {
            return Err(Failure::usage("read-only mode: refusing to write"));
        }
        if mode == Fresh::Replace {
            let shown = crate::store::redact(&ctx.url);
            super::demo_guard::only_demo_data(&ctx.url, &shown).await?;
        }
        store::destroy(&ctx.url).await?;
    }
    let services = ctx.writer().await?;
    let store = services.store.events();
    // Positions may have gaps (the store contract): count the events, do not subtract.
    let held = store.count_after(0).await?;
    let mut faults_text = String::new();
    let mut welcome = String::from("demo data · ? for help");
    if held > 0 {
        eprintln!(
            "database {} already holds {held} events; showing it as it is (--fresh reseeds)",
            services.store.url()
        );
    } else {
        let started = Instant::now();
        let spec = DemoSpec {
            orders,
            seed,
            snapshot_every: ctx.config.snapshot_every,
        };
        let events = crate::app::demo::seed(store.as_ref(), spec).await?;
        let f = plant_faults(
            &services.loader,
            &services.projector,
            services.store.read_model().as_ref(),
            seed,
        )
        .await?;
        eprintln!(
            "seeded {orders} orders, {events} events into {} in {}",
            services.store.url(),
            output::human_duration(started.elapsed())
        );
        welcome = format!(
            "demo: planted faults on {} (diverged), {} (parked), {} (lagging) · / to filter by id · ? for help",
            &f.tampered_order[..8.min(f.tampered_order.len())],
            &f.parked_order[..8.min(f.parked_order.len())],
            &f.lagging_order[..8.min(f.lagging_order.len())]
        );
        let _ = writeln!(
            faults_text,
            "planted faults (chronicle check, chronicle explain ID):"
        );
        let _ = writeln!(
            faults_text,
            "  diverged  {}  read-model row edited behind the projector's back",
            f.tampered_order
        );
        let _ = writeln!(
            faults_text,
            "  parked    {}  event #{} dead-lettered (a shipment an earlier release allowed, too wide for the read model)",
            f.parked_order, f.dead_letter_position
        );
        let _ = writeln!(
            faults_text,
            "  lagging   {}  {} events the projector has not applied yet",
            f.lagging_order, f.lag_events
        );
    }
    if !no_tui {
        eprint!("{faults_text}");
        services.store.close().await;
        return super::tui::tui(ctx, Some(welcome)).await;
    }
    let sample = services.read.list(None, 10).await?;
    let mut text = String::from("first orders (chronicle order show ID for more):\n");
    for s in &sample {
        let _ = writeln!(text, "  {}", output::entry_text(s));
    }
    let _ = writeln!(text, "events in the log: {}", store.count_after(0).await?);
    text.push_str(&faults_text);
    emit(&text)?;
    Ok(())
}
