//! Delivering consent records exactly once. [`Transport`] is the network (a `fetch` POST with
//! `keepalive`, and `sendBeacon`); [`Outbox`] is the delivery: every record goes into a persisted
//! outbox (localStorage) first, then is POSTed. It leaves the outbox only when the server
//! answered 2xx (or refused it for good with a 4xx, logged in full). Network errors, 5xx, 408,
//! 425 and 429 keep it there: retried with backoff while the page is open, at once when the
//! browser comes back `online` or the page is shown again from the back/forward cache, and on the
//! next page load. On `pagehide` what is left goes by `sendBeacon`. The server keeps one copy per
//! consent id + update time, so the copies that retries, beacons and other tabs may send are
//! stored once. The policy (bound, dedupe, which status retries, backoff) is crumb-core's
//! `outbox` module; this file carries it out.
//!
//! When storage cannot keep the outbox (blocked, or full), this page's memory holds it and
//! delivers from there; the console says once that it could not be persisted.
//!
//! The outbox is shared by every page of the origin, which may post to different endpoints: each
//! entry remembers the endpoint of the page that made it (`crumb_core::outbox::Entry`), and a page
//! delivers (and beacons, and drops on a 4xx) only its own endpoint's entries. The others wait,
//! within the outbox's cap, for a page of theirs.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crumb_core::ids::OUTBOX_KEY;
use crumb_core::outbox::{delivery, endpoint_problem, push_bounded, same_record, Backoff, Delivery, Entry, OUTBOX_CAP};
use crumb_core::ConsentRecord;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::dom::{from_json, listen, to_json, window};
use super::storage::{KeyValueStore, MAX_STORED_BYTES};
use crate::error::{error, warn};

/// A pending HTTP answer: the status, `None` for a network error.
pub type Answer = Pin<Box<dyn Future<Output = Option<u16>>>>;

/// The network.
pub trait Transport {
    /// POSTs a JSON body; resolves to the HTTP status, `None` when no answer came.
    fn post(&self, endpoint: &str, body: String) -> Answer;
    /// Hands a JSON body to `sendBeacon` (tab closing); true when the browser queued it.
    fn beacon(&self, endpoint: &str, body: &str) -> bool;
}

/// `fetch` with `keepalive`, and `navigator.sendBeacon`.
pub struct FetchTransport;

impl Transport for FetchTransport {
    fn post(&self, endpoint: &str, body: String) -> Answer {
        let endpoint = endpoint.to_owned();
        Box::pin(async move {
            let window = window()?;
            let init = web_sys::RequestInit::new();
            init.set_method("POST");
            init.set_body(&JsValue::from_str(&body));
            // keepalive lets the POST finish when the shopper leaves right after deciding.
            let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
            if let Ok(headers) = web_sys::Headers::new() {
                let _ = headers.set("Content-Type", "application/json");
                init.set_headers(&headers);
            }
            let request = web_sys::Request::new_with_str_and_init(&endpoint, &init).ok()?;
            let response = JsFuture::from(window.fetch_with_request(&request)).await.ok()?;
            Some(response.dyn_into::<web_sys::Response>().ok()?.status())
        })
    }

    fn beacon(&self, endpoint: &str, body: &str) -> bool {
        window().and_then(|w| w.navigator().send_beacon_with_opt_str(endpoint, Some(body)).ok()).unwrap_or(false)
    }
}

/// Told why the endpoint does not take records (once per page view).
pub type ProblemListener = Box<dyn Fn(&str)>;

/// The outbox of records on their way to the endpoint.
pub struct Outbox {
    store: Rc<dyn KeyValueStore>,
    transport: Rc<dyn Transport>,
    endpoint: Option<String>,
    /// This page's copy; wins while storage could not keep it.
    memory: RefCell<Vec<Entry>>,
    persisted: Cell<bool>,
    warned_unpersisted: Cell<bool>,
    in_flight: Cell<bool>,
    backoff: Cell<Backoff>,
    /// The first failed delivery's explanation: said once per page view, not per retry.
    problem: RefCell<Option<String>>,
    /// Told that explanation (the debug panel, on a debug origin).
    on_problem: RefCell<Option<ProblemListener>>,
}

