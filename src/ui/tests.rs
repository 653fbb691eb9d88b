//! Component tests in a real headless Chromium (wasm-bindgen-test): the widget is booted the
//! way loader.js boots it, from an inline config element, and inspected through its shadow root.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

use std::cell::Cell;

use crate::boot;
use crate::platform::config_input::read_config;
use crate::platform::cookies::CookieJar;
use crate::platform::loader::LoaderOptions;
use crate::platform::{document, window};
use crate::widget::Widget;

thread_local! {
    /// The widget the current test booted (tests boot one after another on one page).
    static CURRENT: Cell<Option<Widget>> = const { Cell::new(None) };
}

fn current() -> Widget {
    CURRENT.with(|c| c.get()).expect("a booted widget")
}

wasm_bindgen_test_configure!(run_in_browser);

const DEMO_PAGE: &str = include_str!("../../index.html");
const CSS: &str = include_str!("../../www/crumb.css");

/// The demo page's inline config, as the site owner wrote it.
fn demo_config() -> String {
    let start = DEMO_PAGE.find(r#"id="crumb-config">"#).map(|i| i + r#"id="crumb-config">"#.len()).unwrap_or(0);
    let end = DEMO_PAGE[start..].find("</script>").map(|i| start + i).unwrap_or(start);
    DEMO_PAGE[start..end].to_owned()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn shadow() -> Option<web_sys::ShadowRoot> {
    document()?.get_element_by_id("crumb-root")?.shadow_root()
}

fn find(selector: &str) -> Option<Element> {
    shadow()?.query_selector(selector).ok()?
}

fn find_all(selector: &str) -> Vec<Element> {
    let Some(list) = shadow().and_then(|s| s.query_selector_all(selector).ok()) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// Waits up to 5 s for a selector in the shadow root.
async fn wait_for(selector: &str) -> Element {
    for _ in 0..250 {
        if let Some(found) = find(selector) {
            return found;
        }
        sleep(20).await;
    }
    panic!("`{selector}` never appeared in the widget");
}

async fn wait_until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..250 {
        if check() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting until {what}");
}

fn click(selector: &str) {
    match find(selector).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
        Some(element) => element.click(),
        None => panic!("nothing to click at `{selector}`"),
    }
}

fn local(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

fn html_document() -> web_sys::HtmlDocument {
    crate::platform::dom::html_document().expect("an HTML document")
}

/// A clean page: no widget, no storage, no cookies, no gated elements from earlier tests.
fn clean_page() {
    let doc = document().expect("document");
    // The widget of the test before stops watching the page and takes its host away.
    if let Some(widget) = CURRENT.with(|c| c.take()) {
        widget.stop();
    }
    for selector in ["#crumb-root", "#crumb-debug", "#crumb-config", "[data-test-gated]"] {
        if let Ok(list) = doc.query_selector_all(selector) {
            for i in 0..list.length() {
                if let Some(node) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    node.remove();
                }
            }
        }
    }
    if let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
    if let Some(w) = window() {
        let _ = js_sys::Reflect::delete_property(&w, &"Crumb".into());
    }
    for (name, _) in crate::platform::cookies::DocumentCookies.pairs() {
        let _ = html_document().set_cookie(&format!("{name}=; max-age=0; path=/"));
    }
}

/// Adds the site owner's inline config element and starts the widget as loader.js does.
fn start_with(config: &str) {
    start_with_options(config, &js_sys::Object::new());
}

/// [`start_with`] with the options loader.js would hand over.
fn start_with_options(config: &str, options: &js_sys::Object) {
    let doc = document().expect("document");
    let element = doc.create_element("script").expect("script");
    let _ = element.set_attribute("type", "application/json");
    element.set_id("crumb-config");
    element.set_text_content(Some(config));
    let _ = doc.body().expect("body").append_child(&element);
    let options = LoaderOptions::from_js(options);
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(widget) = boot::boot(options).await {
            CURRENT.with(|c| c.set(Some(widget)));
        }
    });
}

/// Boots the widget on a clean page and waits for `Crumb.ready`.
async fn boot_with(config: &str) {
    clean_page();
    start_with(config);
    let doc = document().expect("document");
    wait_until("the widget is ready", || api_bool("ready")).await;
    // The mount stays hidden until the stylesheet link settles (here: fails, the runner does not
    // serve it); before that nothing has a layout box and focus cannot move into a dialog.
    wait_until("the widget is revealed", || find("div.crumb").is_some_and(|c| c.closest("[hidden]").ok().flatten().is_none())).await;
    // The runner does not serve crumb.css from the widget's folder: give the shadow root the
    // real stylesheet so sizes and layout can be checked.
    if let Some(root) = shadow() {
        let style = doc.create_element("style").expect("style");
        style.set_text_content(Some(CSS));
        let _ = root.append_child(&style);
    }
}

fn api() -> JsValue {
    window().and_then(|w| js_sys::Reflect::get(&w, &"Crumb".into()).ok()).unwrap_or(JsValue::UNDEFINED)
}

