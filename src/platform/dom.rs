//! DOM and JS value helpers every layer may use (they decide nothing and hold no state): the
//! window and document, JSON in and out (immune to a page's prototype pollution), events, and the
//! styled shadow root the widget and the embed placeholders live in.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crumb_core::json::{self, Value};

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

/// A JSON value as a plain JS value for the page (`getConsent()`, event details): objects and
/// arrays with the usual prototypes, every member an own data property.
pub fn js_of(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(js_of).collect::<js_sys::Array>().into(),
        Value::Object(members) => {
            let object = js_sys::Object::new();
            for (key, value) in members {
                let own_key = key == "__proto__";
                let (key, value) = (JsValue::from_str(key), js_of(value));
                // Assigning `__proto__` would set the prototype instead (an id may be spelt so).
                if own_key {
                    let descriptor = js_sys::Object::new();
                    for (name, v) in
                        [("value", &value), ("enumerable", &JsValue::TRUE), ("writable", &JsValue::TRUE), ("configurable", &JsValue::TRUE)]
                    {
                        let _ = js_sys::Reflect::set(&descriptor, &JsValue::from_str(name), v);
                    }
                    js_sys::Object::define_property(&object, &key, &descriptor);
                } else {
                    let _ = js_sys::Reflect::set(&object, &key, &value);
                }
            }
            object.into()
        }
    }
}

/// What `JSON.parse` gave, as a [`Value`]: only own enumerable members are read, so nothing a
/// page put on `Object.prototype` is ever read as a field. Anything that is not JSON data (a
/// function, `undefined`) reads as `null`.
pub fn value_of(value: &JsValue, depth: usize) -> Value {
    if let Some(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = value.as_f64() {
        Value::Number(n)
    } else if let Some(s) = value.as_string() {
        Value::String(s)
    } else if depth > crumb_core::json_bounds::MAX_DEPTH {
        Value::Null
    } else if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        Value::Array(array.iter().map(|item| value_of(&item, depth + 1)).collect())
    } else if value.is_object() {
        let object: &js_sys::Object = value.unchecked_ref();
        let entries = js_sys::Object::entries(object);
        let members = entries.iter().filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            Some((entry.get(0).as_string()?, value_of(&entry.get(1), depth + 1)))
        });
        Value::Object(members.collect())
    } else {
        Value::Null
    }
}

/// Writes a value for the page as a plain JS value (objects, not Maps): `getConsent()`, event
/// details.
pub fn to_js<T: json::ToJson + ?Sized>(value: &T) -> JsValue {
    js_of(&value.to_value())
}

/// JSON text of a serializable value, written in Rust: whatever the page did to `JSON.stringify`,
/// `Object.prototype.toJSON` or `Array.prototype.toJSON`, what is stored and posted is the value.
pub fn to_json<T: json::ToJson + ?Sized>(value: &T) -> String {
    value.to_value().to_json()
}

/// Parses JSON text with JS's own parser (keeps a JSON parser out of the wasm) into a [`Value`].
/// Refuses text longer than `max_bytes` or nested deeper than [`crumb_core::json_bounds::MAX_DEPTH`]
/// before parsing.
pub fn parse_json(text: &str, max_bytes: usize) -> Result<Value, String> {
    crumb_core::json_bounds::check_json_bounds(text, max_bytes, crumb_core::json_bounds::MAX_DEPTH).map_err(|e| e.to_string())?;
    let value = js_sys::JSON::parse(text).map_err(|e| js_text(&e))?;
    Ok(value_of(&value, 0))
}

/// Parses JSON text into a Rust value (see [`parse_json`]); the error names the path.
pub fn from_json<T: json::FromJson>(text: &str, max_bytes: usize) -> Result<T, String> {
    json::from_value(parse_json(text, max_bytes)?).map_err(|e| e.to_string())
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

/// Lets the page run before going on: resolves in a task of its own, so work split by it never
/// makes one long task (on a slow phone a long task delays every click on the page: total
/// blocking time). A message to a channel of our own, as schedulers do: a timer would wait up to
/// a second in a background tab.
pub async fn yield_to_page() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        // The channel stays reachable from the handler until its message has come.
        let keep = channel.clone();
        let answer = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
            drop(keep);
        });
        channel.port1().set_onmessage(Some(answer.unchecked_ref()));
        if channel.port2().post_message(&JsValue::NULL).is_err() {
            let _ = answer.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn yielding_comes_back_in_a_later_task() {
        // A message the page posted before the widget yields is handled first.
        let ran = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = ran.clone();
        let page = web_sys::MessageChannel::new().unwrap();
        let handler = Closure::once_into_js(move || flag.set(true));
        page.port1().set_onmessage(Some(handler.unchecked_ref()));
        page.port2().post_message(&JsValue::NULL).unwrap();
        assert!(!ran.get());
        yield_to_page().await;
        assert!(ran.get(), "the page's task ran before the widget went on");
    }

    #[wasm_bindgen_test]
    fn a_member_named_proto_stays_a_member_and_changes_no_prototype() {
        let value = Value::Object(vec![("__proto__".into(), Value::Object(vec![("granted".into(), Value::Bool(true))]))]);
        let object = js_of(&value);
        let own = js_sys::Object::get_own_property_descriptor(object.unchecked_ref::<js_sys::Object>(), &"__proto__".into());
        assert!(own.is_object(), "`__proto__` is an own member");
        let proto = js_sys::Object::get_prototype_of(&object);
        assert!(js_sys::Object::is(&proto, &js_sys::Object::get_prototype_of(&js_sys::Object::new())), "the prototype is Object's");
        assert!(js_sys::Reflect::get(&object, &"granted".into()).unwrap().is_undefined());
        // And back: read by its own members only.
        assert_eq!(value_of(&object, 0), value);
    }

    #[wasm_bindgen_test]
    fn json_text_is_read_by_own_members_and_written_in_rust() {
        let parsed = parse_json(r#"{"a": [1, true, null, "x"], "b": {"c": -2}}"#, 1_000).unwrap();
        assert_eq!(parsed.to_json(), r#"{"a":[1,true,null,"x"],"b":{"c":-2}}"#);
        assert!(parse_json("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 1_000).is_err(), "too deep");
        assert!(parse_json("{\"a\": 1}", 3).is_err(), "too long");
        assert!(parse_json("{not json", 1_000).is_err());
    }
}
