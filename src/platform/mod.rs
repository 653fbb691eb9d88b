//! The platform layer: every browser effect, behind one small trait per effect, each with a
//! browser implementation and a fake for tests. Nothing here decides (crumb-core does) and
//! nothing here imports the widget, the components or the API.
//!
//! | effect | trait | browser | fake |
//! |---|---|---|---|
//! | key-value storage | [`storage::KeyValueStore`] | [`storage::BrowserStorage`] | [`storage::MemoryStore`] |
//! | cookies | [`cookies::CookieJar`] | [`cookies::DocumentCookies`] | [`cookies::FakeCookieJar`] |
//! | record delivery | [`transport::Transport`] | [`transport::FetchTransport`] | (tests' own) |
//! | Consent Mode / dataLayer | [`consent_mode::TagSink`] | [`consent_mode::GtagSink`] | (tests' own) |
//! | navigator reads | [`navigator::NavigatorReads`] | [`navigator::BrowserNavigator`] | (tests read the real browser's) |
//! | gating (DOM) | [`gating::Placeholders`] is injected | [`gating::Gate`] | - |
//!
//! [`Platform`] bundles one of each for the widget, which is the only caller of the effects.

pub mod config_input;
pub mod consent_mode;
pub mod cookies;
pub mod dom;
pub mod gating;
pub mod host;
pub mod loader;
pub mod navigator;
pub mod prepaint;
pub mod storage;
pub mod transport;

use std::rc::Rc;

pub use dom::{document, window};

/// One implementation of each effect, built by `boot` and held by the widget.
pub struct Platform {
    /// Where the consent in force is kept (localStorage + cookie mirror + memory).
    pub consent_store: storage::ConsentStore,
    /// This browser's consent secret (`crumb_core::proof`), which its records carry.
    pub keys: storage::ConsentKeys,
    /// The consent records on their way to the endpoint.
    pub outbox: Rc<transport::Outbox>,
    /// Gated scripts, iframes and images.
    pub gate: Rc<gating::Gate>,
    /// Google Consent Mode and the dataLayer.
    pub tags: Box<dyn consent_mode::TagSink>,
    /// The page's cookies (erasure).
    pub cookies: Rc<dyn cookies::CookieJar>,
    /// The page's localStorage (erasure of service keys).
    pub storage: Rc<dyn storage::KeyValueStore>,
    /// What the browser tells about the shopper and the page.
    pub navigator: Rc<dyn navigator::NavigatorReads>,
    /// The widget's host element, kept in the page.
    pub host: Rc<host::Host>,
    /// The folder the widget's files are served from, ending in `/`.
    pub base: String,
}

impl Platform {
    /// The browser's implementation of every effect, for `config`, with records going to
    /// `endpoint` (already resolved) and the Consent Mode updates to loader.js's `gtag`.
    pub fn browser(
        config: &crumb_core::Config,
        base: &str,
        endpoint: Option<String>,
        gtag: Option<js_sys::Function>,
        host: Rc<host::Host>,
    ) -> Rc<Platform> {
        let navigator: Rc<dyn navigator::NavigatorReads> = Rc::new(navigator::BrowserNavigator);
        let kv: Rc<dyn storage::KeyValueStore> = Rc::new(storage::BrowserStorage::open());
        let jar: Rc<dyn cookies::CookieJar> = Rc::new(cookies::DocumentCookies);
        Rc::new(Platform {
            consent_store: storage::ConsentStore::new(kv.clone(), jar.clone(), config, &navigator.host(), navigator.secure()),
            keys: storage::ConsentKeys::new(kv.clone()),
            outbox: transport::Outbox::new(kv.clone(), Rc::new(transport::FetchTransport), endpoint),
            gate: gating::Gate::new(),
            tags: Box::new(consent_mode::GtagSink { gtag }),
            cookies: jar,
            storage: kv,
            navigator,
            host,
            base: base.to_owned(),
        })
    }
}

/// Epoch milliseconds now.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh consent secret (`crumb_core::proof`): 128 bits from `crypto.getRandomValues`
/// (available outside secure contexts too). `None` without it: nothing weaker is a secret.
pub fn random_secret() -> Option<String> {
    let mut bytes = [0u8; 16];
    let crypto = window().and_then(|w| w.crypto().ok())?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(crumb_core::proof::hex(&bytes))
}

/// A random UUID v4 from `crypto.getRandomValues` (available outside secure contexts too).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No crypto: still unique enough per browser to key a record, never a secret.
        let seed = (js_sys::Math::random() * 4_294_967_296.0) as u64 ^ (now() as u64).rotate_left(17);
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (seed >> ((i % 8) * 8)) as u8 ^ (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    crumb_core::proof::uuid_text(&bytes)
}

pub use dom::{dispatch, from_json, parse_json, to_js, to_json};
