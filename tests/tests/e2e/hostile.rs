//! Host pages written to be hostile, the way real sites are: polluted prototypes, a body that
//! is replaced, a `<base href>` on another origin, oversized or deeply nested configs, a
//! catastrophic cookie pattern, page zoom, a tag that set cookies before the widget ran, a full
//! localStorage, and keyboard decisions. Each journey loads the real bundle through the script
//! tag on a page of the in-process server and checks the DOM, storage, the network and the
//! console.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- hostile::`.

use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_REJECT, HOST, PREFS, PREFS_SAVE, REOPEN};
use crumb_e2e::{wait_for, Shopper};
use serde_json::{json, Value};

/// A host page: `head_script` runs first (the hostile part), then the config and the loader.
fn hostile_page(shop: &Shopper, head: &str, config: &Value, loader_attributes: &str) -> String {
    let loader = shop.server.url("/crumb/loader.js");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Hostile host</title>\n{head}\n\
         <script type=\"application/json\" id=\"crumb-config\">{config}</script>\n\
         <script src=\"{loader}\" data-endpoint=\"/api/consent\" {loader_attributes}></script>\n</head>\n\
         <body>\n<main><h1>Hostile host</h1><p id=\"content\">Products</p>\n\
         <a href=\"#\" id=\"settings-link\" data-crumb=\"preferences\">Cookie settings</a></main>\n</body>\n</html>\n"
    )
}

async fn consent_id(shop: &Shopper) -> String {
    let stored: String = shop.js("return localStorage.getItem('crumb') || '';", vec![]).await;
    let value: Value = serde_json::from_str(&stored).unwrap_or(Value::Null);
    value["id"].as_str().unwrap_or_default().to_owned()
}

// A page that adds `toJSON`, `endpoint` and `required` to the prototypes: the stored consent and
// the outbox stay real JSON (also after an endpoint outage and a reload), records go to the
// site's endpoint and pass the server's validation, and no category is locked on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polluted_prototypes_change_nothing() {
    let shop = Shopper::new().await;
    // Prototype.js-style `toJSON` on both prototypes that rewrites anything shaped like a consent
    // or a record (and leaves other objects alone: chromedriver's own replies pass through
    // JSON too), plus inherited `endpoint`, `required` and `config`.
    let pollute = "<script>(function () { var own = Object.prototype.hasOwnProperty;\
                   function ours(x) { return x && typeof x === 'object' && (own.call(x, 'categories') || own.call(x, 'consent_id')); }\
                   Object.prototype.toJSON = function () { return ours(this) ? 'polluted' : this; };\
                   Array.prototype.toJSON = function () { return ours(this[0]) ? 'polluted' : this; };\
                   Object.prototype.endpoint = '/x'; Object.prototype.required = true;\
                   Object.prototype.config = '/x.json'; })();</script>";
    let page = shop.server.page("hostile-prototypes.html", &hostile_page(&shop, pollute, &shop.server.demo_config(), ""));
    shop.server.set_endpoint_up(false);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    let analytics_locked: bool =
        shop.in_shadow("return root.querySelector('button[role=switch][data-category=analytics]').disabled;", vec![]).await;
    assert!(!analytics_locked, "an inherited `required` locked a category on");
    shop.click(&format!("{PREFS} button[data-action=\"accept-all\"]")).await;
    shop.wait_visible(REOPEN).await;
    let (stored, outbox): (String, String) =
        shop.js("return [localStorage.getItem('crumb') || '', localStorage.getItem('crumb_outbox') || ''];", vec![]).await;
    assert!(stored.starts_with('{') && stored.contains("\"analytics\":true"), "stored consent: {stored}");
    assert!(outbox.starts_with("[{") && outbox.contains("\"action\":\"accept_all\""), "outbox: {outbox}");
    let id = consent_id(&shop).await;
    // The next page pollutes again and reads the outbox left by the outage; the endpoint is back.
    shop.server.set_endpoint_up(true);
    shop.reload_widget().await;
    let records = shop.wait_records(&id, 1).await;
    assert_eq!(records[0].categories.get("analytics"), Some(&true));
    assert!(!shop.server.was_requested("/x"), "records went to an inherited endpoint");
    assert!(!shop.server.was_requested("/x.json"), "the config came from an inherited data-config");
    shop.assert_no_crash().await;
}

