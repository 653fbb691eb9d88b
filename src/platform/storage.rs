//! Key-value storage behind [`KeyValueStore`] (localStorage in the browser, memory in tests),
//! and [`ConsentStore`]: where the consent in force lives. localStorage key `crumb`, mirrored to
//! the cookie `crumb_consent` for servers and subdomains (on the config's `cookie_domain` when it
//! covers this host). This page's last write is also held in memory and wins while storage
//! cannot keep it (blocked, or full), so a decision holds for the page and a console warning
//! says it could not be persisted. Nothing here panics or throws.
//!
//! `gloo-storage` is not used: its `LocalStorage::raw()` throws when storage is blocked, its
//! typed `get`/`set` bring serde_json into the wasm, and what is left is `web_sys::Storage`.

use crumb_core::Map;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crumb_core::ids::{CONSENT_COOKIE, SECRET_KEY, STORAGE_KEY};
use crumb_core::{Config, Consent, Plan, StoredError, PLAN_KEY};

use super::cookies::{erase_cookie, name_matches, CookieJar};
use super::dom::{from_json, to_json, window};
use crate::error::{report, warn, CrumbError};
use crumb_core::StorageKey;

/// The largest stored value read back (a consent is well under 2 KB; an outbox of 100 records
/// under 100 KB).
pub const MAX_STORED_BYTES: usize = 200_000;

/// Why a write did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// Storage is blocked (settings, sandboxed frame) or absent.
    Blocked,
    /// Storage refused the value (quota exceeded).
    Full,
}

/// A string key-value store.
pub trait KeyValueStore {
    /// The value of a key, `None` when absent or unreadable.
    fn get(&self, key: &str) -> Option<String>;
    /// Writes a value.
    fn set(&self, key: &str, value: &str) -> Result<(), WriteError>;
    /// Removes a key (nothing happens when it cannot).
    fn remove(&self, key: &str);
    /// Every key present.
    fn keys(&self) -> Vec<String>;
    /// Whether values can be read and written at all.
    fn available(&self) -> bool;
}

/// The page's localStorage, checked once when made: a blocked one (a `SecurityError` on access)
/// is remembered as absent, so no later call can throw.
pub struct BrowserStorage(Option<web_sys::Storage>);

impl BrowserStorage {
    /// Opens localStorage if the page may use it.
    pub fn open() -> BrowserStorage {
        let storage = window().and_then(|w| w.local_storage().ok().flatten()).filter(|s| s.length().is_ok());
        BrowserStorage(storage)
    }
}

impl KeyValueStore for BrowserStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.0.as_ref()?.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), WriteError> {
        let storage = self.0.as_ref().ok_or(WriteError::Blocked)?;
        storage.set_item(key, value).map_err(|_| WriteError::Full)
    }

    fn remove(&self, key: &str) {
        if let Some(storage) = &self.0 {
            let _ = storage.remove_item(key);
        }
    }

    fn keys(&self) -> Vec<String> {
        let Some(storage) = &self.0 else {
            return Vec::new();
        };
        (0..storage.length().unwrap_or(0)).filter_map(|i| storage.key(i).ok().flatten()).collect()
    }

    fn available(&self) -> bool {
        self.0.is_some()
    }
}

/// A store in memory: the fake for tests, which can also play blocked or full storage.
#[derive(Default)]
pub struct MemoryStore {
    values: RefCell<Map<String>>,
    /// Every write fails with [`WriteError::Full`] while set.
    pub full: Cell<bool>,
    /// Plays blocked storage: nothing reads or writes.
    pub blocked: Cell<bool>,
}

impl KeyValueStore for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        if self.blocked.get() {
            return None;
        }
        self.values.borrow().get(key).cloned()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), WriteError> {
        if self.blocked.get() {
            return Err(WriteError::Blocked);
        }
        if self.full.get() {
            return Err(WriteError::Full);
        }
        self.values.borrow_mut().insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&self, key: &str) {
        if !self.blocked.get() {
            self.values.borrow_mut().remove(key);
        }
    }

    fn keys(&self) -> Vec<String> {
        if self.blocked.get() {
            return Vec::new();
        }
        self.values.borrow().keys().cloned().collect()
    }

    fn available(&self) -> bool {
        !self.blocked.get()
    }
}

