//! Outbox policy (placeholder until the rules helper's version lands).

use crate::record::ConsentRecord;

/// Records kept at most.
pub const OUTBOX_CAP: usize = 100;

/// What to do with a record after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted.
    Delivered,
    /// Refused for good.
    Refused(u16),
    /// Try again later.
    Retry,
}

/// The delivery an HTTP answer means (`None`: network error).
pub fn delivery(status: Option<u16>) -> Delivery {
    match status {
        Some(200..=299) => Delivery::Delivered,
        Some(408 | 425 | 429) | None => Delivery::Retry,
        Some(status @ 400..=499) => Delivery::Refused(status),
        Some(_) => Delivery::Retry,
    }
}

/// Retry delays: 2 s, doubling, at most 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff(i32);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(2_000)
    }
}

impl Backoff {
    /// The next delay, in ms.
    pub fn next_delay_ms(&mut self) -> i32 {
        let delay = self.0;
        self.0 = (delay * 2).min(60_000);
        delay
    }
}

/// Adds a record unless present; keeps the first and the newest within the cap.
pub fn push_bounded(list: &mut Vec<ConsentRecord>, record: ConsentRecord) -> Vec<ConsentRecord> {
    if !list.iter().any(|r| r.consent_id == record.consent_id && r.updated_at == record.updated_at) {
        list.push(record);
    }
    let mut dropped = Vec::new();
    while list.len() > OUTBOX_CAP.max(2) {
        dropped.push(list.remove(1));
    }
    dropped
}
