//! DOM and JS value helpers every layer may use (they decide nothing and hold no state): the
//! window and document, JSON in and out (immune to a page's prototype pollution), events, and the
//! styled shadow root the widget and the embed placeholders live in.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::error::js_text;

/// The page's window, if there is one.
pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The page's document, if there is one.
pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

/// The page as an HTML document (for `document.cookie`).
pub fn html_document() -> Option<web_sys::HtmlDocument> {
    document()?.dyn_into().ok()
}

/// Gives every object inside `value` (made by this crate, never the page's) a null prototype,
/// and arrays too when `arrays`: `JSON.stringify` then finds no inherited `toJSON` (a page that
/// adds `Object.prototype.toJSON` or Prototype.js's `Array.prototype.toJSON` would otherwise
/// rewrite records and stored values), and nothing inherited is read as a field (array elements
/// are own properties already, so a parsed array keeps its prototype for the reader).
fn detach_prototypes(value: &JsValue, arrays: bool, depth: u32) {
    if depth > crumb_core::json_bounds::MAX_DEPTH as u32 || !value.is_object() {
        return;
    }
    let object: &js_sys::Object = value.unchecked_ref();
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        for i in 0..array.length() {
            detach_prototypes(&array.get(i), arrays, depth + 1);
        }
        if !arrays {
            return;
        }
    } else {
        for key in js_sys::Object::keys(object).iter() {
            detach_prototypes(&js_sys::Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED), arrays, depth + 1);
        }
    }
    js_sys::Object::set_prototype_of(object, JsValue::NULL.unchecked_ref());
}

/// Serializes to a plain JS value (objects, not Maps) for the page: `getConsent()`, event details.
pub fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// JSON text of a serializable value, whatever the page did to `Object.prototype` and
/// `Array.prototype`.
pub fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    let value = to_js(value);
    detach_prototypes(&value, true, 0);
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// Parses JSON text with JS's own parser (keeps serde_json out of the wasm) into values with
/// null prototypes, so a page's `Object.prototype.endpoint = "/x"` is never read as a field.
/// Refuses text longer than `max_bytes` or nested deeper than [`crumb_core::json_bounds::MAX_DEPTH`]
/// before parsing.
pub fn parse_json(text: &str, max_bytes: usize) -> Result<JsValue, String> {
    crumb_core::json_bounds::check_json_bounds(text, max_bytes, crumb_core::json_bounds::MAX_DEPTH).map_err(|e| e.to_string())?;
    let value = js_sys::JSON::parse(text).map_err(|e| js_text(&e))?;
    detach_prototypes(&value, false, 0);
    Ok(value)
}

/// Parses JSON text into a Rust value (see [`parse_json`]).
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, max_bytes: usize) -> Result<T, String> {
    serde_wasm_bindgen::from_value(parse_json(text, max_bytes)?).map_err(|e| e.to_string())
}

/// An own property of a JS object (never one inherited from a polluted prototype).
pub fn own(object: &JsValue, name: &str) -> Option<JsValue> {
    let key = JsValue::from_str(name);
    let object: &js_sys::Object = object.dyn_ref()?;
    js_sys::Object::has_own(object, &key).then(|| js_sys::Reflect::get(object, &key).ok())?
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

/// Gives `host` an open shadow root that links `{base}crumb.css` and holds one mount point, kept
/// hidden until the stylesheet has loaded (or failed), so nothing shows unstyled.
pub fn styled_shadow(host: &web_sys::Element, base: &str) -> Option<(web_sys::ShadowRoot, web_sys::HtmlElement)> {
    let (root, mount) = hidden_shadow(host)?;
    link_styles(&root, &mount, base)?;
    Some((root, mount))
}

/// Gives `host` an open shadow root with one mount point, hidden until [`link_styles`] reveals it.
pub fn hidden_shadow(host: &web_sys::Element) -> Option<(web_sys::ShadowRoot, web_sys::HtmlElement)> {
    let root = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).ok()?;
    let mount = hidden_mount(&root)?;
    Some((root, mount))
}

/// Appends a mount point to a shadow root, hidden until [`link_styles`] (or the caller) reveals it.
pub fn hidden_mount(root: &web_sys::ShadowRoot) -> Option<web_sys::HtmlElement> {
    let mount: web_sys::HtmlElement = document()?.create_element("div").ok()?.dyn_into().ok()?;
    mount.set_hidden(true);
    root.append_child(&mount).ok()?;
    Some(mount)
}

/// Shows `mount` once `link` has loaded or failed (at once when `loaded` says it has).
pub fn reveal_after(link: &web_sys::HtmlLinkElement, loaded: bool, mount: &web_sys::HtmlElement) {
    if loaded {
        mount.set_hidden(false);
        return;
    }
    let reveal = {
        let mount = mount.clone();
        Closure::once_into_js(move || mount.set_hidden(false))
    };
    let reveal: &js_sys::Function = reveal.unchecked_ref();
    let _ = link.add_event_listener_with_callback("load", reveal);
    let _ = link.add_event_listener_with_callback("error", reveal);
}

/// Links `{base}crumb.css` into a shadow root (before its mount point) and shows the mount point
/// once the stylesheet has loaded (or failed), so nothing shows unstyled.
pub fn link_styles(root: &web_sys::ShadowRoot, mount: &web_sys::HtmlElement, base: &str) -> Option<()> {
    let doc = document()?;
    let link: web_sys::HtmlLinkElement = doc.create_element("link").ok()?.dyn_into().ok()?;
    link.set_rel("stylesheet");
    link.set_href(&format!("{base}crumb.css"));
    reveal_after(&link, false, mount);
    root.insert_before(&link, Some(mount)).ok()?;
    Some(())
}

/// Adds a listener that lives as long as the page.
pub fn listen(target: &web_sys::EventTarget, event: &str, callback: impl FnMut(web_sys::Event) + 'static) {
    let callback = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
    if target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref()).is_ok() {
        callback.forget();
    }
}

/// The elements of the document matching a selector.
pub fn elements(selector: &str) -> Vec<web_sys::Element> {
    let Some(list) = document().and_then(|d| d.query_selector_all(selector).ok()) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// Runs `then` once the document is parsed (at once when it already is).
pub fn when_dom_ready(then: impl FnOnce() + 'static) {
    let Some(doc) = document() else { return };
    if doc.ready_state() == "loading" {
        let mut then = Some(then);
        listen(&doc, "DOMContentLoaded", move |_| {
            if let Some(then) = then.take() {
                then();
            }
        });
    } else {
        then();
    }
}
