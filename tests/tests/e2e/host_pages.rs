//! Site-owner integration (issue 3): Crumb dropped into pages it was not built for. Each test
//! builds a host page at `/p/...` on the in-process server (its own markup, headers and scripts),
//! loads the real bundle through the script tag in headless Chromium, and checks the DOM,
//! storage, the network and the console.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- host_pages::`.

use std::collections::BTreeMap;

use crumb_core::consent::Action;
use crumb_e2e::selectors::{
    banner_button, switch, BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_REJECT, BANNER_TITLE, EMBED_HOST, EMBED_LOAD, HOST, PREFS,
    PREFS_ACCEPT, PREFS_CLOSE, PREFS_SAVE, REOPEN, WIDGET,
};
use crumb_e2e::server::CDN_PATH;
use crumb_e2e::{choices, wait_for, Shopper};
use serde_json::{json, Map, Value};

const LOADER: &str = "/crumb/loader.js";
const GATED_ANALYTICS: &str =
    r#"<script type="text/plain" data-category="analytics" data-service="demo-analytics" src="/demo/analytics.js"></script>"#;
const GATED_ADS: &str = r#"<script type="text/plain" data-category="marketing" data-service="demo-ads" src="/demo/ads.js"></script>"#;

/// A plain host page: `head` and `body` are the site's own markup.
fn host_page(head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Host page</title>\n{head}\n</head>\n\
         <body>\n<header class=\"site\">Host shop</header>\n<main><h1>Host page</h1><p id=\"content\">Products</p>\n\
         <a href=\"#\" id=\"settings-link\" data-crumb=\"preferences\">Cookie settings</a></main>\n{body}\n</body>\n</html>\n"
    )
}

fn config_tag(config: &Value) -> String {
    format!("<script type=\"application/json\" id=\"crumb-config\">{config}</script>")
}

async fn wait_analytics_ran(shop: &Shopper) {
    wait_for!(shop, "the gated analytics script to run", (shop.gated_runs().await.analytics.as_deref() == Some("1")).then_some(()));
}

async fn console_messages(shop: &Shopper, needle: &str) -> Vec<String> {
    shop.browser.console().await.into_iter().filter(|e| e.message.contains(needle)).map(|e| e.message).collect()
}

/// Forgets the decision on this origin (storage and the cookie mirror), as a new shopper.
async fn forget(shop: &Shopper) {
    shop.js::<Value>("localStorage.clear(); return null;", vec![]).await;
    shop.client().delete_all_cookies().await.expect("delete cookies");
}

fn signal(params: &Map<String, Value>, name: &str) -> String {
    params.get(name).and_then(Value::as_str).unwrap_or("(absent)").to_owned()
}

// The loader works as `async`, `defer` or a plain tag, in the head before the config or at the end
// of the body: one banner, gated content only after consent, a record on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_in_works_async_defer_plain_and_before_the_config() {
    for (name, attribute, loader_in_head) in
        [("async", "async", false), ("defer", "defer", false), ("plain", "", false), ("head-first", "", true)]
    {
        let shop = Shopper::new().await;
        let config = config_tag(&shop.server.demo_config());
        let tag = format!(r#"<script src="{LOADER}" data-endpoint="/api/consent" {attribute}></script>"#);
        let html = if loader_in_head {
            // The loader runs before the config element is even parsed.
            host_page(&tag, &format!("{config}\n{GATED_ANALYTICS}"))
        } else {
            host_page(&config, &format!("{tag}\n{GATED_ANALYTICS}"))
        };
        let path = shop.server.page(&format!("drop-in-{name}.html"), &html);
        shop.open_widget(&path).await;
        shop.wait_visible(BANNER).await;
        assert_eq!(shop.gated_runs().await.analytics, None, "[{name}] analytics ran before consent");
        let roots: u32 = shop.js("return document.querySelectorAll(arguments[0]).length;", vec![json!(HOST)]).await;
        assert_eq!(roots, 1, "[{name}] widget roots");
        shop.click(BANNER_ACCEPT).await;
        let consent = shop.wait_stored_consent(0).await;
        wait_analytics_ran(&shop).await;
        let records = shop.wait_records(&consent.id, 1).await;
        assert_eq!(records[0].action, Action::AcceptAll, "[{name}]");
        assert_eq!(records[0].url_path, path, "[{name}]");
        shop.assert_no_crash().await;
    }
}

