//! Browser glue: everything that touches storage, the DOM, the network and Consent Mode.

pub mod consent_mode;
pub mod cookies;
pub mod scripts;
pub mod storage;
pub mod transport;

use wasm_bindgen::{JsCast, JsValue};

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

/// Epoch milliseconds now.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A random UUID v4 from `crypto.getRandomValues` (available outside secure contexts too).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No crypto: still unique enough per browser to key a record, never a secret.
        let seed = (js_sys::Math::random() * 4_294_967_296.0) as u64 ^ (now() as u64).rotate_left(17);
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (seed >> ((i % 8) * 8)) as u8 ^ (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(HEX[usize::from(byte >> 4)] as char);
        id.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    id
}

/// Serializes to a plain JS value (objects, not Maps).
pub fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// JSON text of a serializable value.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    js_sys::JSON::stringify(&to_js(value)).ok()?.as_string()
}

/// Parses JSON text into a Rust value through JS's own parser (keeps serde_json out of the wasm).
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| crate::error::js_text(&e))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// Dispatches `crumb:<name>` on window with a detail.
pub fn dispatch(name: &str, detail: &JsValue) {
    let Some(window) = window() else { return };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(&format!("crumb:{name}"), &init) {
        let _ = window.dispatch_event(&event);
    }
}

/// The page as an HTML document (for `document.cookie`).
/// Gives `host` an open shadow root that links `{base}crumb.css` and holds one mount point, kept
/// hidden until the stylesheet has loaded (or failed), so nothing shows unstyled.
pub fn styled_shadow(host: &web_sys::Element, base: &str) -> Option<(web_sys::ShadowRoot, web_sys::HtmlElement)> {
    let doc = document()?;
    let root = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).ok()?;
    let link: web_sys::HtmlLinkElement = doc.create_element("link").ok()?.dyn_into().ok()?;
    link.set_rel("stylesheet");
    link.set_href(&format!("{base}crumb.css"));
    let mount: web_sys::HtmlElement = doc.create_element("div").ok()?.dyn_into().ok()?;
    mount.set_hidden(true);
    let reveal = {
        let mount = mount.clone();
        wasm_bindgen::closure::Closure::once_into_js(move || mount.set_hidden(false))
    };
    let reveal: js_sys::Function = reveal.unchecked_into();
    link.set_onload(Some(&reveal));
    link.set_onerror(Some(&reveal));
    root.append_child(&link).ok()?;
    root.append_child(&mount).ok()?;
    Some((root, mount))
}

pub fn html_document() -> Option<web_sys::HtmlDocument> {
    document()?.dyn_into().ok()
}

/// The page's cookies as `(name, value)` pairs, as `document.cookie` lists them.
pub fn cookie_pairs() -> Vec<(String, String)> {
    let all = html_document().and_then(|d| d.cookie().ok()).unwrap_or_default();
    all.split("; ")
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (!name.trim().is_empty()).then(|| (name.trim().to_owned(), value.to_owned()))
        })
        .collect()
}