impl Outbox {
    /// An outbox delivering to `endpoint` (`None`: records wait, and the console says so).
    pub fn new(store: Rc<dyn KeyValueStore>, transport: Rc<dyn Transport>, endpoint: Option<String>) -> Rc<Outbox> {
        if endpoint.is_none() {
            warn("no endpoint (data-endpoint or config `endpoint`): consent records stay in the outbox");
        }
        Rc::new(Outbox {
            store,
            transport,
            endpoint,
            memory: RefCell::new(Vec::new()),
            persisted: Cell::new(true),
            warned_unpersisted: Cell::new(false),
            in_flight: Cell::new(false),
            backoff: Cell::new(Backoff::default()),
            problem: RefCell::new(None),
            on_problem: RefCell::new(None),
        })
    }

    /// Listens for `pagehide` (beacon what is left), `online` and `pageshow` (retry now), and
    /// starts delivering what earlier pages left.
    pub fn start(self: &Rc<Self>) {
        if let Some(window) = window() {
            let outbox = self.clone();
            listen(&window, "pagehide", move |_| outbox.beacon_all());
            // Back online, or back from the back/forward cache: try now rather than at the next backoff.
            for event in ["online", "pageshow"] {
                let outbox = self.clone();
                listen(&window, event, move |_| {
                    outbox.backoff.set(Backoff::default());
                    outbox.flush();
                });
            }
        }
        self.flush();
    }

    /// The records waiting, for any endpoint, oldest first.
    pub fn pending(&self) -> Vec<Entry> {
        if !self.persisted.get() || !self.store.available() {
            return self.memory.borrow().clone();
        }
        match self.store.get(OUTBOX_KEY) {
            Some(text) => match from_json::<Vec<Entry>>(&text, MAX_STORED_BYTES) {
                Ok(list) => list,
                Err(why) => {
                    warn(&format!("the stored outbox is unreadable ({why}); it is replaced"));
                    self.memory.borrow().clone()
                }
            },
            None => Vec::new(),
        }
    }

    fn save(&self, list: Vec<Entry>) {
        let persisted = if list.is_empty() {
            self.store.remove(OUTBOX_KEY);
            true
        } else {
            self.store.set(OUTBOX_KEY, &to_json(&list)).is_ok()
        };
        *self.memory.borrow_mut() = list;
        self.persisted.set(persisted);
        if !persisted && self.store.available() && !self.warned_unpersisted.replace(true) {
            warn("localStorage is full, so undelivered consent records are kept in this page only; they are sent from here");
        }
    }

    /// Queues a record for this page's endpoint and tries to deliver it now.
    pub fn send(self: &Rc<Self>, record: ConsentRecord) {
        let mut list = self.pending();
        for Entry { record: dropped, .. } in push_bounded(&mut list, Entry { endpoint: self.endpoint.clone(), record }) {
            warn(&format!(
                "the consent-record outbox is full ({OUTBOX_CAP} undelivered records); dropped the record of consent id {} \
                 updated at {} (action {}); the first and the newest records are kept",
                dropped.consent_id,
                dropped.updated_at,
                dropped.action.as_str()
            ));
        }
        self.save(list);
        self.backoff.set(Backoff::default());
        self.flush();
    }

