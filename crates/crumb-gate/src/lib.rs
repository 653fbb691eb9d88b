//! Gated content, carried out by [`Gate`]: `<script type="text/plain" data-category>` revived in
//! document order through one queue for the whole page (an external script finishes before the
//! next starts, attributes and `nonce` copied, each at most once), and `<iframe|img data-src
//! data-category>` given their `src` once the consent allows them, with a placeholder until then.
//! A MutationObserver hands over gated elements the page adds later. What may run is decided by
//! `crumb_core::gating`; the placeholders are drawn by whoever the composition root injects
//! ([`Placeholders`]), so this layer never imports the components.
//!
//! Reviving is a script gadget under a nonce + `'strict-dynamic'` CSP (a script the widget
//! creates is trusted whatever markup it came from), so an element whose URL is not `http(s)` or
//! relative (`crumb_core::gating::loadable_url`), or, with the config's `gating.require_nonce`, a
//! script without the page's nonce, is refused: it stays inert (`data-crumb-state="refused"`),
//! and the console says why, once, naming it.
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

/// On a gated element: `queued` / `ran` (scripts), `blocked` / `loaded` (iframes and images),
/// `refused` (never run: see the module doc).
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
    /// With the config's `gating.require_nonce`: the page's nonce, which a gated script must carry
    /// to be revived (`crumb_core::gating::nonce_allows`).
    required_nonce: RefCell<Option<String>>,
}

/// An element's `nonce` (the property: the attribute is hidden once parsed under a CSP).
fn nonce_of(element: &web_sys::Element) -> String {
    js_sys::Reflect::get(element, &JsValue::from_str("nonce")).ok().and_then(|n| n.as_string()).unwrap_or_default()
}

/// Whether the element's `attribute` (its URL) may be loaded: `http(s)` or relative to the
/// document's base URL. No attribute: nothing to load, nothing to refuse.
fn loadable(element: &web_sys::Element, attribute: &str) -> bool {
    let Some(url) = element.get_attribute(attribute) else { return true };
    let base = document().and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    crumb_core::gating::loadable_url(&url, &base)
}

/// Leaves a gated element inert for good and says why, once (it is not looked at again).
fn refuse(element: &web_sys::Element, why: &str) {
    let _ = element.set_attribute(STATE, "refused");
    // Named as a selector would name it: `iframe#player`, or `script` and its URL below.
    let mut message = String::from("Crumb: gated ");
    message.push_str(&element.local_name());
    let id = element.id();
    if !id.is_empty() {
        message.push('#');
        push_capped(&mut message, &id);
    }
    message.push_str(" not run: ");
    message.push_str(why);
    web_sys::console::warn_1(&JsValue::from_str(&message));
}

/// Appends at most 200 characters of `text` (a page's value in a console message), then `…` if
/// there was more. No `format!`: this crate is in the apply part too, which has no formatting code.
fn push_capped(out: &mut String, text: &str) {
    let mut chars = text.chars();
    out.extend(chars.by_ref().take(200));
    if chars.next().is_some() {
        out.push('…');
    }
}

