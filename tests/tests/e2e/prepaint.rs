//! The banner painted ahead of time (docs/prepaint.md): on a first visit loader.js paints the
//! demo's prepaint (`data-prepaint`, written by crumb-prerender at build time) before the wasm has
//! arrived; the widget then replaces it with its own banner, carrying out a button pressed in
//! between. The page never shows two banners, a painted banner never outlives a widget that
//! cannot run, and a prepaint file is never more than markup.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- prepaint::`.

use crumb_e2e::selectors::{BANNER, BANNER_CUSTOMIZE, BANNER_REJECT, BANNER_TITLE, PREFS};
use crumb_e2e::server::Held;
use crumb_e2e::{wait_for, Shopper};
use fantoccini::key::Key;
use serde_json::json;

const MAIN_PART: &str = "/crumb/crumb_bg.wasm";
const PREPAINT: &str = "/demo/prepaint.json";

/// How many banners the page has, painted or the widget's, and how many of them are painted.
async fn banners(shop: &Shopper) -> (u32, u32) {
    let counts: Vec<u32> = shop
        .js(
            "var hosts = document.querySelectorAll('#crumb-root'); var all = 0, painted = 0; \
             for (var i = 0; i < hosts.length; i++) { var root = hosts[i].shadowRoot; if (!root) continue; \
               all += root.querySelectorAll('[data-crumb-part=banner]').length; \
               painted += root.querySelectorAll('[data-crumb-prepaint] [data-crumb-part=banner]').length; } \
             return [hosts.length > 1 ? 99 : all, painted];",
            vec![],
        )
        .await;
    (counts[0], counts[1])
}

/// Holds the main part back, opens the demo and presses `button` on the painted banner; checks that
/// nothing was decided, stored or posted by the press alone. Release the returned handle to let
/// the wasm arrive.
async fn press_before_the_wasm(shop: &Shopper, button: &str) -> Held {
    let held = shop.server.hold(MAIN_PART);
    shop.open("/").await;
    shop.click(button).await;
    shop.page_caught_up().await;
    assert_eq!(banners(shop).await, (1, 1), "the press was not on the painted banner");
    assert!(shop.stored_consent().await.is_none(), "something was stored before the widget ran");
    assert_eq!(shop.server.count_records().await, 0, "a record was posted before the widget ran");
    held
}

async fn widget_ready(shop: &Shopper) -> bool {
    shop.js("return !!(window.Crumb && window.Crumb.ready === true);", vec![]).await
}

// With the wasm held back, the painted banner is up (styled, in the shopper's language, with its
// policy link); when the wasm arrives, the widget's own banner takes its place: one banner all
// along, the same text, and no console warning about a stale prepaint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_painted_banner_shows_before_the_wasm_and_gives_way_to_the_widgets() {
    let shop = Shopper::new().await;
    let held = shop.server.hold(MAIN_PART);
    shop.open("/").await;
    shop.wait_visible(BANNER).await;
    assert!(!widget_ready(&shop).await, "the widget was ready although its wasm was held back");
    assert_eq!(banners(&shop).await, (1, 1), "the banner on screen is not the painted one alone");
    let painted_title = shop.text(BANNER_TITLE).await;
    assert_eq!(painted_title.as_deref(), Some("We value your privacy"));
    let popover: bool = shop.in_shadow("return root.querySelector('[data-crumb-part=banner]').matches(':popover-open');", vec![]).await;
    assert!(popover, "the painted banner is not in the top layer");
    // What the widget's own banner needs besides the main part downloads meanwhile: the texts of
    // the painted language, the UI part and the chunk it shares.
    shop.wait_loaded("/crumb/i18n/en.json").await;
    shop.wait_loaded("/crumb/split_ui.wasm").await;
    wait_for!(
        shop,
        "the UI part's chunk to be requested",
        shop.server.requests().iter().any(|r| r.contains("/crumb/chunk_")).then_some(())
    );

    held.release();
    shop.wait_widget_ready().await;
    // `Crumb.ready` comes before the components are mounted: the swap is the marker to wait for.
    wait_for!(shop, "the widget's banner to replace the painted one", (banners(&shop).await == (1, 0)).then_some(()));
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await, painted_title);
    assert!(!shop.browser.console_has("painted ahead of time").await, "{}", shop.browser.console_text().await);
    shop.assert_no_crash().await;
}

