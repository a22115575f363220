//! Property tests: replay, the invariants every reachable state keeps, and storage round
//! trips of events and snapshots.

use proptest::prelude::*;

use super::upcast::CREATED_V1;
use super::*;

/// A command as generated. Paying the exact total needs the state the command meets, which
/// a strategy cannot see, so that one is resolved at apply time.
#[derive(Debug, Clone)]
enum Step {
    Command(OrderCommand),
    PayTotal { method: String, normalized: bool },
}

impl Step {
    fn resolve(&self, order: &Order) -> OrderCommand {
        match self {
            Step::Command(cmd) => cmd.clone(),
            Step::PayTotal { method, normalized } => {
                let total = order.total();
                OrderCommand::PayOrder {
                    method: method.clone(),
                    // Paying 12.5 for 12.50 must be accepted and must round-trip.
                    amount: if *normalized {
                        total.normalize()
                    } else {
                        total
                    },
                }
            }
        }
    }
}

fn sku_strategy() -> impl Strategy<Value = Sku> {
    prop::sample::select(vec!["A", "B", "C", "BOOK-1", "ÜBER-2"]).prop_map(sku)
}

fn price_strategy() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        prop::sample::select(vec!["0", "0.01", "12.49", "12.5", "12.50", "199.99", "3"])
            .prop_map(dec),
        (0_i64..1_000_000, 0_u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

fn item_strategy() -> impl Strategy<Value = LineItem> {
    (sku_strategy(), 1_u32..=5, price_strategy()).prop_map(|(sku, quantity, unit_price)| LineItem {
        sku,
        quantity,
        unit_price,
    })
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Mostly valid, with padding to trim and the odd blank that must be refused.
    prop::sample::select(vec!["card", " cash ", "TRK-1", "Zoë", "x y z", "", "  "])
        .prop_map(str::to_string)
}

fn create_strategy() -> impl Strategy<Value = OrderCommand> {
    (
        text_strategy(),
        prop::collection::vec(item_strategy(), 1..4),
        prop::sample::select(vec!["EUR", "USD", "JPY"]),
    )
        .prop_map(|(customer_id, items, currency)| OrderCommand::CreateOrder {
            customer_id,
            items,
            currency: currency.parse().unwrap(),
        })
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => create_strategy().prop_map(Step::Command),
        4 => item_strategy().prop_map(|item| Step::Command(OrderCommand::AddItem { item })),
        2 => sku_strategy().prop_map(|sku| Step::Command(OrderCommand::RemoveItem { sku })),
        3 => (text_strategy(), any::<bool>())
            .prop_map(|(method, normalized)| Step::PayTotal { method, normalized }),
        1 => (text_strategy(), price_strategy())
            .prop_map(|(method, amount)| Step::Command(OrderCommand::PayOrder { method, amount })),
        2 => text_strategy().prop_map(|tracking_number| {
            Step::Command(OrderCommand::ShipOrder { tracking_number })
        }),
        2 => Just(Step::Command(OrderCommand::DeliverOrder)),
        1 => text_strategy().prop_map(|reason| Step::Command(OrderCommand::CancelOrder { reason })),
    ]
}

/// Several creates up front so that most runs do get an order to work on.
fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::collection::vec(create_strategy().prop_map(Step::Command), 2..5),
        prop::collection::vec(step_strategy(), 0..30),
    )
        .prop_map(|(mut creates, rest)| {
            creates.extend(rest);
            creates
        })
}

/// Applies the steps, each decided one second after the previous one (never a clock read),
/// and returns the accepted events with the state after each of them (`states[0]` is empty).
fn run(steps: &[Step]) -> (Vec<OrderEvent>, Vec<Order>) {
    let mut events = Vec::new();
    let mut states = vec![Order::empty(ID)];
    for (i, step) in steps.iter().enumerate() {
        let at = now() + TimeDelta::seconds(i as i64);
        let state = states.last().unwrap().clone();
        let cmd = step.resolve(&state);
        let outcome = decide(&state, &cmd, at);
        assert_eq!(outcome, decide(&state, &cmd, at), "decide is deterministic");
        if let Ok(new) = outcome {
            for event in new {
                states.push(evolve(states.last().unwrap().clone(), &event));
                events.push(event);
            }
        }
    }
    (events, states)
}

fn assert_invariants(order: &Order) {
    let Some(status) = order.status else {
        assert_eq!(order.version, 0);
        return;
    };
    assert!(!order.items.is_empty(), "an order keeps at least one line");
    for (i, line) in order.items.iter().enumerate() {
        assert!(line.quantity >= 1);
        assert!(!line.unit_price.is_sign_negative() || line.unit_price.is_zero());
        assert!(
            order.items[..i].iter().all(|l| l.sku != line.sku),
            "SKUs are unique"
        );
    }
    match status {
        OrderStatus::Pending => assert!(order.payment.is_none()),
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered => {
            assert!(order.payment.is_some());
        }
        // Cancelling is allowed before and after paying.
        OrderStatus::Cancelled => {}
    }
    if let Some(payment) = &order.payment {
        assert_eq!(
            payment.amount,
            order.total(),
            "items cannot change once paid"
        );
    }
    let summary = OrderSummary::from_order(order).unwrap();
    assert_eq!(summary.version, order.version);
    assert_eq!(summary.line_count, order.items.len() as u64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn folding_a_prefix_equals_the_incremental_state(steps in steps_strategy()) {
        let (events, states) = run(&steps);
        prop_assert_eq!(states.len(), events.len() + 1);
        for (n, state) in states.iter().enumerate() {
            prop_assert_eq!(state.version, n as u64);
            prop_assert_eq!(&Order::replay(ID, &events[..n]), state);
            assert_invariants(state);
        }
    }

    #[test]
    fn every_event_survives_a_stored_round_trip(steps in steps_strategy()) {
        let (events, _) = run(&steps);
        for event in events {
            let decoded = OrderEvent::decode(
                event.event_type(),
                event.schema_version(),
                &event.payload_json(),
                &UpcastContext::default(),
            );
            prop_assert_eq!(decoded, Ok(event));
        }
    }

    #[test]
    fn every_state_survives_a_snapshot_round_trip(steps in steps_strategy()) {
        let (_, states) = run(&steps);
        for state in states {
            let json = serde_json::to_string(&state).unwrap();
            let back: Order = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, state);
        }
    }

    #[test]
    fn decode_never_panics_on_garbage(
        event_type in prop::sample::select(vec![
            "OrderCreated", "ItemAdded", "ItemRemoved", "OrderPaid",
            "OrderShipped", "OrderDelivered", "OrderCancelled", "Nope", "",
        ]),
        version in 0_u32..4,
        json in any::<String>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let ctx = UpcastContext::default();
        let _ = OrderEvent::decode(event_type, version, &json, &ctx);
        // Truncated real payloads are the likelier corruption.
        let cut_at = cut.index(CREATED_V1.len() + 1);
        let _ = OrderEvent::decode(event_type, version, &CREATED_V1[..cut_at], &ctx);
    }
}