/// Why a URL is refused, with the URL (capped).
fn not_loadable(element: &web_sys::Element, attribute: &str) -> String {
    let url = element.get_attribute(attribute).unwrap_or_default();
    let mut why = String::from("its ");
    why.push_str(attribute);
    why.push_str(" `");
    push_capped(&mut why, &url);
    why.push_str("` is not an http(s) or relative URL");
    why
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

    /// With the config's `gating.require_nonce` on, `Some` of the page's nonce (loader.js's own,
    /// empty when it has none): only gated scripts carrying it are revived from now on.
    pub fn require_nonce(&self, page_nonce: Option<String>) {
        *self.required_nonce.borrow_mut() = page_nonce;
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
            if !element_allowed(&script, consent.as_ref()) {
                continue;
            }
            if !loadable(&script, "src") {
                refuse(&script, &not_loadable(&script, "src"));
            } else if !crumb_core::gating::nonce_allows(self.required_nonce.borrow().as_deref(), &nonce_of(&script)) {
                refuse(&script, "gating.require_nonce is on and it does not carry the page's nonce");
            } else {
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
            let state = element.get_attribute(STATE);
            if matches!(state.as_deref(), Some("refused" | "loaded")) {
                continue;
            }
            if !loadable(&element, "data-src") {
                // Never loaded, so no placeholder offers to load it either.
                if let Some(placeholders) = self.placeholders.borrow().clone().filter(|_| state.as_deref() == Some("blocked")) {
                    placeholders.remove(&element);
                }
                refuse(&element, &not_loadable(&element, "data-src"));
                continue;
            }
            if element_allowed(&element, consent.as_ref()) {
                self.load(&element);
            } else if state.is_none() && crumb_core::gating::wants_placeholder(&element.get_attribute("data-category").unwrap_or_default())
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
    let nonce = nonce_of(gated);
    if !nonce.is_empty() {
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

    /// A gated element added to the body with these attributes.
    fn element(tag: &str, attributes: &[(&str, &str)]) -> Option<web_sys::Element> {
        let doc = document()?;
        let element = doc.create_element(tag).ok()?;
        for (name, value) in attributes {
            element.set_attribute(name, value).ok()?;
        }
        doc.body()?.append_child(&element).ok()?;
        Some(element)
    }

    fn gated(src: &str, category: &str) -> Option<web_sys::Element> {
        element("script", &[("type", "text/plain"), ("data-category", category), ("src", src)])
    }

    /// A gated inline script, with this nonce (the property, as a parsed page has it) unless empty.
    fn gated_inline(code: &str, nonce: &str) -> Option<web_sys::Element> {
        let script = element("script", &[("type", "text/plain"), ("data-category", "analytics")])?;
        script.set_text_content(Some(code));
        if !nonce.is_empty() {
            js_sys::Reflect::set(&script, &JsValue::from_str("nonce"), &JsValue::from_str(nonce)).ok()?;
        }
        Some(script)
    }

    fn window_flag(name: &str) -> JsValue {
        web_sys::window().map_or(JsValue::UNDEFINED, |w| js_sys::Reflect::get(&w, &JsValue::from_str(name)).unwrap_or_default())
    }

    /// The `src` of each script that finished loading or failing, in order, while it listens (a
    /// relative URL the test server does not have fails: an external script that settled).
    struct Settled {
        seen: Rc<RefCell<Vec<String>>>,
        listener: Closure<dyn Fn(web_sys::Event)>,
    }

    impl Settled {
        fn listen() -> Settled {
            let seen = Rc::new(RefCell::new(Vec::new()));
            let sink = seen.clone();
            let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
                let script = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                if let Some(src) = script.filter(|s| s.tag_name() == "SCRIPT").and_then(|s| s.get_attribute("src")) {
                    sink.borrow_mut().push(src);
                }
            });
            let window = web_sys::window().expect("a window");
            for kind in ["load", "error"] {
                window.add_event_listener_with_callback_and_bool(kind, listener.as_ref().unchecked_ref(), true).expect("listening");
            }
            Settled { seen, listener }
        }

        fn stop(self) -> Vec<String> {
            let window = web_sys::window().expect("a window");
            for kind in ["load", "error"] {
                let _ = window.remove_event_listener_with_callback_and_bool(kind, self.listener.as_ref().unchecked_ref(), true);
            }
            self.seen.take()
        }
    }

    /// What the page's `console.warn` is given while `run` runs.
    async fn warnings<F: std::future::Future<Output = ()>>(run: F) -> Vec<String> {
        let console = js_sys::Reflect::get(&js_sys::global(), &"console".into()).expect("a console");
        let original = js_sys::Reflect::get(&console, &"warn".into()).expect("console.warn");
        let seen = Rc::new(RefCell::new(Vec::new()));
        let sink = seen.clone();
        let spy = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| sink.borrow_mut().push(message.as_string().unwrap_or_default()))
            .into_js_value();
        js_sys::Reflect::set(&console, &"warn".into(), &spy).expect("spying");
        run.await;
        js_sys::Reflect::set(&console, &"warn".into(), &original).expect("restoring console.warn");
        seen.take()
    }

    // On the apply part's path the first allowed script starts before any allowed embed loads,
    // so its request goes out first and a frame's document does not hold up its start.
    #[wasm_bindgen_test]
    async fn run_allowed_to_end_starts_the_first_script_before_any_embed_loads() {
        let doc = document().expect("a document");
        let body = doc.body().expect("a body");
        let frame = element("iframe", &[("data-src", "gate-frame.html"), ("data-category", "analytics"), ("data-placeholder", "false")])
            .expect("the iframe added");
        let script = gated("gate-first.js", "analytics").expect("the gated script added");

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
        assert_eq!(script.get_attribute(STATE).as_deref(), Some("ran"), "the allowed script did not run");
        assert_eq!(frame.get_attribute("src").as_deref(), Some("gate-frame.html"), "the allowed embed did not load");
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
    // the external scripts it started have run (loaded or failed), in order, and not before;
    // refused ones never start.
    #[wasm_bindgen_test]
    async fn run_allowed_to_end_finishes_after_the_allowed_scripts_have_run() {
        let first = gated("gate-order-a.js", "analytics");
        let second = gated("gate-order-b.js", "analytics");
        let refused = gated("gate-refused.js", "marketing");
        assert!(first.is_some() && second.is_some() && refused.is_some(), "could not add the gated scripts");
        let settled = Settled::listen();
        Gate::new().run_allowed_to_end(Some(&consent(true))).await;
        let settled = settled.stop();
        assert_eq!(settled, ["gate-order-a.js", "gate-order-b.js"], "not both settled, in order, when it finished");
        for element in [first, second, refused].into_iter().flatten() {
            element.remove();
        }
    }

    // Injected markup must not become code through the widget (a script it creates is trusted by
    // a nonce + 'strict-dynamic' policy): a gated script whose src, or an embed whose data-src,
    // is not http(s) or relative stays inert once its category is allowed, however the scheme is
    // disguised, and the console says why once, naming it.
    #[wasm_bindgen_test]
    async fn a_url_that_is_not_http_or_relative_stays_inert_and_is_named_once() {
        let scripts: Vec<_> = [
            "javascript:window.__gateJs=1",
            "  JavaScript:window.__gateJs=1",
            "data:text/javascript,window.__gateData=1",
            "\tda\nta:text/javascript,window.__gateData=1",
            "blob:https://shop.example/0f8fad5b",
        ]
        .into_iter()
        .filter_map(|src| gated(src, "analytics"))
        .collect();
        let frame =
            element("iframe", &[("id", "evil-frame"), ("data-src", "javascript:parent.__gateFrame=1"), ("data-category", "analytics")]);
        let image = element("img", &[("data-src", "VBScript:x"), ("data-category", "analytics")]);
        let fine = gated("gate-fine.js", "analytics");
        assert!(scripts.len() == 5 && frame.is_some() && image.is_some() && fine.is_some(), "could not add the gated markup");
        let gate = Gate::new();
        let warned = warnings(async {
            gate.run_allowed_to_end(Some(&consent(true))).await;
            // Again (a new decision, a page mutation): nothing new, no second warning.
            gate.run_allowed_to_end(Some(&consent(true))).await;
        })
        .await;
        for script in &scripts {
            assert_eq!(script.get_attribute(STATE).as_deref(), Some("refused"));
            let live = script.next_element_sibling().is_some_and(|next| next.tag_name() == "SCRIPT" && !next.has_attribute("type"));
            assert!(!live, "a live copy was inserted");
        }
        let (frame, image) = (frame.expect("a frame"), image.expect("an image"));
        assert_eq!(frame.get_attribute("src"), None, "the frame was given its javascript: URL");
        assert_eq!(image.get_attribute("src"), None, "the image was given its vbscript: URL");
        assert_eq!(frame.get_attribute(STATE).as_deref(), Some("refused"));
        assert!(
            window_flag("__gateJs").is_undefined() && window_flag("__gateData").is_undefined() && window_flag("__gateFrame").is_undefined()
        );
        assert_eq!(fine.as_ref().and_then(|f| f.get_attribute(STATE)).as_deref(), Some("ran"), "a relative URL is fine");
        assert_eq!(warned.len(), 7, "one warning per refused element: {warned:#?}");
        assert!(warned.iter().all(|w| w.starts_with("Crumb: gated ")), "{warned:#?}");
        assert!(
            warned
                .iter()
                .any(|w| w.contains("Crumb: gated iframe#evil-frame not run") && w.contains("data-src `javascript:parent.__gateFrame=1`")),
            "the frame is not named: {warned:#?}"
        );
        for element in scripts.into_iter().chain([frame, image]).chain(fine) {
            element.remove();
        }
    }

    // With the config's gating.require_nonce, only gated scripts carrying the page's nonce are
    // revived; without it (the default) every allowed one is, as before.
    #[wasm_bindgen_test]
    async fn require_nonce_revives_only_the_scripts_carrying_the_pages_nonce() {
        let nonced = gated_inline("window.__gateNonced = (window.__gateNonced || 0) + 1;", "r4nd0m");
        let bare = gated_inline("window.__gateBare = 1;", "");
        let other = gated_inline("window.__gateOther = 1;", "guessed");
        assert!(nonced.is_some() && bare.is_some() && other.is_some(), "could not add the gated scripts");
        let gate = Gate::new();
        gate.require_nonce(Some("r4nd0m".to_owned()));
        let warned = warnings(gate.run_allowed_to_end(Some(&consent(true)))).await;
        assert_eq!(window_flag("__gateNonced").as_f64(), Some(1.0), "the page's own gated script did not run");
        assert!(window_flag("__gateBare").is_undefined(), "a script without the nonce ran");
        assert!(window_flag("__gateOther").is_undefined(), "a script with another nonce ran");
        assert_eq!(warned.len(), 2, "{warned:#?}");
        assert!(warned.iter().all(|w| w.contains("gating.require_nonce")), "{warned:#?}");
        for element in [nonced, bare, other].into_iter().flatten() {
            element.remove();
        }

        // A page without a nonce revives nothing while the switch is on; off, everything allowed.
        let lone = gated_inline("window.__gateLone = 1;", "");
        let gate = Gate::new();
        gate.require_nonce(Some(String::new()));
        let _ = warnings(gate.run_allowed_to_end(Some(&consent(true)))).await;
        assert!(window_flag("__gateLone").is_undefined());
        let free = gated_inline("window.__gateFree = 1;", "");
        Gate::new().run_allowed_to_end(Some(&consent(true))).await;
        assert_eq!(window_flag("__gateFree").as_f64(), Some(1.0), "switch off: an allowed script runs");
        for element in [lone, free].into_iter().flatten() {
            element.remove();
        }
    }
}