fn api_bool(name: &str) -> bool {
    js_sys::Reflect::get(&api(), &name.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

fn api_call(name: &str, argument: &str) -> JsValue {
    let function: Option<js_sys::Function> = js_sys::Reflect::get(&api(), &name.into()).ok().and_then(|f| f.dyn_into().ok());
    function.and_then(|f| f.call1(&api(), &argument.into()).ok()).unwrap_or(JsValue::UNDEFINED)
}

fn attr(selector: &str, name: &str) -> Option<String> {
    find(selector)?.get_attribute(name)
}

#[wasm_bindgen_test]
async fn first_layer_offers_three_choices_of_equal_size_and_weight() {
    boot_with(&demo_config()).await;
    let banner = wait_for("[data-crumb-part=banner]").await;
    assert_eq!(banner.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(attr("[data-crumb-part=banner]", "aria-labelledby").as_deref(), Some("crumb-banner-title"));
    assert!(find("#crumb-banner-title").is_some() && find("#crumb-banner-text").is_some());
    assert_eq!(attr("a.crumb-policy-link", "href").as_deref(), Some("/demo/privacy.html"));
    // Shown once the stylesheet link has settled.
    wait_until("the banner is laid out", || banner.get_bounding_client_rect().height() > 0.0).await;
    let buttons: Vec<Element> = ["accept-all", "reject-all", "customize"]
        .iter()
        .map(|a| find(&format!("[data-crumb-part=banner] [data-action={a}]")).expect("button"))
        .collect();
    let labels: Vec<String> = buttons.iter().map(|b| b.text_content().unwrap_or_default().trim().to_owned()).collect();
    assert_eq!(labels, ["Accept all", "Reject all", "Customize"]);
    let window = window().expect("window");
    let look = |b: &Element| {
        let rect = b.get_bounding_client_rect();
        let style = window.get_computed_style(b).ok().flatten().expect("style");
        let get = |p: &str| style.get_property_value(p).unwrap_or_default();
        (
            (rect.width().round() as i64, rect.height().round() as i64),
            get("font-weight"),
            get("font-size"),
            get("color"),
            get("background-color"),
        )
    };
    let first = look(&buttons[0]);
    assert!(first.0 .0 > 0 && first.0 .1 >= 44, "buttons are big enough to tap: {:?}", first.0);
    for button in &buttons[1..] {
        assert_eq!(look(button), first, "Reject all and Customize look exactly like Accept all");
    }
}

#[wasm_bindgen_test]
async fn the_banner_says_the_purposes_of_the_sites_own_categories_only() {
    // No preferences and no marketing, but a category of the site's own, after analytics.
    let config = r#"{
        "site": "t", "revision": 1, "languages": ["en"], "policy_url": "/privacy",
        "categories": [{ "id": "necessary", "required": true }, { "id": "analytics" }, { "id": "social" }],
        "texts": { "en": {
            "category.social.title": "Social media",
            "category.social.purpose": "Social media cookies let you share products with friends."
        } }
    }"#;
    boot_with(config).await;
    let text = wait_for("#crumb-banner-text").await.text_content().unwrap_or_default();
    assert_eq!(
        text,
        "We use cookies that our website needs to work. With your consent, we also use optional cookies. \
         Analytics cookies count visits and show us how our pages are used. \
         Social media cookies let you share products with friends. \
         You can change your choice at any time. More in our privacy policy."
    );
    for absent in ["Marketing", "ads", "Preference", "shop"] {
        assert!(!text.contains(absent), "`{absent}` in: {text}");
    }
}

#[wasm_bindgen_test]
async fn accept_all_stores_the_consent_and_leaves_a_reopen_button() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(false), "denied before any choice");
    click("[data-action=accept-all]");
    wait_for("[data-action=reopen]").await;
    assert!(find("[data-crumb-part=banner]").is_none());
    let stored = local("crumb").expect("consent stored");
    let value = js_sys::JSON::parse(&stored).expect("JSON");
    let categories = js_sys::Reflect::get(&value, &"categories".into()).expect("categories");
    for category in ["necessary", "preferences", "analytics", "marketing"] {
        assert_eq!(js_sys::Reflect::get(&categories, &category.into()).ok().and_then(|v| v.as_bool()), Some(true), "{category}");
    }
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(true));
    assert_eq!(api_call("acceptedService", "demo-ads").as_bool(), Some(true));
    let cookie = html_document().cookie().unwrap_or_default();
    assert!(cookie.contains("crumb_consent="), "mirrored to the cookie: {cookie}");
    assert!(local("crumb_outbox").is_some(), "the record waits in the outbox (no endpoint here)");
}

/// Reopens the preference center, rejects all, and reads the records waiting in the outbox (the
/// tests have no endpoint, so every record stays there).
async fn reject_again_and_read_outbox() -> Vec<crumb_core::ConsentRecord> {
    click("[data-action=reopen]");
    wait_for("[data-action=reject-all]").await;
    click("[data-action=reject-all]");
    wait_for("[data-action=reopen]").await;
    let entries: Vec<crumb_core::outbox::Entry> =
        crate::platform::dom::from_json(&local("crumb_outbox").unwrap_or_default(), usize::MAX).expect("the outbox");
    entries.into_iter().map(|entry| entry.record).collect()
}

/// The consent id is derived from a secret that only localStorage holds (crumb_core::proof): the
/// record carries it, the cookie never does, and later decisions prove the same id.
#[wasm_bindgen_test]
async fn records_carry_the_secret_the_consent_id_is_made_from_and_the_cookie_does_not() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    click("[data-action=accept-all]");
    wait_for("[data-action=reopen]").await;
    let key = local("crumb_key").expect("the secret is kept");
    let (id, secret) = key.split_once(' ').expect("`<id> <secret>`");
    assert!(crumb_core::proof::is_secret(secret), "{key}");
    assert_eq!(crumb_core::proof::consent_id_for(secret), id, "the id is the secret's");
    let stored: crumb_core::Consent = crate::platform::dom::from_json(&local("crumb").unwrap_or_default(), usize::MAX).expect("consent");
    assert_eq!(stored.id, id);
    let cookie = html_document().cookie().unwrap_or_default();
    assert!(cookie.contains("crumb_consent=") && !cookie.contains(secret), "the cookie never carries the secret: {cookie}");
    let outbox = reject_again_and_read_outbox().await;
    assert_eq!(outbox.len(), 2, "{outbox:?}");
    for record in &outbox {
        assert_eq!((record.consent_id.as_str(), record.secret.as_deref()), (id, Some(secret)), "both decisions prove the one id");
    }
    assert_eq!(local("crumb_key").as_deref(), Some(key.as_str()), "the same secret");
}

