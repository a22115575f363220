//! The order as a cqrs-es aggregate: the commands the benchmark sends and the rules
//! Chronicle's `decide` enforces for them (valid text, at least one line, positive
//! quantities, no negative prices, payment equal to the total, ship only once paid).
//! Events are serde enums, stored by sqlite-es as JSON (`{"OrderPaid":{…}}`).

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest free text, as Chronicle's `limits::MAX_TEXT_LEN`.
const MAX_TEXT_LEN: usize = 200;

/// One order line; prices travel as decimal strings, as in Chronicle's payloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub sku: String,
    pub quantity: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Pending,
    Paid,
    Shipped,
}

/// What the benchmark asks; `at` is the command's time, given by the caller (as Chronicle's
/// `now`), so the aggregate reads no clock.
#[derive(Debug)]
pub enum OrderCommand {
    Create {
        customer_id: String,
        items: Vec<LineItem>,
        currency: String,
        at: String,
    },
    AddItem {
        item: LineItem,
        at: String,
    },
    RemoveItem {
        sku: String,
        at: String,
    },
    Pay {
        method: String,
        amount: Decimal,
        at: String,
    },
    Ship {
        tracking_number: String,
        at: String,
    },
    /// Commands decided one after another against the state each leaves, and committed
    /// together: how the load rows seed a 10,000-event order in one transaction (through
    /// cqrs-es's own commit, which places the snapshot) instead of 10,000 commits.
    Batch(Vec<OrderCommand>),
}

/// The events, the same fields as Chronicle's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    OrderCreated {
        customer_id: String,
        items: Vec<LineItem>,
        currency: String,
        created_at: String,
    },
    ItemAdded {
        item: LineItem,
        at: String,
    },
    ItemRemoved {
        sku: String,
        at: String,
    },
    OrderPaid {
        method: String,
        #[serde(with = "rust_decimal::serde::str")]
        amount: Decimal,
        at: String,
    },
    OrderShipped {
        tracking_number: String,
        at: String,
    },
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OrderCreated { .. } => "OrderCreated",
            Self::ItemAdded { .. } => "ItemAdded",
            Self::ItemRemoved { .. } => "ItemRemoved",
            Self::OrderPaid { .. } => "OrderPaid",
            Self::OrderShipped { .. } => "OrderShipped",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// A refused command.
#[derive(Debug)]
pub struct OrderError(pub String);

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OrderError {}

fn refuse<T>(why: &str) -> Result<T, OrderError> {
    Err(OrderError(why.to_string()))
}

/// The order's state: what the rules need and what Chronicle's `Order` keeps.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Order {
    pub status: Option<Status>,
    pub customer_id: String,
    pub currency: String,
    pub items: Vec<LineItem>,
    pub payment: Option<(String, String)>,
    pub tracking_number: Option<String>,
    pub created_at: Option<String>,
}

/// Trimmed text, refused when blank, too long or holding control characters.
fn text(value: &str, max: usize, what: &str) -> Result<String, OrderError> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return refuse(&format!("invalid {what}"));
    }
    Ok(t.to_string())
}

fn check_item(item: &LineItem) -> Result<(), OrderError> {
    if item.sku.is_empty() || item.quantity < 1 {
        return refuse("invalid line");
    }
    if item.unit_price.is_sign_negative() && !item.unit_price.is_zero() {
        return refuse("negative price");
    }
    Ok(())
}

impl Order {
    fn require(&self, allowed: Status, action: &str) -> Result<(), OrderError> {
        match self.status {
            None => refuse("no such order"),
            Some(s) if s == allowed => Ok(()),
            Some(s) => refuse(&format!("cannot {action} an order that is {s:?}")),
        }
    }

    fn total(&self) -> Decimal {
        self.items
            .iter()
            .map(|l| Decimal::from(l.quantity) * l.unit_price)
            .sum()
    }

    fn decide(&self, command: OrderCommand) -> Result<OrderEvent, OrderError> {
        Ok(match command {
            OrderCommand::Create {
                customer_id,
                items,
                currency,
                at,
            } => {
                if self.status.is_some() {
                    return refuse("order exists");
                }
                let customer_id = text(&customer_id, MAX_TEXT_LEN, "customer id")?;
                if items.is_empty() {
                    return refuse("no items");
                }
                for (i, item) in items.iter().enumerate() {
                    check_item(item)?;
                    if items[..i].iter().any(|p| p.sku == item.sku) {
                        return refuse("duplicate sku");
                    }
                }
                OrderEvent::OrderCreated {
                    customer_id,
                    items,
                    currency,
                    created_at: at,
                }
            }
            OrderCommand::AddItem { item, at } => {
                self.require(Status::Pending, "add items to")?;
                check_item(&item)?;
                if let Some(line) = self.items.iter().find(|l| l.sku == item.sku)
                    && line.unit_price != item.unit_price
                {
                    return refuse("price changed");
                }
                OrderEvent::ItemAdded { item, at }
            }
            OrderCommand::RemoveItem { sku, at } => {
                self.require(Status::Pending, "remove items from")?;
                if !self.items.iter().any(|l| l.sku == sku) {
                    return refuse("sku not in order");
                }
                if self.items.len() == 1 {
                    return refuse("last item");
                }
                OrderEvent::ItemRemoved { sku, at }
            }
            OrderCommand::Pay { method, amount, at } => {
                self.require(Status::Pending, "pay")?;
                let method = text(&method, MAX_TEXT_LEN, "payment method")?;
                if amount != self.total() {
                    return refuse("amount differs from the total");
                }
                OrderEvent::OrderPaid { method, amount, at }
            }
            OrderCommand::Batch(_) => return refuse("nested batch"),
            OrderCommand::Ship {
                tracking_number,
                at,
            } => {
                self.require(Status::Paid, "ship")?;
                let tracking_number = text(&tracking_number, 64, "tracking number")?;
                OrderEvent::OrderShipped {
                    tracking_number,
                    at,
                }
            }
        })
    }
}

impl Aggregate for Order {
    const TYPE: &'static str = "order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
    type Services = ();

    async fn handle(
        &mut self,
        command: OrderCommand,
        _services: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), OrderError> {
        let commands = match command {
            OrderCommand::Batch(commands) => commands,
            one => vec![one],
        };
        for command in commands {
            let event = self.decide(command)?;
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: OrderEvent) {
        match event {
            OrderEvent::OrderCreated {
                customer_id,
                items,
                currency,
                created_at,
            } => {
                self.status = Some(Status::Pending);
                self.customer_id = customer_id;
                self.items = items;
                self.currency = currency;
                self.created_at = Some(created_at);
            }
            OrderEvent::ItemAdded { item, .. } => {
                match self.items.iter_mut().find(|l| l.sku == item.sku) {
                    Some(line) => line.quantity += item.quantity,
                    None => self.items.push(item),
                }
            }
            OrderEvent::ItemRemoved { sku, .. } => self.items.retain(|l| l.sku != sku),
            OrderEvent::OrderPaid { method, amount, .. } => {
                self.status = Some(Status::Paid);
                self.payment = Some((method, amount.to_string()));
            }
            OrderEvent::OrderShipped {
                tracking_number, ..
            } => {
                self.status = Some(Status::Shipped);
                self.tracking_number = Some(tracking_number);
            }
        }
    }
}
