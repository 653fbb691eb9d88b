//! crumb-e2e: the harness for Crumb's shopper journeys. A [`Shopper`] is one in-process
//! crumb-server (fresh SQLite, the built bundle from `dist/`) and one headless Chromium driven
//! through its own chromedriver, with helpers that look into the widget's open shadow root,
//! storage, cookies, the `dataLayer` and the browser console.
//!
//! The journeys live in `tests/e2e/`, one test binary (`tests/e2e/main.rs` holds each journey file
//! as a module); build the bundle first (`trunk build --release` at the workspace root), then
//! `cargo test -p crumb-e2e --tests -- --test-threads=2`.
//!
//! The widget's selectors are in [`selectors`], the Chromium flags in `tests/chromium-flags.txt`.
//! No journey sleeps before asserting that something did not happen: it first waits for a positive
//! marker ([`Shopper::next_frame`], [`Shopper::page_caught_up`], [`Shopper::gating_caught_up`], or
//! the widget's own readiness, a stored consent, a record, an emptied outbox), then asserts absence.

pub mod browser;
pub mod plain;
pub mod selectors;
pub mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use crumb_core::{Consent, ConsentRecord};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use selectors::{BANNER, PREFS};

pub use browser::{Browser, BrowserOptions, ConsoleEntry};
pub use server::TestServer;

