//! The `:` prompt's language, the `/` filter's, and `t`'s times: parsed here, purely.

use chrono::{DateTime, Utc};

use crate::app::read::ClassFilter;
use crate::domain::{Currency, LineItem, OrderCommand, OrderStatus, Sku, parse_amount};
use crate::store::OrderFilter;

/// A parsed prompt line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptCommand {
    /// `create CUSTOMER SKU:QTY:PRICE… [CURRENCY]`.
    Create {
        /// Customer id.
        customer: String,
        /// Lines.
        items: Vec<LineItem>,
        /// Currency, else the configured default.
        currency: Option<Currency>,
    },
    /// A command to an existing order, by id prefix.
    Write {
        /// A unique prefix of the order id.
        id_prefix: String,
        /// The command.
        command: OrderCommand,
    },
    /// `v N`: move the cursor.
    Version(u64),
    /// `t TIME`: move the cursor to a time.
    Time(DateTime<Utc>),
    /// `open ID-PREFIX`: open the order whose id starts with it.
    Open(String),
    /// `check`.
    Check,
    /// `rebuild`.
    Rebuild,
    /// `project`: catch the read model up once.
    Project,
    /// `dlq`: the dead letters.
    DeadLetters,
    /// `find TEXT`: events across every order, by position, id or text.
    Find(crate::store::EventSearch),
    /// `export [PATH[!]]`: the open stream, or the events overlay's events, as JSON lines.
    Export(super::take::OutPath),
    /// `report [PATH[!]]`: the open order's divergence as a Markdown incident note.
    Report(super::take::OutPath),
    /// `at #P | TIME | now`: show the system as of a point in the log.
    At(AtTarget),
    /// `fork skip | fork COMMAND ARGS | fork off`: an alternative history of the open order.
    Fork(ForkArg),
    /// `help`.
    Help,
    /// `quit`.
    Quit,
}

/// What `:fork` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForkArg {
    /// Leave out the event at the cursor.
    Skip,
    /// Apply an order command (typed without the id) after the cursor.
    Command(String),
    /// Leave the fork.
    Off,
}

/// Where `:at` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtTarget {
    /// Everything at or before this global position.
    Position(i64),
    /// Everything recorded at or before this time.
    Time(DateTime<Utc>),
    /// Back to the live log.
    Now,
}

impl PromptCommand {
    /// Whether the command writes (and so needs confirmation, and is refused read-only).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            PromptCommand::Create { .. }
                | PromptCommand::Write { .. }
                | PromptCommand::Rebuild
                | PromptCommand::Project
        )
    }
}

/// The prompt's commands with their argument shapes, for help and completion.
pub const PROMPT_COMMANDS: &[(&str, &str)] = &[
    ("create", "CUSTOMER SKU:QTY:PRICE… [CURRENCY]"),
    ("add-item", "ID SKU:QTY:PRICE"),
    ("remove-item", "ID SKU"),
    ("pay", "ID METHOD AMOUNT"),
    ("ship", "ID TRACKING"),
    ("deliver", "ID"),
    ("cancel", "ID REASON"),
    ("open", "ID-PREFIX"),
    ("v", "N"),
    ("t", "TIME"),
    ("check", ""),
    ("rebuild", ""),
    ("project", ""),
    ("dlq", ""),
    ("at", "#POSITION | TIME | now"),
    ("fork", "skip | COMMAND ARGS (no id) | off"),
    (
        "find",
        "#POSITION | EVENT-OR-CORRELATION-UUID | id:ID | TEXT",
    ),
    ("export", "[PATH[!]]"),
    ("report", "[PATH[!]]"),
    ("help", ""),
    ("quit", ""),
];

/// Hex digits `open` needs: fewer would match too many orders to be worth a lookup.
pub const OPEN_PREFIX: usize = 4;

fn usage(name: &str) -> String {
    let args = PROMPT_COMMANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, a)| a);
    format!("usage: {name} {args}").trim_end().to_string()
}