// A single-page app replaces <body> on navigation, and a framework removes unknown children of
// <body>: the widget comes back each time, with its banner, and withdrawal keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_survives_a_replaced_body_and_removals() {
    let shop = Shopper::new().await;
    let page = shop.server.page("hostile-spa.html", &hostile_page(&shop, "", &shop.server.demo_config(), ""));
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    shop.js::<Value>(
        "var b = document.createElement('body'); b.innerHTML = '<main><h1>Next view</h1>' + \
         '<a href=\"#\" id=\"settings-2\" data-crumb=\"preferences\">Cookie settings</a></main>'; document.body = b; return null;",
        vec![],
    )
    .await;
    wait_for!(shop, "the widget back in the new body", {
        let back: bool = shop.js(&format!("return !!document.body.querySelector('{HOST}');"), vec![]).await;
        back.then_some(())
    });
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_REJECT).await;
    shop.wait_visible(REOPEN).await;
    // The settings link of the new view opens the preference center.
    shop.click_page("#settings-2").await;
    shop.wait_visible(PREFS).await;
    // A framework that keeps removing it: put back each time, and the console says so.
    for _ in 0..3 {
        shop.js::<Value>(&format!("document.querySelector('{HOST}').remove(); return null;"), vec![]).await;
        wait_for!(shop, "the widget put back", {
            let back: bool = shop.js(&format!("return !!document.querySelector('{HOST}');"), vec![]).await;
            back.then_some(())
        });
    }
    wait_for!(
        shop,
        "a console warning that the page keeps removing the widget",
        shop.browser.console_has("keeps removing").await.then_some(())
    );
    let ready: bool = shop.js("return window.Crumb.ready === true;", vec![]).await;
    assert!(ready);
    shop.assert_no_crash().await;
}

// A <base href> on another origin: the widget's own relative URLs (data-endpoint, the policy
// link) still mean the page's own site, and the console says so once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_base_href_does_not_move_the_widgets_urls() {
    let shop = Shopper::new().await;
    let page = shop
        .server
        .page("hostile-base.html", &hostile_page(&shop, "<base href=\"http://elsewhere.invalid/\">", &shop.server.demo_config(), ""));
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    let policy: String = shop.in_shadow("var a = root.querySelector('a.crumb-policy-link'); return a ? a.href : '';", vec![]).await;
    assert!(policy.starts_with(&shop.server.url("/")), "the policy link stays on the site: {policy}");
    shop.click(BANNER_ACCEPT).await;
    shop.wait_visible(REOPEN).await;
    let id = consent_id(&shop).await;
    shop.wait_records(&id, 1).await;
    assert!(shop.browser.console_has("points to http://elsewhere.invalid").await, "{}", shop.diagnostics().await);
}

// Configs a site (or an attacker who can write the config) could serve: 5,000 levels of nesting,
// a 2 MB wrong-typed value, a catastrophic cookie pattern. Each gives one clear console error of
// bounded length, no crash, no banner, and everything stays denied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_configs_fail_clearly_and_safely() {
    let shop = Shopper::new().await;
    let mut deep = shop.server.demo_config();
    deep["texts"] = json!({"en": {"banner.title": "x"}});
    let deep_text = deep.to_string().replacen("\"x\"", &format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000)), 1);
    let mut huge = shop.server.demo_config();
    huge["revision"] = json!("r".repeat(2_000_000));
    let mut catastrophic = shop.server.demo_config();
    catastrophic["categories"][2]["services"][0]["cookies"][0] = json!({
        "pattern": "^(a+)+$", "purpose": "x", "duration": "session", "party": "first"
    });
    let cases =
        [("deep", deep_text, "levels deep"), ("huge", huge.to_string(), "bytes"), ("catastrophic", catastrophic.to_string(), "pattern")];
    for (name, config_text, needle) in cases {
        let html = hostile_page(&shop, "", &Value::Null, "").replace("null</script>", &format!("{config_text}</script>"));
        let page = shop.server.page(&format!("hostile-config-{name}.html"), &html);
        shop.open(&page).await;
        wait_for!(shop, format!("[{name}] the unconfigured API"), {
            let done: bool = shop.js("return !!(window.Crumb && window.Crumb.ready === false && window.Crumb.version);", vec![]).await;
            done.then_some(())
        });
        let errors: Vec<String> =
            shop.browser.console().await.into_iter().map(|e| e.message).filter(|m| m.contains("Crumb:") && m.contains(needle)).collect();
        assert!(!errors.is_empty(), "[{name}] a console error mentioning {needle:?}\n{}", shop.diagnostics().await);
        assert!(errors.iter().all(|m| m.len() < 5_000), "[{name}] console errors are bounded: {} chars", errors[0].len());
        let banner: bool = shop.js(&format!("return !!document.querySelector('{HOST}');"), vec![]).await;
        assert!(!banner, "[{name}] no widget without a valid config");
        let granted: bool = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
        assert!(!granted, "[{name}] nothing granted");
        shop.assert_no_crash().await;
    }
}