// `data-config` points at a JSON file; `data-endpoint` wins over the config's `endpoint`; a config
// URL that fails leaves a clear error and everything denied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_by_url_and_endpoint_by_attribute() {
    let shop = Shopper::new().await;
    let mut config = shop.server.demo_config();
    config["endpoint"] = json!("/api/not-this-one");
    shop.server.file("site/crumb.json", "application/json", &[], &config.to_string());
    let page = host_page(
        "",
        &format!(
            r#"<script src="{LOADER}" data-config="/p/site/crumb.json" data-endpoint="/api/consent" defer></script>{GATED_ANALYTICS}"#
        ),
    );
    let path = shop.server.page("by-url.html", &page);
    shop.open_widget(&path).await;
    assert!(shop.server.was_requested("/p/site/crumb.json"), "the config URL was not fetched");
    shop.click(BANNER_REJECT).await;
    let consent = shop.wait_stored_consent(0).await;
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action, Action::RejectAll);
    assert!(!shop.server.was_requested("/api/not-this-one"), "the config's endpoint was used over data-endpoint");

    // Without data-endpoint, the config's endpoint is used.
    config["endpoint"] = json!("/api/consent");
    shop.server.file("site/with-endpoint.json", "application/json", &[], &config.to_string());
    let page = host_page("", &format!(r#"<script src="{LOADER}" data-config="/p/site/with-endpoint.json"></script>"#));
    let path = shop.server.page("by-url-config-endpoint.html", &page);
    forget(&shop).await;
    shop.open_widget(&path).await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(shop.wait_records(&consent.id, 1).await[0].action, Action::AcceptAll);

    // A config URL that answers 404: named in the console, no banner, nothing granted.
    let page = host_page("", &format!(r#"<script src="{LOADER}" data-config="/p/site/missing.json"></script>{GATED_ANALYTICS}"#));
    let path = shop.server.page("by-url-missing.html", &page);
    forget(&shop).await;
    shop.open(&path).await;
    wait_for!(shop, "a console error naming data-config", {
        let found = console_messages(&shop, "data-config").await;
        (!found.is_empty()).then_some(())
    });
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "a banner without a config");
    let granted: bool = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
    assert!(!granted);
    assert_eq!(shop.gated_runs().await.analytics, None);
    shop.assert_no_crash().await;
}

/// `text` with every byte but letters and digits percent-encoded (for a data: URL).
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
}

// Issue 12: the script tag's data-endpoint and data-config follow the rule of the config's
// `endpoint` (crumb-core's is_safe_url): one that does not (a `javascript:` or `data:` URL, a
// protocol-relative `//host/...`) is an error naming the attribute, the widget stops as for a
// broken config, and nothing is requested from it. Before, a data: config was used and a
// protocol-relative endpoint got the records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_endpoint_and_data_config_follow_the_endpoint_rule() {
    let shop = Shopper::new().await;
    let config = config_tag(&shop.server.demo_config());
    // The server itself, written protocol-relative: the config's `endpoint` refuses this form.
    let protocol_relative = shop.server.url("/api/refused-consent").replacen("http:", "", 1);
    let cases = [
        ("endpoint-js", config.clone(), r#"data-endpoint="javascript:alert(1)""#.to_owned(), "data-endpoint"),
        ("endpoint-pr", config.clone(), format!(r#"data-endpoint="{protocol_relative}""#), "data-endpoint"),
        (
            "config-data",
            String::new(),
            format!(
                r#"data-endpoint="/api/consent" data-config="data:application/json,{}""#,
                percent_encoded(&shop.server.demo_config().to_string())
            ),
            "data-config",
        ),
    ];
    for (name, head, attributes, named) in cases {
        let page = host_page(&head, &format!(r#"<script src="{LOADER}" {attributes}></script>{GATED_ANALYTICS}"#));
        let path = shop.server.page(&format!("tag-urls-{name}.html"), &page);
        shop.open(&path).await;
        let needle = format!("`{named}`: must be an http(s) URL or a path starting with");
        wait_for!(shop, "a console error naming the attribute", { (!console_messages(&shop, &needle).await.is_empty()).then_some(()) });
        shop.page_caught_up().await;
        assert!(!shop.is_visible(BANNER).await, "{name}: a banner from a refused URL");
        let granted: bool = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
        assert!(!granted, "{name}");
        assert_eq!(shop.gated_runs().await.analytics, None, "{name}");
    }
    assert!(!shop.server.was_requested("/api/refused-consent"), "a refused endpoint was requested");
    shop.assert_no_crash().await;
}

// Issue 12: loader.js pushes the config's Consent Mode options before the widget can check the
// config, so it uses a `google_consent_mode` section only as crumb-core accepts it. A section
// the widget refuses (a region that is not a list of ISO codes, a wait out of range, a value of
// the wrong type, an unknown option) pushes none of its options: the default is the plain one,
// denied everywhere. For each case the loader and crumb-core agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_mode_options_the_widget_refuses_are_never_pushed() {
    let shop = Shopper::new().await;
    let cases = [
        json!({"region": ["DE", "US-CA"], "url_passthrough": true, "ads_data_redaction": false, "wait_for_update": 800}),
        json!({"region": "DE", "url_passthrough": true}),
        json!({"region": ["de"], "url_passthrough": true}),
        json!({"region": [["DE"]], "url_passthrough": true}),
        json!({"region": ["DE", "USA-CA"], "url_passthrough": true}),
        json!({"region": ["DE"], "url_passthrough": true, "wait_for_update": 60000}),
        json!({"region": ["DE"], "url_passthrough": true, "wait_for_update": 1.5}),
        json!({"region": ["DE"], "url_passthrough": true, "wait_for_update": -1}),
        json!({"region": ["DE"], "url_passthrough": "yes"}),
        json!({"region": ["DE"], "ads_data_redaction": 1}),
        json!({"region": ["DE"], "url_passthrough": true, "regions": ["FR"]}),
        json!([{"region": ["DE"]}]),
    ];
    for (i, section) in cases.into_iter().enumerate() {
        let mut config = shop.server.demo_config();
        config["google_consent_mode"] = section.clone();
        let accepted = crumb_core::parse_config(config.clone()).is_ok();
        assert_eq!(accepted, i == 0, "case {i}: crumb-core's verdict on {section}");
        let page = host_page(&format!(r#"{}<script src="{LOADER}" data-endpoint="/api/consent"></script>"#, config_tag(&config)), "");
        let path = shop.server.page(&format!("gcm-options-{i}.html"), &page);
        shop.open(&path).await;
        let layer = wait_for!(shop, "the Consent Mode default", {
            let layer = shop.data_layer().await;
            layer.iter().any(|e| e[0] == "consent" && e[1] == "default").then_some(layer)
        });
        let sets: Vec<&Value> = layer.iter().filter(|e| e[0] == "set").collect();
        let default =
            layer.iter().find(|e| e[0] == "consent" && e[1] == "default").and_then(|e| e[2].as_object()).cloned().unwrap_or_default();
        for name in crumb_core::contract::consent_mode_signal_names() {
            assert_eq!(signal(&default, name), "denied", "case {i}: default {name}");
        }
        if accepted {
            assert_eq!(sets, [&json!(["set", "url_passthrough", true])], "case {i}: the accepted options");
            assert_eq!(default.get("region"), Some(&json!(["DE", "US-CA"])), "case {i}");
            assert_eq!(default.get("wait_for_update"), Some(&json!(800)), "case {i}");
        } else {
            assert!(sets.is_empty(), "case {i}: `set` options pushed from a section the widget refuses ({section}): {sets:?}");
            assert_eq!(default.get("region"), None, "case {i}: a region from a section the widget refuses ({section})");
            assert_eq!(default.get("wait_for_update"), Some(&json!(500)), "case {i}: ({section})");
        }
    }
    shop.assert_no_crash().await;
}

// The widget's folder can live on any path (a CDN, a versioned folder): everything it needs is
// fetched next to loader.js, nothing from /crumb/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loader_fetches_everything_next_to_itself() {
    let shop = Shopper::new().await;
    let page = host_page(
        &config_tag(&shop.server.demo_config()),
        &format!(r#"<script src="{CDN_PATH}/loader.js" data-endpoint="/api/consent" async></script>"#),
    );
    let path = shop.server.page("cdn.html", &page);
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    for file in ["loader.js", "crumb.js", "crumb_bg.wasm", "crumb.css", "i18n/en.json"] {
        let wanted = format!("{CDN_PATH}/{file}");
        assert!(shop.server.was_requested(&wanted), "{wanted} was not fetched\n{:#?}", shop.server.requests());
    }
    let from_default: Vec<String> = shop.server.requests().into_iter().filter(|r| r.contains(" /crumb/")).collect();
    assert!(from_default.is_empty(), "fetched from /crumb/ instead of next to loader.js: {from_default:?}");
    shop.click(BANNER_ACCEPT).await;
    shop.wait_stored_consent(0).await;
}

// Two copies of the tag (a CMS plugin plus a theme, say): one banner, one warning, one default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loader_included_twice_gives_one_banner_and_one_warning() {
    let shop = Shopper::new().await;
    let tag = format!(r#"<script src="{LOADER}" data-endpoint="/api/consent"></script>"#);
    let page =
        host_page(&format!("{}\n{tag}", config_tag(&shop.server.demo_config())), &format!(r#"<script src="{LOADER}?v=2" async></script>"#));
    let path = shop.server.page("twice.html", &page);
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    // The second copy has run when it has warned; then the page catches up.
    wait_for!(shop, "the warning that the loader is included more than once", {
        (!console_messages(&shop, "included more than once").await.is_empty()).then_some(())
    });
    shop.page_caught_up().await;
    let (roots, banners): (u32, u32) = shop
        .js(
            "var roots = document.querySelectorAll(arguments[0]); var banner = arguments[1]; \
             var banners = 0; roots.forEach(function (r) { banners += r.shadowRoot.querySelectorAll(banner).length; }); \
             return [roots.length, banners];",
            vec![json!(HOST), json!(BANNER)],
        )
        .await;
    assert_eq!((roots, banners), (1, 1));
    let warnings = console_messages(&shop, "included more than once").await;
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let defaults = shop.consent_mode().await.into_iter().filter(|(kind, _)| kind == "default").count();
    assert_eq!(defaults, 1, "Consent Mode default set more than once");
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    shop.wait_records(&consent.id, 1).await;
    shop.page_caught_up().await;
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 1, "one decision, one record");
}

// A page that already owns `window.Crumb` keeps it; the API moves to `window.CrumbConsent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_owning_window_crumb_keeps_it() {
    let shop = Shopper::new().await;
    shop.server.script("own-crumb.js", "window.Crumb = { mine: true, bake: function () { return 'bread'; } };");
    let page = host_page(
        &format!(r#"<script src="/p/own-crumb.js"></script>{}"#, config_tag(&shop.server.demo_config())),
        &format!(r#"<script src="{LOADER}" data-endpoint="/api/consent"></script>{GATED_ANALYTICS}"#),
    );
    let path = shop.server.page("own-crumb.html", &page);
    shop.open(&path).await;
    wait_for!(shop, "window.CrumbConsent.ready", {
        let ready: bool = shop.js("return !!(window.CrumbConsent && window.CrumbConsent.ready);", vec![]).await;
        ready.then_some(())
    });
    let theirs: String = shop.js("return window.Crumb.bake();", vec![]).await;
    assert_eq!(theirs, "bread", "the page's own window.Crumb was replaced");
    let errors = console_messages(&shop, "window.Crumb is already defined").await;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("CrumbConsent"), "the error does not say where the API went: {}", errors[0]);
    shop.click(BANNER_ACCEPT).await;
    wait_analytics_ran(&shop).await;
    let granted: bool = shop.js("return window.CrumbConsent.acceptedCategory('analytics');", vec![]).await;
    assert!(granted);
    shop.assert_no_crash().await;
}

// Old libraries add enumerable methods to Array.prototype: the widget works regardless. A page
// that breaks Array.prototype.push gets a clear error, its own scripts keep running, nothing is
// granted, and Consent Mode still starts denied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_prototype_extended_works_and_broken_fails_safe() {
    let shop = Shopper::new().await;
    shop.server.script(
        "prototype-style.js",
        "Array.prototype.each = function (f) { for (var i = 0; i < this.length; i++) f(this[i]); }; \
         Array.prototype.last = function () { return this[this.length - 1]; };",
    );
    let config = config_tag(&shop.server.demo_config());
    let page = host_page(
        &format!(r#"<script src="/p/prototype-style.js"></script>{config}"#),
        &format!(r#"<script src="{LOADER}" data-endpoint="/api/consent"></script>{GATED_ANALYTICS}"#),
    );
    let path = shop.server.page("prototype-style.html", &page);
    shop.open_widget(&path).await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, choices(&[("necessary", true), ("preferences", false), ("analytics", true), ("marketing", false)]));
    wait_analytics_ran(&shop).await;
    assert_eq!(shop.wait_records(&consent.id, 1).await[0].action, Action::Custom);
    wait_for!(shop, "the outbox to empty", shop.outbox().await.is_empty().then_some(()));
    shop.assert_no_crash().await;

    let shop = Shopper::new().await;
    // Broken only while the loader runs: chromedriver's own scripts need a working push later.
    shop.server.script(
        "break-push.js",
        "window.__realPush = Array.prototype.push; \
         Array.prototype.push = function () { throw new Error('push is broken by the page'); };",
    );
    shop.server.script("after.js", "Array.prototype.push = window.__realPush; window.__pageScriptAfterLoader = true;");
    let page = host_page(
        &format!(r#"<script src="/p/break-push.js"></script>{}"#, config_tag(&shop.server.demo_config())),
        &format!(r#"<script src="{LOADER}" data-endpoint="/api/consent"></script><script src="/p/after.js"></script>{GATED_ANALYTICS}"#),
    );
    let path = shop.server.page("broken-push.html", &page);
    shop.open(&path).await;
    let after: bool = shop.js("return window.__pageScriptAfterLoader === true;", vec![]).await;
    assert!(after, "the page's script after the loader did not run");
    let errors = console_messages(&shop, "broken Array.prototype").await;
    assert_eq!(errors.len(), 1, "expected one clear error: {}", shop.diagnostics().await);
    shop.page_caught_up().await;
    let state: Value = shop
        .js(
            "var d = window.dataLayer && window.dataLayer[0]; \
             return { root: !!document.querySelector(arguments[0]), granted: window.Crumb.acceptedCategory('analytics'), \
                      first: d ? [d[0], d[1], d[2] && d[2].analytics_storage] : null };",
            vec![json!(HOST)],
        )
        .await;
    assert_eq!(state, json!({"root": false, "granted": false, "first": ["consent", "default", "denied"]}));
    assert_eq!(shop.gated_runs().await.analytics, None);
    let uncaught: Vec<_> = shop.browser.console().await.into_iter().filter(|e| e.message.contains("Uncaught")).collect();
    assert!(uncaught.is_empty(), "an uncaught error on the page: {uncaught:#?}");
}

// A host stylesheet that tries everything: `* { all: unset }`, hidden buttons, static divs, a
// huge root font, a transformed body and a full-screen layer at the maximum z-index. The banner
// is still shown, readable, on top and clickable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_css_cannot_hide_shrink_or_cover_the_widget() {
    let shop = Shopper::new().await;
    shop.server.file(
        "hostile.css",
        "text/css",
        &[],
        "* { all: unset; } \
         html { font-size: 300px !important; text-transform: uppercase; letter-spacing: 12px; line-height: 0.2; } \
         body { transform: translateZ(0); filter: blur(0); overflow: hidden; } \
         button { display: none !important; } \
         div { position: static !important; visibility: hidden; opacity: 0.2; } \
         header.site { display: block; position: fixed; inset: 0; z-index: 2147483647; background: rgba(200, 0, 0, 0.3); }",
    );
    let page = host_page(
        &format!(r#"<link rel="stylesheet" href="/p/hostile.css">{}"#, config_tag(&shop.server.demo_config())),
        &format!(
            r#"<iframe id="video" data-src="/demo/video.html" data-category="marketing" data-service="demo-video" width="560" height="315" title="Video"></iframe>
<script src="{LOADER}" data-endpoint="/api/consent" async></script>{GATED_ANALYTICS}"#
        ),
    );
    let path = shop.server.page("hostile.html", &page);
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;

    // The embed placeholder sits in the page's own flow (so the page's full-screen layer may cover
    // it, as it covers the page), but the page's rules cannot collapse, hide or restyle it.
    let placeholder: Value = wait_for!(shop, "the embed placeholder, styled", {
        let seen: Value = shop
            .js(
                "var host = document.querySelector('#video').previousElementSibling;                  if (!host || host.localName !== arguments[0] || !host.shadowRoot) return null;                  var button = host.shadowRoot.querySelector(arguments[1]); if (!button) return null;                  var r = host.getBoundingClientRect(), s = getComputedStyle(button), b = button.getBoundingClientRect();                  return { width: r.width, height: r.height, display: s.display, visibility: s.visibility, font: s.fontSize,                           button_height: b.height, iframe_hidden: getComputedStyle(document.querySelector('#video')).display === 'none' };",
                vec![json!(EMBED_HOST), json!(EMBED_LOAD)],
            )
            .await;
        (seen["font"] == "15px").then_some(seen)
    });
    assert_eq!((placeholder["width"].as_f64(), placeholder["iframe_hidden"].as_bool()), (Some(560.0), Some(true)), "{placeholder}");
    assert!(placeholder["height"].as_f64().unwrap_or(0.0) >= 315.0, "{placeholder}");
    assert_ne!(placeholder["display"], "none", "{placeholder}");
    assert_eq!(placeholder["visibility"], "visible", "{placeholder}");
    assert!((40.0..90.0).contains(&placeholder["button_height"].as_f64().unwrap_or(0.0)), "{placeholder}");

    let probe = |selector: &str| {
        format!(
            "var host = document.querySelector('{HOST}'); var root = host.shadowRoot; \
             var el = root.querySelector('{selector}'); var r = el.getBoundingClientRect(); var s = getComputedStyle(el); \
             var x = r.left + r.width / 2, y = r.top + r.height / 2; \
             var hitPage = document.elementFromPoint(x, y); var hitInner = root.elementFromPoint(x, y); \
             return {{ width: r.width, height: r.height, font: s.fontSize, transform: s.textTransform, \
                       on_top: hitPage === host && !!hitInner && (hitInner === el || el.contains(hitInner)), \
                       inside_viewport: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth }};"
        )
    };
    for action in ["accept-all", "reject-all", "customize"] {
        let selector = banner_button(action);
        let seen: Value = shop.js(&probe(&selector), vec![]).await;
        let width = seen["width"].as_f64().unwrap_or(0.0);
        let height = seen["height"].as_f64().unwrap_or(0.0);
        assert!((100.0..700.0).contains(&width) && (40.0..90.0).contains(&height), "{action} is {width}x{height}: {seen}");
        assert_eq!(seen["font"], "15px", "{action}: the host's font size leaked in: {seen}");
        assert_eq!(seen["transform"], "none", "{action}: the host's text-transform leaked in: {seen}");
        assert_eq!(seen["on_top"], true, "{action} is covered by the host page: {seen}");
        assert_eq!(seen["inside_viewport"], true, "{action} is off screen: {seen}");
    }
    // Real WebDriver clicks (they fail on a covered or hidden element).
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    let dialog: Value = shop.js(&probe(PREFS_SAVE), vec![]).await;
    assert_eq!(dialog["on_top"], true, "Save choices is covered: {dialog}");
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    let consent = shop.wait_stored_consent(0).await;
    assert!(consent.granted("analytics") && !consent.granted("marketing"));
    wait_analytics_ran(&shop).await;
    shop.wait_visible(REOPEN).await;
    let reopen: Value = shop.js(&probe(REOPEN), vec![]).await;
    assert_eq!(reopen["on_top"], true, "the reopen button is covered: {reopen}");
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.assert_no_crash().await;
}

// The strict-CSP demo page, served with the policy as a real header and a fresh nonce: the whole
// journey works and the page reports no violation. A probe at the end proves the policy was on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_csp_page_works_without_a_single_violation() {
    let shop = Shopper::new().await;
    let demo = crumb_e2e::server::built_site().join("demo/strict-csp/index.html");
    let html = std::fs::read_to_string(&demo).unwrap_or_else(|e| panic!("{}: {e}", demo.display()));
    let nonce = format!("n{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos()));
    let html = html.replace("crumb-demo-nonce", &nonce);
    let policy = format!("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'");
    let path = shop.server.file("csp/index.html", "text/html; charset=utf-8", &[("content-security-policy", &policy)], &html);

    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    // The accent's custom properties, set through the CSSOM: the buttons take it, and the links
    // too (#0b7a4b has 4.5:1 on white).
    let accent: String = shop
        .js("return getComputedStyle(document.querySelector(arguments[0]).shadowRoot.querySelector(arguments[1])).getPropertyValue('--crumb-brand').trim();", vec![json!(HOST), json!(WIDGET)])
        .await;
    assert_eq!(accent, "#0b7a4b", "theme.accent is not applied under CSP");
    let button: String =
        shop.in_shadow("return getComputedStyle(root.querySelector(arguments[0])).backgroundColor;", vec![json!(BANNER_CUSTOMIZE)]).await;
    assert_eq!(button, "rgb(11, 122, 75)", "the buttons do not wear theme.accent under CSP");
    shop.click(BANNER_CUSTOMIZE).await;
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    let consent = shop.wait_stored_consent(0).await;
    wait_analytics_ran(&shop).await;
    wait_for!(shop, "the nonce'd inline gated script to run", {
        let ran: Option<String> = shop.js("return document.documentElement.getAttribute('data-demo-inline');", vec![]).await;
        (ran.as_deref() == Some("ran")).then_some(())
    });
    assert_eq!(shop.wait_records(&consent.id, 1).await[0].action, Action::Custom);
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.reload_widget().await;
    wait_analytics_ran(&shop).await;
    shop.page_caught_up().await;

    let violations: Vec<String> = shop.js("return window.__cspViolations;", vec![]).await;
    assert!(violations.is_empty(), "CSP violations: {violations:#?}\n{}", shop.diagnostics().await);
    let console = console_messages(&shop, "Content Security Policy").await;
    assert!(console.is_empty(), "CSP complaints in the console: {console:#?}");
    // The control: an inline script without the nonce is refused, and the watcher reports it. So
    // the policy was in force and an empty list above means something.
    shop.js::<Value>(
        "var s = document.createElement('script'); s.textContent = 'window.__inlineRan = true;'; document.body.appendChild(s); return null;",
        vec![],
    )
    .await;
    wait_for!(shop, "the control violation to be reported", {
        let seen: Vec<String> = shop.js("return window.__cspViolations;", vec![]).await;
        (!seen.is_empty() && seen.iter().all(|v| v.starts_with("script-src"))).then_some(())
    });
    let ran: bool = shop.js("return window.__inlineRan === true;", vec![]).await;
    assert!(!ran, "the policy was not in force, so this test proved nothing");
    shop.assert_no_crash().await;
}

// Google Consent Mode v2: `set` options and the denied default come first, before any tag; an
// update follows each decision and every returning page load; the mapping is the config's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_mode_order_options_and_mapping() {
    let shop = Shopper::new().await;
    let mut config = shop.server.demo_config();
    config["google_consent_mode"] =
        json!({"region": ["DE", "FR", "US-CA"], "ads_data_redaction": true, "url_passthrough": true, "wait_for_update": 800});
    // Analytics also grants personalization_storage here; preferences keeps functionality_storage.
    config["categories"][1]["consent_mode"] = json!(["functionality_storage"]);
    config["categories"][2]["consent_mode"] = json!(["analytics_storage", "personalization_storage"]);
    // A stand-in Google tag: notes what it saw when it ran, as gtag.js would read it.
    shop.server.script(
        "google-tag.js",
        "window.dataLayer = window.dataLayer || []; \
         window.__tagSaw = window.dataLayer.map(function (e) { return Array.prototype.slice.call(e).slice(0, 2).join(' '); }); \
         window.dataLayer.push({ event: 'tag_loaded' });",
    );
    let page = host_page(
        &format!(
            r#"{}<script src="{LOADER}" data-endpoint="/api/consent"></script><script src="/p/google-tag.js"></script>"#,
            config_tag(&config)
        ),
        "",
    );
    let path = shop.server.page("gcm.html", &page);
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;

    let saw: Vec<String> = shop.js("return window.__tagSaw;", vec![]).await;
    assert_eq!(saw, ["set ads_data_redaction", "set url_passthrough", "consent default"], "what the tag saw first");
    let layer = shop.data_layer().await;
    assert_eq!(layer[0], json!(["set", "ads_data_redaction", true]));
    assert_eq!(layer[1], json!(["set", "url_passthrough", true]));
    let default = layer[2][2].as_object().cloned().unwrap_or_default();
    assert_eq!(layer[2][1], "default");
    for name in crumb_core::contract::consent_mode_signal_names() {
        assert_eq!(signal(&default, name), "denied", "default {name}");
    }
    assert_eq!(default.get("region"), Some(&json!(["DE", "FR", "US-CA"])));
    assert_eq!(default.get("wait_for_update"), Some(&json!(800)));
    let updates = |layer: &[Value]| layer.iter().filter(|e| e[0] == "consent" && e[1] == "update").count();
    assert_eq!(updates(&layer), 0, "an update before any decision");

    // Decision 1: analytics only → analytics_storage and personalization_storage (this site's mapping).
    shop.click(BANNER_CUSTOMIZE).await;
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    let update = wait_for!(shop, "a Consent Mode update after Save", shop.last_consent_update().await);
    let layer = shop.data_layer().await;
    let tag_at = layer.iter().position(|e| e.get("event") == Some(&json!("tag_loaded"))).unwrap_or(usize::MAX);
    let update_at = layer.iter().position(|e| e[0] == "consent" && e[1] == "update").unwrap_or(0);
    assert!(tag_at < update_at, "the update came before the tag loaded: {layer:#?}");
    let granted: BTreeMap<String, String> = update.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect();
    assert_eq!(
        granted,
        [
            ("ad_personalization", "denied"),
            ("ad_storage", "denied"),
            ("ad_user_data", "denied"),
            ("analytics_storage", "granted"),
            ("functionality_storage", "denied"),
            ("personalization_storage", "granted"),
            ("security_storage", "granted"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect::<BTreeMap<_, _>>()
    );
    let event = layer.iter().rev().find(|e| e.get("event") == Some(&json!("crumb_consent"))).cloned();
    let event = event.unwrap_or_else(|| panic!("no crumb_consent dataLayer event: {layer:#?}"));
    assert_eq!(event["crumb_categories"]["analytics"], true);
    assert_eq!(event["crumb_categories"]["marketing"], false);

    // Decision 2: Accept all from the reopened preferences → everything granted, a second update.
    shop.click(REOPEN).await;
    shop.click(PREFS_ACCEPT).await;
    wait_for!(shop, "a second update granting ad_storage", {
        let layer = shop.data_layer().await;
        (updates(&layer) == 2 && shop.last_consent_update().await.is_some_and(|u| signal(&u, "ad_storage") == "granted")).then_some(())
    });

    // A returning page load: default first again, then one update restating the stored choice.
    shop.reload_widget().await;
    let update = wait_for!(shop, "the update on the returning page load", shop.last_consent_update().await);
    assert_eq!(signal(&update, "ad_storage"), "granted");
    let layer = shop.data_layer().await;
    assert_eq!(layer[2][1], "default", "the default is not first on the returning page: {layer:#?}");
    shop.page_caught_up().await;
    assert_eq!(updates(&shop.data_layer().await), 1, "one update per page load");
    shop.assert_no_crash().await;
}

// The JS API and events of DESIGN.md §2, as a site owner's own scripts use them, including calls
// made before the widget is ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_api_events_and_early_calls() {
    let shop = Shopper::new().await;
    // The site's own script runs right after the loader tag, long before the wasm is ready.
    shop.server.script(
        "site.js",
        "window.__events = []; \
         ['ready', 'consent', 'change'].forEach(function (n) { window.addEventListener('crumb:' + n, function (e) { window.__events.push([n, e.detail]); }); }); \
         window.__viaOn = []; window.__stop = Crumb.on('consent', function (d) { window.__viaOn.push(d); }); \
         window.__early = { ready: Crumb.ready, analytics: Crumb.acceptedCategory('analytics'), consent: Crumb.getConsent() }; \
         Crumb.acceptCategory(['analytics']);",
    );
    let page = host_page(
        &config_tag(&shop.server.demo_config()),
        &format!(
            r#"<script src="{LOADER}" data-endpoint="/api/consent"></script><script src="/p/site.js"></script>{GATED_ANALYTICS}{GATED_ADS}"#
        ),
    );
    let path = shop.server.page("api.html", &page);
    shop.open_widget(&path).await;
    let early: Value = shop.js("return window.__early;", vec![]).await;
    assert_eq!(early, json!({"ready": false, "analytics": false, "consent": null}), "answers before the widget was ready");
    // The queued acceptCategory(['analytics']) was replayed: a custom decision, no banner.
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, choices(&[("necessary", true), ("preferences", false), ("analytics", true), ("marketing", false)]));
    assert_eq!(shop.wait_records(&consent.id, 1).await[0].action, Action::Custom);
    wait_analytics_ran(&shop).await;
    assert!(!shop.is_visible(BANNER).await);

    let state: Value = shop
        .js(
            "var c = Crumb.getConsent(); \
             return { plain: Object.getPrototypeOf(c) === Object.prototype && Object.getPrototypeOf(c.categories) === Object.prototype, \
                      roundtrip: JSON.stringify(JSON.parse(JSON.stringify(c))) === JSON.stringify(c), \
                      id: c.id, analytics: c.categories.analytics, \
                      accepted: [Crumb.acceptedCategory('analytics'), Crumb.acceptedCategory('marketing'), Crumb.acceptedCategory('nope')], \
                      services: [Crumb.acceptedService('demo-analytics'), Crumb.acceptedService('demo-ads')], \
                      events: window.__events.map(function (e) { return e[0]; }), viaOn: window.__viaOn.length, version: typeof Crumb.version };",
            vec![],
        )
        .await;
    assert_eq!(state["plain"], true, "getConsent() is not a plain object: {state}");
    assert_eq!(state["roundtrip"], true);
    assert_eq!(state["id"], json!(consent.id));
    assert_eq!(state["accepted"], json!([true, false, false]));
    assert_eq!(state["services"], json!([true, false]));
    assert_eq!(state["events"], json!(["ready", "consent", "change"]), "{state}");
    assert_eq!(state["viaOn"], 1);
    assert_eq!(state["version"], "string");

    // crumb:change says what changed; on()'s unsubscribe stops delivery.
    shop.js::<Value>("window.__stop(); window.__events = []; Crumb.acceptCategory('all'); return null;", vec![]).await;
    wait_for!(shop, "a crumb:change event for Accept all", {
        let events: Vec<Value> = shop.js("return window.__events;", vec![]).await;
        events.iter().find(|e| e[0] == "change").cloned()
    });
    let events: Vec<Value> = shop.js("return window.__events;", vec![]).await;
    let change = events.iter().find(|e| e[0] == "change").cloned().unwrap_or_default();
    let changed = change[1].to_string();
    assert!(
        changed.contains("marketing") && changed.contains("preferences") && !changed.contains("\"analytics\""),
        "change detail: {changed}"
    );
    let via_on: u32 = shop.js("return window.__viaOn.length;", vec![]).await;
    assert_eq!(via_on, 1, "the unsubscribed listener still got events");
    wait_for!(shop, "the ad pixel to run after acceptCategory('all')", (shop.gated_runs().await.ads.as_deref() == Some("1")).then_some(()));

    // acceptCategory([]) refuses everything optional; show/hide/showPreferences drive the views.
    shop.js::<Value>("Crumb.acceptCategory([]); return null;", vec![]).await;
    wait_for!(shop, "analytics refused", {
        let granted: bool = shop.js("return Crumb.acceptedCategory('analytics');", vec![]).await;
        (!granted).then_some(())
    });
    shop.js::<Value>("Crumb.show(); return null;", vec![]).await;
    shop.wait_visible(BANNER).await;
    shop.js::<Value>("Crumb.hide(); return null;", vec![]).await;
    shop.wait_hidden(BANNER).await;
    shop.js::<Value>("Crumb.showPreferences(); return null;", vec![]).await;
    shop.wait_visible(PREFS).await;
    shop.click(PREFS_CLOSE).await;
    shop.wait_hidden(PREFS).await;
    // A page link with data-crumb="preferences".
    shop.click_page("#settings-link").await;
    shop.wait_visible(PREFS).await;
    shop.click(PREFS_CLOSE).await;

    // setLanguage: a known language switches the texts; an unknown one is refused with a warning.
    let switched: bool = shop.js("return Crumb.setLanguage('nl');", vec![]).await;
    assert!(switched);
    shop.js::<Value>("Crumb.show(); return null;", vec![]).await;
    let title = crumb_e2e::texts("nl")["banner.title"].clone();
    wait_for!(shop, "the Dutch banner title", (shop.text(BANNER_TITLE).await.as_deref() == Some(title.as_str())).then_some(()));
    let refused: bool = shop.js("return Crumb.setLanguage('xx');", vec![]).await;
    assert!(!refused);

    // reset(): consent gone, banner back, nothing granted.
    shop.js::<Value>("Crumb.reset(); return null;", vec![]).await;
    wait_for!(shop, "the stored consent to be removed", shop.local_storage("crumb").await.is_none().then_some(()));
    assert_eq!(shop.local_storage("crumb_plan").await, None, "the plan outlived the consent it applies");
    shop.wait_visible(BANNER).await;
    let after: Value = shop.js("return [Crumb.getConsent(), Crumb.acceptedCategory('analytics')];", vec![]).await;
    assert_eq!(after, json!([null, false]));
    shop.assert_no_crash().await;
}

// Two tabs: consent given in one applies in the other on its next navigation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_share_the_decision() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;
    let first = shop.client().window().await.expect("current tab");
    let second = shop.client().new_window(true).await.expect("a second tab").handle;
    shop.client().switch_to_window(second.clone()).await.expect("switch to the second tab");
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;

    shop.client().switch_to_window(first).await.expect("back to the first tab");
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;

    shop.client().switch_to_window(second).await.expect("the second tab again");
    shop.open_widget("/").await;
    wait_for!(shop, "both gated scripts in the second tab", {
        let runs = shop.gated_runs().await;
        (runs.analytics.as_deref() == Some("1") && runs.ads.as_deref() == Some("1")).then_some(())
    });
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "the second tab asks again");
    assert_eq!(shop.stored_consent().await.map(|c| c.id), Some(consent.id.clone()));
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 1, "the second tab posted a record of its own");
}

// The site removes a category from its config (same revision): the stored consent still holds for
// the rest; the removed category is ignored, and nobody is asked again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_category_leaves_the_rest_of_the_consent_in_force() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    shop.wait_records(&consent.id, 1).await;

    let path = shop.server.variant("no-preferences", |config| {
        let categories = config["categories"].as_array_mut().expect("categories");
        categories.retain(|c| c["id"] != "preferences");
    });
    shop.open_widget(&path).await;
    wait_for!(shop, "both gated scripts under the trimmed config", {
        let runs = shop.gated_runs().await;
        (runs.analytics.as_deref() == Some("1") && runs.ads.as_deref() == Some("1")).then_some(())
    });
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "removing a category asked the shopper again");
    let answers: Value = shop
        .js(
            "return [Crumb.acceptedCategory('analytics'), Crumb.acceptedCategory('marketing'), Crumb.acceptedCategory('preferences')];",
            vec![],
        )
        .await;
    assert_eq!(answers, json!([true, true, false]), "the removed category must count for nothing");
    let update = shop.last_consent_update().await.expect("an update on load");
    assert_eq!(signal(&update, "analytics_storage"), "granted");
    assert_eq!(signal(&update, "ad_storage"), "granted");
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 1, "a page view posted a record");
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    assert!(shop.shadow(&switch("preferences")).await.is_none(), "the removed category is still offered");
    shop.assert_no_crash().await;
}
