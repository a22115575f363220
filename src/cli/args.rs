//! Command-line shape (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Chronicle: an event-sourced order system and its temporal debugger.
#[derive(Debug, Parser)]
#[command(name = "chronicle", version, about, propagate_version = true)]
pub struct Cli {
    /// Database URL: sqlite://PATH (created on first write) or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Default: sqlite://chronicle.db.
    // The environment's value is never shown in --help: it may hold a password.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Config file (TOML). Default: the platform config dir's chronicle/config.toml.
    #[arg(long, env = "CHRONICLE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Write a snapshot every N events of a stream.
    #[arg(long, env = "CHRONICLE_SNAPSHOT_EVERY", global = true)]
    pub snapshot_every: Option<u64>,
    /// Currency for creates without --currency and for OrderCreated v1 events.
    #[arg(long, env = "CHRONICLE_DEFAULT_CURRENCY", global = true)]
    pub default_currency: Option<String>,
    /// Seconds after which an idempotency key may be reused.
    #[arg(long, env = "CHRONICLE_IDEMPOTENCY_TTL_SECS", global = true)]
    pub idempotency_ttl_secs: Option<u64>,
    /// Refuse every write.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// What to do; without one, the terminal debugger opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal debugger (the default). `--read-only` refuses writes from its prompt.
    Tui,
    /// Create, change and inspect orders.
    #[command(subcommand)]
    Order(OrderCmd),
    /// Keep the read model up to date.
    #[command(subcommand)]
    Projector(ProjectorCmd),
    /// Dead letters: events the projection could not apply.
    #[command(subcommand)]
    Dlq(DlqCmd),
    /// Compare the read model with the state replayed from events (exit 1 if any differ).
    Check {
        /// Only this order (its id, or a unique prefix of 4 or more hex digits).
        #[arg(long)]
        order: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Name the first event where the projection and the domain's replay disagree.
    Explain {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write events as JSON lines to stdout.
    Export {
        /// Only this order's stream (its id, or a unique prefix of 4 or more hex digits).
        #[arg(long)]
        stream: Option<String>,
    },
    /// Validate a JSON-lines file and append each stream atomically, keeping versions.
    Import {
        /// The file (`-` for stdin).
        file: PathBuf,
    },
    /// Seed a deterministic demo dataset and show it.
    Demo {
        /// How many orders (20 to 1,000,000).
        #[arg(long, default_value_t = 2000, value_parser = demo_orders)]
        orders: usize,
        /// Same seed, same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Print a summary instead of opening the TUI.
        #[arg(long)]
        no_tui: bool,
        /// Replace the database first, then seed: only one the demo made (or none), unless
        /// --force.
        #[arg(long)]
        fresh: bool,
        /// With --fresh: replace the database whatever it holds.
        #[arg(long, requires = "fresh")]
        force: bool,
    },
    /// Create the database if needed and bring its schema up to date.
    Migrate,
    /// Serve the HTTP API (and, unless told not to, run the projector in the same process).
    Serve(ServeArgs),
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// `projector` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProjectorCmd {
    /// Apply new events to the read model; keeps polling until Ctrl-C.
    Run {
        /// Catch up to the head, then exit.
        #[arg(long)]
        once: bool,
        /// Events per batch (default from config).
        #[arg(long)]
        batch_size: Option<u32>,
    },
    /// Rebuild the read model from zero, for every order or one.
    Rebuild {
        /// Only this order (its id, or a unique prefix of 4 or more hex digits).
        #[arg(long)]
        order: Option<String>,
    },
    /// Checkpoint, head, lag and dead letters.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `dlq` subcommands.
#[derive(Debug, Subcommand)]
pub enum DlqCmd {
    /// List dead letters.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Apply the dead-lettered event again, then the events parked behind it.
    Retry {
        /// Its global position.
        position: i64,
    },
    /// Give up on the dead-lettered event and apply the events parked behind it.
    Skip {
        /// Its global position.
        position: i64,
    },
}

/// Where `order show` reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// Replay the events (the truth).
    Replay,
    /// The projector's read model.
    ReadModel,
}

/// Options every write takes.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteOpts {
    /// Refuse (exit 4) unless the order is at exactly this version.
    #[arg(long)]
    pub expected_version: Option<u64>,
    /// Retrying with the same key returns the first result and appends nothing.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Correlation id stored in the events' metadata (generated when absent).
    #[arg(long)]
    pub correlation_id: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `order` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrderCmd {
    /// Create an order.
    Create {
        /// Customer id.
        #[arg(long)]
        customer: String,
        /// SKU:QTY:UNIT_PRICE, repeatable.
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        /// ISO 4217 code (default from config).
        #[arg(long)]
        currency: Option<String>,
        /// Order id (a UUID; generated when absent).
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Add a line (or units of an existing line at the same price).
    AddItem {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// SKU:QTY:UNIT_PRICE.
        #[arg(long)]
        item: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Remove a SKU's line.
    RemoveItem {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// The SKU.
        #[arg(long)]
        sku: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Pay the exact total.
    Pay {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// Payment method, e.g. card.
        #[arg(long)]
        method: String,
        /// Amount; must equal the total.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Ship a paid order.
    Ship {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// Carrier tracking number.
        #[arg(long)]
        tracking: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Mark a shipped order delivered.
    Deliver {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Cancel a pending or paid order.
    Cancel {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        opts: WriteOpts,
    },
    /// Show an order's state, replayed from its events.
    Show {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// State after this many events.
        #[arg(long, conflicts_with = "at")]
        at_version: Option<u64>,
        /// State as recorded at this time: RFC 3339 (2026-07-29T10:00:00Z), or
        /// `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` in UTC.
        #[arg(long)]
        at: Option<String>,
        /// Replay the events, or read the projector's read model.
        #[arg(long, value_enum, default_value = "replay", conflicts_with_all = ["at_version", "at"])]
        source: Source,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List an order's events.
    Events {
        /// Order id, or a unique prefix of it (4 or more hex digits).
        id: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// List orders.
    List {
        /// Only orders in this status.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but loopback is reachable from other machines.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Do not run the projector here (another process keeps the read model).
    #[arg(long)]
    pub no_projector: bool,
    /// Export the request, command, append and projection spans over OTLP/HTTP to this
    /// collector (base URL, e.g. http://127.0.0.1:4318; `/v1/traces` is added).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", hide_env_values = true)]
    pub otlp_endpoint: Option<String>,
    /// Who may read: `open` (anyone), or `token` (reads and /metrics need a bearer token
    /// too; /healthz, /readyz and /openapi.json stay open). Default: `api_reads` in the
    /// config file, else open.
    #[arg(long, value_enum)]
    pub reads: Option<crate::app::config::ReadAccess>,
}

/// `demo --orders`: enough to plant every fault, few enough to seed in minutes.
fn demo_orders(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{:?} is not a number of orders", crate::domain::quoted(s)))?;
    if (20..=1_000_000).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} orders: the demo seeds 20 to 1,000,000"))
    }
}
