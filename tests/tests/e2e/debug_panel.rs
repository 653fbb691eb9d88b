//! Errors a site owner sees (issue 11): on the site owner's machine (the harness serves on
//! 127.0.0.1) or with `data-debug`, a broken config shows every error with its path in a panel on
//! the page; on a production origin (`shop.test`, resolved to 127.0.0.1 by the browser) a shopper
//! never sees the panel nor fetches its part. An endpoint that refuses the page's origin is
//! explained once in the console, with the `--allow-origin` flag to add, and the record waits.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- debug_panel::`.

use crumb_e2e::selectors::{BANNER_ACCEPT, DEBUG_HOST, DEBUG_PANEL};
use crumb_e2e::server::replace_config;
use crumb_e2e::{wait_for, BrowserOptions, Shopper};
use serde_json::{json, Value};

const PRODUCTION_HOST: &str = "shop.test";
const DEBUG_PART: &str = "/crumb/split_debug.wasm";

fn resolving_shop_test() -> BrowserOptions {
    BrowserOptions { host_resolver_rules: Some(format!("MAP {PRODUCTION_HOST} 127.0.0.1")), ..BrowserOptions::default() }
}

/// The demo page with four independent mistakes in its config; `attributes` are added to its
/// script tag.
fn broken_page(shop: &Shopper, name: &str, attributes: &str) -> String {
    let mut config = shop.server.demo_config();
    config["catgories"] = json!([]);
    config["expiry_days"] = json!(0);
    config["policy_url"] = json!("javascript:alert(1)");
    config["categories"][1]["id"] = json!("loyalty");
    let text = serde_json::to_string_pretty(&config).expect("config serializes");
    with_script_attributes(shop, name, &text, attributes)
}

