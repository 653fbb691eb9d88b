//! Gated content: `<script type="text/plain" data-category>` revived in document order (an
//! external script finishes before the next starts, attributes and `nonce` copied), and
//! `<iframe data-src data-category>` given its `src`, once the consent allows them.

use crumb_core::Consent;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::document;

const STATE: &str = "data-crumb-state";

/// Whether a `data-category` expression (`analytics`, `!analytics`) with an optional
/// `data-service` is allowed by a consent. Nothing is allowed without a decision.
pub fn allowed(consent: Option<&Consent>, category: &str, service: Option<&str>) -> bool {
    let Some(consent) = consent else { return false };
    let category = category.trim();
    match category.strip_prefix('!') {
        Some(refused) => !consent.granted(refused.trim()),
        None => consent.granted(category) && service.is_none_or(|s| consent.service_granted(s)),
    }
}

fn element_allowed(element: &web_sys::Element, consent: Option<&Consent>) -> bool {
    let category = element.get_attribute("data-category").unwrap_or_default();
    let service = element.get_attribute("data-service");
    allowed(consent, &category, service.as_deref())
}

/// Starts everything the consent now allows that has not run on this page yet.
pub fn run_allowed(consent: Option<&Consent>) {
    let Some(doc) = document() else { return };
    if let Ok(frames) = doc.query_selector_all("iframe[data-src][data-category]") {
        for i in 0..frames.length() {
            let Some(frame) = frames.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
            if element_allowed(&frame, consent) {
                if let Some(src) = frame.get_attribute("data-src") {
                    let _ = frame.set_attribute("src", &src);
                    let _ = frame.remove_attribute("data-src");
                }
            }
        }
    }
    let Ok(list) = doc.query_selector_all(&format!("script[type=\"text/plain\"][data-category]:not([{STATE}])")) else { return };
    let mut queue = Vec::new();
    for i in 0..list.length() {
        let Some(script) = list.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlScriptElement>().ok()) else { continue };
        if element_allowed(&script, consent) {
            let _ = script.set_attribute(STATE, "queued");
            queue.push(script);
        }
    }
    if !queue.is_empty() {
        wasm_bindgen_futures::spawn_local(run_in_order(queue));
    }
}

async fn run_in_order(queue: Vec<web_sys::HtmlScriptElement>) {
    for gated in queue {
        if let Some(loaded) = revive(&gated) {
            let _ = JsFuture::from(loaded).await;
        }
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
    let _ = gated.set_attribute(STATE, "ran");
    let _ = gated.after_with_node_1(&live);
    loaded
}
