//! Prompt lines near the grammar: known command words with arguments in and just out of
//! it; resolved writes; lines with the command they mean; lines the grammar refuses.

use chronicle::domain::OrderCommand;
use chronicle::store::EventSearch;
use chronicle::tui::prompt::{AtTarget, ForkArg, PROMPT_COMMANDS, PromptCommand};
use chronicle::tui::take::OutPath;
use proptest::prelude::*;
use proptest::sample::select;

use super::strings::{SPACES, bad_amount, digits, good_amount, nasty, visible_word, word};
use super::values::{decimal, line_item, sku, time};

/// Runs of whitespace, Unicode's included: the prompt splits on any.
pub fn sep() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(SPACES), 1..3).prop_map(|v| v.into_iter().collect())
}

pub fn hex_id(min: usize, max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(
        select("0123456789abcdefABCDEF-".chars().collect::<Vec<_>>()),
        min..=max,
    )
    .prop_map(|v| v.into_iter().collect())
    .boxed()
}

/// Words the prompt knows, and arguments in (and just out of) its grammar.
pub fn grammar_line() -> impl Strategy<Value = String> {
    let mut names: Vec<&str> = PROMPT_COMMANDS.iter().map(|(n, _)| *n).collect();
    names.extend(["version", "time", "o", "q", "f", "fork", "créate", "PAY"]);
    let spec = (
        word(8),
        prop_oneof![digits(0, 11), word(4)],
        prop_oneof![good_amount(), bad_amount(false)],
    )
        .prop_map(|(s, q, p)| format!("{s}:{q}:{p}"));
    let arg = prop_oneof![
        hex_id(1, 40),
        spec,
        word(12),
        nasty(12),
        digits(1, 25),
        digits(1, 20).prop_map(|d| format!("#{d}")),
        select(vec![
            "now", "skip", "off", "EUR", "jpy", "id:", "\"", "!", "#", "#-1", "--"
        ])
        .prop_map(String::from),
        time().prop_map(|t| t.to_rfc3339()),
        good_amount(),
        bad_amount(false),
    ];
    (
        prop_oneof![select(names).prop_map(String::from), word(8)],
        proptest::collection::vec((sep(), arg), 0..6),
        proptest::option::of(sep()),
    )
        .prop_map(|(name, args, tail)| {
            let mut line = name;
            for (s, a) in args {
                line.push_str(&s);
                line.push_str(&a);
            }
            line.push_str(&tail.unwrap_or_default());
            line
        })
}

/// Commands to an order whose every field is one the prompt's grammar can carry.
pub fn write_command() -> impl Strategy<Value = OrderCommand> {
    let words = proptest::collection::vec(word(10), 1..5).prop_map(|w| w.join(" "));
    prop_oneof![
        line_item().prop_map(|item| OrderCommand::AddItem { item }),
        sku().prop_map(|sku| OrderCommand::RemoveItem { sku }),
        (word(16), decimal(false))
            .prop_map(|(method, amount)| OrderCommand::PayOrder { method, amount }),
        word(16).prop_map(|tracking_number| OrderCommand::ShipOrder { tracking_number }),
        Just(OrderCommand::DeliverOrder),
        words.prop_map(|reason| OrderCommand::CancelOrder { reason }),
    ]
}

