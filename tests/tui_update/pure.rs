//! The pure helpers: the filter and time languages, key rebinding and the state diff.

use std::collections::BTreeMap;

use chronicle::domain::{
    Currency, ItemRemoved, Order, OrderCreated, OrderEvent, OrderId, OrderPaid, OrderStatus, Sku,
    evolve,
};
use chronicle::store::OrderFilter;
use chronicle::tui::fields::{Change, diff_fields};
use chronicle::tui::keymap::{COMMANDS, Cmd, Keymap, config_name};
use chronicle::tui::prompt::{parse_filter, parse_time};
use chronicle::tui::state::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;

use crate::support::{at, c, ctrl};

#[test]
fn filters_parse_by_key_or_by_the_shape_of_a_bare_word() {
    let cases = [
        ("", OrderFilter::All),
        ("   ", OrderFilter::All),
        ("paid", OrderFilter::Status(OrderStatus::Paid)),
        ("CANCELLED", OrderFilter::Status(OrderStatus::Cancelled)),
        ("status:shipped", OrderFilter::Status(OrderStatus::Shipped)),
        ("s:pending", OrderFilter::Status(OrderStatus::Pending)),
        ("customer:cust-1", OrderFilter::Customer("cust-1".into())),
        ("c:bob", OrderFilter::Customer("bob".into())),
        ("id:3F2A", OrderFilter::IdPrefix("3f2a".into())),
        ("3f2a", OrderFilter::IdPrefix("3f2a".into())),
        ("3f2a-9c01", OrderFilter::IdPrefix("3f2a-9c01".into())),
        ("bob", OrderFilter::Customer("bob".into())),
        ("cust-7", OrderFilter::Customer("cust-7".into())),
    ];
    for (text, want) in cases {
        assert_eq!(parse_filter(text), Ok(want), "{text:?}");
    }
    for bad in ["status:lost", "colour:red", "id:", "id:xyz"] {
        assert!(parse_filter(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn times_parse_in_each_accepted_format() {
    let cases = [
        ("2026-11-26T10:05:00Z", at(5)),
        ("2026-11-26T12:05:00+02:00", at(5)),
        ("2026-11-26 10:05:00", at(5)),
        (" 2026-11-26 10:05 ", at(5)),
        ("2026-11-26", at(0) - chrono::Duration::hours(10)),
    ];
    for (text, want) in cases {
        assert_eq!(parse_time(text), Ok(want), "{text:?}");
    }
    for bad in [
        "",
        "yesterday",
        "2026-13-01",
        "26/11/2026",
        "2026-11-26 25:00",
        // Without its offset it would read as local time to ISO 8601: refused, not guessed.
        "2026-11-26T10:05:00",
    ] {
        let e = parse_time(bad).expect_err(bad);
        assert!(e.contains("not a time"), "{bad:?}: {e}");
    }
}

#[test]
fn commands_can_be_rebound() {
    let overrides = BTreeMap::from([
        ("quit".to_string(), vec!["x".to_string()]),
        (
            "step_back".to_string(),
            vec!["b".to_string(), "ctrl-b".to_string()],
        ),
    ]);
    let keymap = Keymap::with_overrides(&overrides).expect("valid overrides");
    assert_eq!(keymap.lookup(&c('x')), Some(Cmd::Quit));
    assert_eq!(keymap.lookup(&c('q')), None, "the default key is replaced");
    assert_eq!(keymap.lookup(&ctrl('c')), None);
    assert_eq!(keymap.lookup(&c('b')), Some(Cmd::StepBack));
    assert_eq!(keymap.lookup(&ctrl('b')), Some(Cmd::StepBack));
    assert_eq!(keymap.lookup(&c('h')), None);
    // Others keep their defaults.
    assert_eq!(keymap.lookup(&c('l')), Some(Cmd::StepForward));
    assert_eq!(keymap.keys_of(Cmd::StepBack), "b/ctrl-b");
    assert!(
        keymap
            .help()
            .iter()
            .any(|(keys, what, _)| keys == "x" && *what == "quit")
    );

    // A key freed by a rebind can be taken by another command.
    let swap = BTreeMap::from([
        ("quit".to_string(), vec!["x".to_string()]),
        ("sort".to_string(), vec!["q".to_string()]),
    ]);
    let keymap = Keymap::with_overrides(&swap).expect("swap");
    assert_eq!(keymap.lookup(&c('q')), Some(Cmd::Sort));

    let end = KeyEvent::new(KeyCode::End, KeyModifiers::NONE);
    assert_eq!(Keymap::default().lookup(&end), Some(Cmd::Last));
}

#[test]
fn unknown_commands_bad_keys_and_conflicts_are_errors() {
    let one = |name: &str, key: &str| {
        Keymap::with_overrides(&BTreeMap::from([(name.to_string(), vec![key.to_string()])]))
    };
    let e = one("teleport", "x").expect_err("unknown command");
    assert!(
        e.contains("unknown command") && e.contains("teleport"),
        "{e}"
    );
    let e = one("quit", "hyperkey").expect_err("unknown key");
    assert!(e.contains("unknown key"), "{e}");
    let e = one("quit", "j").expect_err("conflict");
    assert!(
        e.contains("bound to both") && e.contains("quit") && e.contains("down"),
        "{e}"
    );
}

#[test]
fn every_command_has_a_config_name_help_text_and_a_scope() {
    let names: Vec<String> = COMMANDS.iter().map(|c| config_name(c.0)).collect();
    assert!(names.contains(&"step_forward".to_string()));
    assert!(names.contains(&"dead_letters".to_string()));
    let keymap = Keymap::default();
    assert_eq!(keymap.help().len(), COMMANDS.len());
    let footer = keymap.footer(Pane::Stream);
    assert!(footer.contains(&("←".to_string(), "back")), "{footer:?}");
    assert!(footer.contains(&("q".to_string(), "quit")), "{footer:?}");
    assert!(
        !footer.iter().any(|(_, what)| *what == "sort"),
        "{footer:?}"
    );
    let footer = keymap.footer(Pane::Orders);
    assert!(footer.iter().any(|(_, what)| *what == "sort"), "{footer:?}");
}

fn id() -> OrderId {
    "3f2a5c1e-0000-4000-8000-000000000000".parse().expect("id")
}

fn created() -> Order {
    let event = OrderEvent::Created(OrderCreated {
        order_id: id(),
        customer_id: "cust-1".into(),
        items: vec!["A:2:5".parse().expect("A"), "B:1:3".parse().expect("B")],
        currency: Currency::EUR,
        created_at: at(1),
    });
    evolve(Order::empty(id()), &event)
}

fn change_of<'a>(
    rows: &'a [chronicle::tui::fields::FieldRow],
    name: &str,
) -> (Change, Option<&'a str>) {
    let row = rows
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no field {name:?} in {rows:?}"));
    (row.change, row.old.as_deref())
}

#[test]
fn the_first_event_adds_every_field() {
    let rows = diff_fields(&Order::empty(id()), &created());
    for r in &rows {
        let want = if r.name == "version" {
            Change::Same
        } else {
            Change::Added
        };
        assert_eq!(r.change, want, "{r:?}");
    }
    assert_eq!(change_of(&rows, "status"), (Change::Added, None));
    assert!(rows.iter().any(|r| r.name == "  A"));
}

#[test]
fn later_events_mark_changed_added_and_removed_fields() {
    let before = created();
    let paid = evolve(
        before.clone(),
        &OrderEvent::Paid(OrderPaid {
            method: "card".into(),
            amount: Decimal::new(13, 0),
            at: at(2),
        }),
    );
    let rows = diff_fields(&before, &paid);
    assert_eq!(
        change_of(&rows, "status"),
        (Change::Changed, Some("Pending"))
    );
    assert_eq!(change_of(&rows, "paid"), (Change::Added, None));
    assert_eq!(change_of(&rows, "customer").0, Change::Same);
    assert_eq!(change_of(&rows, "total").0, Change::Same);
    assert_eq!(change_of(&rows, "version").0, Change::Same);

    let removed = evolve(
        before.clone(),
        &OrderEvent::ItemRemoved(ItemRemoved {
            sku: Sku::new("B").expect("sku"),
            at: at(3),
        }),
    );
    let rows = diff_fields(&before, &removed);
    let last = rows.last().expect("rows");
    assert_eq!((last.name.as_str(), last.change), ("  B", Change::Removed));
    assert!(last.value.contains("×1"), "{last:?}");
    assert_eq!(change_of(&rows, "total").0, Change::Changed);
    assert_eq!(change_of(&rows, "items").0, Change::Changed);
    assert_eq!(change_of(&rows, "  A").0, Change::Same);
}

#[test]
fn typed_counts_are_digits_only() {
    use chronicle::tui::prompt::parse_prompt;
    for line in [
        "v +1", "v  1x", "v 1_0", "v ١", "at #+5", "at # 5", "find #+5",
    ] {
        assert!(parse_prompt(line).is_err(), "{line:?} accepted");
    }
    for line in ["v 12", "at #5", "find #5"] {
        assert!(parse_prompt(line).is_ok(), "{line:?} refused");
    }
}