/// The demo page with `config_text` as its config and `attributes` added to its script tag.
fn with_script_attributes(shop: &Shopper, name: &str, config_text: &str, attributes: &str) -> String {
    shop.server.variant_html(name, |html| {
        let html = replace_config(html, config_text).unwrap_or_else(|e| panic!("{e}"));
        let tag = r#"<script src="/crumb/loader.js" data-endpoint="/api/consent""#;
        assert!(html.contains(tag), "the demo page's script tag has changed");
        html.replacen(tag, &format!(r#"<script src="/crumb/loader.js" {attributes}"#), 1)
    })
}

/// The debug panel's sections: each one's heading and list items (empty: no panel).
async fn panel(shop: &Shopper) -> Vec<(String, Vec<String>)> {
    let sections: Value = shop
        .js(
            &format!(
                "var host = document.querySelector('{DEBUG_HOST}'); var root = host && host.shadowRoot; if (!root) return []; \
                 return Array.prototype.map.call(root.querySelectorAll('{DEBUG_PANEL}'), function (s) {{ \
                   var h = s.querySelector('h2'); \
                   return [h ? h.textContent : '', Array.prototype.map.call(s.querySelectorAll('li'), function (li) {{ return li.textContent; }})]; }});"
            ),
            vec![],
        )
        .await;
    serde_json::from_value(sections).unwrap_or_default()
}

async fn wait_unconfigured(shop: &Shopper) {
    wait_for!(shop, "the unconfigured API and the console error naming `policy_url`", {
        let done: bool = shop.js("return !!(window.Crumb && window.Crumb.ready === false);", vec![]).await;
        (done && shop.browser.console_has("`policy_url`").await).then_some(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_machine_sees_every_config_error_with_its_path() {
    let shop = Shopper::new().await;
    let page = broken_page(&shop, "debug-broken", r#"data-endpoint="/api/consent""#);
    shop.open(&page).await;
    let sections = wait_for!(shop, "the debug panel", {
        let sections = panel(&shop).await;
        (!sections.is_empty()).then_some(sections)
    });
    let (heading, items) = &sections[0];
    assert_eq!(heading, "Crumb: 5 problems in the config", "{sections:?}");
    for (path, words) in [
        ("catgories", "unknown field"),
        ("expiry_days", "between 1 and 395"),
        ("policy_url", "http(s) URL"),
        ("categories[1].id", r#"add `texts.en["category.loyalty.title"]`"#),
        ("texts.en.category.loyalty.purpose", r#"add `texts.en["category.loyalty.purpose"]`"#),
    ] {
        assert!(items.iter().any(|i| i.starts_with(&format!("{path} ")) && i.contains(words)), "no `{path}`: {words} in {items:?}");
    }
    // One console error lists them all too.
    let console = shop.browser.console().await;
    assert!(
        console.iter().any(|e| ["catgories", "expiry_days", "policy_url", "categories[1].id"].iter().all(|p| e.message.contains(p))),
        "{}",
        shop.diagnostics().await
    );
    // Nothing granted, and the page stays usable: a real click reaches a shop's button beside the
    // panel (which sits in the bottom corner at the inline start).
    let analytics: Value = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
    assert_eq!(analytics, json!(false));
    shop.click_page(".shop-products li:last-child .add-to-cart").await;
    wait_for!(shop, "the cart to count one product", {
        let count: Option<String> = shop.js("return document.getElementById('cart-count').textContent;", vec![]).await;
        (count.as_deref() == Some("1")).then_some(())
    });
    shop.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_on_a_production_origin_never_sees_nor_fetches_the_panel() {
    let shop = Shopper::with_browser(resolving_shop_test()).await;
    let page = broken_page(&shop, "production-broken", r#"data-endpoint="/api/consent""#);
    shop.open_on(PRODUCTION_HOST, &page).await;
    wait_unconfigured(&shop).await;
    // The panel would have been asked for before the unconfigured API was installed; its part
    // would have been requested by the time the page reaches the server again.
    shop.page_caught_up().await;
    assert!(panel(&shop).await.is_empty(), "a panel on a production origin\n{}", shop.diagnostics().await);
    let host: bool = shop.js(&format!("return !!document.querySelector('{DEBUG_HOST}');"), vec![]).await;
    assert!(!host, "no debug host on a production origin");
    assert!(!shop.server.was_requested(DEBUG_PART), "a shopper fetched the debug part");

    // The same origin with `data-debug` on the script tag: the panel shows.
    let page = broken_page(&shop, "production-debug", r#"data-endpoint="/api/consent" data-debug"#);
    shop.open_on(PRODUCTION_HOST, &page).await;
    let sections = wait_for!(shop, "the debug panel with data-debug", {
        let sections = panel(&shop).await;
        (!sections.is_empty()).then_some(sections)
    });
    assert_eq!(sections[0].1.len(), 5, "{sections:?}");
    shop.assert_no_crash().await;
}

/// The page on `shop.test` posts to the server's other name, 127.0.0.1, which allows no other
/// origin: the browser shows the refusal to the page as a network error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_origin_is_explained_once_and_the_record_waits() {
    let shop = Shopper::with_browser(resolving_shop_test()).await;
    let endpoint = shop.server.url("/api/consent");
    let config = serde_json::to_string_pretty(&shop.server.demo_config()).expect("config serializes");
    let page = with_script_attributes(&shop, "foreign-endpoint", &config, &format!(r#"data-endpoint="{endpoint}""#));
    shop.open_on(PRODUCTION_HOST, &page).await;
    shop.wait_widget_ready().await;
    shop.click(BANNER_ACCEPT).await;
    let origin = shop.url_on(PRODUCTION_HOST, "");
    let flag = format!("--allow-origin crumb-demo={origin}");
    let entry = wait_for!(shop, "the console to explain the refused endpoint", {
        shop.browser.console().await.into_iter().find(|e| e.message.contains(&flag))
    });
    assert_eq!(entry.level, "SEVERE", "{entry:?}");
    assert!(entry.message.contains(&format!("`{endpoint}`")) && entry.message.contains(&format!("`{origin}`")), "{entry:?}");
    // Retried, and still said once.
    wait_for!(shop, "a retry's preflight", {
        let preflights = shop.server.requests().iter().filter(|l| l.starts_with("OPTIONS /api/consent")).count();
        (preflights >= 2).then_some(())
    });
    shop.page_caught_up().await;
    let told = shop.browser.console().await.iter().filter(|e| e.message.contains(&flag)).count();
    assert_eq!(told, 1, "once per page view\n{}", shop.diagnostics().await);
    assert_eq!(shop.outbox().await.len(), 1, "the record waits in the outbox");
    assert_eq!(shop.server.count_records().await, 0);
    assert!(panel(&shop).await.is_empty(), "no panel on a production origin");
    shop.assert_no_crash().await;
}