/// Parses one prompt line. Errors are one line, ready to show.
pub fn parse_prompt(line: &str) -> Result<PromptCommand, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&name, args)) = words.split_first() else {
        return Err("type a command: create, pay, ship, … (help lists them)".into());
    };
    let exact = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(usage(name))
        }
    };
    let write = |command: OrderCommand| -> Result<PromptCommand, String> {
        Ok(PromptCommand::Write {
            id_prefix: id_prefix(args[0])?,
            command,
        })
    };
    match name {
        "create" => {
            if args.len() < 2 {
                return Err(usage(name));
            }
            let mut rest = &args[1..];
            let mut currency = None;
            if let Some((last, init)) = rest.split_last()
                && !last.contains(':')
                && !init.is_empty()
            {
                currency = Some(last.parse::<Currency>().map_err(|e| e.to_string())?);
                rest = init;
            }
            let items = rest
                .iter()
                .map(|s| {
                    s.parse::<LineItem>()
                        .map_err(|e| format!("{}: {e}", crate::text::printable(s)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(PromptCommand::Create {
                customer: args[0].to_string(),
                items,
                currency,
            })
        }
        "add-item" => {
            exact(2)?;
            let item = args[1]
                .parse::<LineItem>()
                .map_err(|e| format!("{}: {e}", crate::text::printable(args[1])))?;
            write(OrderCommand::AddItem { item })
        }
        "remove-item" => {
            exact(2)?;
            let sku = Sku::new(args[1]).map_err(|e| e.to_string())?;
            write(OrderCommand::RemoveItem { sku })
        }
        "pay" => {
            exact(3)?;
            let amount = parse_amount(args[2]).map_err(|e| e.to_string())?;
            write(OrderCommand::PayOrder {
                method: args[1].to_string(),
                amount,
            })
        }
        "ship" => {
            exact(2)?;
            write(OrderCommand::ShipOrder {
                tracking_number: args[1].to_string(),
            })
        }
        "deliver" => {
            exact(1)?;
            write(OrderCommand::DeliverOrder)
        }
        "cancel" => {
            if args.len() < 2 {
                return Err(usage(name));
            }
            write(OrderCommand::CancelOrder {
                reason: args[1..].join(" "),
            })
        }
        "v" | "version" => {
            exact(1)?;
            match crate::text::parse_digits::<u64>(args[0]) {
                Some(v) if v >= 1 => Ok(PromptCommand::Version(v)),
                _ => Err(format!("{:?} is not a version (1, 2, …)", args[0])),
            }
        }
        "t" | "time" => parse_time(&args.join(" ")).map(PromptCommand::Time),
        "open" | "o" => exact(1).and_then(|()| open(args[0])),
        "check" => exact(0).map(|()| PromptCommand::Check),
        "rebuild" => exact(0).map(|()| PromptCommand::Rebuild),
        "project" => exact(0).map(|()| PromptCommand::Project),
        "dlq" => exact(0).map(|()| PromptCommand::DeadLetters),
        "help" => Ok(PromptCommand::Help),
        "quit" | "q" => exact(0).map(|()| PromptCommand::Quit),
        other => whole_line(other, line),
    }
}

/// `at`'s argument: `#P` (a global position), `now`, or a time as `t` takes it.
fn parse_at(arg: &str) -> Result<AtTarget, String> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Err(usage("at"));
    }
    if arg == "now" {
        return Ok(AtTarget::Now);
    }
    if let Some(p) = arg.strip_prefix('#') {
        return match crate::text::parse_digits::<i64>(p) {
            Some(p) if p >= 1 => Ok(AtTarget::Position(p)),
            _ => Err(format!(
                "{:?} is not a global position (#1, #2, …)",
                crate::text::printable(&arg.chars().take(24).collect::<String>())
            )),
        };
    }
    parse_time(arg).map(AtTarget::Time)
}

/// The commands whose argument is the rest of the line, spaces and all (a search, a path);
/// any other name is no command.
fn whole_line(name: &str, line: &str) -> Result<PromptCommand, String> {
    use super::take::parse_out_path;
    let rest = super::take::rest_of_line(line, name);
    match name {
        "find" | "f" => crate::app::read::parse_search(rest)
            .map(PromptCommand::Find)
            .map_err(|e| e.to_string()),
        "export" => parse_out_path(name, rest).map(PromptCommand::Export),
        "report" => parse_out_path(name, rest).map(PromptCommand::Report),
        "at" => parse_at(rest).map(PromptCommand::At),
        "fork" => Ok(PromptCommand::Fork(match rest {
            "" => return Err(usage(name)),
            "skip" => ForkArg::Skip,
            "off" => ForkArg::Off,
            command => ForkArg::Command(command.split_whitespace().collect::<Vec<_>>().join(" ")),
        })),
        other => Err(format!(
            "unknown command {:?} (Tab completes; help lists them)",
            crate::text::printable(other)
        )),
    }
}

/// `open`'s argument: an id prefix long enough to be worth a lookup.
fn open(arg: &str) -> Result<PromptCommand, String> {
    let prefix = id_prefix(arg)?;
    if prefix.chars().filter(char::is_ascii_hexdigit).count() < OPEN_PREFIX {
        return Err(format!(
            "open needs at least {OPEN_PREFIX} hex digits of an order id"
        ));
    }
    Ok(PromptCommand::Open(prefix))
}

fn id_prefix(s: &str) -> Result<String, String> {
    let p = s.to_ascii_lowercase();
    if p.is_empty() || !p.chars().all(|c| c.is_ascii_hexdigit() || c == '-') || p.len() > 36 {
        return Err(format!(
            "{:?} is not an order id or id prefix (hex digits and dashes)",
            crate::text::printable(s)
        ));
    }
    Ok(p)
}

/// The exact command line of a resolved write, as the confirmation shows it.
pub fn command_line(id: &str, cmd: &OrderCommand) -> String {
    match cmd {
        OrderCommand::CreateOrder {
            customer_id,
            items,
            currency,
        } => {
            let items: Vec<String> = items.iter().map(ToString::to_string).collect();
            format!(
                "create {customer_id} {} {}",
                items.join(" "),
                currency.code()
            )
        }
        OrderCommand::AddItem { item } => format!("add-item {id} {item}"),
        OrderCommand::RemoveItem { sku } => format!("remove-item {id} {}", sku.as_str()),
        OrderCommand::PayOrder { method, amount } => format!("pay {id} {method} {amount}"),
        OrderCommand::ShipOrder { tracking_number } => format!("ship {id} {tracking_number}"),
        OrderCommand::DeliverOrder => format!("deliver {id}"),
        OrderCommand::CancelOrder { reason } => format!("cancel {id} {reason}"),
    }
}

/// Parses `t`'s time with the program's one time parser ([`crate::text::parse_time`]):
/// RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` in UTC; a time without its offset is refused.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    crate::text::parse_time(s).map_err(|e| e.to_string())
}