/// This browser's consent secret (`crumb_core::proof`): localStorage key `crumb_key`, holding
/// `<consent id> <secret>` for the one consent id this browser writes records for. Never in a
/// cookie. This page's last write is also held in memory, so a blocked or full storage still
/// proves this page's records. A reset keeps it: the withdrawal it posts is the old id's.
pub struct ConsentKeys {
    store: Rc<dyn KeyValueStore>,
    memory: RefCell<Option<String>>,
}

impl ConsentKeys {
    /// The keys kept in `store`.
    pub fn new(store: Rc<dyn KeyValueStore>) -> ConsentKeys {
        ConsentKeys { store, memory: RefCell::new(None) }
    }

    /// The secret of consent `id`, when this browser holds it.
    pub fn secret_for(&self, id: &str) -> Option<String> {
        let text = self.memory.borrow().clone().or_else(|| self.store.get(SECRET_KEY))?;
        let (held, secret) = text.split_once(' ')?;
        (held == id && crumb_core::proof::is_secret(secret)).then(|| secret.to_owned())
    }

    /// After a decision on consent `id`: keeps `fresh` (the secret `new_id` was derived from) as
    /// its secret when this browser holds none for it and may hold it: `id` is `new_id`, or an id
    /// from before secrets, whose next record registers it with the server.
    pub fn keep(&self, id: &str, new_id: &str, fresh: Option<String>) {
        let may_hold = id == new_id || !crumb_core::proof::is_derived_id(id);
        if self.secret_for(id).is_some() || !may_hold {
            return;
        }
        if let Some(secret) = fresh {
            let text = format!("{id} {secret}");
            let _ = self.store.set(SECRET_KEY, &text);
            *self.memory.borrow_mut() = Some(text);
        }
    }
}

/// What reading the stored consent found.
pub struct StoredConsent {
    /// The consent in force, if any.
    pub consent: Option<Consent>,
    /// What the consent found in the cookie mirror (newer, from another subdomain) revoked here,
    /// to carry out.
    pub effects: Vec<crumb_core::Effect>,
    /// `consent` came from the cookie mirror: the widget adopts it (`crumb_core::reconcile::adopt`:
    /// stored locally under this browser's own id, and logged).
    pub adopted: bool,
    /// The local consent an adopted one replaces.
    pub replaced: Option<Consent>,
}

/// The consent's home: localStorage, the cookie mirror, and this page's memory.
pub struct ConsentStore {
    store: Rc<dyn KeyValueStore>,
    jar: Rc<dyn CookieJar>,
    /// This page's last value; wins while storage could not keep it.
    memory: RefCell<Option<String>>,
    /// Whether storage holds what memory holds.
    persisted: Cell<bool>,
    warned: Cell<bool>,
    /// The domain the cookie mirror is written on (`example.com`); `None`: this host only.
    cookie_domain: Option<String>,
    host: String,
    secure: bool,
}

impl ConsentStore {
    /// A store for this page. Takes the config's `cookie_domain` for the cookie mirror when it
    /// covers `host`; otherwise warns, naming both, and keeps the cookie on this host only.
    pub fn new(store: Rc<dyn KeyValueStore>, jar: Rc<dyn CookieJar>, config: &Config, host: &str, secure: bool) -> ConsentStore {
        let cookie_domain = config.cookie_domain.as_deref().and_then(|domain| {
            let mirror = crumb_core::scope::mirror_domain(domain, host);
            if mirror.is_none() {
                warn(&format!(
                    "cookie_domain `{domain}` does not cover this page's host `{host}`; the consent cookie is set for `{host}` only"
                ));
            }
            mirror
        });
        ConsentStore {
            store,
            jar,
            memory: RefCell::new(None),
            persisted: Cell::new(true),
            warned: Cell::new(false),
            cookie_domain,
            host: host.to_owned(),
            secure,
        }
    }

    fn write_cookie(&self, value: &str, max_age_seconds: i64) {
        let attributes = format!("; path=/; SameSite=Lax{}", if self.secure { "; Secure" } else { "" });
        match &self.cookie_domain {
            Some(domain) => {
                self.jar.write(&format!("{CONSENT_COOKIE}={value}; max-age={max_age_seconds}; domain={domain}{attributes}"));
                // A host-only copy from before (or from a page without cookie_domain) would shadow it.
                self.jar.write(&format!("{CONSENT_COOKIE}=; max-age=0{attributes}"));
            }
            None => self.jar.write(&format!("{CONSENT_COOKIE}={value}; max-age={max_age_seconds}{attributes}")),
        }
    }