/// A consent whose secret this browser does not hold (adopted from another subdomain's cookie,
/// which has its own localStorage) is not continued under its id: the server would refuse the
/// record. The next decision starts an id of this browser's own.
#[wasm_bindgen_test]
async fn a_consent_without_its_secret_here_is_recorded_under_an_id_of_our_own() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    click("[data-action=accept-all]");
    wait_for("[data-action=reopen]").await;
    let theirs = local("crumb_key").and_then(|k| k.split_once(' ').map(|(id, _)| id.to_owned())).expect("an id");
    let storage = window().and_then(|w| w.local_storage().ok().flatten()).expect("storage");
    let _ = storage.remove_item("crumb_key");
    let _ = storage.remove_item("crumb_outbox");
    let stored = local("crumb").expect("consent");
    clean_page();
    let _ = storage.set_item("crumb", &stored);
    start_with(&demo_config());
    wait_for("[data-action=reopen]").await;
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(true), "the consent holds");
    let outbox = reject_again_and_read_outbox().await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let record = &outbox[0];
    assert_ne!(record.consent_id, theirs, "not under an id it cannot prove");
    assert_eq!(record.secret.as_deref().map(crumb_core::proof::consent_id_for).as_deref(), Some(record.consent_id.as_str()));
    assert_eq!(record.categories.get("analytics"), Some(&false));
}

#[wasm_bindgen_test]
async fn preference_center_has_no_pre_ticked_boxes_and_locks_required_on() {
    boot_with(&demo_config()).await;
    wait_for("[data-action=customize]").await;
    click("[data-action=customize]");
    let dialog = wait_for("[data-crumb-part=preferences]").await;
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    assert_eq!(dialog.get_attribute("aria-labelledby").as_deref(), Some("crumb-prefs-title"));
    assert_eq!(dialog.get_attribute("aria-describedby").as_deref(), Some("crumb-prefs-text"));
    let switches = find_all("button[role=switch]");
    assert_eq!(switches.len(), 4);
    for switch in &switches {
        let category = switch.get_attribute("data-category").unwrap_or_default();
        let checked = switch.get_attribute("aria-checked");
        let labelled = switch.get_attribute("aria-labelledby").unwrap_or_default();
        assert!(!labelled.is_empty(), "{category} switch has a label");
        for id in labelled.split_whitespace() {
            assert!(find(&format!("#{id}")).is_some(), "{category} switch's label #{id} exists");
        }
        // The title first; a locked switch's visible "Always on" is part of its name too.
        assert_eq!(labelled.split_whitespace().next(), Some(format!("crumb-cat-{category}-title").as_str()));
        assert_eq!(labelled.contains(&format!("crumb-cat-{category}-always")), category == "necessary", "{category}: {labelled}");
        if category == "necessary" {
            assert_eq!(checked.as_deref(), Some("true"));
            assert!(switch.has_attribute("disabled") && switch.get_attribute("aria-disabled").as_deref() == Some("true"));
        } else {
            assert_eq!(checked.as_deref(), Some("false"), "{category} is not pre-ticked");
        }
    }
    // The cookie table states name, provider, purpose, duration and party.
    let row = find("[data-service=demo-analytics] tr[data-cookie]").expect("a cookie row");
    let cells: Vec<String> = (0..row.children().length()).filter_map(|i| row.children().item(i)?.text_content()).collect();
    assert_eq!(cells, ["^_demo_ga(_.*)?$", "Demo Analytics Inc.", "Tells visits apart to count them.", "2 years", "Another company"]);

    click("button[role=switch][data-category=analytics]");
    wait_until("analytics is switched on", || {
        attr("button[role=switch][data-category=analytics]", "aria-checked").as_deref() == Some("true")
    })
    .await;
    click("button[role=switch][data-category=necessary]");
    assert_eq!(attr("button[role=switch][data-category=necessary]", "aria-checked").as_deref(), Some("true"));
    click("[data-crumb-part=preferences] [data-action=save]");
    wait_for("[data-action=reopen]").await;
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(true));
    assert_eq!(api_call("acceptedCategory", "marketing").as_bool(), Some(false));
    let outbox = local("crumb_outbox").unwrap_or_default();
    assert!(outbox.contains("\"action\":\"custom\""), "{outbox}");
}

#[wasm_bindgen_test]
async fn escape_closes_the_preference_center_without_consent_and_gives_focus_back() {
    boot_with(&demo_config()).await;
    let customize = wait_for("[data-action=customize]").await.dyn_into::<HtmlElement>().expect("button");
    let _ = customize.focus();
    customize.click();
    wait_for("[data-crumb-part=preferences]").await;
    wait_until("focus moved into the dialog", || {
        crate::ui::focus::active(current()).is_some_and(|a| a.closest("[data-crumb-part=preferences]").ok().flatten().is_some())
    })
    .await;
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    let active = crate::ui::focus::active(current()).expect("focused element");
    let _ = active.dispatch_event(&event);
    wait_until("the dialog closed", || find("[data-crumb-part=preferences]").is_none()).await;
    assert!(find("[data-crumb-part=banner]").is_some(), "closing is not consent: the banner is back");
    assert!(local("crumb").is_none());
    wait_until("focus is back on Customize", || {
        crate::ui::focus::active(current()).and_then(|a| a.get_attribute("data-action")).as_deref() == Some("customize")
    })
    .await;
}