// Reject all pressed on the painted banner, before the widget could act: nothing is stored or
// posted until it arrives, then the refusal is carried out, stored and recorded, and the banner
// goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_all_pressed_before_the_wasm_arrives_is_carried_out_when_it_does() {
    let shop = Shopper::new().await;
    let held = press_before_the_wasm(&shop, BANNER_REJECT).await;

    held.release();
    let consent = wait_for!(shop, "the refusal to be stored", shop.stored_consent().await);
    assert!(consent.categories.iter().all(|(id, granted)| id == "necessary" || !granted), "{:?}", consent.categories);
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action.as_str(), "reject_all");
    shop.wait_hidden(BANNER).await;
    assert_eq!(banners(&shop).await, (0, 0));
    assert!(shop.gated_runs().await.analytics.is_none(), "analytics ran after a refusal");
    shop.assert_no_crash().await;
}

// Customize pressed on the painted banner opens the preference center once the widget is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customize_pressed_before_the_wasm_arrives_opens_the_preference_center() {
    let shop = Shopper::new().await;
    let held = press_before_the_wasm(&shop, BANNER_CUSTOMIZE).await;
    assert!(!shop.is_visible(PREFS).await);
    held.release();
    shop.wait_visible(PREFS).await;
    assert!(shop.stored_consent().await.is_none(), "opening the preference center decided something");
    shop.assert_no_crash().await;
}

// A keyboard user who tabbed to Reject all on the painted banner is still on Reject all when
// the widget's banner replaces it, and nothing is decided by the swap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_focus_stays_on_the_same_button_when_the_widget_takes_over() {
    let shop = Shopper::new().await;
    let held = shop.server.hold(MAIN_PART);
    shop.open("/").await;
    shop.wait_visible(BANNER).await;
    for _ in 0..8 {
        if shop.focus().await.action.as_deref() == Some("reject-all") {
            break;
        }
        shop.press(Key::Tab).await;
    }
    let before = shop.focus().await;
    assert!(before.in_banner && before.action.as_deref() == Some("reject-all"), "Tab did not reach Reject all: {before:?}");
    assert_eq!(banners(&shop).await, (1, 1));

    held.release();
    shop.wait_widget_ready().await;
    wait_for!(shop, "the widget's banner to replace the painted one", (banners(&shop).await == (1, 0)).then_some(()));
    let after = shop.focus().await;
    assert!(after.in_banner && after.action.as_deref() == Some("reject-all"), "focus was lost in the swap: {after:?}");
    shop.page_caught_up().await;
    assert!(shop.stored_consent().await.is_none(), "the swap decided something");
}

// The wasm cannot be fetched: the painted banner goes (it would stay inert), nothing is granted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_painted_banner_does_not_outlive_a_widget_that_cannot_load() {
    let shop = Shopper::new().await;
    let held = press_before_the_wasm(&shop, BANNER_REJECT).await;
    shop.server.make_missing(MAIN_PART);
    held.release();
    wait_for!(shop, "the console error about the widget", shop.browser.console_has("the widget could not load").await.then_some(()));
    shop.page_caught_up().await;
    assert_eq!(banners(&shop).await, (0, 0), "the painted banner stayed");
    assert!(shop.stored_consent().await.is_none());
    assert!(shop.last_consent_update().await.is_none(), "Consent Mode was updated without the widget");
}

// A prepaint older than the config (here the title was changed since): the widget's banner, with
// the config's text, replaces it, and the console tells the site owner to render it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_prepaint_is_replaced_and_named_in_the_console() {
    let shop = Shopper::new().await;
    let page = shop.server.variant("new-title", |config| config["texts"] = json!({ "en": { "banner.title": "Cookies, honestly" } }));
    let held = shop.server.hold(MAIN_PART);
    shop.open(&page).await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await.as_deref(), Some("We value your privacy"));
    held.release();
    wait_for!(shop, "the widget's own title", (shop.text(BANNER_TITLE).await.as_deref() == Some("Cookies, honestly")).then_some(()));
    assert_eq!(banners(&shop).await, (1, 0));
    wait_for!(shop, "the stale-prepaint warning", shop.browser.console_has("painted ahead of time").await.then_some(()));
    shop.assert_no_crash().await;
}