    /// The locally stored value's text: this page's memory while storage could not keep it.
    fn local_text(&self) -> Option<String> {
        if !self.persisted.get() || !self.store.available() {
            return self.memory.borrow().clone();
        }
        self.store.get(STORAGE_KEY)
    }

    /// Reads the consent in force (`None` on a first visit). localStorage comes first; a newer
    /// valid value in the cookie mirror (given on another subdomain, read only when the config's
    /// `cookie_domain` covers this host) wins, to be adopted; the rule is `crumb_core::reconcile`.
    /// A local value that cannot be trusted is reported (the shopper is asked again unless the
    /// cookie mirror holds a valid one).
    pub fn read(&self, config: &Config, now: i64) -> StoredConsent {
        let parse = |text: &str| -> Result<Consent, StoredError> { from_json(text, MAX_STORED_BYTES).map_err(StoredError::Malformed) };
        // Several cookies can carry the name (host-only and domain). Without a cookie_domain that
        // covers this host, none is read: a sibling subdomain's cookie changes nothing here.
        let cookies = if self.cookie_domain.is_some() { self.jar.pairs() } else { Vec::new() };
        let shared = cookies
            .into_iter()
            .filter(|(name, value)| name == CONSENT_COOKIE && !value.is_empty())
            .map(|(_, value)| decode(&value).ok_or_else(|| StoredError::Malformed("not URI-encoded".to_owned())).and_then(|t| parse(&t)))
            .collect();
        let local = self.local_text().map(|text| parse(&text));
        let reconciled = crumb_core::reconcile::reconcile(config, now, local, shared);
        if let Some(error) = reconciled.local_error {
            report(&CrumbError::Stored(error));
        }
        StoredConsent {
            consent: reconciled.consent,
            effects: reconciled.effects,
            adopted: reconciled.store_locally,
            replaced: reconciled.replaced,
        }
    }

    /// Stores locally (not in the cookie mirror, which holds the shared value) the consent
    /// adopted from the cookie mirror.
    pub fn keep_locally(&self, consent: &Consent) {
        let text = to_json(consent);
        *self.memory.borrow_mut() = Some(text.clone());
        self.persisted.set(self.store.set(STORAGE_KEY, &text).is_ok());
    }

    /// Stores the consent in localStorage, the cookie mirror and memory. When storage cannot keep
    /// it, memory does for this page, and the console says so once.
    pub fn write(&self, consent: &Consent, now: i64) {
        let text = to_json(consent);
        *self.memory.borrow_mut() = Some(text.clone());
        let stored = self.store.set(STORAGE_KEY, &text);
        self.persisted.set(stored.is_ok());
        self.write_cookie(&encode(&text), ((consent.expires_at - now) / 1000).max(0));
        if let Err(why) = stored {
            if !self.warned.replace(true) {
                match why {
                    WriteError::Blocked => report(&CrumbError::StorageBlocked),
                    WriteError::Full => warn("localStorage is full, so the choice could not be persisted; it holds for this page only"),
                }
            }
        }
    }

    /// Stores the returning visitor's plan (`crumb_core::plan`) for the consent localStorage
    /// holds now, made from its exact text. Nothing when storage does not hold it (memory only):
    /// the apply part then finds no plan for it and leaves the page to the main part.
    pub fn write_plan(&self, make: impl FnOnce(&str) -> Plan) {
        if !self.persisted.get() || !self.store.available() {
            return;
        }
        if let Some(text) = self.store.get(STORAGE_KEY) {
            let _ = self.store.set(PLAN_KEY, &make(&text).encode());
        }
    }

    /// Forgets the consent everywhere (`Crumb.reset()`, or a value that could not be trusted).
    pub fn clear(&self) {
        *self.memory.borrow_mut() = None;
        self.persisted.set(true);
        self.store.remove(STORAGE_KEY);
        self.store.remove(PLAN_KEY);
        self.write_cookie("", 0);
        // Also a host-only copy when the mirror is on a domain (write_cookie drops it) and a domain
        // copy when this page has no cookie_domain: erase every `crumb_consent` this page can see.
        if self.jar.pairs().iter().any(|(name, value)| name == CONSENT_COOKIE && !value.is_empty()) {
            erase_cookie(self.jar.as_ref(), &self.host, "/", CONSENT_COOKIE);
        }
    }
}

