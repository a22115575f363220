//! The benchmark workload as plain data, shared by Chronicle's benches (`workload.rs`) and
//! the cqrs-es peer (`benches/peer`), so both sides run exactly the same orders. No
//! dependencies: each side parses these strings into its own types.

/// The time every command is decided at (RFC 3339): fixed, so the payloads are identical
/// from run to run.
pub const NOW: &str = "2026-01-01T00:00:00Z";
/// Who the commands say they come from (event metadata).
pub const ACTOR: &str = "bench@local";
/// Where the commands say they come from (event metadata).
pub const SOURCE: &str = "bench";

/// The flow, create → pay → ship: its one order line, currency and payment.
pub const SKU: &str = "BOOK-1";
pub const QUANTITY: u32 = 2;
pub const UNIT_PRICE: &str = "12.49";
pub const CURRENCY: &str = "EUR";
pub const PAY_METHOD: &str = "card";
/// `QUANTITY × UNIT_PRICE`: payment must equal the total on both sides.
pub const PAY_AMOUNT: &str = "24.98";

/// The customer of flow `tag`.
pub fn customer(tag: &str) -> String {
    format!("cust-{tag}")
}

/// The tracking number of flow `tag`.
pub fn tracking(tag: &str) -> String {
    format!("TRK{tag}")
}

/// The long stream the load rows read: an order created with one line that stays, then
/// a second line added (even versions) and removed (odd versions) in turn, so the state
/// stays small while the history grows. The same shape as `benches/core.rs`'s long stream.
pub const LONG_CUSTOMER: &str = "c";
pub const KEEP_SKU: &str = "KEEP";
pub const KEEP_PRICE: &str = "1";
pub const FLIP_SKU: &str = "FLIP";
pub const FLIP_PRICE: &str = "2.50";

/// A snapshot every this many events: Chronicle's default (`Config::snapshot_every`).
pub const SNAPSHOT_EVERY: u64 = 100;

/// The length of the stream the load rows read: the last snapshot at `events` rounded down
/// to the interval, then a full tail of `SNAPSHOT_EVERY - 1` events to replay (the honest
/// case; a head on a snapshot replays nothing). 10,000 → 9,999.
pub fn full_tail_length(events: u64) -> u64 {
    (events / SNAPSHOT_EVERY) * SNAPSHOT_EVERY - 1
}