pub fn means() -> impl Strategy<Value = (String, PromptCommand)> {
    let path = proptest::collection::vec(visible_word(10, true), 1..4)
        .prop_map(|w| format!("{}p", w.join(" ")));
    prop_oneof![
        (select(vec!["v", "version"]), 1..=u64::MAX, 0..3usize).prop_map(|(v, n, zeros)| (
            format!("{v} {}{n}", "0".repeat(zeros)),
            PromptCommand::Version(n)
        )),
        time().prop_map(|t| (format!("t {}", t.to_rfc3339()), PromptCommand::Time(t))),
        time().prop_map(|t| {
            let t = t.with_nanosecond_zero();
            (
                format!("time {}", t.format("%Y-%m-%d %H:%M:%S")),
                PromptCommand::Time(t),
            )
        }),
        (
            select(vec!["open", "o"]),
            hex_id(4, 36).prop_filter("4 hex digits", |p| {
                p.chars().filter(char::is_ascii_hexdigit).count() >= 4
            })
        )
            .prop_map(|(o, p)| (
                format!("{o} {p}"),
                PromptCommand::Open(p.to_ascii_lowercase())
            )),
        (1..=i64::MAX).prop_map(|p| (format!("at #{p}"), PromptCommand::At(AtTarget::Position(p)))),
        time().prop_map(|t| (
            format!("at {}", t.to_rfc3339()),
            PromptCommand::At(AtTarget::Time(t))
        )),
        Just(("at now".to_string(), PromptCommand::At(AtTarget::Now))),
        (proptest::collection::vec(word(8), 1..5), sep()).prop_map(|(w, s)| {
            let arg = match w.join(" ").as_str() {
                "skip" => ForkArg::Skip,
                "off" => ForkArg::Off,
                j => ForkArg::Command(j.to_string()),
            };
            (format!("fork{s}{}", w.join(&s)), PromptCommand::Fork(arg))
        }),
        (1..=i64::MAX).prop_map(|p| (
            format!("find #{p}"),
            PromptCommand::Find(EventSearch::Position(p))
        )),
        any::<u128>().prop_map(|n| {
            let id = uuid::Uuid::from_u128(n);
            (
                format!("f {}", id.simple()),
                PromptCommand::Find(EventSearch::Id(id.hyphenated().to_string())),
            )
        }),
        (select(vec!["export", "report"]), path, any::<bool>()).prop_map(|(c, path, bang)| {
            let out = OutPath {
                path: Some(path.clone().into()),
                overwrite: bang,
            };
            let line = format!("{c} {path}{}", if bang { " !" } else { "" });
            (
                line,
                if c == "export" {
                    PromptCommand::Export(out)
                } else {
                    PromptCommand::Report(out)
                },
            )
        }),
        select(vec![
            ("check", PromptCommand::Check),
            ("rebuild", PromptCommand::Rebuild),
            ("project", PromptCommand::Project),
            ("dlq", PromptCommand::DeadLetters),
            ("help", PromptCommand::Help),
            ("q", PromptCommand::Quit),
            ("quit", PromptCommand::Quit),
            ("export", PromptCommand::Export(OutPath::default())),
        ])
        .prop_map(|(l, c)| (l.to_string(), c)),
    ]
}

pub fn refused() -> impl Strategy<Value = String> {
    let id = hex_id(1, 36);
    let bad_qty = prop_oneof![
        select(vec![
            "0",
            "00",
            "+1",
            "-1",
            "1.0",
            "1_0",
            "4294967296",
            "1e3",
            "٣",
            "",
            "x"
        ])
        .prop_map(String::from),
        digits(11, 30).prop_map(|d| format!("9{d}")),
    ];
    prop_oneof![
        (id.clone(), word(8), bad_amount(false)).prop_map(|(i, m, a)| format!("pay {i} {m} {a}")),
        (id.clone(), word(8), bad_amount(false))
            .prop_map(|(i, s, a)| format!("add-item {i} {s}:1:{a}")),
        (id.clone(), word(8), bad_qty).prop_map(|(i, s, q)| format!("add-item {i} {s}:{q}:1.00")),
        (word(8), bad_amount(false)).prop_map(|(c, a)| format!("create {c} SKU-1:1:{a} EUR")),
        (
            select(vec![
                "deliver",
                "ship x",
                "cancel x",
                "open",
                "remove-item A"
            ]),
            word(6),
            hex_id(0, 8)
        )
            .prop_filter("a non-hex id", |(_, w, _)| !w
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-'))
            .prop_map(|(c, w, h)| {
                let (name, rest) = c.split_once(' ').unwrap_or((c, ""));
                format!("{name} {h}{w}{h} {rest}")
            }),
        hex_id(37, 60).prop_map(|i| format!("deliver {i}")),
        hex_id(0, 3).prop_map(|i| format!("open {i}")),
        select(vec![
            "v 0",
            "v -1",
            "v x",
            "v 1.5",
            "at #0",
            "at #-1",
            "at",
            "fork",
            "find",
            "create c",
            "t 2026-13-01"
        ])
        .prop_map(String::from),
    ]
}

trait NanosecondZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanosecondZero for chrono::DateTime<chrono::Utc> {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).expect("0 ns is a time")
    }
}