/// Removes every key matching one of the specs, never Crumb's own. Returns the keys removed.
pub fn erase_storage(store: &dyn KeyValueStore, keys: &[StorageKey]) -> Vec<String> {
    let names: Vec<String> = store
        .keys()
        .into_iter()
        .filter(|key| !crumb_core::ids::is_own_name(key))
        .filter(|key| keys.iter().any(|k| name_matches(k.name.as_deref(), k.pattern.as_deref(), key)))
        .collect();
    for name in &names {
        store.remove(name);
    }
    names
}

fn decode(text: &str) -> Option<String> {
    js_sys::decode_uri_component(text).ok()?.as_string()
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::platform::cookies::FakeCookieJar;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn config() -> Config {
        let text = r#"{"site": "t", "revision": 1, "categories": [{"id": "necessary", "required": true}, {"id": "analytics"}]}"#;
        crumb_core::config_from_value(crate::platform::dom::parse_json(text, usize::MAX).unwrap()).unwrap()
    }

    fn consent(now: i64) -> Consent {
        let config = config();
        let context = crumb_core::DecisionContext {
            now,
            new_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
            holds_previous_secret: true,
            language: "en",
            gpc: false,
            url_path: "/",
        };
        crumb_core::decide(&config, None, &crumb_core::Choice::AcceptAll, &context).consent
    }

    #[wasm_bindgen_test]
    fn storage_keys_by_name_and_pattern_never_crumbs_own() {
        let store = MemoryStore::default();
        for key in ["ga_client", "_ga_session", "_ga_other", "keep_me", "crumb_outbox", "crumb"] {
            let _ = store.set(key, "1");
        }
        let keys = [
            StorageKey { name: Some("ga_client".into()), pattern: None },
            StorageKey { name: None, pattern: Some("^(_ga_|crumb)".into()) },
            StorageKey { name: None, pattern: Some("([".into()) },
        ];
        let mut erased = erase_storage(&store, &keys);
        erased.sort();
        assert_eq!(erased, ["_ga_other", "_ga_session", "ga_client"]);
        assert_eq!(store.get("keep_me").as_deref(), Some("1"));
        assert_eq!(store.get("crumb_outbox").as_deref(), Some("1"), "Crumb's own keys are never erased");
        assert_eq!(store.get("crumb").as_deref(), Some("1"), "Crumb's own keys are never erased");
    }

    #[wasm_bindgen_test]
    fn a_full_storage_keeps_the_choice_in_memory_for_the_page() {
        let now = crate::platform::now();
        let store = Rc::new(MemoryStore::default());
        store.full.set(true);
        let jar = Rc::new(FakeCookieJar::default());
        let consents = ConsentStore::new(store.clone(), jar, &config(), "localhost", false);
        consents.write(&consent(now), now);
        assert_eq!(store.get(STORAGE_KEY), None, "storage could not keep it");
        let read = consents.read(&config(), now);
        assert_eq!(read.consent.map(|c| c.granted("analytics")), Some(true), "memory holds it for the page");
    }

    #[wasm_bindgen_test]
    fn a_written_consent_reads_back_from_storage_and_the_cookie() {
        let now = crate::platform::now();
        let store = Rc::new(MemoryStore::default());
        let jar = Rc::new(FakeCookieJar::default());
        ConsentStore::new(store.clone(), jar.clone(), &config(), "localhost", false).write(&consent(now), now);
        let fresh = ConsentStore::new(store.clone(), jar.clone(), &config(), "localhost", false);
        assert_eq!(fresh.read(&config(), now).consent, Some(consent(now)));
        store.remove(STORAGE_KEY);
        let alone = ConsentStore::new(store.clone(), jar.clone(), &config(), "localhost", false).read(&config(), now);
        assert_eq!(alone.consent, None, "without a cookie_domain the cookie is never read: asked again");
        let mut shared = config();
        shared.cookie_domain = Some("localhost".to_owned());
        let from_cookie = ConsentStore::new(store.clone(), jar, &shared, "localhost", false).read(&shared, now);
        assert_eq!(from_cookie.consent, Some(consent(now)), "with one, the cookie mirror alone restores it");
        assert!(from_cookie.adopted && from_cookie.replaced.is_none(), "to be adopted by the widget");
    }
}
