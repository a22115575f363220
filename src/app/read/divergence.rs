//! One order's read model against its replay, with explain's verdict when they disagree.

use serde::Serialize;

use super::{ReadSide, parse_id};
use crate::app::divergence::{
    Class, CorruptEvent, EventRef, Explanation, FieldDiff, OrderCheck, classify, corrupt_event,
    diff, unapplied,
};
use crate::app::error::AppError;
use crate::domain::{OrderId, OrderSummary};
use crate::store::SummaryRow;

/// The read model against the replay for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderDivergence {
    /// The order.
    pub order_id: String,
    /// Its class.
    pub class: Class,
    /// Events the row is behind.
    pub behind: u64,
    /// The row's version, when it has a row.
    pub row_version: Option<i64>,
    /// The stream version the replay reached: the comparison is as of this version, which
    /// may be past the head a caller saw before asking (`None` when an event does not
    /// decode, so no replay reached the head).
    pub stream_version: Option<u64>,
    /// Fields where the row and the replay differ (for lagging and parked rows too: what
    /// the row has not caught up on).
    pub fields: Vec<FieldDiff>,
    /// Where projection and replay part (for diverged and parked orders).
    pub explanation: Option<Explanation>,
    /// The event that no longer decodes (for corrupt orders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrupt: Option<CorruptEvent>,
    /// For a lagging row: the row against the replay at its own version, and the events it
    /// has not applied (`fields` above compares it with the head, which says only that it
    /// is behind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag: Option<Lag>,
}

/// A lagging row against the replay stopped at the row's own version: whether it is right
/// as far as it goes, and what it has not applied yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lag {
    /// The row's version, where the replay it is compared with stops.
    pub compared_at: u64,
    /// Fields where the row differs from that replay (empty: the row is only behind).
    pub fields: Vec<FieldDiff>,
    /// The first events after the row's version, oldest first (at most
    /// [`crate::app::divergence::MAX_UNAPPLIED`]; `behind` counts them all).
    pub unapplied: Vec<EventRef>,
}

impl ReadSide {
    /// Read model vs replay for one order, explained when they disagree.
    pub async fn divergence(&self, order: &str) -> Result<OrderDivergence, AppError> {
        let id = parse_id(order)?;
        let rows = self.read_model.rows(&[order.to_string()]).await?;
        let row = rows.first();
        let state = match self.loader.load(id, None).await {
            Ok(state) => state,
            Err(e) => {
                let Some(event) = corrupt_event(&e) else {
                    return Err(e);
                };
                let check = OrderCheck::corrupt(order, event);
                return Ok(OrderDivergence {
                    order_id: order.to_string(),
                    class: check.class,
                    behind: 0,
                    row_version: row.map(|r| r.version),
                    stream_version: None,
                    fields: Vec::new(),
                    explanation: None,
                    corrupt: check.corrupt,
                    lag: None,
                });
            }
        };
        let parked = self.read_model.blocked_streams().await?.contains(order);
        let summary = OrderSummary::from_order(&state);
        let mut check = classify(order, summary.as_ref(), state.version, row, parked);
        self.findings.note(order, check.class);
        if check.fields.is_empty()
            && let (Some(row), Some(s)) = (row, summary.as_ref())
        {
            check.fields = diff(row, s);
        }
        let explanation = if matches!(check.class, Class::Diverged | Class::Parked) {
            Some(self.explain(id).await?)
        } else {
            None
        };
        let lag = match (check.class, row) {
            (Class::Lagging, Some(row)) => Some(self.lag(id, row).await?),
            _ => None,
        };
        Ok(OrderDivergence {
            order_id: order.to_string(),
            class: check.class,
            behind: check.behind,
            row_version: row.map(|r| r.version),
            stream_version: Some(state.version),
            fields: check.fields,
            explanation,
            corrupt: None,
            lag,
        })
    }

    /// A lagging row against the replay at the row's own version.
    async fn lag(&self, id: OrderId, row: &SummaryRow) -> Result<Lag, AppError> {
        let at = u64::try_from(row.version).unwrap_or(0);
        let replay = self.loader.load(id, Some(at)).await?;
        let fields = OrderSummary::from_order(&replay)
            .map(|s| diff(row, &s))
            .unwrap_or_default();
        Ok(Lag {
            compared_at: at,
            fields,
            unapplied: unapplied(&self.loader, &id.to_stream_id(), at).await?,
        })
    }
}