// `body { zoom: 2 }`: the preference center stays usable, its Save button on screen and clickable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_zoom_keeps_the_preference_center_usable() {
    let shop = Shopper::new().await;
    let style = shop.server.file("hostile-zoom.css", "text/css", &[], "body { zoom: 2 }");
    let page = shop.server.page(
        "hostile-zoom.html",
        &hostile_page(&shop, &format!("<link rel=\"stylesheet\" href=\"{style}\">"), &shop.server.demo_config(), ""),
    );
    shop.open_widget(&page).await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    let on_screen: bool = shop
        .in_shadow(
            &format!(
                "var b = root.querySelector('{PREFS_SAVE}').getBoundingClientRect(); \
                 return b.bottom <= window.innerHeight && b.right <= window.innerWidth && b.top >= 0;"
            ),
            vec![],
        )
        .await;
    assert!(on_screen, "Save is on screen under page zoom\n{}", shop.diagnostics().await);
    shop.click(PREFS_SAVE).await;
    shop.wait_visible(REOPEN).await;
}

// An unblocked tag set the analytics cookie before the widget ran: a first-visit Reject all
// erases it, and leaves the page's own cookies alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_reject_all_erases_cookies_set_before_the_widget() {
    let shop = Shopper::new().await;
    let early = "<script>document.cookie = '_demo_ga=GA1.1.1; path=/; max-age=600';\
                 document.cookie = '_demo_ga_XYZ=GS1; path=/; max-age=600';\
                 document.cookie = 'site_cart=3; path=/; max-age=600';</script>";
    let page = shop.server.page("hostile-early-cookies.html", &hostile_page(&shop, early, &shop.server.demo_config(), ""));
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    assert!(shop.cookie_names().await.contains("_demo_ga"), "the early tag set its cookie");
    shop.click(BANNER_REJECT).await;
    shop.wait_visible(REOPEN).await;
    let names = shop.cookie_names().await;
    assert!(!names.contains("_demo_ga") && !names.contains("_demo_ga_XYZ"), "declared analytics cookies erased: {names:?}");
    assert!(names.contains("site_cart"), "an undeclared cookie of the site stays: {names:?}");
}

// After Accept all or Reject all by keyboard on the first layer, focus is on the reopen button,
// not on <body>.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyboard_decision_leaves_focus_on_the_reopen_button() {
    for button in [BANNER_ACCEPT, BANNER_REJECT] {
        let shop = Shopper::new().await;
        let page = shop.server.page("hostile-keyboard.html", &hostile_page(&shop, "", &shop.server.demo_config(), ""));
        shop.open_widget(&page).await;
        shop.wait_visible(BANNER).await;
        shop.in_shadow::<Value>(&format!("root.querySelector('{button}').focus(); return null;"), vec![]).await;
        shop.press(fantoccini::key::Key::Enter).await;
        wait_for!(shop, format!("focus on the reopen button after {button}"), {
            let focus = shop.focus().await;
            (focus.action.as_deref() == Some("reopen")).then_some(())
        });
    }
}

// localStorage is full: the choice holds for the page, the record still reaches the server, and
// the console says the choice could not be persisted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_local_storage_still_posts_the_record() {
    let shop = Shopper::new().await;
    let fill = "<script>(function () { var chunk = new Array(1 << 20).join('x'), n = 0;\
                while (chunk.length > 16) { try { localStorage.setItem('__fill' + n++, chunk); }\
                catch (e) { chunk = chunk.slice(0, chunk.length >> 1); } } })();</script>";
    let page = shop.server.page("hostile-full-storage.html", &hostile_page(&shop, fill, &shop.server.demo_config(), ""));
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_ACCEPT).await;
    shop.wait_visible(REOPEN).await;
    let granted: bool = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
    assert!(granted, "the choice holds for the page");
    let consent: Value = shop.js("return window.Crumb.getConsent();", vec![]).await;
    let id = consent["id"].as_str().unwrap_or_default().to_owned();
    let records = shop.wait_records(&id, 1).await;
    assert_eq!(records[0].categories.get("analytics"), Some(&true));
    assert!(shop.browser.console_has("could not be persisted").await, "{}", shop.diagnostics().await);
}