#[wasm_bindgen_test]
async fn gated_scripts_wait_for_consent_and_refusal_scripts_run_on_refusal() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    let doc = document().expect("document");
    let body = doc.body().expect("body");
    for (category, code) in [
        ("analytics", "window.__crumbTestAnalytics = (window.__crumbTestAnalytics || 0) + 1;"),
        ("!analytics", "window.__crumbTestRefused = 1;"),
        ("preferences", "window.__crumbTestPreferences = 1;"),
    ] {
        let script = doc.create_element("script").expect("script");
        let _ = script.set_attribute("type", "text/plain");
        let _ = script.set_attribute("data-category", category);
        let _ = script.set_attribute("data-test-gated", "");
        script.set_text_content(Some(code));
        let _ = body.append_child(&script);
    }
    // A gated image in the same batch: once the widget has marked it blocked, it has seen the
    // scripts too (the positive marker before asserting that nothing ran).
    let marker = doc.create_element("img").expect("img");
    let _ = marker.set_attribute("data-src", "marker-test.png");
    let _ = marker.set_attribute("data-category", "analytics");
    let _ = marker.set_attribute("data-placeholder", "false");
    let _ = marker.set_attribute("data-test-gated", "");
    let _ = body.append_child(&marker);
    let read = |name: &str| window().and_then(|w| js_sys::Reflect::get(&w, &name.into()).ok()).and_then(|v| v.as_f64());
    wait_until("the widget has seen the gated elements", || marker.get_attribute("data-crumb-state").as_deref() == Some("blocked")).await;
    assert_eq!(read("__crumbTestAnalytics"), None, "nothing runs before consent");
    click("[data-action=reject-all]");
    wait_until("the refusal script ran", || read("__crumbTestRefused") == Some(1.0)).await;
    assert_eq!(read("__crumbTestAnalytics"), None);
    api_call("acceptCategory", "analytics");
    wait_until("the analytics script ran", || read("__crumbTestAnalytics") == Some(1.0)).await;
    // Granting preferences as well runs its script; scripts run in document order, so by then a
    // second run of the analytics script would have happened.
    let both = js_sys::Array::of2(&"analytics".into(), &"preferences".into());
    let accept: js_sys::Function = js_sys::Reflect::get(&api(), &"acceptCategory".into()).expect("acceptCategory").unchecked_into();
    let _ = accept.call1(&api(), &both);
    wait_until("the preferences script ran", || read("__crumbTestPreferences") == Some(1.0)).await;
    assert_eq!(read("__crumbTestAnalytics"), Some(1.0), "a gated script runs once per page");
}

#[wasm_bindgen_test]
async fn withdrawing_analytics_erases_its_cookies_by_pattern() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    click("[data-action=accept-all]");
    wait_for("[data-action=reopen]").await;
    let doc = html_document();
    let _ = doc.set_cookie("_demo_ga=GA1.1.1.1; path=/; max-age=600");
    let _ = doc.set_cookie("_demo_ga_ABC=GS1.1; path=/; max-age=600");
    let _ = doc.set_cookie("_demo_ads=px; path=/; max-age=600");
    api_call("acceptCategory", "marketing");
    wait_until("analytics cookies are gone", || !doc.cookie().unwrap_or_default().contains("_demo_ga")).await;
    assert!(doc.cookie().unwrap_or_default().contains("_demo_ads="), "marketing stays: it is still granted");
    assert!(local("crumb_outbox").unwrap_or_default().contains("\"action\":\"withdraw\""));
}

#[wasm_bindgen_test]
async fn corrupted_stored_consent_asks_again() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    clean_page();
    if let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item("crumb", "{\"v\":1,\"id\":\"x\",\"categories\":{\"analytics\":true}}");
    }
    start_with(&demo_config());
    wait_for("[data-crumb-part=banner]").await;
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(false), "a corrupted value grants nothing");
}

#[wasm_bindgen_test]
async fn blocked_storage_keeps_working_in_memory() {
    let window = window().expect("window");
    let thrower = js_sys::Function::new_no_args("throw new DOMException('blocked', 'SecurityError');");
    let descriptor = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&descriptor, &"get".into(), &thrower);
    let _ = js_sys::Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE);
    let original = js_sys::Object::get_own_property_descriptor(&window, &"localStorage".into());
    clean_page();
    js_sys::Object::define_property(&window, &"localStorage".into(), &descriptor);
    assert!(window.local_storage().is_err(), "storage is blocked for this test");
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    click("[data-action=reject-all]");
    wait_for("[data-action=reopen]").await;
    assert_eq!(api_call("acceptedCategory", "necessary").as_bool(), Some(true));
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(false));
    if original.is_object() {
        js_sys::Object::define_property(&window, &"localStorage".into(), &original.unchecked_into());
    } else {
        let _ = js_sys::Reflect::delete_property(&window, &"localStorage".into());
    }
    assert!(window.local_storage().is_ok());
}

