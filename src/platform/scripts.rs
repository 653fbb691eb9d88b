//! Gated content: `<script type="text/plain" data-category>` revived in document order through
//! one queue for the whole page (an external script finishes before the next starts, attributes
//! and `nonce` copied, each at most once), and `<iframe|img data-src data-category>` given their
//! `src` once the consent allows them, with a placeholder until then. A MutationObserver hands
//! over gated elements the page adds later.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use crumb_core::Consent;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::document;

/// On a gated element: `queued` / `ran` (scripts), `blocked` / `loaded` (iframes and images).
const STATE: &str = "data-crumb-state";
/// Set on an iframe or image Crumb hid behind its placeholder (so only those are shown again);
/// its value is the element's own inline `display` from before.
const HID: &str = "data-crumb-hid";
const SCRIPTS: &str = "script[type=\"text/plain\"][data-category]:not([data-crumb-state])";
const MEDIA: &str = "iframe[data-src][data-category], img[data-src][data-category]";
/// Anything the observer must look at.
const GATED: &str = "script[type=\"text/plain\"][data-category], iframe[data-src][data-category], img[data-src][data-category]";

thread_local! {
    /// The consent the page runs under now (`None`: no decision yet, nothing optional runs).
    static CURRENT: RefCell<Option<Consent>> = const { RefCell::new(None) };
    /// Scripts waiting to run, in the order they were found; one pump drains it.
    static QUEUE: RefCell<VecDeque<web_sys::HtmlScriptElement>> = const { RefCell::new(VecDeque::new()) };
    static PUMPING: Cell<bool> = const { Cell::new(false) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Whether a `data-category` expression (`analytics`, `!analytics`) with an optional
/// `data-service` is allowed by a consent. Nothing is allowed without a decision.
pub fn allowed(consent: Option<&Consent>, category: &str, service: Option<&str>) -> bool {
    let Some(consent) = consent else { return false };
    let category = category.trim();
    match category.strip_prefix('!') {
        Some(refused) => !consent.granted(refused.trim()),
        None => consent.allows(category, service.map(str::trim).filter(|s| !s.is_empty())),
    }
}

fn element_allowed(element: &web_sys::Element, consent: Option<&Consent>) -> bool {
    let category = element.get_attribute("data-category").unwrap_or_default();
    let service = element.get_attribute("data-service");
    allowed(consent, &category, service.as_deref())
}

fn elements(selector: &str) -> Vec<web_sys::Element> {
    let Some(list) = document().and_then(|d| d.query_selector_all(selector).ok()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// Runs the page under a new consent: starts everything it allows that has not run yet.
pub fn run_allowed(consent: Option<&Consent>) {
    CURRENT.with(|c| *c.borrow_mut() = consent.cloned());
    scan();
}

/// Runs the page under the consent in force at start-up (`None`: no decision yet), and from here
/// on handles gated content the page adds later; shows placeholders for blocked embeds.
pub fn watch(consent: Option<&Consent>) {
    run_allowed(consent);
    if WATCHING.with(|w| w.replace(true)) {
        return;
    }
    let Some(root) = document().and_then(|d| d.document_element()) else { return };
    let on_change = Closure::<dyn Fn(js_sys::Array)>::new(|records: js_sys::Array| {
        let gated_added = records.iter().any(|record| {
            let Ok(record) = record.dyn_into::<web_sys::MutationRecord>() else { return false };
            let added = record.added_nodes();
            (0..added.length()).any(|i| {
                added.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| {
                    e.matches(GATED).unwrap_or(false) || e.query_selector(GATED).ok().flatten().is_some()
                })
            })
        });
        if gated_added {
            scan();
        }
    });
    if let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) {
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        if observer.observe_with_options(&root, &init).is_ok() {
            on_change.forget();
        }
    }
}

fn scan() {
    let consent = CURRENT.with(|c| c.borrow().clone());
    for element in elements(MEDIA) {
        if element_allowed(&element, consent.as_ref()) {
            load(&element);
        } else if element.get_attribute(STATE).is_none() && !negated(&element) {
            block(&element);
        }
    }
    let mut fresh = Vec::new();
    for element in elements(SCRIPTS) {
        let Ok(script) = element.dyn_into::<web_sys::HtmlScriptElement>() else { continue };
        if element_allowed(&script, consent.as_ref()) {
            let _ = script.set_attribute(STATE, "queued");
            fresh.push(script);
        }
    }
    if fresh.is_empty() {
        return;
    }
    QUEUE.with(|q| q.borrow_mut().extend(fresh));
    if !PUMPING.with(|p| p.replace(true)) {
        wasm_bindgen_futures::spawn_local(pump());
    }
}

fn negated(element: &web_sys::Element) -> bool {
    element.get_attribute("data-category").is_some_and(|c| c.trim().starts_with('!'))
}

/// Runs queued scripts one after another until the queue is empty, whoever queued them.
async fn pump() {
    while let Some(gated) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
        if let Some(loaded) = revive(&gated) {
            let _ = JsFuture::from(loaded).await;
        }
    }
    PUMPING.with(|p| p.set(false));
}

/// An embed the consent blocks: hidden behind a placeholder (unless `data-placeholder="false"`).
fn block(element: &web_sys::Element) {
    let _ = element.set_attribute(STATE, "blocked");
    if element.get_attribute("data-placeholder").as_deref() == Some("false") {
        return;
    }
    if crate::ui::embed::show(element) && !element.has_attribute(HID) {
        // Hidden through the CSSOM with `!important` (CSP allows it), so a page rule such as
        // `iframe { display: block }` cannot show the empty frame next to its placeholder; the
        // element's own inline `display`, if any, is kept in HID to be restored.
        let Some(style) = element.dyn_ref::<web_sys::HtmlElement>().map(|e| e.style()) else { return };
        let before = style.get_property_value("display").unwrap_or_default();
        let _ = element.set_attribute(HID, &before);
        let _ = style.set_property_with_priority("display", "none", "important");
    }
}

/// Gives an allowed iframe or image its `src` (and `srcset`), and drops its placeholder.
fn load(element: &web_sys::Element) {
    if element.get_attribute(STATE).as_deref() == Some("loaded") {
        return;
    }
    let _ = element.set_attribute(STATE, "loaded");
    crate::ui::embed::remove(element);
    if let Some(before) = element.get_attribute(HID) {
        if let Some(style) = element.dyn_ref::<web_sys::HtmlElement>().map(|e| e.style()) {
            let _ = if before.is_empty() { style.remove_property("display").map(|_| ()) } else { style.set_property("display", &before) };
        }
        let _ = element.remove_attribute(HID);
    }
    if let Some(srcset) = element.get_attribute("data-srcset") {
        let _ = element.set_attribute("srcset", &srcset);
    }
    if let Some(src) = element.get_attribute("data-src") {
        let _ = element.set_attribute("src", &src);
    }
}

/// Inserts a live copy of a gated script after it; for an external one, a promise that settles
/// when it has loaded or failed.
fn revive(gated: &web_sys::HtmlScriptElement) -> Option<js_sys::Promise> {
    let doc = document()?;
    let live: web_sys::HtmlScriptElement = doc.create_element("script").ok()?.dyn_into().ok()?;
    let attributes = gated.attributes();
    for i in 0..attributes.length() {
        let Some(attribute) = attributes.item(i) else { continue };
        let name = attribute.name();
        if name == "type" || name == STATE {
            continue;
        }
        let _ = live.set_attribute(&name, &attribute.value());
    }
    if let Some(kind) = gated.get_attribute("data-type") {
        live.set_type(&kind);
    }
    // The nonce attribute is hidden once parsed; the property keeps it.
    let nonce = js_sys::Reflect::get(gated, &JsValue::from_str("nonce")).ok().and_then(|n| n.as_string());
    if let Some(nonce) = nonce.filter(|n| !n.is_empty()) {
        let _ = js_sys::Reflect::set(&live, &JsValue::from_str("nonce"), &JsValue::from_str(&nonce));
    }
    let _ = gated.set_attribute(STATE, "ran");
    let external = gated.has_attribute("src");
    let loaded = if external {
        live.set_async(false);
        Some(js_sys::Promise::new(&mut |resolve, _reject| {
            let done = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            let done: js_sys::Function = done.unchecked_into();
            live.set_onload(Some(&done));
            live.set_onerror(Some(&done));
        }))
    } else {
        live.set_text(&gated.text().ok()?).ok()?;
        None
    };
    // A gated script the page removed meanwhile has nowhere to go: it does not run.
    gated.parent_node()?;
    gated.after_with_node_1(&live).ok()?;
    loaded
}
