//! Divergence: the read model against the state replayed from events, order by order, and
//! `explain`, which finds the event where the projection and the domain parted.

use std::collections::BTreeMap;

use serde::Serialize;

mod diff;
mod explain;

pub use diff::{FieldDiff, diff, diff_rows};
pub use explain::{EventRef, Explanation, MAX_UNAPPLIED, Parting, explain, unapplied};

use super::error::AppError;
use super::loader::Loader;
use crate::domain::{Order, OrderId, OrderSummary, evolve};
use crate::store::{ReadModel, StoredEvent, SummaryRow};

/// How an order's read-model row relates to its replayed state (design §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Same version, same fields.
    InSync,
    /// The row is behind the stream.
    Lagging,
    /// Same version, different fields.
    Diverged,
    /// A stream without a row.
    Missing,
    /// A row without a stream.
    Orphan,
    /// The order has a dead letter; its later events wait behind it.
    Parked,
    /// A stored event of the order no longer decodes: there is no replay to compare.
    Corrupt,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 7] = [
        Class::InSync,
        Class::Lagging,
        Class::Diverged,
        Class::Missing,
        Class::Orphan,
        Class::Parked,
        Class::Corrupt,
    ];

    /// The class name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::InSync => "in-sync",
            Class::Lagging => "lagging",
            Class::Diverged => "diverged",
            Class::Missing => "missing",
            Class::Orphan => "orphan",
            Class::Parked => "parked",
            Class::Corrupt => "corrupt",
        }
    }
}

/// One order's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderCheck {
    /// The order.
    pub order_id: String,
    /// Its class.
    pub class: Class,
    /// Events the row is behind the stream.
    pub behind: u64,
    /// Fields that differ (for `diverged`).
    pub fields: Vec<FieldDiff>,
    /// The event that no longer decodes (for `corrupt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrupt: Option<CorruptEvent>,
}

/// A stored event that no longer decodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorruptEvent {
    /// Where it is stored.
    pub global_position: i64,
    /// Why it does not decode.
    pub error: String,
}

impl OrderCheck {
    /// The verdict for an order whose events cannot all be decoded.
    pub fn corrupt(order_id: &str, event: CorruptEvent) -> OrderCheck {
        OrderCheck {
            order_id: order_id.to_string(),
            class: Class::Corrupt,
            behind: 0,
            fields: Vec::new(),
            corrupt: Some(event),
        }
    }
}

/// The corrupt event an error names, if it is a decode failure.
pub fn corrupt_event(e: &AppError) -> Option<CorruptEvent> {
    match e {
        AppError::Corrupt { position, reason } => Some(CorruptEvent {
            global_position: *position,
            error: reason.to_string(),
        }),
        _ => None,
    }
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Orders seen (streams and orphan rows).
    pub orders: usize,
    /// Orders per class; every class is present.
    pub counts: BTreeMap<&'static str, usize>,
    /// Every order not in sync.
    pub divergent: Vec<OrderCheck>,
}

impl CheckReport {
    fn new() -> Self {
        CheckReport {
            orders: 0,
            counts: Class::ALL.iter().map(|c| (c.as_str(), 0)).collect(),
            divergent: Vec::new(),
        }
    }

    fn add(&mut self, c: OrderCheck) {
        self.orders += 1;
        *self.counts.entry(c.class.as_str()).or_default() += 1;
        if c.class != Class::InSync {
            self.divergent.push(c);
        }
    }

    /// True when every order is in sync.
    pub fn all_in_sync(&self) -> bool {
        self.divergent.is_empty()
    }
}

/// Classifies one order from its replayed summary (if the stream exists) and its row.
pub fn classify(
    order_id: &str,
    replay: Option<&OrderSummary>,
    stream_version: u64,
    row: Option<&SummaryRow>,
    parked: bool,
) -> OrderCheck {
    let verdict = |class, behind, fields| OrderCheck {
        order_id: order_id.to_string(),
        class,
        behind,
        fields,
        corrupt: None,
    };
    let row_version = row.map_or(0, |r| r.version.max(0) as u64);
    match (replay, row) {
        _ if parked => verdict(
            Class::Parked,
            stream_version.saturating_sub(row_version),
            vec![],
        ),
        (None, Some(_)) if stream_version == 0 => verdict(Class::Orphan, 0, vec![]),
        (_, None) => verdict(Class::Missing, stream_version, vec![]),
        (_, Some(_)) if row_version < stream_version => {
            verdict(Class::Lagging, stream_version - row_version, vec![])
        }
        (Some(s), Some(r)) if row_version == stream_version => {
            let fields = diff(r, s);
            let class = if fields.is_empty() {
                Class::InSync
            } else {
                Class::Diverged
            };
            verdict(class, 0, fields)
        }
        (_, Some(r)) => verdict(
            Class::Diverged,
            0,
            vec![FieldDiff {
                field: "version",
                read_model: r.version.to_string(),
                replay: stream_version.to_string(),
            }],
        ),
    }
}

