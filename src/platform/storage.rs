//! Where the consent lives: localStorage key `crumb`, mirrored to the cookie `crumb_consent` for
//! servers and subdomains (on the config's `cookie_domain` when it covers this host, so a choice
//! made on `shop.example.com` holds on `www.example.com`). Blocked storage falls back to memory for
//! the page; nothing panics.

use std::cell::RefCell;

use crumb_core::{Config, Consent, StoredError};
use super::{cookie_pairs, from_json, html_document, to_json, window};
use crate::error::{report, warn, CrumbError};

const KEY: &str = "crumb";
const COOKIE: &str = "crumb_consent";

thread_local! {
    /// The last value written, for pages where storage is blocked.
    static MEMORY: RefCell<Option<String>> = const { RefCell::new(None) };
    static WARNED: RefCell<bool> = const { RefCell::new(false) };
    /// The domain the cookie mirror is written on (`example.com`); `None`: this host only.
    static COOKIE_DOMAIN: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn hostname() -> String {
    window().and_then(|w| w.location().hostname().ok()).unwrap_or_default().to_ascii_lowercase()
}

/// Whether a cookie set with `domain=<domain>` reaches `host`: the domain itself or a subdomain.
pub fn domain_covers(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.');
    !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
}

/// Takes the config's `cookie_domain` for the cookie mirror when it covers this page's host;
/// otherwise warns, naming both, and keeps the cookie on this host only.
pub fn configure(config: &Config) {
    let Some(domain) = config.cookie_domain.as_deref() else { return };
    let host = hostname();
    if domain_covers(domain, &host) {
        COOKIE_DOMAIN.with(|d| *d.borrow_mut() = Some(domain.trim_start_matches('.').to_owned()));
    } else {
        warn(&format!(
            "cookie_domain `{domain}` does not cover this page's host `{host}`; the consent cookie is set for `{host}` only"
        ));
    }
}

fn cookie_domain() -> Option<String> {
    COOKIE_DOMAIN.with(|d| d.borrow().clone())
}

pub fn local_storage() -> Option<web_sys::Storage> {
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
    let attributes = format!("; path=/; SameSite=Lax{}", if secure { "; Secure" } else { "" });
    match cookie_domain() {
        Some(domain) => {
            let _ = doc.set_cookie(&format!("{COOKIE}={value}; max-age={max_age_seconds}; domain={domain}{attributes}"));
            // A host-only copy from before (or from a page without cookie_domain) would shadow it.
            let _ = doc.set_cookie(&format!("{COOKIE}=; max-age=0{attributes}"));
        }
        None => {
            let _ = doc.set_cookie(&format!("{COOKIE}={value}; max-age={max_age_seconds}{attributes}"));
        }
    }
}

fn decode(text: &str) -> Option<String> {
    js_sys::decode_uri_component(text).ok()?.as_string()
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Reads the consent in force: `Ok(None)` on a first visit, `Err` when a stored value cannot be
/// trusted (the caller asks again and warns). localStorage comes first; a newer valid value in
/// the cookie mirror (given on another subdomain) wins and is stored locally.
pub fn read_consent(config: &Config, now: i64) -> Result<Option<Consent>, StoredError> {
    let parse = |text: &str| -> Result<Consent, StoredError> {
        let consent: Consent = from_json(text).map_err(StoredError::Malformed)?;
        consent.checked(config, now)
    };
    // Several cookies can carry the name (host-only and domain); the newest valid one counts.
    let from_cookie = cookie_pairs()
        .into_iter()
        .filter(|(name, value)| name == COOKIE && !value.is_empty())
        .filter_map(|(_, value)| parse(&decode(&value)?).ok())
        .max_by_key(|c| c.updated_at);
    let local = match get_item(KEY) {
        Some(text) => Some(parse(&text)?),
        // Memory only stands in for blocked storage.
        None if !available() => MEMORY.with(|m| m.borrow().clone()).map(|text| parse(&text)).transpose()?,
        None => None,
    };
    match (local, from_cookie) {
        (Some(local), Some(shared)) if shared.updated_at > local.updated_at => {
            erase_revoked(config, &local, &shared);
            Ok(Some(keep_locally(shared)))
        }
        (Some(local), _) => Ok(Some(local)),
        (None, Some(shared)) => Ok(Some(keep_locally(shared))),
        (None, None) => Ok(None),
    }
}

/// A consent changed on another subdomain revoked something this one had granted: what those
/// services stored here goes too (the decision and its record were made over there).
fn erase_revoked(config: &Config, local: &Consent, shared: &Consent) {
    let diff = crumb_core::Diff::between(Some(local), shared);
    let (specs, keys) = config.stored_by(|_, s| diff.services_revoked.contains(&s.id));
    crate::platform::cookies::erase_cookies(&specs);
    crate::platform::cookies::erase_storage(&keys);
}

/// Stores locally a consent read from the cookie mirror.
fn keep_locally(consent: Consent) -> Consent {
    if let Some(text) = to_json(&consent) {
        if !set_item(KEY, &text) {
            MEMORY.with(|m| *m.borrow_mut() = Some(text));
        }
    }
    consent
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
    // Also a host-only copy when the mirror is on a domain (write_cookie drops it) and a domain
    // copy when this page has no cookie_domain: erase every `crumb_consent` this page can see.
    if read_cookie(COOKIE).is_some_and(|v| !v.is_empty()) {
        crate::platform::cookies::erase_cookie(COOKIE);
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::domain_covers;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn cookie_domain_covers_itself_and_its_subdomains_only() {
        assert!(domain_covers("example.com", "example.com"));
        assert!(domain_covers("example.com", "shop.example.com"));
        assert!(domain_covers(".example.com", "www.shop.example.com"));
        assert!(!domain_covers("example.com", "badexample.com"));
        assert!(!domain_covers("example.com", "example.com.evil.org"));
        assert!(!domain_covers("shop.example.com", "www.example.com"));
        assert!(!domain_covers("", "example.com"));
    }
}
