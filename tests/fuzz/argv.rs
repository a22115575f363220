//! The whole command line, `cli::parse`, on generated argv: subcommands, flags and values
//! near clap's grammar and arbitrary ones. No panic; a refusal is exit 2 with one printable
//! line of bounded length; `order create` and `order pay` with item specs and amounts
//! written by the grammar parse back to what was written, in any flag order.

use chronicle::cli::{Command, OrderCmd, Parsed, exit, parse};
use chronicle::domain::LineItem;
use proptest::prelude::*;
use proptest::sample::select;

use super::config;
use super::items::{check_amount, check_spec, spec};
use super::strings::{arbitrary, bad_amount, digits, good_amount, word};
use super::values::{decimal, line_item};

#[derive(Debug, Clone)]
enum Input {
    Argv(Vec<String>),
    Create(Vec<String>, String, Vec<LineItem>),
    Pay(Vec<String>, String),
}

const KINDS: &[&str] = &["argv", "create", "pay"];

const SUBCOMMANDS: &[&str] = &[
    "order",
    "create",
    "add-item",
    "remove-item",
    "pay",
    "ship",
    "deliver",
    "cancel",
    "show",
    "events",
    "list",
    "projector",
    "run",
    "rebuild",
    "status",
    "dlq",
    "retry",
    "skip",
    "check",
    "explain",
    "export",
    "import",
    "demo",
    "migrate",
    "serve",
    "completions",
    "tui",
];
const FLAGS: &[&str] = &[
    "--customer",
    "--item",
    "--currency",
    "--id",
    "--expected-version",
    "--idempotency-key",
    "--correlation-id",
    "--json",
    "--method",
    "--amount",
    "--tracking",
    "--reason",
    "--sku",
    "--at-version",
    "--at",
    "--source",
    "--status",
    "--limit",
    "--once",
    "--batch-size",
    "--order",
    "--stream",
    "--orders",
    "--seed",
    "--no-tui",
    "--fresh",
    "--force",
    "--listen",
    "--no-projector",
    "--otlp-endpoint",
    "--reads",
    "--database-url",
    "--config",
    "--snapshot-every",
    "--default-currency",
    "--idempotency-ttl-secs",
    "--read-only",
    "--",
    "-",
    "--x",
    "-x",
    "---",
];
const VALUES: &[&str] = &[
    "bash",
    "zsh",
    "replay",
    "read-model",
    "open",
    "token",
    "127.0.0.1:0",
    "[::1]:80",
    "-5",
    "-1",
    "0",
    "20",
    "1000001",
    "18446744073709551616",
    "EUR",
    "2026-07-29",
    "3f2a",
    "=",
];

fn token() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(SUBCOMMANDS).prop_map(String::from),
        4 => select(FLAGS).prop_map(String::from),
        2 => (select(FLAGS), word(8)).prop_map(|(f, v)| format!("{f}={v}")),
        2 => select(VALUES).prop_map(String::from),
        2 => word(12),
        1 => digits(1, 22),
        1 => good_amount(),
        1 => bad_amount(true),
        1 => spec(),
        1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        1 => arbitrary(16),
    ]
    .boxed()
}

/// argv for clap; tokens that would print help or the version are left out (they print,
/// which at a million cases floods the terminal), as is a bare command group at the end.
fn argv() -> BoxedStrategy<Vec<String>> {
    proptest::collection::vec(token(), 0..10)
        .prop_map(|mut t| {
            for a in &mut t {
                if matches!(a.as_str(), "help" | "-h" | "--help" | "-V" | "--version")
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains(['h', 'V']))
                {
                    *a = "x".into();
                }
            }
            if t.last()
                .is_some_and(|l| matches!(l.as_str(), "order" | "projector" | "dlq"))
            {
                t.push("x".into());
            }
            t
        })
        .boxed()
}

fn check_argv(args: &[String]) -> Option<Box<chronicle::cli::Cli>> {
    let mut all = vec!["chronicle".to_string()];
    all.extend(args.iter().cloned());
    match parse(all) {
        Ok(Parsed::Run(cli)) => Some(cli),
        Ok(Parsed::Shown(_)) => None,
        Err(f) => {
            let suffix = " (chronicle --help lists the arguments)";
            let m = &f.message;
            assert_eq!(f.code, exit::USAGE, "{args:?}: {m}");
            assert!(
                m.ends_with(suffix) && !m.chars().any(char::is_control),
                "{args:?}: {m:?}"
            );
            assert!(
                m.chars().count() <= 201 + suffix.len(),
                "{args:?}: {} chars",
                m.len()
            );
            None
        }
    }
}

fn input() -> impl Strategy<Value = Input> {
    let value = word(20);
    prop_oneof![
        8 => argv().prop_map(Input::Argv),
        1 => (value.clone(), proptest::collection::vec(line_item(), 1..4))
            .prop_flat_map(|(c, items)| {
                let mut flags = vec![vec!["--customer".to_string(), c.clone()]];
                for (i, item) in items.iter().enumerate() {
                    flags.push(if i % 2 == 0 {
                        vec!["--item".into(), item.to_string()]
                    } else {
                        vec![format!("--item={item}")]
                    });
                }
                (Just(flags).prop_shuffle(), Just(c), Just(items))
            })
            .prop_map(|(flags, c, items)| Input::Create(flags.concat(), c, items)),
        1 => (prop_oneof![good_amount(), bad_amount(false), decimal(true).prop_map(|d| d.to_string())], value)
            .prop_map(|(a, m)| Input::Pay(vec!["--method".into(), m, format!("--amount={a}")], a)),
    ]
}

#[test]
fn cli_argv() {
    config::run("argv", KINDS, input(), |tally, input| match input {
        Input::Argv(args) => {
            tally.hit(0);
            check_argv(&args);
        }
        Input::Create(flags, customer, items) => {
            tally.hit(1);
            let args: Vec<String> = ["order", "create"]
                .map(String::from)
                .into_iter()
                .chain(flags)
                .collect();
            let cli = check_argv(&args).unwrap_or_else(|| panic!("{args:?} refused"));
            let Some(Command::Order(OrderCmd::Create {
                customer: c,
                items: specs,
                ..
            })) = &cli.command
            else {
                panic!("{args:?}: {cli:?}");
            };
            assert_eq!(c, &customer);
            let parsed: Vec<LineItem> = specs
                .iter()
                .map(|s| check_spec(s).expect("parses"))
                .collect();
            let mut expected = items;
            expected.sort_by_key(ToString::to_string);
            let mut parsed = parsed;
            parsed.sort_by_key(ToString::to_string);
            assert_eq!(parsed, expected, "{args:?}");
        }
        Input::Pay(flags, amount) => {
            tally.hit(2);
            let args: Vec<String> = ["order", "pay", "3f2a"]
                .map(String::from)
                .into_iter()
                .chain(flags)
                .collect();
            let cli = check_argv(&args).unwrap_or_else(|| panic!("{args:?} refused"));
            let Some(Command::Order(OrderCmd::Pay { amount: a, .. })) = &cli.command else {
                panic!("{args:?}: {cli:?}");
            };
            assert_eq!(a, &amount);
            let _ = check_amount(a);
        }
    });
}
