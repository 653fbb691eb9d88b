//! Delivering consent records exactly once: every record goes into a persisted outbox
//! (localStorage) first, then is POSTed (`keepalive`). It leaves the outbox only when the server
//! answered 2xx (or refused it for good with a 4xx, logged in full). Network errors, 5xx, 408 and
//! 429 keep it there: retried with backoff while the page is open, at once when the browser
//! comes back `online` or the page is shown again from the back/forward cache, and on the next
//! page load. On `pagehide` (tab closed, navigation) what is left goes by `sendBeacon`. The
//! server keeps one copy per consent id + update time, so the copies that retries, beacons and
//! other tabs may send are stored once.
//!
//! The outbox is bounded ([`OUTBOX_CAP`]): the oldest record (the first proof) and the newest
//! (the decision in force) are always kept; when full, the oldest after the first goes, and a
//! console warning names it.

use std::cell::{Cell, RefCell};

use crumb_core::ConsentRecord;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::storage::{available, get_item, remove_item, set_item};
use super::{from_json, to_json, window};
use crate::error::warn;

const OUTBOX_KEY: &str = "crumb_outbox";
/// Records kept at most; beyond it one is dropped, with a warning naming it (see [`push_bounded`]).
pub const OUTBOX_CAP: usize = 100;
const FIRST_RETRY_MS: i32 = 2_000;
const LAST_RETRY_MS: i32 = 60_000;

thread_local! {
    static ENDPOINT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The outbox when localStorage is blocked.
    static MEMORY: RefCell<Vec<ConsentRecord>> = const { RefCell::new(Vec::new()) };
    static IN_FLIGHT: Cell<bool> = const { Cell::new(false) };
    static RETRY_MS: Cell<i32> = const { Cell::new(FIRST_RETRY_MS) };
}

fn load() -> Vec<ConsentRecord> {
    match get_item(OUTBOX_KEY) {
        Some(text) => match from_json::<Vec<ConsentRecord>>(&text) {
            Ok(list) => list,
            Err(error) => {
                warn(&format!("the stored outbox is unreadable ({error}); it is replaced"));
                MEMORY.with(|m| m.borrow().clone())
            }
        },
        // Memory only stands in for blocked storage.
        None if available() => Vec::new(),
        None => MEMORY.with(|m| m.borrow().clone()),
    }
}

fn save(list: &[ConsentRecord]) {
    MEMORY.with(|m| *m.borrow_mut() = list.to_vec());
    if list.is_empty() {
        remove_item(OUTBOX_KEY);
    } else if let Some(text) = to_json(&list) {
        set_item(OUTBOX_KEY, &text);
    }
}

fn same(a: &ConsentRecord, b: &ConsentRecord) -> bool {
    a.consent_id == b.consent_id && a.updated_at == b.updated_at
}

/// Sets where records go and starts delivering what earlier pages left in the outbox.
pub fn init(endpoint: Option<String>) {
    if endpoint.is_none() {
        warn("no endpoint (data-endpoint or config `endpoint`): consent records stay in the outbox");
    }
    ENDPOINT.with(|e| *e.borrow_mut() = endpoint);
    if let Some(window) = window() {
        let on_pagehide = Closure::<dyn Fn()>::new(beacon_outbox);
        let _ = window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
        on_pagehide.forget();
        // Back online, or back from the back/forward cache: try now rather than at the next backoff.
        for event in ["online", "pageshow"] {
            let retry_now = Closure::<dyn Fn()>::new(|| {
                RETRY_MS.with(|r| r.set(FIRST_RETRY_MS));
                flush();
            });
            let _ = window.add_event_listener_with_callback(event, retry_now.as_ref().unchecked_ref());
            retry_now.forget();
        }
    }
    flush();
}

/// Adds `record` to `list` unless it is there already (same consent id and update time). Beyond
/// [`OUTBOX_CAP`], drops the oldest record but one: the first record and the new one always
/// stay. Returns what was dropped.
pub fn push_bounded(list: &mut Vec<ConsentRecord>, record: ConsentRecord) -> Vec<ConsentRecord> {
    if !list.iter().any(|r| same(r, &record)) {
        list.push(record);
    }
    let mut dropped = Vec::new();
    while list.len() > OUTBOX_CAP.max(2) {
        dropped.push(list.remove(1));
    }
    dropped
}