#[wasm_bindgen_test]
async fn config_errors_from_the_browser_name_the_bad_field() {
    let bad = demo_config().replace("\"30 days\"", "\"30 dayz\"");
    match read_config(&bad).await {
        Err(crate::error::CrumbError::Config(errors)) => {
            assert!(errors.names("categories[1].services[0].cookies[0].duration"), "{errors}");
        }
        other => panic!("expected a config error, got {:?}", other.map(|c| c.site)),
    }
    let bad_pattern = demo_config().replace("^_demo_ga(_.*)?$", "^_demo_ga(");
    match read_config(&bad_pattern).await {
        Err(crate::error::CrumbError::Config(errors)) => {
            assert!(errors.names("categories[2].services[0].cookies[0].pattern"), "{errors}");
        }
        other => panic!("expected a pattern error, got {:?}", other.map(|c| c.site)),
    }
    assert!(matches!(read_config("{not json").await, Err(crate::error::CrumbError::ConfigMissing(_))));
    // A misspelt field is refused, with its path, not skipped.
    let unknown = demo_config().replace("\"required\": true,", "\"required\": true, \"colour\": \"red\",");
    match read_config(&unknown).await {
        Err(crate::error::CrumbError::Config(errors)) => {
            assert!(errors.names("categories[0].colour"), "{errors}")
        }
        other => panic!("expected an unknown-field error, got {:?}", other.map(|c| c.site)),
    }
    let top = demo_config().replacen("{", "{ \"sitee\": \"typo\",", 1);
    match read_config(&top).await {
        Err(crate::error::CrumbError::Config(errors)) => assert!(errors.names("sitee"), "{errors}"),
        other => panic!("expected an unknown-field error, got {:?}", other.map(|c| c.site)),
    }
}

#[wasm_bindgen_test]
async fn every_config_error_shows_at_once_each_with_its_path() {
    // An unknown field, a broken rule and a pattern only the browser can refuse, in one config.
    let bad = demo_config().replacen("{", "{ \"colour\": \"red\",", 1).replace("\"revision\": 1", "\"revision\": 1, \"expiry_days\": 0");
    let bad = bad.replace("^_demo_ga(_.*)?$", "^_demo_ga(");
    match read_config(&bad).await {
        Err(crate::error::CrumbError::Config(errors)) => {
            for path in ["colour", "expiry_days", "categories[2].services[0].cookies[0].pattern"] {
                assert!(errors.names(path), "expected an error at `{path}`: {errors}");
            }
        }
        other => panic!("expected config errors, got {:?}", other.map(|c| c.site)),
    }
    // A wrong-typed value stops typing there; its path is named, and the unknown field before it.
    let typed = demo_config().replacen("{", "{ \"colour\": \"red\",", 1).replace("\"revision\": 1", "\"revision\": 1.5");
    match read_config(&typed).await {
        Err(crate::error::CrumbError::Config(errors)) => {
            assert!(errors.names("colour") && errors.names("revision"), "{errors}");
            assert!(errors.to_string().contains("invalid type: a number with a fraction, expected u32"), "{errors}");
        }
        other => panic!("expected config errors, got {:?}", other.map(|c| c.site)),
    }
}

#[wasm_bindgen_test]
async fn a_broken_config_leaves_everything_denied_and_no_banner() {
    let bad = demo_config().replace("\"revision\": 1", "\"revision\": \"one\"");
    clean_page();
    start_with(&bad);
    let doc = document().expect("document");
    wait_until("the unconfigured API is installed", || {
        js_sys::Reflect::get(&api(), &"ready".into()).ok().and_then(|v| v.as_bool()) == Some(false)
    })
    .await;
    // The unconfigured API is installed after boot gave up, never before a host could exist.
    assert!(doc.get_element_by_id("crumb-root").is_none());
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(false));
}

/// A config with independent mistakes on the site owner's machine (the test page is served on
/// 127.0.0.1): the debug panel lists every one at its path, grants nothing and closes.
#[wasm_bindgen_test]
async fn a_debug_origin_shows_every_config_error_in_a_panel() {
    let bad = demo_config()
        .replace("\"revision\": 1,", "\"revision\": 1, \"catgories\": [], \"expiry_days\": 0,")
        .replace("\"policy_url\": \"/demo/privacy.html\"", "\"policy_url\": \"javascript:alert(1)\"")
        .replace("\"id\": \"preferences\"", "\"id\": \"loyalty\"");
    clean_page();
    start_with(&bad);
    let doc = document().expect("document");
    let panel_root = || doc.get_element_by_id("crumb-debug").and_then(|host| host.shadow_root());
    wait_until("the debug panel", || panel_root().and_then(|root| root.query_selector("[data-crumb-part=debug]").ok()?).is_some()).await;
    let root = panel_root().expect("the panel's shadow root");
    let panel = root.query_selector("[data-crumb-part=debug]").ok().flatten().expect("the panel");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("alert"));
    let heading = root.query_selector("[data-crumb-part=debug] h2").ok().flatten().and_then(|h| h.text_content()).unwrap_or_default();
    let items = root.query_selector_all("[data-crumb-part=debug] li").expect("items");
    let texts: Vec<String> = (0..items.length()).filter_map(|i| items.item(i)?.text_content()).collect();
    assert_eq!(texts.len(), 5, "{texts:?}");
    assert_eq!(heading, "Crumb: 5 problems in the config");
    for (path, words) in [
        ("catgories", "unknown field"),
        ("policy_url", "http(s) URL"),
        ("expiry_days", "between 1 and 395"),
        ("categories[1].id", r#"add `texts.en["category.loyalty.title"]`"#),
    ] {
        assert!(texts.iter().any(|t| t.starts_with(&format!("{path} ")) && t.contains(words)), "no `{path}`: {words} in {texts:?}");
    }
    // Not a grant, no banner: the widget stays unconfigured.
    assert!(doc.get_element_by_id("crumb-root").is_none());
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(false));
    let close: HtmlElement =
        root.query_selector("[data-crumb-part=debug] button[data-action=dismiss-debug]").ok().flatten().expect("close").unchecked_into();
    close.click();
    assert!(doc.get_element_by_id("crumb-debug").is_none(), "closed");
}

const I18N: &[(&str, &str)] = &[
    ("en", include_str!("../../www/i18n/en.json")),
    ("de", include_str!("../../www/i18n/de.json")),
    ("ar", include_str!("../../www/i18n/ar.json")),
];