    /// Delivers the outbox, oldest first; stops at the first failure and schedules a retry.
    pub fn flush(self: &Rc<Self>) {
        if self.in_flight.replace(true) {
            return;
        }
        let outbox = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let retry = outbox.deliver_all().await;
            outbox.in_flight.set(false);
            if retry {
                outbox.schedule_retry();
            }
        });
    }

    /// True when something is left to retry.
    async fn deliver_all(&self) -> bool {
        let Some(endpoint) = self.endpoint.clone() else {
            return false;
        };
        for Entry { record, .. } in self.pending().into_iter().filter(|e| e.for_endpoint(&endpoint)) {
            let body = to_json(&record);
            let status = self.transport.post(&endpoint, body.clone()).await;
            let outcome = delivery(status);
            if outcome != Delivery::Delivered {
                self.explain(status, &endpoint, &record.site);
            }
            match outcome {
                Delivery::Delivered => self.remove(&record),
                Delivery::Refused(status) => {
                    // The server will never take it: keep it visible, then stop retrying it.
                    error(&format!("the endpoint refused a consent record with HTTP {status}: {body}"));
                    self.remove(&record);
                }
                Delivery::Retry => return true,
            }
        }
        false
    }

    /// Says once per page view which endpoint failed, from which page origin, and why.
    fn explain(&self, status: Option<u16>, endpoint: &str, site: &str) {
        if self.problem.borrow().is_some() {
            return;
        }
        let origin = window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let problem = endpoint_problem(status, endpoint, &origin, site);
        error(&problem);
        if let Some(listener) = &*self.on_problem.borrow() {
            listener(&problem);
        }
        *self.problem.borrow_mut() = Some(problem);
    }

    /// Calls `listener` with the endpoint's problem when there is one: at once if it already
    /// happened, else when it does (once per page view).
    pub fn on_problem(&self, listener: ProblemListener) {
        if let Some(problem) = &*self.problem.borrow() {
            listener(problem);
        }
        *self.on_problem.borrow_mut() = Some(listener);
    }

    fn remove(&self, record: &ConsentRecord) {
        let mut list = self.pending();
        list.retain(|e| !same_record(&e.record, record));
        self.save(list);
    }

    fn schedule_retry(self: &Rc<Self>) {
        let Some(window) = window() else { return };
        let mut backoff = self.backoff.get();
        let delay = backoff.next_delay();
        self.backoff.set(backoff);
        let outbox = self.clone();
        let callback = Closure::once_into_js(move || outbox.flush());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), delay);
    }

    /// On `pagehide`, hands what is left to `sendBeacon`; the records stay in the outbox until a
    /// later page sees them accepted (the server keeps one copy).
    fn beacon_all(&self) {
        let Some(endpoint) = &self.endpoint else {
            return;
        };
        for entry in self.pending().into_iter().filter(|e| e.for_endpoint(endpoint)) {
            self.transport.beacon(endpoint, &to_json(&entry.record));
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::platform::storage::MemoryStore;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Answers every POST with a fixed status and keeps the bodies.
    struct Answering {
        status: Cell<Option<u16>>,
        posted: RefCell<Vec<String>>,
    }

    impl Transport for Answering {
        fn post(&self, _endpoint: &str, body: String) -> Answer {
            self.posted.borrow_mut().push(body);
            let status = self.status.get();
            Box::pin(async move { status })
        }
        fn beacon(&self, _endpoint: &str, _body: &str) -> bool {
            true
        }
    }

    fn record() -> ConsentRecord {
        let text = r#"{"schema":1,"consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","site":"s","revision":1,"action":"custom",
            "categories":{"necessary":true},"language":"en","gpc":false,"given_at":"2026-01-01T00:00:00.000Z",
            "updated_at":"2026-01-01T00:00:01.000Z","url_path":"/"}"#;
        from_json(text, MAX_STORED_BYTES).unwrap()
    }

    /// The records waiting, whatever their endpoint.
    fn records(outbox: &Outbox) -> Vec<ConsentRecord> {
        outbox.pending().into_iter().map(|e| e.record).collect()
    }

    /// Answers each endpoint with its own status (a network error for any other) and notes
    /// where each body went.
    struct PerEndpoint {
        statuses: Vec<(&'static str, u16)>,
        posted: RefCell<Vec<(String, String)>>,
        beaconed: RefCell<Vec<String>>,
    }

    fn per_endpoint(statuses: Vec<(&'static str, u16)>) -> Rc<PerEndpoint> {
        Rc::new(PerEndpoint { statuses, posted: RefCell::default(), beaconed: RefCell::default() })
    }

    impl Transport for PerEndpoint {
        fn post(&self, endpoint: &str, body: String) -> Answer {
            self.posted.borrow_mut().push((endpoint.to_owned(), body));
            let status = self.statuses.iter().find(|(e, _)| *e == endpoint).map(|(_, s)| *s);
            Box::pin(async move { status })
        }
        fn beacon(&self, endpoint: &str, _body: &str) -> bool {
            self.beaconed.borrow_mut().push(endpoint.to_owned());
            true
        }
    }

    async fn settle() {
        // Two macrotask turns: the spawned delivery has run.
        for _ in 0..2 {
            let tick = js_sys::Promise::new(&mut |resolve, _| {
                let _ = window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            });
            let _ = JsFuture::from(tick).await;
        }
    }

    /// Lets the spawned delivery run to its end without leaving the task: microtasks only, so
    /// nothing else on the page (the test runner's WebDriver polls among them, which read
    /// their answers through the page's `JSON`) can run while a test has polluted a global.
    async fn microtasks() {
        for _ in 0..16 {
            let _ = JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED)).await;
        }
    }

    #[wasm_bindgen_test]
    async fn a_full_storage_still_posts_the_record_from_memory() {
        let store = Rc::new(MemoryStore::default());
        store.full.set(true);
        let network = Rc::new(Answering { status: Cell::new(None), posted: RefCell::new(Vec::new()) });
        let outbox = Outbox::new(store.clone(), network.clone(), Some("/api/consent".into()));
        outbox.send(record());
        settle().await;
        assert_eq!(network.posted.borrow().len(), 1, "posted although storage is full");
        assert_eq!(records(&outbox), vec![record()], "kept in memory while the endpoint is down");
        assert_eq!(store.get(OUTBOX_KEY), None);
        network.status.set(Some(201));
        outbox.flush();
        settle().await;
        assert!(outbox.pending().is_empty(), "delivered, then gone");
    }

    /// A CORS refusal reaches the page as a network error: the site owner is told once which
    /// endpoint, from which origin, and the flag that would allow it; the record waits.
    #[wasm_bindgen_test]
    async fn an_unreachable_endpoint_is_explained_once_per_page_view_and_the_record_waits() {
        let store = Rc::new(MemoryStore::default());
        let network = Rc::new(Answering { status: Cell::new(None), posted: RefCell::new(Vec::new()) });
        let outbox = Outbox::new(store, network.clone(), Some("https://log.example/api/consent".into()));
        let told = Rc::new(RefCell::new(Vec::<String>::new()));
        let sink = told.clone();
        outbox.on_problem(Box::new(move |problem| sink.borrow_mut().push(problem.to_owned())));
        outbox.send(record());
        settle().await;
        for _ in 0..3 {
            outbox.flush();
            settle().await;
        }
        assert!(network.posted.borrow().len() >= 2, "retried");
        let told = told.borrow();
        assert_eq!(told.len(), 1, "once per page view, not per retry: {told:?}");
        let origin = window().unwrap().location().origin().unwrap();
        for part in ["`https://log.example/api/consent`", &format!("`{origin}`"), &format!("--allow-origin s={origin}")] {
            assert!(told[0].contains(part), "no {part} in {}", told[0]);
        }
        assert_eq!(records(&outbox), vec![record()], "the record waits in the outbox");
        // A listener that comes later is told what already happened.
        let late = Rc::new(Cell::new(false));
        let seen = late.clone();
        outbox.on_problem(Box::new(move |_| seen.set(true)));
        assert!(late.get());
    }

    /// Two pages of one origin post to different endpoints and share the stored outbox: a record
    /// made on the page of `/shop/consent` (down for now) is never posted by the page of
    /// `/b2b/consent`, so that endpoint's 4xx cannot drop it; it waits for a page of its own.
    #[wasm_bindgen_test]
    async fn a_record_is_delivered_only_to_the_endpoint_it_was_made_for() {
        let store = Rc::new(MemoryStore::default());
        let (shop, b2b) = ("https://shop.example/shop/consent", "https://shop.example/b2b/consent");
        let down = per_endpoint(vec![(shop, 503)]);
        Outbox::new(store.clone(), down.clone(), Some(shop.into())).send(record());
        settle().await;
        assert_eq!(down.posted.borrow().len(), 1, "the shop page posted its record");

        let network = per_endpoint(vec![(b2b, 400)]);
        let other_page = Outbox::new(store.clone(), network.clone(), Some(b2b.into()));
        other_page.flush();
        settle().await;
        other_page.beacon_all();
        assert!(network.posted.borrow().is_empty(), "posted to an endpoint it was not made for: {:?}", network.posted.borrow());
        assert!(network.beaconed.borrow().is_empty(), "beaconed to an endpoint it was not made for");
        assert_eq!(records(&other_page), vec![record()], "the record was dropped by another page's endpoint");

        // Back on a page of its own endpoint, it is delivered and leaves the outbox.
        let up = per_endpoint(vec![(shop, 201)]);
        Outbox::new(store.clone(), up.clone(), Some(shop.into())).flush();
        settle().await;
        assert_eq!(up.posted.borrow().iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(), [shop]);
        assert_eq!(store.get(OUTBOX_KEY), None, "delivered, then gone");
    }

    /// An outbox stored by an older widget holds bare records, made for no endpoint it names:
    /// the first page delivers them, as it did.
    #[wasm_bindgen_test]
    async fn an_older_outbox_of_bare_records_is_still_delivered() {
        let store = Rc::new(MemoryStore::default());
        store.set(OUTBOX_KEY, &format!("[{}]", to_json(&record()))).unwrap();
        let network = per_endpoint(vec![("/api/consent", 204)]);
        Outbox::new(store.clone(), network.clone(), Some("/api/consent".into())).flush();
        settle().await;
        assert_eq!(network.posted.borrow().len(), 1);
        assert_eq!(from_json::<ConsentRecord>(&network.posted.borrow()[0].1, usize::MAX).unwrap(), record());
        assert_eq!(store.get(OUTBOX_KEY), None);
    }

    #[wasm_bindgen_test]
    async fn a_blocked_storage_keeps_the_outbox_in_memory_and_delivers_it() {
        let store = Rc::new(MemoryStore::default());
        store.blocked.set(true);
        let network = Rc::new(Answering { status: Cell::new(Some(503)), posted: RefCell::new(Vec::new()) });
        let outbox = Outbox::new(store.clone(), network.clone(), Some("/api/consent".into()));
        outbox.send(record());
        settle().await;
        assert_eq!(network.posted.borrow().len(), 1, "posted although storage is blocked");
        assert_eq!(records(&outbox), vec![record()], "kept in memory while the endpoint is down");
        network.status.set(Some(204));
        outbox.flush();
        settle().await;
        assert!(outbox.pending().is_empty(), "delivered, then gone");
        assert_eq!(network.posted.borrow().len(), 2);
    }

    #[wasm_bindgen_test]
    async fn an_outbox_survives_a_page_that_pollutes_array_to_json() {
        let array_proto = js_sys::Reflect::get(&js_sys::Array::new(), &"__proto__".into()).unwrap();
        let polluter = Closure::<dyn Fn() -> JsValue>::new(|| JsValue::from_str("polluted")).into_js_value();
        js_sys::Reflect::set(&array_proto, &"toJSON".into(), &polluter).unwrap();
        let store = Rc::new(MemoryStore::default());
        let network = Rc::new(Answering { status: Cell::new(Some(503)), posted: RefCell::new(Vec::new()) });
        let outbox = Outbox::new(store.clone(), network, Some("/api/consent".into()));
        outbox.send(record());
        microtasks().await;
        let stored = store.get(OUTBOX_KEY).unwrap_or_default();
        js_sys::Reflect::delete_property(array_proto.unchecked_ref::<js_sys::Object>(), &"toJSON".into()).unwrap();
        assert!(stored.starts_with("[{"), "{stored}");
        assert_eq!(records(&Outbox::new(store, Rc::new(FetchTransport), None)), vec![record()]);
    }

    #[wasm_bindgen_test]
    async fn a_replaced_json_stringify_changes_no_record() {
        let json = js_sys::Reflect::get(&js_sys::global(), &"JSON".into()).unwrap();
        let original = js_sys::Reflect::get(&json, &"stringify".into()).unwrap();
        let liar = Closure::<dyn Fn() -> JsValue>::new(|| JsValue::from_str("{\"forged\":true}")).into_js_value();
        js_sys::Reflect::set(&json, &"stringify".into(), &liar).unwrap();
        let store = Rc::new(MemoryStore::default());
        let network = Rc::new(Answering { status: Cell::new(Some(204)), posted: RefCell::new(Vec::new()) });
        let outbox = Outbox::new(store.clone(), network.clone(), Some("/api/consent".into()));
        outbox.send(record());
        microtasks().await;
        js_sys::Reflect::set(&json, &"stringify".into(), &original).unwrap();
        let posted = network.posted.borrow().clone();
        assert_eq!(posted.len(), 1);
        assert_eq!(from_json::<ConsentRecord>(&posted[0], usize::MAX).unwrap(), record(), "{}", posted[0]);
    }
}