/// Queues a record and tries to deliver it now.
pub fn send(record: ConsentRecord) {
    let mut list = load();
    for dropped in push_bounded(&mut list, record) {
        warn(&format!(
            "the consent-record outbox is full ({OUTBOX_CAP} undelivered records); dropped the record of consent id {} \
             updated at {} (action {}); the first and the newest records are kept",
            dropped.consent_id,
            dropped.updated_at,
            dropped.action.as_str()
        ));
    }
    save(&list);
    RETRY_MS.with(|r| r.set(FIRST_RETRY_MS));
    flush();
}

fn endpoint() -> Option<String> {
    ENDPOINT.with(|e| e.borrow().clone())
}

/// Delivers the outbox, oldest first; stops at the first failure and schedules a retry.
pub fn flush() {
    if IN_FLIGHT.with(|f| f.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let retry = deliver_all().await;
        IN_FLIGHT.with(|f| f.set(false));
        if retry {
            schedule_retry();
        }
    });
}

enum Outcome {
    Delivered,
    Refused(u16),
    Retry,
}

/// True when something is left to retry.
async fn deliver_all() -> bool {
    let Some(endpoint) = endpoint() else { return false };
    for record in load() {
        match post(&endpoint, &record).await {
            Outcome::Delivered => remove(&record),
            Outcome::Refused(status) => {
                // The server will never take it: keep it visible, then stop retrying it.
                let text = to_json(&record).unwrap_or_default();
                crate::error::error(&format!("the endpoint refused a consent record with HTTP {status}: {text}"));
                remove(&record);
            }
            Outcome::Retry => return true,
        }
    }
    false
}

fn remove(record: &ConsentRecord) {
    let mut list = load();
    list.retain(|r| !same(r, record));
    save(&list);
}

async fn post(endpoint: &str, record: &ConsentRecord) -> Outcome {
    let Some(window) = window() else { return Outcome::Retry };
    let Some(body) = to_json(record) else { return Outcome::Retry };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    // keepalive lets the POST finish when the shopper leaves right after deciding.
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    let headers = web_sys::Headers::new().ok();
    if let Some(headers) = &headers {
        let _ = headers.set("Content-Type", "application/json");
        init.set_headers(headers);
    }
    let Ok(request) = web_sys::Request::new_with_str_and_init(endpoint, &init) else { return Outcome::Retry };
    let Ok(response) = JsFuture::from(window.fetch_with_request(&request)).await else { return Outcome::Retry };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Outcome::Retry };
    match response.status() {
        200..=299 => Outcome::Delivered,
        408 | 425 | 429 => Outcome::Retry,
        status @ 400..=499 => Outcome::Refused(status),
        _ => Outcome::Retry,
    }
}

fn schedule_retry() {
    let Some(window) = window() else { return };
    let delay = RETRY_MS.with(|r| {
        let delay = r.get();
        r.set((delay * 2).min(LAST_RETRY_MS));
        delay
    });
    let callback = Closure::once_into_js(flush);
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), delay);
}

/// On `pagehide`, hands what is left to `sendBeacon`; the records stay in the outbox until a
/// later page sees them accepted (the server keeps one copy).
fn beacon_outbox() {
    let (Some(window), Some(endpoint)) = (window(), endpoint()) else { return };
    for record in load() {
        if let Some(body) = to_json(&record) {
            let _ = window.navigator().send_beacon_with_opt_str(&endpoint, Some(&body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn record(n: usize) -> ConsentRecord {
        let text = format!(
            r#"{{"schema":1,"consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","site":"s","revision":1,"action":"custom",
                "categories":{{"necessary":true}},"language":"en","gpc":false,"given_at":"2026-01-01T00:00:00.000Z",
                "updated_at":"2026-01-01T00:{:02}:{:02}.000Z","url_path":"/"}}"#,
            n / 60,
            n % 60
        );
        from_json(&text).unwrap()
    }

    #[wasm_bindgen_test]
    fn the_outbox_keeps_the_first_and_the_newest_and_names_what_it_drops() {
        let mut list = Vec::new();
        for n in 0..OUTBOX_CAP {
            assert!(push_bounded(&mut list, record(n)).is_empty());
        }
        assert!(push_bounded(&mut list, record(5)).is_empty(), "a copy is not queued twice");
        assert_eq!(list.len(), OUTBOX_CAP);
        let dropped = push_bounded(&mut list, record(OUTBOX_CAP));
        assert_eq!(dropped, vec![record(1)]);
        assert_eq!(list.len(), OUTBOX_CAP);
        assert_eq!(list[0], record(0), "the first record stays");
        assert_eq!(list[OUTBOX_CAP - 1], record(OUTBOX_CAP), "the newest record stays");
        assert_eq!(push_bounded(&mut list, record(OUTBOX_CAP + 1)), vec![record(2)]);
    }
}