/// Answers the widget's `…/i18n/<code>.json` requests from the repository's files (the test
/// runner does not serve the widget's folder) and passes every other request to the real fetch,
/// which comes back when the guard drops.
struct I18nFetch {
    original: JsValue,
    _stub: wasm_bindgen::closure::Closure<dyn Fn(JsValue, JsValue) -> JsValue>,
}

impl I18nFetch {
    fn install() -> I18nFetch {
        let window = window().expect("window");
        let original = js_sys::Reflect::get(&window, &"fetch".into()).expect("fetch");
        let real: js_sys::Function = original.clone().unchecked_into();
        let stub = wasm_bindgen::closure::Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |input: JsValue, init: JsValue| {
            let url = input.as_string().unwrap_or_default();
            let file = I18N.iter().find(|(code, _)| url.ends_with(&format!("/i18n/{code}.json")));
            match file {
                Some((_, text)) => {
                    let response = web_sys::Response::new_with_opt_str(Some(text)).expect("a response");
                    js_sys::Promise::resolve(&response).into()
                }
                None if url.contains("/i18n/") => js_sys::Promise::reject(&JsValue::from_str("no such file in the test")).into(),
                None => real.call2(&JsValue::UNDEFINED, &input, &init).unwrap_or(JsValue::UNDEFINED),
            }
        });
        let _ = js_sys::Reflect::set(&window, &"fetch".into(), stub.as_ref());
        I18nFetch { original, _stub: stub }
    }
}

impl Drop for I18nFetch {
    fn drop(&mut self) {
        if let Some(window) = window() {
            let _ = js_sys::Reflect::set(&window, &"fetch".into(), &self.original);
        }
    }
}

fn root_lang_dir() -> (String, String) {
    (attr("div.crumb", "lang").unwrap_or_default(), attr("div.crumb", "dir").unwrap_or_default())
}

fn select_value() -> String {
    find("select[data-crumb-part=language]")
        .and_then(|s| js_sys::Reflect::get(&s, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn language_switcher_switches_texts_and_direction() {
    let _fetch = I18nFetch::install();
    let config = demo_config().replacen('{', "{ \"languages\": [\"en\", \"de\", \"ar\"],", 1);
    boot_with(&config).await;
    wait_for("[data-crumb-part=banner]").await;
    assert_eq!(root_lang_dir(), ("en".to_owned(), "ltr".to_owned()));

    click("[data-action=customize]");
    let select = wait_for("select[data-crumb-part=language]").await;
    let label = find("label[for=crumb-language-select]").and_then(|l| l.text_content()).unwrap_or_default();
    assert_eq!(label, "Language");
    assert_eq!(select.id(), "crumb-language-select");
    let options: Vec<(String, String)> = find_all("select[data-crumb-part=language] option")
        .iter()
        .map(|o| (o.get_attribute("value").unwrap_or_default(), o.text_content().unwrap_or_default()))
        .collect();
    let expected = [("en", "English"), ("de", "Deutsch"), ("ar", "العربية")].map(|(c, n)| (c.to_owned(), n.to_owned()));
    assert_eq!(options, expected);
    wait_until("the switcher shows English", || select_value() == "en").await;

    // The shopper picks Arabic: texts and direction follow, focus stays on the switcher.
    if let Ok(html) = select.clone().dyn_into::<HtmlElement>() {
        let _ = html.focus();
    }
    let _ = js_sys::Reflect::set(&select, &"value".into(), &"ar".into());
    let _ = select.dispatch_event(&web_sys::Event::new("change").expect("event"));
    wait_until("the widget turns right to left", || root_lang_dir() == ("ar".to_owned(), "rtl".to_owned())).await;
    assert_eq!(find("#crumb-prefs-title").and_then(|t| t.text_content()).as_deref(), Some("تفضيلات ملفات تعريف الارتباط"));
    let close = find("[data-action=close]").expect("close button");
    let direction = window().and_then(|w| w.get_computed_style(&close).ok().flatten()).and_then(|s| s.get_property_value("direction").ok());
    assert_eq!(direction.as_deref(), Some("rtl"));
    let focused = shadow().and_then(|s| s.active_element()).map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("crumb-language-select"), "focus stays on the switcher");

    // Crumb.setLanguage while the preference center is open: the switcher follows.
    let switched = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(api_call("setLanguage", "de"))).await;
    assert_eq!(switched.ok().and_then(|v| v.as_bool()), Some(true));
    wait_until("the switcher shows German", || select_value() == "de").await;
    assert_eq!(root_lang_dir(), ("de".to_owned(), "ltr".to_owned()));

    // A language the site does not offer: false, nothing changes.
    let refused = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(api_call("setLanguage", "fr"))).await;
    assert_eq!(refused.ok().and_then(|v| v.as_bool()), Some(false));
    assert_eq!(root_lang_dir().0, "de");
    assert_eq!(find("[data-action=save]").and_then(|b| b.text_content()).as_deref(), Some("Auswahl speichern"));
}

#[wasm_bindgen_test]
async fn a_one_language_site_has_no_switcher() {
    let _fetch = I18nFetch::install();
    let config = demo_config().replacen('{', "{ \"languages\": [\"en\"],", 1);
    boot_with(&config).await;
    wait_for("[data-crumb-part=banner]").await;
    click("[data-action=customize]");
    wait_for("[data-crumb-part=preferences]").await;
    assert!(find("select[data-crumb-part=language]").is_none());
    assert_eq!(root_lang_dir(), ("en".to_owned(), "ltr".to_owned()));
}

/// Records `console.warn` and `console.error` messages into `window.__crumbConsole` while alive.
struct ConsoleSpy {
    originals: (JsValue, JsValue),
}

