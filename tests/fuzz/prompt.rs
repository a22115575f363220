//! The debugger's `:` prompt: `parse_prompt` (and the filter, completion and time parsers
//! beside it) on any line; every resolved write's `command_line` parses back to the same
//! command; navigation lines parse to what they say; malformed amounts, quantities, ids and
//! versions are refused.

use chronicle::app::read::parse_search;
use chronicle::domain::{Currency, LineItem, OrderCommand};
use chronicle::tui::prompt::{
    AtTarget, CompletionTarget, PromptCommand, apply_completion, command_line, completion_target,
    id_suggestion, parse_filter, parse_list_filter, parse_prompt, parse_time,
};
use proptest::prelude::*;

use super::config;
use super::prompt_gen::{grammar_line, hex_id, means, refused, sep, write_command};
use super::strings::{arbitrary, long, nasty, word};
use super::values::{currency, line_item};

#[derive(Debug, Clone)]
enum Input {
    /// Any line (kind 0: arbitrary, 1: near the grammar).
    Line(usize, String),
    /// A resolved write, as `command_line` shows it, words split by `seps`.
    Write(String, OrderCommand, Vec<String>),
    /// `create`, as `command_line` shows it.
    Create(String, Vec<LineItem>, Currency),
    /// A line and what it must parse to.
    Means(String, PromptCommand),
    /// A line that must be refused.
    Refused(String),
}

const KINDS: &[&str] = &[
    "arbitrary",
    "grammar",
    "write",
    "create",
    "means",
    "refused",
];

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        2 => prop_oneof![arbitrary(80), long()].prop_map(|s| Input::Line(0, s)),
        4 => prop_oneof![grammar_line(), nasty(60)].prop_map(|s| Input::Line(1, s)),
        3 => (hex_id(1, 36), write_command(), proptest::collection::vec(sep(), 8))
            .prop_map(|(id, c, s)| Input::Write(id, c, s)),
        1 => (word(16), proptest::collection::vec(line_item(), 1..4), currency())
            .prop_map(|(c, i, cur)| Input::Create(c, i, cur)),
        3 => means().prop_map(|(l, c)| Input::Means(l, c)),
        3 => refused().prop_map(Input::Refused),
    ]
}

/// What holds for any line: no panic anywhere, errors fit one status line, and what parses
/// keeps the grammar's promises.
fn any_line(line: &str) -> Result<PromptCommand, String> {
    let parsed = parse_prompt(line);
    match &parsed {
        Err(e) => assert!(
            !e.is_empty() && !e.chars().any(char::is_control),
            "error for {line:?} is not one printable line: {e:?}"
        ),
        Ok(PromptCommand::Write { id_prefix, .. }) => assert!(
            id_prefix.len() <= 36
                && id_prefix
                    .chars()
                    .all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-'))
        ),
        Ok(PromptCommand::Create { items, .. }) => assert!(!items.is_empty(), "{line:?}"),
        Ok(PromptCommand::Version(v)) => assert!(*v >= 1),
        Ok(PromptCommand::At(AtTarget::Position(p))) => assert!(*p >= 1),
        Ok(_) => {}
    }
    let target = completion_target(line);
    if let CompletionTarget::Command(candidates) = &target {
        let _ = apply_completion(line, candidates);
    }
    let _ = apply_completion(line, &[line.to_string(), "create".into()]);
    let _ = id_suggestion(line, Some("3f2a5c1e"));
    let _ = parse_list_filter(line);
    let _ = parse_filter(line);
    let _ = parse_time(line);
    let _ = parse_search(line);
    parsed
}

#[test]
fn prompt() {
    config::run("prompt", KINDS, input(), |tally, input| match input {
        Input::Line(kind, line) => {
            tally.hit(kind);
            let _ = any_line(&line);
        }
        Input::Write(id, command, seps) => {
            tally.hit(2);
            let shown = command_line(&id, &command);
            let mut line = seps[0].clone();
            for (i, w) in shown.split(' ').enumerate() {
                line.push_str(w);
                line.push_str(&seps[(i + 1) % seps.len()]);
            }
            let expected = PromptCommand::Write {
                id_prefix: id.to_ascii_lowercase(),
                command,
            };
            assert_eq!(any_line(&line), Ok(expected), "{line:?}");
        }
        Input::Create(customer_id, items, currency) => {
            tally.hit(3);
            let command = OrderCommand::CreateOrder {
                customer_id: customer_id.clone(),
                items: items.clone(),
                currency,
            };
            let line = command_line("", &command);
            let expected = PromptCommand::Create {
                customer: customer_id,
                items,
                currency: Some(currency),
            };
            assert_eq!(any_line(&line), Ok(expected), "{line:?}");
        }
        Input::Means(line, expected) => {
            tally.hit(4);
            assert_eq!(any_line(&line), Ok(expected), "{line:?}");
        }
        Input::Refused(line) => {
            tally.hit(5);
            let parsed = any_line(&line);
            assert!(parsed.is_err(), "{line:?} was taken: {parsed:?}");
        }
    });
}