/// The orders filter as typed: which orders, and which divergence classes of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListFilter {
    /// Which orders, by their replayed values.
    pub orders: OrderFilter,
    /// Which classes (`class:diverged`, `class:out-of-sync`), when limited.
    pub class: Option<ClassFilter>,
}

/// Parses the whole orders filter: a `class:NAME` word (`k:` for short) beside what
/// [`parse_filter`] reads in the rest, e.g. `class:lagging customer:c-1`.
pub fn parse_list_filter(s: &str) -> Result<ListFilter, String> {
    let mut class = None;
    let mut rest = Vec::new();
    for word in s.split_whitespace() {
        match word.split_once(':') {
            Some(("class" | "k", name)) => {
                if class.is_some() {
                    return Err("one class: at a time".into());
                }
                class = Some(name.parse::<ClassFilter>()?);
            }
            _ => rest.push(word),
        }
    }
    Ok(ListFilter {
        orders: parse_filter(&rest.join(" "))?,
        class,
    })
}

/// Parses the orders filter: `status:paid`, `customer:c-1`, `id:3f2a`, or a bare word (a
/// status name, else an id prefix when it is hex, else a customer prefix).
pub fn parse_filter(s: &str) -> Result<OrderFilter, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(OrderFilter::All);
    }
    let status = |v: &str| {
        v.parse::<OrderStatus>()
            .map(OrderFilter::Status)
            .map_err(|e| e.to_string())
    };
    if let Some((key, value)) = s.split_once(':') {
        return match key {
            "status" | "s" => status(value),
            "customer" | "c" => Ok(OrderFilter::Customer(value.to_string())),
            "id" => id_prefix(value).map(OrderFilter::IdPrefix),
            _ => Err(format!(
                "unknown filter {key:?}: use status:, customer:, id: or class:"
            )),
        };
    }
    if let Ok(f) = status(s) {
        return Ok(f);
    }
    if let Ok(p) = id_prefix(s) {
        return Ok(OrderFilter::IdPrefix(p));
    }
    Ok(OrderFilter::Customer(s.to_string()))
}

