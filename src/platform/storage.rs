//! Where the consent lives: localStorage key `crumb`, mirrored to the cookie `crumb_consent` for
//! servers and subdomains. Blocked storage falls back to memory for the page; nothing panics.

use std::cell::RefCell;

use crumb_core::{Config, Consent, StoredError};
use super::{cookie_pairs, from_json, html_document, to_json, window};
use crate::error::{report, CrumbError};

const KEY: &str = "crumb";
const COOKIE: &str = "crumb_consent";

thread_local! {
    /// The last value written, for pages where storage is blocked.
    static MEMORY: RefCell<Option<String>> = const { RefCell::new(None) };
    static WARNED: RefCell<bool> = const { RefCell::new(false) };
}

fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Whether localStorage can be used on this page (false in sandboxed frames, blocked settings).
pub fn available() -> bool {
    local_storage().is_some_and(|s| s.length().is_ok())
}

/// A localStorage item, `None` when absent or when storage is blocked.
pub fn get_item(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Writes a localStorage item; false when storage is blocked or full.
pub fn set_item(key: &str, value: &str) -> bool {
    local_storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn remove_item(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

fn warn_blocked_once() {
    let first = WARNED.with(|w| !w.replace(true));
    if first {
        report(&CrumbError::StorageBlocked);
    }
}

/// The value of one cookie of this page.
pub fn read_cookie(name: &str) -> Option<String> {
    cookie_pairs().into_iter().find_map(|(key, value)| (key == name).then_some(value))
}

fn write_cookie(value: &str, max_age_seconds: i64) {
    let Some(doc) = html_document() else { return };
    let secure = window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:");
    let cookie = format!(
        "{COOKIE}={value}; path=/; max-age={max_age_seconds}; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    let _ = doc.set_cookie(&cookie);
}

fn decode(text: &str) -> Option<String> {
    js_sys::decode_uri_component(text).ok()?.as_string()
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Reads the consent in force: `Ok(None)` on a first visit, `Err` when a stored value cannot be
/// trusted (the caller asks again and warns).
pub fn read_consent(config: &Config, now: i64) -> Result<Option<Consent>, StoredError> {
    // Memory only stands in for blocked storage; the cookie mirror covers a cleared localStorage.
    let memory = || if available() { None } else { MEMORY.with(|m| m.borrow().clone()) };
    let text = get_item(KEY).or_else(|| read_cookie(COOKIE).and_then(|c| decode(&c))).or_else(memory);
    let Some(text) = text else { return Ok(None) };
    let consent: Consent = from_json(&text).map_err(StoredError::Malformed)?;
    consent.checked(config, now).map(Some)
}

/// Stores the consent in localStorage, the cookie mirror and memory.
pub fn write_consent(consent: &Consent, now: i64) {
    let Some(text) = to_json(consent) else { return };
    MEMORY.with(|m| *m.borrow_mut() = Some(text.clone()));
    let stored = set_item(KEY, &text);
    write_cookie(&encode(&text), ((consent.expires_at - now) / 1000).max(0));
    if !stored {
        warn_blocked_once();
    }
}

/// Forgets the consent everywhere (`Crumb.reset()`, or a value that could not be trusted).
pub fn clear_consent() {
    MEMORY.with(|m| *m.borrow_mut() = None);
    remove_item(KEY);
    write_cookie("", 0);
}
