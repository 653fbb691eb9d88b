//! Delivering consent records: every record goes into a persisted outbox first, then is POSTed
//! (`keepalive`); failures stay in the outbox and are retried with backoff while the page is
//! open and again on the next page load; on `pagehide` what is left goes by `sendBeacon`. The
//! server stores by consent id + update time, so a record sent twice is kept once.

use std::cell::{Cell, RefCell};

use crumb_core::ConsentRecord;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::storage::{available, get_item, remove_item, set_item};
use super::{from_json, to_json, window};
use crate::error::warn;

const OUTBOX_KEY: &str = "crumb_outbox";
/// Records kept at most; beyond it the oldest is dropped, with a warning naming it.
const OUTBOX_CAP: usize = 100;
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
    }
    flush();
}

/// Queues a record and tries to deliver it now.
pub fn send(record: ConsentRecord) {
    let mut list = load();
    if !list.iter().any(|r| same(r, &record)) {
        list.push(record);
    }
    while list.len() > OUTBOX_CAP {
        let dropped = list.remove(0);
        warn(&format!(
            "the outbox is full; dropped the oldest record {} of {}",
            dropped.consent_id, dropped.updated_at
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
                web_sys::console::error_1(&JsValue::from_str(&format!(
                    "Crumb: the endpoint refused a consent record with HTTP {status}: {text}"
                )));
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