/// What Tab should complete at the end of `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompletionTarget {
    /// The command word; candidates are known.
    Command(Vec<String>),
    /// An order id prefix (word 1 of an order command).
    OrderId(String),
    /// A SKU of the order named by the id prefix.
    Sku(String, String),
    /// The amount of a payment: the exact total of the order named by the id prefix.
    Amount(String),
    /// Nothing to complete here.
    None,
}

/// Decides what the word at the end of `line` is.
pub fn completion_target(line: &str) -> CompletionTarget {
    let ends_with_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let index = if ends_with_space || words.is_empty() {
        words.len()
    } else {
        words.len() - 1
    };
    let current = if ends_with_space {
        ""
    } else {
        words.last().copied().unwrap_or("")
    };
    if index == 0 {
        return CompletionTarget::Command(
            PROMPT_COMMANDS
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| n.starts_with(current))
                .map(ToString::to_string)
                .collect(),
        );
    }
    let takes_id = matches!(
        words[0],
        "add-item" | "remove-item" | "pay" | "ship" | "deliver" | "cancel" | "open"
    );
    match index {
        1 if takes_id => CompletionTarget::OrderId(current.to_string()),
        2 if matches!(words[0], "remove-item" | "add-item") => {
            CompletionTarget::Sku(words[1].to_string(), current.to_string())
        }
        3 if words[0] == "pay" && current.is_empty() => {
            CompletionTarget::Amount(words[1].to_string())
        }
        _ => CompletionTarget::None,
    }
}

/// The id an order command would act on when none is typed yet: the open order's, shown
/// dimmed after `pay ` (and the other order commands) and taken by Tab. Typing anything
/// else ignores it, so a line typed in full is never changed.
pub fn id_suggestion<'a>(line: &str, open: Option<&'a str>) -> Option<&'a str> {
    let open = open?;
    let word = line.strip_suffix(' ')?;
    let acts_on_one = matches!(
        word,
        "add-item" | "remove-item" | "pay" | "ship" | "deliver" | "cancel"
    );
    acts_on_one.then_some(open)
}

/// Applies candidates to the last word: one fills it (and a space); several fill their
/// common prefix.
pub fn apply_completion(line: &str, candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return line.to_string();
    };
    let common = candidates.iter().fold(first.clone(), |acc, c| {
        acc.chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let head = if line.ends_with(' ') || line.is_empty() {
        line.to_string()
    } else {
        let cut = line.rfind(' ').map_or(0, |i| i + 1);
        line[..cut].to_string()
    };
    let current_len = line.len() - head.len();
    if common.len() < current_len {
        return line.to_string();
    }
    let mut out = format!("{head}{common}");
    if candidates.len() == 1 {
        out.push(' ');
    }
    out
}