// A returning visitor never fetches the prepaint; a shopper whose language was not prerendered
// gets no painted banner, only the widget's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prepaint_is_only_for_a_first_visit_in_a_prerendered_language() {
    let shop = Shopper::with_browser(crumb_e2e::BrowserOptions { languages: vec!["ja".into()], ..Default::default() }).await;
    // Without the demo page's own preload tags: this is about what the loader fetches.
    let page = shop.server.variant_without_preloads("no-preloads", |_| {});
    let held = shop.server.hold(MAIN_PART);
    shop.open(&page).await;
    wait_for!(shop, "the prepaint to be fetched", shop.server.was_requested(PREPAINT).then_some(()));
    shop.wait_loaded(PREPAINT).await;
    shop.page_caught_up().await;
    assert_eq!(banners(&shop).await, (0, 0), "a banner was painted in a language the prepaint does not have");
    held.release();
    shop.wait_widget_ready().await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.attr(crumb_e2e::selectors::WIDGET, "lang").await.as_deref(), Some("ja"));
    shop.click(BANNER_REJECT).await;
    wait_for!(shop, "the refusal to be stored", shop.stored_consent().await);

    let requests = shop.server.requests().len();
    shop.reload_widget().await;
    shop.page_caught_up().await;
    let prepaints = shop.server.requests()[requests..].iter().filter(|r| r.contains(PREPAINT)).count();
    assert_eq!(prepaints, 0, "a returning visitor fetched the prepaint");
}

// A tampered prepaint file (a script, an inline handler, a javascript: link, a style) paints
// nothing: the loader refuses it whole and says so, and the widget shows its own banner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_prepaint_paints_nothing() {
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(crumb_e2e::server::dist_dir().join("demo/prepaint.json")).expect("prepaint"))
            .expect("prepaint JSON");
    let hostile_trees = [
        json!(["div", {"class": "crumb"}, ["script", {}, "window.__pwned = 1"]]),
        json!(["div", {"class": "crumb", "onclick": "window.__pwned = 1"}, "x"]),
        json!(["div", {"class": "crumb"}, ["a", {"href": "javascript:window.__pwned=1"}, "x"]]),
        json!(["div", {"class": "crumb", "style": "background:url(//evil.test/x)"}, "x"]),
    ];
    for (i, tree) in hostile_trees.iter().enumerate() {
        // A fresh profile each: the wasm must not come from the cache before the file is read.
        let shop = Shopper::new().await;
        let mut file = good.clone();
        file["layers"]["en"] = tree.clone();
        let url = shop.server.file(&format!("hostile-{i}.json"), "application/json", &[], &file.to_string());
        let page = shop.server.variant_html(&format!("hostile-prepaint-{i}"), |html| html.replace(PREPAINT, &url));
        let held = shop.server.hold(MAIN_PART);
        shop.open(&page).await;
        wait_for!(shop, "the loader to refuse the prepaint", shop.browser.console_has("could not be used").await.then_some(()));
        assert_eq!(banners(&shop).await, (0, 0), "case {i}: something was painted");
        held.release();
        shop.wait_widget_ready().await;
        shop.wait_visible(BANNER).await;
        let pwned: bool = shop.js("return window.__pwned === 1;", vec![]).await;
        assert!(!pwned, "case {i}: the prepaint ran code");
    }
}

// Under the strict-CSP demo's policy (no inline script or style, `'self'` only), the banner is
// painted, in the site's accent, and replaced, without a single violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prepaint_paints_under_a_strict_content_security_policy() {
    let shop = Shopper::new().await;
    let demo = crumb_e2e::server::built_site().join("demo/strict-csp/index.html");
    let html = std::fs::read_to_string(&demo).unwrap_or_else(|e| panic!("{}: {e}", demo.display()));
    assert!(html.contains("data-prepaint="), "the strict-CSP demo has no prepaint");
    let policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-crumb-demo-nonce'; style-src 'self'";
    let path = shop.server.file("csp-prepaint/index.html", "text/html; charset=utf-8", &[("content-security-policy", policy)], &html);
    let held = shop.server.hold(MAIN_PART);
    shop.open(&path).await;
    shop.wait_visible(BANNER).await;
    assert_eq!(banners(&shop).await, (1, 1), "the banner on screen is not the painted one");
    // The accent's custom properties, set as the widget sets them: buttons in the accent with the
    // text colour crumb-core chose, and links in it too (it has 4.5:1 on white).
    let painted: Vec<String> = shop
        .in_shadow(
            "var s = getComputedStyle(root.querySelector('.crumb'));              return ['--crumb-brand', '--crumb-brand-fg', '--crumb-accent-light'].map(function (p) { return s.getPropertyValue(p).trim(); });",
            vec![],
        )
        .await;
    assert_eq!(painted, ["#0b7a4b", "#ffffff", "#0b7a4b"], "the painted banner does not carry theme.accent");
    held.release();
    wait_for!(shop, "the widget's banner to replace the painted one", (banners(&shop).await == (1, 0)).then_some(()));
    shop.page_caught_up().await;
    let violations: Vec<String> = shop.js("return window.__cspViolations;", vec![]).await;
    assert!(violations.is_empty(), "CSP violations: {violations:#?}\n{}", shop.diagnostics().await);
}
