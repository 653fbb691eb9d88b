//! What the browser tells about the shopper and the page: languages, the GPC signal, the page's
//! own language, location, and the URL that relative URLs resolve against.

use wasm_bindgen::JsValue;

use super::dom::{document, window};

/// Reads from `navigator`, `location` and `<html lang>`.
pub trait NavigatorReads {
    /// `navigator.languages` (or `navigator.language`), most preferred first.
    fn languages(&self) -> Vec<String>;
    /// `<html lang="…">`, if the page declares one.
    fn page_language(&self) -> Option<String>;
    /// `navigator.globalPrivacyControl === true`.
    fn gpc(&self) -> bool;
    /// `location.pathname`.
    fn path(&self) -> String;
    /// `location.hostname`, lowercase.
    fn host(&self) -> String;
    /// Whether the page is served over `https:`.
    fn secure(&self) -> bool;
}

/// The real browser.
pub struct BrowserNavigator;

impl NavigatorReads for BrowserNavigator {
    fn languages(&self) -> Vec<String> {
        let Some(window) = window() else {
            return Vec::new();
        };
        let navigator = window.navigator();
        let list: Vec<String> = navigator.languages().iter().filter_map(|l| l.as_string()).collect();
        if list.is_empty() {
            navigator.language().into_iter().collect()
        } else {
            list
        }
    }

    fn page_language(&self) -> Option<String> {
        let lang = document()?.document_element()?.get_attribute("lang")?;
        let lang = lang.trim();
        (!lang.is_empty()).then(|| lang.to_owned())
    }

    fn gpc(&self) -> bool {
        window()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("globalPrivacyControl")).ok())
            .is_some_and(|v| v.as_bool() == Some(true))
    }

    fn path(&self) -> String {
        window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".to_owned())
    }

    fn host(&self) -> String {
        window().and_then(|w| w.location().hostname().ok()).unwrap_or_default().to_ascii_lowercase()
    }

    fn secure(&self) -> bool {
        window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:")
    }
}

/// Resolves a URL from the config or a `data-*` attribute against the page's own address, not
/// against `<base href>`: a site owner who writes `/api/consent` means this site. Gives the
/// absolute URL, or `None` when it cannot be resolved.
pub fn resolve_on_page(url: &str) -> Option<String> {
    web_sys::Url::new_with_base(url, &page_address()?).ok().map(|u| u.href())
}

/// The page's own address; for an `<iframe srcdoc>` (the configurator's preview), whose address
/// is `about:srcdoc`, the address of the page that made it (the frame's base URL).
fn page_address() -> Option<String> {
    let href = window()?.location().href().ok()?;
    if href == "about:srcdoc" {
        return document()?.base_uri().ok()?;
    }
    Some(href)
}

/// When the page has a `<base href>` on another origin, the origin it points to (so the widget
/// can say that its own relative URLs ignore it, while the page's links follow it).
pub fn foreign_base() -> Option<String> {
    let doc = document()?;
    let base = web_sys::Url::new(&doc.base_uri().ok()??).ok()?;
    let page = web_sys::Url::new(&page_address()?).ok()?;
    (base.origin() != page.origin()).then(|| base.origin())
}

/// Says once in the console when a `<base href>` points to another origin: the widget's own
/// relative URLs ignore it (see [`resolve_on_page`]), while the page's links follow it.
pub fn warn_if_foreign_base() {
    if let Some(origin) = foreign_base() {
        crate::error::warn(&format!(
            "the page's <base href> points to {origin}; Crumb resolves its own relative URLs (endpoint, data-config, policy_url) \
             against the page's address, not the <base>"
        ));
    }
}