/// Checks one order, or every order with a merge of the log (in stream order) and the
/// read model (in id order): two sequential scans, no per-order queries.
pub async fn check(
    loader: &Loader,
    read_model: &dyn ReadModel,
    order: Option<OrderId>,
    mut progress: impl FnMut(usize),
) -> Result<CheckReport, AppError> {
    let parked = read_model.blocked_streams().await?;
    let mut report = CheckReport::new();
    if let Some(id) = order {
        let stream = id.to_stream_id();
        let state = match loader.load(id, None).await {
            Ok(state) => state,
            Err(e) => {
                let Some(event) = corrupt_event(&e) else {
                    return Err(e);
                };
                report.add(OrderCheck::corrupt(&stream, event));
                return Ok(report);
            }
        };
        let rows = read_model.rows(std::slice::from_ref(&stream)).await?;
        if state.version == 0 && rows.is_empty() {
            return Err(AppError::NotFound(format!("order {id}")));
        }
        let summary = OrderSummary::from_order(&state);
        report.add(classify(
            &stream,
            summary.as_ref(),
            state.version,
            rows.first(),
            parked.contains(&stream),
        ));
        return Ok(report);
    }
    let mut rows = RowCursor::new(read_model);
    let mut scan = StreamScan::new(loader);
    while let Some((stream, scanned)) = scan.next().await? {
        while let Some(orphan) = rows.take_before(&stream).await? {
            report.add(classify(
                &orphan.order_id,
                None,
                0,
                Some(&orphan),
                parked.contains(&orphan.order_id),
            ));
        }
        let row = rows.take_equal(&stream).await?;
        let order = match scanned {
            Scanned::Corrupt(event) => {
                report.add(OrderCheck::corrupt(&stream, event));
                continue;
            }
            Scanned::Order(order) => order,
        };
        let summary = order.as_deref().and_then(OrderSummary::from_order);
        let version = order.as_ref().map_or(0, |o| o.version);
        report.add(classify(
            &stream,
            summary.as_ref(),
            version,
            row.as_ref(),
            parked.contains(&stream),
        ));
        if report.orders.is_multiple_of(1_000) {
            progress(report.orders);
        }
    }
    while let Some(orphan) = rows.take_before("\u{10FFFF}").await? {
        report.add(classify(
            &orphan.order_id,
            None,
            0,
            Some(&orphan),
            parked.contains(&orphan.order_id),
        ));
    }
    progress(report.orders);
    Ok(report)
}

/// Read-model rows in id order, a page at a time.
struct RowCursor<'a> {
    read_model: &'a dyn ReadModel,
    page: std::collections::VecDeque<SummaryRow>,
    after: String,
    done: bool,
}

impl<'a> RowCursor<'a> {
    fn new(read_model: &'a dyn ReadModel) -> Self {
        RowCursor {
            read_model,
            page: std::collections::VecDeque::new(),
            after: String::new(),
            done: false,
        }
    }

    async fn peek(&mut self) -> Result<Option<&SummaryRow>, AppError> {
        if self.page.is_empty() && !self.done {
            let page = self.read_model.rows_after(&self.after, 2000).await?;
            self.done = page.len() < 2000;
            if let Some(last) = page.last() {
                self.after.clone_from(&last.order_id);
            }
            self.page.extend(page);
        }
        Ok(self.page.front())
    }

    async fn take_before(&mut self, id: &str) -> Result<Option<SummaryRow>, AppError> {
        Ok(match self.peek().await? {
            Some(r) if r.order_id.as_str() < id => self.page.pop_front(),
            _ => None,
        })
    }

    async fn take_equal(&mut self, id: &str) -> Result<Option<SummaryRow>, AppError> {
        Ok(match self.peek().await? {
            Some(r) if r.order_id == id => self.page.pop_front(),
            _ => None,
        })
    }
}

/// One stream of the scan.
enum Scanned {
    /// Its replayed state (`None` for a stream id that is not an order).
    Order(Option<Box<Order>>),
    /// The first event that does not decode.
    Corrupt(CorruptEvent),
}

/// The log in stream order, folded one stream at a time.
struct StreamScan<'a> {
    loader: &'a Loader,
    page: std::collections::VecDeque<StoredEvent>,
    after: (String, u64),
    done: bool,
}

impl<'a> StreamScan<'a> {
    fn new(loader: &'a Loader) -> Self {
        StreamScan {
            loader,
            page: std::collections::VecDeque::new(),
            after: (String::new(), 0),
            done: false,
        }
    }

    async fn fill(&mut self) -> Result<(), AppError> {
        if self.page.is_empty() && !self.done {
            let page = self
                .loader
                .store()
                .read_by_stream(&self.after.0, self.after.1, 5000)
                .await?;
            self.done = page.len() < 5000;
            if let Some(last) = page.last() {
                self.after = (last.stream_id.clone(), last.version);
            }
            self.page.extend(page);
        }
        Ok(())
    }

    /// The next stream and its replayed state (`None` for a stream id that is not an order),
    /// or the first of its events that does not decode (the rest of the stream is skipped).
    async fn next(&mut self) -> Result<Option<(String, Scanned)>, AppError> {
        self.fill().await?;
        let Some(first) = self.page.front() else {
            return Ok(None);
        };
        let stream = first.stream_id.clone();
        let mut order = stream.parse::<OrderId>().ok().map(Order::empty);
        let mut corrupt = None;
        let result = |order: Option<Order>, corrupt: Option<CorruptEvent>| {
            corrupt.map_or(Scanned::Order(order.map(Box::new)), Scanned::Corrupt)
        };
        loop {
            while let Some(e) = self.page.front() {
                if e.stream_id != stream {
                    return Ok(Some((stream, result(order, corrupt))));
                }
                if corrupt.is_none()
                    && let Some(o) = order.take()
                {
                    match self.loader.decode(e) {
                        Ok(event) => order = Some(evolve(o, &event)),
                        Err(err) => corrupt = corrupt_event(&err),
                    }
                }
                self.page.pop_front();
            }
            if self.done {
                return Ok(Some((stream, result(order, corrupt))));
            }
            self.fill().await?;
        }
    }
}
