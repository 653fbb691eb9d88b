//! The outbox policy: how many undelivered consent records are kept and which go when it is
//! full ([`push_bounded`]), what an HTTP answer means for a record ([`delivery`]), and how long
//! to wait before trying again ([`Backoff`]). The widget keeps the outbox (localStorage, memory)
//! and does the POSTs; every choice about them is made here.

use crate::json::{self, At, FromJson, ToJson, Value};
use crate::record::ConsentRecord;

/// Records kept at most. Beyond it one is dropped (see [`push_bounded`]); the widget warns,
/// naming it.
pub const OUTBOX_CAP: usize = 100;

/// Whether two records are copies of one decision: same consent id and update time (the server
/// keeps one copy per pair too).
pub fn same_record(a: &ConsentRecord, b: &ConsentRecord) -> bool {
    a.consent_id == b.consent_id && a.updated_at == b.updated_at
}

/// One record in the outbox and the endpoint it was made for. The outbox is shared by every page
/// of the origin (localStorage), and pages may post to different endpoints: a page delivers only
/// the entries made for its own ([`Entry::for_endpoint`]), so a record is never posted to, nor
/// dropped by, an endpoint it was not meant for.
///
/// Stored as `{"endpoint": "…", "record": {…}}`. An outbox written before entries had an
/// endpoint holds bare records: each reads as an entry without one, which any page delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The resolved endpoint the page that made the record posts to (`None`: a record read from an
    /// older outbox, or made on a page without any endpoint; either is delivered by whichever page
    /// with an endpoint comes first, as before).
    pub endpoint: Option<String>,
    /// The record, as posted.
    pub record: ConsentRecord,
}

impl Entry {
    /// Whether a page posting to `endpoint` delivers this entry: one made for it, or one from an
    /// older outbox that did not say.
    pub fn for_endpoint(&self, endpoint: &str) -> bool {
        self.endpoint.as_deref().is_none_or(|own| own == endpoint)
    }
}

impl FromJson for Entry {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        if value.get("record").is_none() {
            return Ok(Entry { endpoint: None, record: json::read(value, at)? });
        }
        let (mut endpoint, mut record) = (None, None);
        json::fields(value, at, "struct Entry", &["endpoint", "record"], &["record"], json::Unknown::Refused, &mut |field, v, at| {
            match field {
                0 => endpoint = json::read(v, at)?,
                _ => record = Some(json::read(v, at)?),
            }
            Ok(())
        })?;
        let record = record.ok_or_else(|| at.error("missing field `record`".to_owned()))?;
        Ok(Entry { endpoint, record })
    }
}

impl ToJson for Entry {
    fn to_value(&self) -> Value {
        json::object(vec![("endpoint", self.endpoint.to_value()), ("record", self.record.to_value())])
    }
}

/// Adds `entry` to `list` unless a copy of its record is there already ([`same_record`]). Beyond
/// [`OUTBOX_CAP`], drops the oldest entry but one: the first record (the first proof) and the
/// newest (the decision in force) always stay. Returns what was dropped, oldest first. Entries
/// for other pages' endpoints count too, so those that wait never grow the outbox past the cap.
pub fn push_bounded(list: &mut Vec<Entry>, entry: Entry) -> Vec<Entry> {
    if !list.iter().any(|e| same_record(&e.record, &entry.record)) {
        list.push(entry);
    }
    let excess = list.len().saturating_sub(OUTBOX_CAP.max(2));
    if excess == 0 {
        return Vec::new();
    }
    list.drain(1..1 + excess).collect()
}

/// What a POST's answer means for the record it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The server has it (2xx): remove it from the outbox.
    Delivered,
    /// The server will never take it (a 4xx other than 408, 425, 429): log it in full, then
    /// remove it so it is not retried forever.
    Refused(u16),
    /// Try again later, with [`Backoff`]: the record stays.
    Retry,
}

/// Classifies a POST's outcome: `None` is a network error (no answer).
///
/// Only a definite refusal drops a record. 408 (timeout), 425 (too early) and 429 (too many
/// requests) say "later"; 5xx is the server's own trouble. 1xx never reaches `fetch`, and a 3xx
/// that does (fetch follows redirects, so it is a 300, a 304 or a redirect without `Location`),
/// like status 0 or anything past 599, means the endpoint is misconfigured: the record is kept
/// and retried (bounded by the backoff and the outbox cap) rather than lost, so it is delivered
/// once the site fixes its endpoint.
pub fn delivery(status: Option<u16>) -> Delivery {
    match status {
        Some(200..=299) => Delivery::Delivered,
        Some(408 | 425 | 429) => Delivery::Retry,
        Some(status @ 400..=499) => Delivery::Refused(status),
        _ => Delivery::Retry,
    }
}

/// What the site owner reads in the console when the endpoint does not take a record: which
/// endpoint, from which page origin, and the likely cause of `status` (`None`: no answer, which
/// is how a browser shows a CORS refusal to the page). Said once per page view; the record stays
/// in the outbox unless [`delivery`] says the server refused it for good.
pub fn endpoint_problem(status: Option<u16>, endpoint: &str, page_origin: &str, site: &str) -> String {
    // One `format!` with the parts chosen here: every call of it costs the main part bytes.
    let (cause, allow) = match status {
        None => ("no answer: origin not allowed? start crumb-server with", true),
        Some(403) => ("refused this origin or site; crumb-server needs", true),
        Some(404 | 405) => ("no consent endpoint there (check data-endpoint)", false),
        Some(408 | 425 | 429) => ("the server asks to wait", false),
        Some(400..=499) => ("the record was refused", false),
        Some(500..=599) => ("the server failed (see its log)", false),
        Some(_) => ("not a consent endpoint (check data-endpoint)", false),
    };
    let fate = match delivery(status) {
        Delivery::Retry => "records stay in the outbox and are retried",
        _ => "the record is dropped",
    };
    let status = status.unwrap_or(0);
    let (flag, equals, origin) = if allow { (" `--allow-origin ", "=", page_origin) } else { ("", "", "") };
    let (site, close) = if allow { (site, "`") } else { ("", "") };
    format!("consent records to `{endpoint}` from page origin `{page_origin}` failed (HTTP {status}): {cause}{flag}{site}{equals}{origin}{close}; {fate}")
}

/// The wait before the next retry: 2 s first, doubling after each failed attempt, at most 60 s.
/// Reset to the first wait when the browser comes back `online`, when the page is shown again
/// (`pageshow`, back/forward cache) and when a new record is queued: each of those is a reason
/// to try now rather than at the end of a long wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    next_ms: i32,
}

impl Backoff {
    /// The first wait, in milliseconds.
    pub const FIRST_MS: i32 = 2_000;
    /// The longest wait, in milliseconds.
    pub const LAST_MS: i32 = 60_000;

    /// A fresh schedule: the next wait is [`Self::FIRST_MS`].
    pub const fn new() -> Backoff {
        Backoff { next_ms: Backoff::FIRST_MS }
    }

    /// The wait before the retry about to be scheduled, in milliseconds (as `setTimeout` takes
    /// them); the one after it is twice as long, up to [`Self::LAST_MS`].
    pub fn next_delay(&mut self) -> i32 {
        let delay = self.next_ms;
        self.next_ms = delay.saturating_mul(2).min(Backoff::LAST_MS);
        delay
    }

    /// Back to the first wait (`online`, `pageshow`, a new record).
    pub fn reset(&mut self) {
        *self = Backoff::new();
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}