impl ConsoleSpy {
    fn install() -> ConsoleSpy {
        let console = js_sys::Reflect::get(&window().expect("window"), &"console".into()).expect("console");
        let originals = (
            js_sys::Reflect::get(&console, &"warn".into()).expect("warn"),
            js_sys::Reflect::get(&console, &"error".into()).expect("error"),
        );
        let spy = js_sys::Function::new_no_args(
            "window.__crumbConsole = window.__crumbConsole || []; window.__crumbConsole.push(Array.prototype.join.call(arguments, ' '));",
        );
        let _ = js_sys::Reflect::set(&window().expect("window"), &"__crumbConsole".into(), &js_sys::Array::new());
        let _ = js_sys::Reflect::set(&console, &"warn".into(), &spy);
        let _ = js_sys::Reflect::set(&console, &"error".into(), &spy);
        ConsoleSpy { originals }
    }

    fn messages(&self) -> Vec<String> {
        let list = window().and_then(|w| js_sys::Reflect::get(&w, &"__crumbConsole".into()).ok()).unwrap_or(JsValue::UNDEFINED);
        js_sys::Array::from(&list).iter().filter_map(|m| m.as_string()).collect()
    }
}

impl Drop for ConsoleSpy {
    fn drop(&mut self) {
        if let Some(console) = window().and_then(|w| js_sys::Reflect::get(&w, &"console".into()).ok()) {
            let _ = js_sys::Reflect::set(&console, &"warn".into(), &self.originals.0);
            let _ = js_sys::Reflect::set(&console, &"error".into(), &self.originals.1);
        }
    }
}

fn prototype_of(value: &JsValue) -> js_sys::Object {
    js_sys::Object::get_prototype_of(value)
}

#[wasm_bindgen_test]
async fn a_polluted_object_prototype_changes_nothing() {
    let object_proto = prototype_of(&js_sys::Object::new().into());
    let array_proto = prototype_of(&js_sys::Array::new().into());
    // Inherited fields must not count as config: `required` on every category, an `endpoint`.
    let _ = js_sys::Reflect::set(&object_proto, &"endpoint".into(), &"/x".into());
    let _ = js_sys::Reflect::set(&object_proto, &"required".into(), &JsValue::TRUE);
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    // `toJSON` only around the click (a synchronous decision: stored and queued before it
    // returns), since the test runner's own WebDriver replies are JSON too.
    let to_json = js_sys::Function::new_no_args("return 'polluted';");
    let _ = js_sys::Reflect::set(&object_proto, &"toJSON".into(), &to_json);
    let _ = js_sys::Reflect::set(&array_proto, &"toJSON".into(), &to_json);
    click("[data-action=accept-all]");
    let stored = local("crumb").unwrap_or_default();
    let outbox = local("crumb_outbox").unwrap_or_default();
    for key in ["toJSON", "endpoint", "required"] {
        let _ = js_sys::Reflect::delete_property(&object_proto, &key.into());
    }
    let _ = js_sys::Reflect::delete_property(&array_proto, &"toJSON".into());
    assert!(stored.contains("\"analytics\":true"), "the stored consent is real JSON: {stored}");
    assert!(outbox.starts_with("[{") && outbox.contains("\"action\":\"accept_all\""), "the outbox is real JSON: {outbox}");
    assert_eq!(api_call("acceptedCategory", "analytics").as_bool(), Some(true));
    // `required: true` inherited by every category would have locked every switch on.
    wait_for("[data-action=reopen]").await;
    click("[data-action=reopen]");
    wait_for("[data-crumb-part=preferences]").await;
    assert!(find("button[role=switch][data-category=analytics]").is_some_and(|s| !s.has_attribute("disabled")));
}

#[wasm_bindgen_test]
async fn deep_or_huge_config_text_is_refused_with_a_short_message() {
    let deep = format!("{{\"site\": \"s\", \"x\": {}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    match read_config(&deep).await {
        Err(error) => assert!(error.to_string().contains("levels deep"), "{error}"),
        Ok(_) => panic!("a 5,000-level config was accepted"),
    }
    let huge = format!("{{\"site\": \"s\", \"revision\": \"{}\", \"categories\": []}}", "x".repeat(900_000));
    match read_config(&huge).await {
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains("`revision`") && text.len() < 1_000, "{} characters: {}", text.len(), &text[..200.min(text.len())]);
        }
        Ok(_) => panic!("a wrong-typed revision was accepted"),
    }
    let too_big = format!("{{\"site\": \"{}\"}}", "x".repeat(1_100_000));
    assert!(read_config(&too_big).await.is_err_and(|e| e.to_string().contains("bytes")));
}

#[wasm_bindgen_test]
async fn the_widget_comes_back_when_the_page_removes_it() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    let doc = document().expect("document");
    let spy = ConsoleSpy::install();
    for time in 1..=3 {
        doc.get_element_by_id("crumb-root").expect("host").remove();
        wait_until("the host is back", || doc.get_element_by_id("crumb-root").is_some()).await;
        let banner = wait_for("[data-crumb-part=banner]").await;
        wait_until("the banner is shown again", || banner.is_connected() && banner.matches(":popover-open").unwrap_or(false)).await;
        assert_eq!(doc.query_selector_all("#crumb-root").map(|l| l.length()).unwrap_or(0), 1, "removal {time}: one host");
    }
    assert!(spy.messages().iter().any(|m| m.contains("keeps removing")), "{:?}", spy.messages());
    click("[data-action=reject-all]");
    wait_for("[data-action=reopen]").await;
}