/// How long a wait polls before failing: `CRUMB_E2E_TIMEOUT_SECS`, 10 s by default.
pub fn timeout() -> Duration {
    let secs = std::env::var("CRUMB_E2E_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    Duration::from_secs(secs)
}

/// Polls `$probe` (an expression, may `.await`, giving `Option<T>`) every 100 ms until it is
/// `Some`, and gives the value; after [`timeout`] it panics with `$what` and the shopper's
/// diagnostics (console, requests, URL).
#[macro_export]
macro_rules! wait_for {
    ($shopper:expr, $what:expr, $probe:expr) => {{
        let started = ::std::time::Instant::now();
        loop {
            if let Some(value) = $probe {
                break value;
            }
            if started.elapsed() > $crate::timeout() {
                let what: String = ($what).into();
                panic!("timed out after {:?} waiting for: {}\n{}", $crate::timeout(), what, $shopper.diagnostics().await);
            }
            ::tokio::time::sleep(::std::time::Duration::from_millis(100)).await;
        }
    }};
}

/// The host element the widget mounts into, and its open shadow root.
const ROOT_JS: &str = concat!("var host = document.querySelector('", selectors::host!(), "'); var root = host && host.shadowRoot;");

/// `visible(el)`: in the layout, not hidden by an attribute, `visibility`, `display` or opacity 0.
const VISIBLE_JS: &str = concat!(
    r#"
function visible(el) {
  if (!el || !el.isConnected) return false;
  if (el.closest('[hidden]') || el.getClientRects().length === 0) return false;
  var style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
  var hostStyle = getComputedStyle(document.querySelector('"#,
    selectors::host!(),
    r#"'));
  return hostStyle.display !== 'none' && hostStyle.visibility !== 'hidden';
}"#
);

/// `nextFrame(fn)`: calls `fn` after two animation frames, then a task and a microtask. A hidden
/// page gets no frames, so there it falls back to tasks alone.
const NEXT_FRAME_FN: &str = "function nextFrame(fn) { \
  var frame = document.hidden ? function (f) { setTimeout(f, 0); } : window.requestAnimationFrame.bind(window); \
  frame(function () { frame(function () { setTimeout(function () { Promise.resolve().then(fn); }, 0); }); }); }";

/// `execute_async` body that calls back with `true` after [`NEXT_FRAME_FN`].
fn next_frame_script() -> String {
    format!("var done = arguments[arguments.length - 1]; {NEXT_FRAME_FN} nextFrame(function () {{ done(true); }});")
}

/// The file [`Shopper::page_caught_up`] fetches (under `/p/`).
const MARK_FILE: &str = "__crumb-e2e-mark.txt";

/// Where keyboard focus is, as seen from the widget.
#[derive(Debug, Clone, Deserialize)]
pub struct Focus {
    /// Focus is on an element inside the widget's shadow root.
    pub in_shadow: bool,
    /// A short description of the focused element (for messages).
    pub element: String,
    pub action: Option<String>,
    pub category: Option<String>,
    pub role: Option<String>,
    /// Inside [`selectors::PREFS`].
    pub in_prefs: bool,
    /// Inside [`selectors::BANNER`].
    pub in_banner: bool,
    /// The focused element's position among all elements of the shadow root (-1: none); tells
    /// apart elements that describe alike.
    pub index: i64,
    pub outline_style: String,
    pub outline_width: String,
    pub box_shadow: String,
}

impl Focus {
    /// The focus is drawn: an outline or a box shadow.
    pub fn has_visible_ring(&self) -> bool {
        let outline = self.outline_style != "none" && self.outline_width != "0px";
        outline || (self.box_shadow != "none" && !self.box_shadow.is_empty())
    }
}

/// What the two gated demo scripts did on this page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GatedRuns {
    /// `<html data-demo-analytics>`: how often /demo/analytics.js ran on this page.
    pub analytics: Option<String>,
    /// `<html data-demo-ads>`: how often /demo/ads.js ran on this page.
    pub ads: Option<String>,
}

/// One shopper: a server of their own and a browser of their own.
pub struct Shopper {
    pub server: TestServer,
    pub browser: Browser,
}

impl Shopper {
    /// A fresh server with the built bundle and a fresh English browser.
    pub async fn new() -> Shopper {
        Shopper::with_browser(BrowserOptions::default()).await
    }

    pub async fn with_browser(options: BrowserOptions) -> Shopper {
        let server = TestServer::start().await;
        let browser = Browser::start(options).await;
        Shopper { server, browser }
    }

    /// Any server (the harness smoke test serves its own folder).
    pub async fn with_server(server: TestServer, options: BrowserOptions) -> Shopper {
        let browser = Browser::start(options).await;
        Shopper { server, browser }
    }

    pub fn client(&self) -> &Client {
        &self.browser.client
    }

    /// Navigates to a path on the test server (waits for the load event).
    pub async fn open(&self, path: &str) {
        let url = self.server.url(path);
        if let Err(err) = self.client().goto(&url).await {
            panic!("could not open {url}: {err}\n{}", self.diagnostics().await);
        }
    }

    /// Navigates to a path on the test server under another host name, which the browser must
    /// resolve to 127.0.0.1 (`BrowserOptions::host_resolver_rules`, e.g. `MAP shop.test
    /// 127.0.0.1`): a page on an origin that is not the site owner's machine.
    pub async fn open_on(&self, host: &str, path: &str) {
        let url = self.url_on(host, path);
        if let Err(err) = self.client().goto(&url).await {
            panic!("could not open {url}: {err}\n{}", self.diagnostics().await);
        }
    }

    /// `http://<host>:<port><path>` on the test server.
    pub fn url_on(&self, host: &str, path: &str) -> String {
        let port = self.server.base_url().rsplit(':').next().unwrap_or_default();
        format!("http://{host}:{port}{path}")
    }

    /// Navigates and waits until the widget has booted (`window.Crumb.ready === true` and the
    /// shadow root exists) and a banner painted ahead of time (`data-prepaint`), if any, has been
    /// replaced by the widget's own.
    pub async fn open_widget(&self, path: &str) {
        self.open(path).await;
        self.wait_widget_ready().await;
    }

    pub async fn wait_widget_ready(&self) {
        // `Crumb.ready` comes before the components mount: until they do, a painted banner can
        // still be on screen, and a click found on it would meet an element the swap removed.
        wait_for!(
            self,
            "the widget to boot (window.Crumb.ready === true, #crumb-root with an open shadow root, no painted banner left)",
            {
                let ready: bool = self
                    .js(
                        &format!(
                            "{ROOT_JS} return !!(window.Crumb && window.Crumb.ready === true && root \
                             && !root.querySelector('[data-crumb-prepaint]'));"
                        ),
                        vec![],
                    )
                    .await;
                ready.then_some(())
            }
        );
    }

    /// Reloads the page (a returning visitor's next page view) and waits for the widget.
    pub async fn reload_widget(&self) {
        if let Err(err) = self.client().refresh().await {
            panic!("reload failed: {err}\n{}", self.diagnostics().await);
        }
        self.wait_widget_ready().await;
    }

    /// Runs a script (`return` gives the value) and deserializes its result.
    pub async fn js<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        let value = match self.client().execute(script, args).await {
            Ok(value) => value,
            Err(err) => panic!("script failed: {err}\nscript: {script}"),
        };
        match serde_json::from_value(value.clone()) {
            Ok(v) => v,
            Err(err) => panic!("script result {value} has an unexpected shape: {err}\nscript: {script}"),
        }
    }

    /// Runs a script with `root` bound to the widget's shadow root (`null` before it exists)
    /// and `host` to its host element, and deserializes its result.
    pub async fn in_shadow<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        self.js(&format!("{ROOT_JS} {script}"), args).await
    }

    /// The element matching `selector` inside the widget's shadow root, if any.
    pub async fn shadow(&self, selector: &str) -> Option<Element> {
        let value: Value =
            self.js(&format!("{ROOT_JS} return root ? root.querySelector(arguments[0]) : null;"), vec![json!(selector)]).await;
        self.element_from(value)
    }

    /// Every element matching `selector` inside the widget's shadow root.
    pub async fn shadow_all(&self, selector: &str) -> Vec<Element> {
        let values: Vec<Value> =
            self.js(&format!("{ROOT_JS} return root ? Array.from(root.querySelectorAll(arguments[0])) : [];"), vec![json!(selector)]).await;
        values.into_iter().filter_map(|v| self.element_from(v)).collect()
    }

    fn element_from(&self, value: Value) -> Option<Element> {
        let object = value.as_object()?;
        let id = object.get("element-6066-11e4-a52e-4f735466cecf").or_else(|| object.get("ELEMENT"))?.as_str()?;
        Some(Element::from_element_id(self.client().clone(), ElementRef::from(id.to_owned())))
    }

    /// Whether the shadow element matching `selector` exists and is shown.
    pub async fn is_visible(&self, selector: &str) -> bool {
        self.js(&format!("{ROOT_JS} {VISIBLE_JS} return !!root && visible(root.querySelector(arguments[0]));"), vec![json!(selector)]).await
    }

    /// Waits until the shadow element matching `selector` is shown, and gives it.
    pub async fn wait_visible(&self, selector: &str) -> Element {
        wait_for!(self, format!("`{selector}` to be visible in the widget"), {
            if self.is_visible(selector).await {
                self.shadow(selector).await
            } else {
                None
            }
        })
    }

    /// Waits until no shadow element matching `selector` is shown (absent or hidden).
    pub async fn wait_hidden(&self, selector: &str) {
        wait_for!(self, format!("`{selector}` to be hidden"), (!self.is_visible(selector).await).then_some(()));
    }

    /// A real click (WebDriver Element Click) on a shown widget element.
    pub async fn click(&self, selector: &str) {
        let element = self.wait_visible(selector).await;
        if let Err(err) = element.click().await {
            panic!("clicking `{selector}` in the widget failed: {err}\n{}", self.diagnostics().await);
        }
    }

    /// A real click on an element of the host page (light DOM).
    pub async fn click_page(&self, css: &str) {
        let element = match self.client().find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(err) => panic!("no `{css}` on the page: {err}"),
        };
        if let Err(err) = element.click().await {
            panic!("clicking `{css}` on the page failed: {err}\n{}", self.diagnostics().await);
        }
    }

    /// An attribute of the shadow element matching `selector` (`None`: no element or no attribute).
    pub async fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.js(
            &format!("{ROOT_JS} var el = root && root.querySelector(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;"),
            vec![json!(selector), json!(name)],
        )
        .await
    }

    /// The text of the shadow element matching `selector`, whitespace collapsed (`None`: absent).
    pub async fn text(&self, selector: &str) -> Option<String> {
        self.js(
            &format!(
                "{ROOT_JS} var el = root && root.querySelector(arguments[0]); \
                 return el ? el.textContent.replace(/\\s+/g, ' ').trim() : null;"
            ),
            vec![json!(selector)],
        )
        .await
    }

    /// `localStorage[key]`.
    pub async fn local_storage(&self, key: &str) -> Option<String> {
        self.js("return window.localStorage.getItem(arguments[0]);", vec![json!(key)]).await
    }

    /// The stored consent (localStorage `crumb`), checked against crumb-core's exact shape.
    pub async fn stored_consent(&self) -> Option<Consent> {
        let text = self.local_storage("crumb").await?;
        let read = serde_json::from_str::<crumb_core::json::Value>(&text).map_err(|e| e.to_string());
        match read.and_then(|value| crumb_core::json::from_value::<Consent>(value).map_err(|e| e.to_string())) {
            Ok(consent) => Some(consent),
            Err(err) => panic!("localStorage `crumb` is not a crumb_core::Consent ({err}): {text}"),
        }
    }

    /// Waits for a stored consent whose `updated_at` is later than `after` (epoch ms; 0 for any).
    pub async fn wait_stored_consent(&self, after: i64) -> Consent {
        wait_for!(
            self,
            format!("a consent stored in localStorage `crumb` (updated after {after})"),
            self.stored_consent().await.filter(|c| c.updated_at > after)
        )
    }

    /// The entries waiting in the outbox (localStorage `crumb_outbox`: `{endpoint, record}` each, or
    /// a bare record when an older widget wrote it); empty when absent.
    pub async fn outbox(&self) -> Vec<Value> {
        match self.local_storage("crumb_outbox").await {
            None => Vec::new(),
            Some(text) => match serde_json::from_str::<Vec<Value>>(&text) {
                Ok(entries) => entries,
                Err(err) => panic!("localStorage `crumb_outbox` is not a JSON array ({err}): {text}"),
            },
        }
    }

    /// Cookie names (and values) the browser holds for this page, through WebDriver (so
    /// `HttpOnly` cookies count too).
    pub async fn cookies(&self) -> BTreeMap<String, String> {
        match self.client().get_all_cookies().await {
            Ok(cookies) => cookies.iter().map(|c| (c.name().to_owned(), c.value().to_owned())).collect(),
            Err(err) => panic!("reading cookies failed: {err}"),
        }
    }

    pub async fn cookie_names(&self) -> BTreeSet<String> {
        self.cookies().await.into_keys().collect()
    }

    /// `window.dataLayer`, each `arguments` entry (what `gtag()` pushes) turned into an array.
    pub async fn data_layer(&self) -> Vec<Value> {
        self.js(
            "return JSON.parse(JSON.stringify((window.dataLayer || []).map(function (entry) { \
               var isArgs = entry && typeof entry === 'object' && !Array.isArray(entry) \
                 && Object.prototype.toString.call(entry) === '[object Arguments]'; \
               return isArgs ? Array.from(entry) : entry; })));",
            vec![],
        )
        .await
    }

    /// The Consent Mode commands in `dataLayer`, in order: (`default` | `update`, parameters).
    pub async fn consent_mode(&self) -> Vec<(String, Map<String, Value>)> {
        self.data_layer()
            .await
            .into_iter()
            .filter_map(|entry| {
                let items = entry.as_array()?;
                if items.first()?.as_str()? != "consent" {
                    return None;
                }
                Some((items.get(1)?.as_str()?.to_owned(), items.get(2)?.as_object()?.clone()))
            })
            .collect()
    }

    /// The last `gtag('consent', 'update', …)` parameters, if any.
    pub async fn last_consent_update(&self) -> Option<Map<String, Value>> {
        self.consent_mode().await.into_iter().rev().find(|(kind, _)| kind == "update").map(|(_, p)| p)
    }

    /// What the gated demo scripts did on the current page.
    pub async fn gated_runs(&self) -> GatedRuns {
        self.js(
            "return { analytics: document.documentElement.getAttribute('data-demo-analytics'), \
                      ads: document.documentElement.getAttribute('data-demo-ads') };",
            vec![],
        )
        .await
    }

    /// Where keyboard focus is.
    pub async fn focus(&self) -> Focus {
        self.js(
            &format!(
                r#"{ROOT_JS}
                var active = root ? root.activeElement : null;
                var prefs = root ? root.querySelector('{PREFS}') : null;
                var banner = root ? root.querySelector('{BANNER}') : null;
                function describe(el) {{
                  if (!el) return 'nothing';
                  var s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
                  ['data-action', 'data-category', 'role', 'data-crumb-part', 'class'].forEach(function (n) {{
                    var v = el.getAttribute(n); if (v) s += '[' + n + '="' + v + '"]';
                  }});
                  var t = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
                  return t ? s + ' "' + t + '"' : s;
                }}
                var style = active ? getComputedStyle(active) : null;
                return {{
                  in_shadow: !!active,
                  element: active ? describe(active) : 'page: ' + describe(document.activeElement),
                  action: active ? active.getAttribute('data-action') : null,
                  category: active ? active.getAttribute('data-category') : null,
                  role: active ? active.getAttribute('role') : null,
                  in_prefs: !!(active && prefs && prefs.contains(active)),
                  in_banner: !!(active && banner && banner.contains(active)),
                  index: active ? Array.prototype.indexOf.call(root.querySelectorAll('*'), active) : -1,
                  outline_style: style ? style.outlineStyle : '',
                  outline_width: style ? style.outlineWidth : '',
                  box_shadow: style ? style.boxShadow : ''
                }};"#
            ),
            vec![],
        )
        .await
    }

    /// Presses and releases one key on whatever has focus (WebDriver actions: no element is
    /// focused or clicked first).
    pub async fn press(&self, key: Key) {
        let key: char = key.into();
        let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        self.perform(keys).await;
    }

    /// Shift+Tab.
    pub async fn press_shift_tab(&self) {
        let (shift, tab): (char, char) = (Key::Shift.into(), Key::Tab.into());
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift });
        self.perform(keys).await;
    }

    async fn perform(&self, keys: KeyActions) {
        if let Err(err) = self.client().perform_actions(keys).await {
            panic!("key actions failed: {err}");
        }
        let _ = self.client().release_actions().await;
        // The widget's key handlers and the render after them have run. A key may also navigate
        // away (a link), which ends the script early: that is no failure here.
        let _ = self.client().execute_async(&next_frame_script(), vec![]).await;
    }

    /// Waits until the server holds at least `count` records for `consent_id`; gives them all.
    pub async fn wait_records(&self, consent_id: &str, count: usize) -> Vec<ConsentRecord> {
        wait_for!(self, format!("{count} record(s) on the server for consent id {consent_id}"), {
            let records = self.server.records_for(consent_id).await;
            (records.len() >= count).then_some(records)
        })
    }

    /// How many elements inside the shadow element `container` take focus with Tab.
    pub async fn tabbable_count(&self, container: &str) -> usize {
        self.js(
            &format!(
                "{ROOT_JS} {VISIBLE_JS} var box = root && root.querySelector(arguments[0]); if (!box) return 0; \
                 return Array.from(box.querySelectorAll('button, a[href], summary, input, select, textarea, [tabindex]')) \
                   .filter(function (el) {{ return !el.disabled && el.tabIndex >= 0 && visible(el); }}).length;"
            ),
            vec![json!(container)],
        )
        .await
    }

    /// Fails when the console shows a Rust panic or a wasm trap (the widget must never panic).
    pub async fn assert_no_crash(&self) {
        let crashes: Vec<_> = self
            .browser
            .console()
            .await
            .into_iter()
            .filter(|e| {
                let m = &e.message;
                m.contains("panicked at") || m.contains("RuntimeError") || m.contains("unreachable executed")
            })
            .collect();
        assert!(crashes.is_empty(), "the widget crashed: {crashes:#?}\n{}", self.diagnostics().await);
    }

    /// Console, requests and URL, for failure messages.
    pub async fn diagnostics(&self) -> String {
        let url = self.client().current_url().await.map(|u| u.to_string()).unwrap_or_else(|e| format!("? ({e})"));
        let requests = self.server.requests();
        let tail = &requests[requests.len().saturating_sub(40)..];
        format!(
            "--- page: {url}\n--- browser console:\n{}\n--- last requests to the test server:\n  {}\n---",
            self.browser.console_text().await,
            tail.join("\n  ")
        )
    }

    /// Runs `script` with `execute_async` (its last argument is the callback) and deserializes
    /// what it hands to the callback.
    pub async fn js_async<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        let value = match self.client().execute_async(script, args).await {
            Ok(value) => value,
            Err(err) => panic!("async script failed: {err}\nscript: {script}\n{}", self.diagnostics().await),
        };
        match serde_json::from_value(value.clone()) {
            Ok(v) => v,
            Err(err) => panic!("async script result {value} has an unexpected shape: {err}\nscript: {script}"),
        }
    }

    /// A positive marker that the page has caught up with everything queued so far: two
    /// animation frames (a render after the last action), then a task and a microtask. Anything
    /// the widget does synchronously or in a task, microtask or frame after an action (a click, a
    /// key, an API call) has happened when this returns. Works offline (no request).
    pub async fn next_frame(&self) {
        let _: bool = self.js_async(&next_frame_script(), vec![]).await;
    }

    /// Waits until the page has loaded the file at `path` (a part of the widget, say), cached or
    /// not: Resource Timing lists it with its response complete.
    pub async fn wait_loaded(&self, path: &str) {
        wait_for!(self, format!("{path} to be loaded by the page"), {
            let loaded: bool = self
                .js(
                    "var path = arguments[0]; return performance.getEntriesByType('resource').some(function (e) { \
                       return new URL(e.name).pathname === path && e.responseEnd > 0; });",
                    vec![json!(path)],
                )
                .await;
            loaded.then_some(())
        });
    }

    /// [`Shopper::next_frame`], and then a request the page makes has been answered by the test
    /// server: the requests the page started before (a record posted, a script or frame
    /// fetched) have been sent by then. The positive marker to wait for before asserting that
    /// something was not requested, posted or shown.
    pub async fn page_caught_up(&self) {
        let mark = self.server.file(MARK_FILE, "text/plain; charset=utf-8", &[], "mark");
        let answered: Value = self
            .js_async(
                &format!(
                    "var done = arguments[arguments.length - 1]; var url = arguments[0] + '?n=' + Date.now(); \
                     {NEXT_FRAME_FN} nextFrame(function () {{ \
                       window.fetch(url, {{ cache: 'no-store' }}).then(function (r) {{ return r.text(); }}) \
                         .then(function (t) {{ done(t); }}, function (e) {{ done('failed: ' + e); }}); }});"
                ),
                vec![json!(mark)],
            )
            .await;
        assert_eq!(answered, json!("mark"), "the page could not reach the test server\n{}", self.diagnostics().await);
    }

    /// Appends a gated inline script for `category` at the end of `<body>` and waits until the
    /// widget has run it. Gated scripts run in document order through one queue, so when it has
    /// run, every gated script the consent allowed before it has run (or started, for an
    /// external one) too: the positive marker to wait for before asserting that one did not run.
    /// `category` must be allowed by the consent in force (`necessary` after any decision). The
    /// script touches nothing but `window.__crumbE2eSentinels`.
    pub async fn gating_caught_up(&self, category: &str) {
        let id: u64 = self
            .js(
                "window.__crumbE2eSentinels = window.__crumbE2eSentinels || []; \
                 var id = window.__crumbE2eSentinelNext = (window.__crumbE2eSentinelNext || 0) + 1; \
                 var s = document.createElement('script'); s.type = 'text/plain'; \
                 s.setAttribute('data-category', arguments[0]); \
                 s.textContent = 'window.__crumbE2eSentinels.push(' + id + ');'; \
                 document.body.appendChild(s); return id;",
                vec![json!(category)],
            )
            .await;
        wait_for!(self, format!("the gated sentinel script #{id} (data-category=\"{category}\") to run"), {
            let ran: bool = self.js("return (window.__crumbE2eSentinels || []).indexOf(arguments[0]) >= 0;", vec![json!(id)]).await;
            ran.then_some(())
        });
        self.next_frame().await;
    }
}

/// The built-in texts of a language (`www/i18n/<language>.json`).
pub fn texts(language: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../www/i18n/{language}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not a flat JSON object of strings: {e}", path.display()))
}

/// `[("analytics", true), …]` as the map records and consents use.
pub fn choices(pairs: &[(&str, bool)]) -> crumb_core::Map<bool> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}
