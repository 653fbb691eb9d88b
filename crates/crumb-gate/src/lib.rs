//! Gated content, carried out by [`Gate`]: `<script type="text/plain" data-category>` revived in
//! document order through one queue for the whole page (an external script finishes before the
//! next starts, attributes and `nonce` copied, each at most once), and `<iframe|img data-src
//! data-category>` given their `src` once the consent allows them, with a placeholder until then.
//! A MutationObserver hands over gated elements the page adds later. What may run is decided by
//! `crumb_core::gating`; the placeholders are drawn by whoever the composition root injects
//! ([`Placeholders`]), so this layer never imports the components.
//!
//! A crate of its own because two wasm modules use it: the widget's main part (its
//! `platform::gating`) and the small apply part (crates/crumb-apply), which starts a returning
//! visitor's consented scripts before the main part has arrived. Both mark what they did on the
//! element (`data-crumb-state`), so nothing runs twice, whichever comes first.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crumb_core::Consent;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Every element of the page matching `selector`, in document order.
fn elements(selector: &str) -> Vec<web_sys::Element> {
    let Some(list) = document().and_then(|d| d.query_selector_all(selector).ok()) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// On a gated element: `queued` / `ran` (scripts), `blocked` / `loaded` (iframes and images).
const STATE: &str = "data-crumb-state";
/// Set on an iframe or image Crumb hid behind its placeholder (so only those are shown again);
/// its value is the element's own inline `display` from before.
const HID: &str = "data-crumb-hid";
const SCRIPTS: &str = "script[type=\"text/plain\"][data-category]:not([data-crumb-state])";
const MEDIA: &str = "iframe[data-src][data-category], img[data-src][data-category]";
/// Anything the observer must look at.
const GATED: &str = "script[type=\"text/plain\"][data-category], iframe[data-src][data-category], img[data-src][data-category]";

/// Draws and removes the placeholder of a blocked embed.
pub trait Placeholders {
    /// Puts a placeholder before a blocked embed; false when it could not (the embed then stays
    /// empty).
    fn show(&self, gated: &web_sys::Element) -> bool;
    /// Removes the placeholder of an embed that may now load, and everything it keeps alive.
    fn remove(&self, gated: &web_sys::Element);
}

/// The page's gated content and the consent it runs under.
#[derive(Default)]
pub struct Gate {
    /// The consent the page runs under now (`None`: no decision yet, nothing optional runs).
    current: RefCell<Option<Consent>>,
    /// Scripts waiting to run, in the order they were found; one pump drains it.
    queue: RefCell<VecDeque<web_sys::HtmlScriptElement>>,
    pumping: Cell<bool>,
    observer: RefCell<Option<web_sys::MutationObserver>>,
    placeholders: RefCell<Option<Rc<dyn Placeholders>>>,
}

fn element_allowed(element: &web_sys::Element, consent: Option<&Consent>) -> bool {
    let category = element.get_attribute("data-category").unwrap_or_default();
    let service = element.get_attribute("data-service");
    crumb_core::gating::allowed(consent, &category, service.as_deref())
}

impl Gate {
    /// A gate with nothing allowed yet.
    pub fn new() -> Rc<Gate> {
        Rc::new(Gate::default())
    }

    /// Who draws the placeholders of blocked embeds (set once by the composition root, when the
    /// UI has loaded): embeds blocked before then get theirs now.
    pub fn set_placeholders(&self, placeholders: Rc<dyn Placeholders>) {
        *self.placeholders.borrow_mut() = Some(placeholders);
        for element in elements(MEDIA) {
            if element.get_attribute(STATE).as_deref() == Some("blocked") {
                self.draw_placeholder(&element);
            }
        }
    }

    /// Runs the page under a new consent: starts everything it allows that has not run yet.
    pub fn run_allowed(self: &Rc<Self>, consent: Option<&Consent>) {
        *self.current.borrow_mut() = consent.cloned();
        self.scan();
    }

    /// Like [`Gate::run_allowed`], and finishes once every script it started has run (an
    /// external one: loaded or failed). The apply part waits for it before the main part is
    /// fetched, so the consented scripts do not share the network with the widget.
    pub async fn run_allowed_to_end(self: &Rc<Self>, consent: Option<&Consent>) {
        *self.current.borrow_mut() = consent.cloned();
        let pump = self.queue_allowed_scripts();
        // The first script starts before any embed loads: its request goes out first, and a
        // frame's document does not hold up its start (loader run -> script ran 76 -> 56 ms,
        // medians, on a returning visit to the demo shop).
        let first = if pump { self.revive_next() } else { None };
        self.load_allowed_media();
        if pump {
            self.pump(first).await;
        }
    }

    /// Runs the page under the consent in force at start-up, and from here on handles gated
    /// content the page adds later; shows placeholders for blocked embeds.
    pub fn watch(self: &Rc<Self>, consent: Option<&Consent>) {
        self.run_allowed(consent);
        if self.observer.borrow().is_some() {
            return;
        }
        let Some(root) = document().and_then(|d| d.document_element()) else {
            return;
        };
        let gate = self.clone();
        let on_change = Closure::<dyn Fn(js_sys::Array)>::new(move |records: js_sys::Array| {
            let gated_added = records.iter().any(|record| {
                let Ok(record) = record.dyn_into::<web_sys::MutationRecord>() else {
                    return false;
                };
                let added = record.added_nodes();
                (0..added.length()).any(|i| {
                    added
                        .item(i)
                        .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|e| e.matches(GATED).unwrap_or(false) || e.query_selector(GATED).ok().flatten().is_some())
                })
            });
            if gated_added {
                gate.scan();
            }
        });
        if let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) {
            let init = web_sys::MutationObserverInit::new();
            init.set_child_list(true);
            init.set_subtree(true);
            if observer.observe_with_options(&root, &init).is_ok() {
                on_change.forget();
                *self.observer.borrow_mut() = Some(observer);
            }
        }
    }

    /// Stops watching the page (a widget that is taken down).
    pub fn stop(&self) {
        if let Some(observer) = self.observer.borrow_mut().take() {
            observer.disconnect();
        }
        self.queue.borrow_mut().clear();
        *self.current.borrow_mut() = None;
    }

    fn scan(self: &Rc<Self>) {
        let pump = self.queue_allowed_scripts();
        self.load_allowed_media();
        if pump {
            // Off the caller's stack: a revived inline script may call the widget's API at once.
            let gate = self.clone();
            wasm_bindgen_futures::spawn_local(async move { gate.pump(None).await });
        }
    }

    /// Queues the allowed scripts not seen yet; true when a pump must start to run them (none is
    /// running).
    fn queue_allowed_scripts(&self) -> bool {
        let consent = self.current.borrow().clone();
        let mut fresh = Vec::new();
        for element in elements(SCRIPTS) {
            let Ok(script) = element.dyn_into::<web_sys::HtmlScriptElement>() else {
                continue;
            };
            if element_allowed(&script, consent.as_ref()) {
                let _ = script.set_attribute(STATE, "queued");
                fresh.push(script);
            }
        }
        if fresh.is_empty() {
            return false;
        }
        self.queue.borrow_mut().extend(fresh);
        !self.pumping.replace(true)
    }

    /// Loads the embeds the consent allows and blocks the others.
    fn load_allowed_media(&self) {
        let consent = self.current.borrow().clone();
        for element in elements(MEDIA) {
            if element_allowed(&element, consent.as_ref()) {
                self.load(&element);
            } else if element.get_attribute(STATE).is_none()
                && crumb_core::gating::wants_placeholder(&element.get_attribute("data-category").unwrap_or_default())
            {
                self.block(&element);
            }
        }
    }

    /// Starts the next queued script; for an external one, a promise that settles when it has
    /// loaded or failed.
    fn revive_next(&self) -> Option<js_sys::Promise> {
        let next = self.queue.borrow_mut().pop_front();
        revive(&next?)
    }

    /// Runs queued scripts one after another until the queue is empty, whoever queued them,
    /// after `loading` (the script started before it) has loaded or failed.
    async fn pump(&self, mut loading: Option<js_sys::Promise>) {
        loop {
            if let Some(loaded) = loading.take() {
                let _ = JsFuture::from(loaded).await;
            }
            if self.queue.borrow().is_empty() {
                break;
            }
            loading = self.revive_next();
        }
        self.pumping.set(false);
    }

    /// An embed the consent blocks: hidden behind a placeholder (unless `data-placeholder="false"`).
    fn block(&self, element: &web_sys::Element) {
        let _ = element.set_attribute(STATE, "blocked");
        self.draw_placeholder(element);
    }

    /// A blocked embed's placeholder, once someone draws them; the embed itself is hidden.
    fn draw_placeholder(&self, element: &web_sys::Element) {
        if element.get_attribute("data-placeholder").as_deref() == Some("false") {
            return;
        }
        let placeholders = self.placeholders.borrow().clone();
        if placeholders.is_some_and(|p| p.show(element)) && !element.has_attribute(HID) {
            // Hidden through the CSSOM with `!important` (CSP allows it), so a page rule such as
            // `iframe { display: block }` cannot show the empty frame next to its placeholder; the
            // element's own inline `display`, if any, is kept in HID to be restored.
            let Some(style) = element.dyn_ref::<web_sys::HtmlElement>().map(|e| e.style()) else {
                return;
            };
            let before = style.get_property_value("display").unwrap_or_default();
            let _ = element.set_attribute(HID, &before);
            let _ = style.set_property_with_priority("display", "none", "important");
        }
    }

    /// Gives an allowed iframe or image its `src` (and `srcset`), and drops its placeholder.
    fn load(&self, element: &web_sys::Element) {
        if element.get_attribute(STATE).as_deref() == Some("loaded") {
            return;
        }
        let _ = element.set_attribute(STATE, "loaded");
        if let Some(placeholders) = self.placeholders.borrow().clone() {
            placeholders.remove(element);
        }
        if let Some(before) = element.get_attribute(HID) {
            if let Some(style) = element.dyn_ref::<web_sys::HtmlElement>().map(|e| e.style()) {
                let _ =
                    if before.is_empty() { style.remove_property("display").map(|_| ()) } else { style.set_property("display", &before) };
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
}

/// Inserts a live copy of a gated script after it; for an external one, a promise that settles
/// when it has loaded or failed.
fn revive(gated: &web_sys::HtmlScriptElement) -> Option<js_sys::Promise> {
    let doc = document()?;
    let live: web_sys::HtmlScriptElement = doc.create_element("script").ok()?.dyn_into().ok()?;
    let attributes = gated.attributes();
    for i in 0..attributes.length() {
        let Some(attribute) = attributes.item(i) else {
            continue;
        };
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use crumb_core::Map;

    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn consent(analytics: bool) -> Consent {
        Consent {
            v: 1,
            id: "c-1234567890".to_owned(),
            categories: Map::from([("necessary".to_owned(), true), ("analytics".to_owned(), analytics)]),
            services: Map::new(),
            revision: 1,
            given_at: 1,
            updated_at: 2,
            expires_at: i64::MAX,
            language: "en".to_owned(),
        }
    }

    fn gated(src: &str, category: &str) -> Option<web_sys::Element> {
        let doc = document()?;
        let script = doc.create_element("script").ok()?;
        script.set_attribute("type", "text/plain").ok()?;
        script.set_attribute("data-category", category).ok()?;
        script.set_attribute("src", src).ok()?;
        doc.body()?.append_child(&script).ok()?;
        Some(script)
    }

    fn window_flag(name: &str) -> JsValue {
        web_sys::window().map_or(JsValue::UNDEFINED, |w| js_sys::Reflect::get(&w, &JsValue::from_str(name)).unwrap_or_default())
    }

    // On the apply part's path the first allowed script starts before any allowed embed loads,
    // so its request goes out first and a frame's document does not hold up its start.
    #[wasm_bindgen_test]
    async fn run_allowed_to_end_starts_the_first_script_before_any_embed_loads() {
        let doc = document().expect("a document");
        let body = doc.body().expect("a body");
        let frame = doc.create_element("iframe").expect("an iframe");
        for (name, value) in [("data-src", "about:blank"), ("data-category", "analytics"), ("data-placeholder", "false")] {
            frame.set_attribute(name, value).expect("an attribute");
        }
        body.append_child(&frame).expect("the iframe added");
        let script = gated("data:text/javascript,window.__gateFirst=1", "analytics").expect("the gated script added");

        // What happens to the page, in order: a script added (the live copy) or the frame's src set.
        let seen = Rc::new(RefCell::new(Vec::<&str>::new()));
        let note = {
            let seen = seen.clone();
            move |records: js_sys::Array| {
                for record in records.iter().filter_map(|r| r.dyn_into::<web_sys::MutationRecord>().ok()) {
                    seen.borrow_mut().push(if record.type_() == "attributes" { "frame src" } else { "script added" });
                }
            }
        };
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(note.clone());
        let observer = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()).expect("an observer");
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        init.set_attribute_filter(&js_sys::Array::of1(&JsValue::from_str("src")));
        observer.observe_with_options(&body, &init).expect("observing");

        Gate::new().run_allowed_to_end(Some(&consent(true))).await;
        note(observer.take_records());
        observer.disconnect();
        assert_eq!(window_flag("__gateFirst").as_f64(), Some(1.0), "the allowed script did not run");
        assert_eq!(frame.get_attribute("src").as_deref(), Some("about:blank"), "the allowed embed did not load");
        assert_eq!(
            seen.borrow().first().copied(),
            Some("script added"),
            "an embed loaded before the first script started: {:?}",
            seen.borrow()
        );
        frame.remove();
        script.remove();
    }

    // The apply part fetches the main part only after `run_allowed_to_end`: it must finish once
    // the external scripts it started have run, in order, and not before; refused ones never run.
    #[wasm_bindgen_test]
    async fn run_allowed_to_end_finishes_after_the_allowed_scripts_have_run() {
        let first = gated("data:text/javascript,window.__gateOrder=(window.__gateOrder||'')+'a'", "analytics");
        let second = gated("data:text/javascript,window.__gateOrder=(window.__gateOrder||'')+'b'", "analytics");
        let refused = gated("data:text/javascript,window.__gateRefused=1", "marketing");
        assert!(first.is_some() && second.is_some() && refused.is_some(), "could not add the gated scripts");
        Gate::new().run_allowed_to_end(Some(&consent(true))).await;
        assert_eq!(window_flag("__gateOrder").as_string().as_deref(), Some("ab"), "not both run, in order, when it finished");
        assert!(window_flag("__gateRefused").is_undefined(), "a refused script ran");
        for element in [first, second, refused].into_iter().flatten() {
            element.remove();
        }
    }
}