#[wasm_bindgen_test]
async fn page_zoom_is_cancelled_so_the_preference_center_fits() {
    let body = document().and_then(|d| d.body()).expect("body");
    let _ = body.style().set_property("zoom", "2");
    boot_with(&demo_config()).await;
    wait_for("[data-action=customize]").await;
    click("[data-action=customize]");
    let save = wait_for("[data-action=save]").await;
    let root = find("div.crumb").and_then(|e| e.dyn_into::<HtmlElement>().ok()).expect("root");
    let zoom = root.style().get_property_value("zoom").unwrap_or_default();
    let bottom = save.get_bounding_client_rect().bottom();
    let height = window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0);
    let _ = body.style().remove_property("zoom");
    assert_eq!(zoom, "50%");
    assert!(bottom <= height, "Save is on screen: bottom {bottom} of {height}");
}

#[wasm_bindgen_test]
async fn after_a_keyboard_decision_focus_goes_to_the_reopen_button() {
    boot_with(&demo_config()).await;
    let reject = wait_for("[data-action=reject-all]").await.dyn_into::<HtmlElement>().expect("button");
    let _ = reject.focus();
    reject.click();
    wait_until("focus is on the reopen button", || {
        crate::ui::focus::active(current()).and_then(|a| a.get_attribute("data-action")).as_deref() == Some("reopen")
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_full_local_storage_keeps_the_choice_for_the_page_and_says_so() {
    clean_page();
    let storage = window().and_then(|w| w.local_storage().ok().flatten()).expect("storage");
    // Fill the origin's quota.
    let mut chunk = "x".repeat(1 << 20);
    let mut n = 0;
    while chunk.len() > 16 {
        if storage.set_item(&format!("__fill{n}"), &chunk).is_err() {
            chunk.truncate(chunk.len() / 2);
        }
        n += 1;
    }
    assert!(storage.set_item("__probe", &"y".repeat(64)).is_err(), "storage is full for this test");
    let spy = ConsoleSpy::install();
    start_with(&demo_config());
    wait_for("[data-action=accept-all]").await;
    click("[data-action=accept-all]");
    wait_for("[data-action=reopen]").await;
    let messages = spy.messages();
    let granted = api_call("acceptedCategory", "analytics").as_bool();
    let stored = local("crumb");
    let _ = storage.clear();
    assert_eq!(granted, Some(true), "the choice holds for the page");
    assert_eq!(stored, None, "it could not be persisted");
    assert!(messages.iter().any(|m| m.contains("could not be persisted")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("kept in this page only")), "the outbox says so too: {messages:?}");
}

#[wasm_bindgen_test]
async fn placeholders_dispose_their_effects_when_the_embed_loads() {
    boot_with(&demo_config()).await;
    wait_for("[data-crumb-part=banner]").await;
    let doc = document().expect("document");
    let body = doc.body().expect("body");
    for category in ["analytics", "marketing"] {
        let frame = doc.create_element("iframe").expect("iframe");
        let _ = frame.set_attribute("data-src", "embed-test.html");
        let _ = frame.set_attribute("data-category", category);
        let _ = frame.set_attribute("data-test-gated", "");
        let _ = body.append_child(&frame);
    }
    let placeholder_text = |category: &str| -> Option<Element> {
        let frame = doc.query_selector(&format!("iframe[data-category={category}]")).ok()??;
        frame.previous_element_sibling()?.shadow_root()?.query_selector(".crumb-embed-text").ok()?
    };
    wait_until("both placeholders show", || placeholder_text("analytics").is_some() && placeholder_text("marketing").is_some()).await;
    let loaded = placeholder_text("analytics").expect("analytics placeholder");
    let before = loaded.text_content().unwrap_or_default();
    api_call("acceptCategory", "analytics");
    wait_until("the analytics embed loaded", || !loaded.is_connected()).await;
    // A new language: the placeholder still on the page follows it (the positive marker), the
    // removed one's effect is gone and its text stays as it was.
    let config = current().config();
    let mut builtin = crumb_core::Map::new();
    builtin.insert("embed.text".to_owned(), "Blocked: {service}".to_owned());
    current().texts.set(crumb_core::Texts::new("en", builtin, &config));
    wait_until("the live placeholder follows", || {
        placeholder_text("marketing").and_then(|p| p.text_content()).is_some_and(|t| t.starts_with("Blocked:"))
    })
    .await;
    assert_eq!(loaded.text_content().unwrap_or_default(), before, "the removed placeholder's effect is disposed");
}

/// The names `window.Crumb` has, sorted.
fn api_names() -> Vec<String> {
    let mut names: Vec<String> =
        js_sys::Object::keys(api().unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()).collect();
    names.sort();
    names
}

fn contract_names() -> Vec<String> {
    let contract = crumb_core::contract::API_METHODS.iter().chain(crumb_core::contract::API_PROPERTIES);
    let mut names: Vec<String> = contract.map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

#[wasm_bindgen_test]
async fn the_installed_api_is_exactly_the_contract() {
    let window = window().expect("window");
    // loader.js hands its `on` over; the test plays the loader.
    let options = js_sys::Object::new();
    let on = js_sys::Function::new_no_args("return function () {};");
    let _ = js_sys::Reflect::set(&options, &"on".into(), &on);
    clean_page();
    start_with_options(&demo_config(), &options);
    wait_until("the widget is ready", || api_bool("ready")).await;
    assert_eq!(api_names(), contract_names(), "a configured widget");
    clean_page();
    start_with_options("{not json", &options);
    wait_until("the unconfigured API is installed", || {
        js_sys::Reflect::get(&window, &"Crumb".into()).is_ok_and(|a| a.is_object()) && !api_bool("ready") && !api_names().is_empty()
    })
    .await;
    assert_eq!(api_names(), contract_names(), "an unconfigured widget");
}
