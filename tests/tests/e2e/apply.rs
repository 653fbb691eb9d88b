//! The apply part (crates/crumb-apply, docs/architecture.md#parts): a returning visitor's
//! consented scripts start before the widget's main part has arrived, when the plan the widget
//! stored with the consent holds; when it does not (a new config, a consent changed since, a
//! different consent cookie), the apply part starts nothing and the main part decides.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- apply::`.

use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, REOPEN};
use crumb_e2e::{wait_for, Shopper};
use serde_json::{json, Value};

const MAIN_PART: &str = "/crumb/crumb_bg.wasm";
const APPLY_PART: &str = "/crumb/apply_bg.wasm";

/// Accepts everything on `page`, waits for the consent and its plan, and gives the stored plan.
async fn accept_all(shop: &Shopper, page: &str) -> String {
    shop.open_widget(page).await;
    shop.click(BANNER_ACCEPT).await;
    shop.wait_stored_consent(0).await;
    wait_for!(shop, "the plan stored with the consent (localStorage crumb_plan)", shop.local_storage("crumb_plan").await)
}

/// Reloads from the server (an empty HTTP cache, so held files stay held) without waiting for the
/// widget (its main part may be held back).
async fn reload(shop: &Shopper) {
    shop.browser.clear_cache().await.expect("clear the cache");
    if let Err(err) = shop.client().refresh().await {
        panic!("reload failed: {err}");
    }
}

/// The `gtag('consent', …)` calls on this page, by kind (`default`, `update`), in order.
async fn consent_calls(shop: &Shopper) -> Vec<String> {
    shop.consent_mode().await.into_iter().map(|(kind, _)| kind).collect()
}

// Accept all, then a returning page view with the main part held back: the gated analytics and
// ads scripts run and Consent Mode is updated from the plan, before the widget exists. When the
// main part arrives it runs nothing a second time and does not push the update again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_visitors_scripts_start_before_the_main_part_arrives() {
    let shop = Shopper::new().await;
    let plan = accept_all(&shop, "/").await;
    assert!(plan.starts_with("p1 "), "{plan}");

    // Whether the widget's API was ready when the gated analytics script ran: the main part makes
    // it ready before it applies a consent, the apply part never does.
    let probe = "new MutationObserver(function () { var h = document.documentElement; \
                 if (h.hasAttribute('data-demo-analytics') && !h.hasAttribute('data-ready-when-analytics-ran')) \
                 h.setAttribute('data-ready-when-analytics-ran', String(!!(window.Crumb && window.Crumb.ready === true))); }) \
                 .observe(document, { attributes: true, subtree: true, attributeFilter: ['data-demo-analytics'] });";
    shop.browser.add_init_script(probe).await.expect("init script");
    let held = shop.server.hold(MAIN_PART);
    reload(&shop).await;
    wait_for!(shop, "the gated analytics script to run from the plan", shop.gated_runs().await.analytics.map(|_| ()));
    let ready_then: Option<String> =
        shop.js("return document.documentElement.getAttribute('data-ready-when-analytics-ran');", vec![]).await;
    assert_eq!(ready_then.as_deref(), Some("false"), "the analytics script ran after the widget's API was ready");
    wait_for!(shop, "the gated ads script to run from the plan", shop.gated_runs().await.ads.map(|_| ()));
    let ready: bool = shop.js("return !!(window.Crumb && window.Crumb.ready === true);", vec![]).await;
    assert!(!ready, "the widget was ready although its main part was held back");
    let update = shop.last_consent_update().await.expect("a Consent Mode update from the plan");
    assert_eq!(update.get("analytics_storage"), Some(&json!("granted")));
    assert_eq!(update.get("ad_storage"), Some(&json!("granted")));
    assert!(shop.server.was_requested(APPLY_PART));

    held.release();
    shop.wait_widget_ready().await;
    shop.wait_visible(REOPEN).await;
    shop.page_caught_up().await;
    let runs = shop.gated_runs().await;
    assert_eq!((runs.analytics.as_deref(), runs.ads.as_deref()), (Some("1"), Some("1")), "a gated script ran twice");
    assert_eq!(consent_calls(&shop).await, ["default", "update"], "Consent Mode was updated twice");
    assert!(!shop.is_visible(BANNER).await);
    // The plan is unchanged: the same config, the same consent.
    assert_eq!(shop.local_storage("crumb_plan").await.as_deref(), Some(plan.as_str()));
    shop.assert_no_crash().await;
}

// A plan that does not hold starts nothing: the apply part has run (the main part's download
// starts only after it) and nothing optional ran or was granted meanwhile. Three ways: the site
// changed its config since (here its revision), the stored consent was edited since (here by
// hand, granting marketing), and a `crumb_consent` cookie holds another consent (one given on
// another subdomain is the main part's to reconcile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_does_not_hold_starts_nothing() {
    for case in ["new config", "edited consent", "other cookie"] {
        let shop = Shopper::new().await;
        let newer = shop.server.variant("revision-2", |config| {
            config["revision"] = json!(config["revision"].as_u64().unwrap_or(1) + 1);
        });
        let page = if case == "new config" { newer.clone() } else { "/".to_owned() };
        if case == "new config" {
            accept_all(&shop, "/").await;
        } else {
            // Refuse marketing, so an edit that grants it would show.
            shop.open_widget("/").await;
            shop.click(crumb_e2e::selectors::BANNER_REJECT).await;
            shop.wait_stored_consent(0).await;
            wait_for!(shop, "the plan", shop.local_storage("crumb_plan").await);
        }
        match case {
            "edited consent" => {
                let _: bool = shop
                    .js(
                        "var c = JSON.parse(localStorage.getItem('crumb')); c.categories.marketing = true; \
                         c.categories.analytics = true; localStorage.setItem('crumb', JSON.stringify(c)); return true;",
                        vec![],
                    )
                    .await;
            }
            "other cookie" => {
                let _: bool = shop
                    .js(
                        "var c = JSON.parse(localStorage.getItem('crumb')); c.categories.analytics = true; \
                         c.updated_at = c.updated_at + 1000; \
                         document.cookie = 'crumb_consent=' + encodeURIComponent(JSON.stringify(c)) + '; path=/'; return true;",
                        vec![],
                    )
                    .await;
            }
            _ => {}
        }

        let held = shop.server.hold(MAIN_PART);
        let requests = shop.server.requests().len();
        shop.browser.clear_cache().await.expect("clear the cache");
        shop.open(&page).await;
        // The positive marker: the main part is requested once the apply part has finished.
        wait_for!(
            shop,
            format!("[{case}] the main part to be requested after the apply part ran"),
            shop.server.requests()[requests..].iter().any(|r| r.contains(MAIN_PART)).then_some(())
        );
        assert!(shop.server.requests()[requests..].iter().any(|r| r.contains(APPLY_PART)), "[{case}] the apply part was not fetched");
        shop.page_caught_up().await;
        let runs = shop.gated_runs().await;
        assert_eq!((runs.analytics, runs.ads), (None, None), "[{case}] a script ran although the plan does not hold");
        assert_eq!(consent_calls(&shop).await, ["default"], "[{case}] Consent Mode was updated although the plan does not hold");
        held.release();
        shop.wait_widget_ready().await;
        if case == "new config" {
            // The main part asks again: a new revision.
            shop.wait_visible(BANNER).await;
            assert_eq!(shop.gated_runs().await.analytics, None, "[{case}] analytics ran under a new revision");
        }
        shop.assert_no_crash().await;
    }
}

// Reject all: the plan stored with a refusal grants nothing; on the returning page the apply
// part applies it (only the necessary signal), and nothing optional runs, before or after the
// main part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusals_plan_grants_nothing() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.click(crumb_e2e::selectors::BANNER_REJECT).await;
    shop.wait_stored_consent(0).await;
    let plan = wait_for!(shop, "the plan", shop.local_storage("crumb_plan").await);
    assert!(plan.ends_with(" security_storage"), "a refusal's plan grants more than security_storage: {plan}");

    let held = shop.server.hold(MAIN_PART);
    reload(&shop).await;
    let update = wait_for!(shop, "the Consent Mode update from the plan", shop.last_consent_update().await);
    assert!(
        update.iter().all(|(signal, value)| value == &json!(if signal == "security_storage" { "granted" } else { "denied" })),
        "{update:?}"
    );
    held.release();
    shop.wait_widget_ready().await;
    shop.page_caught_up().await;
    let runs = shop.gated_runs().await;
    assert_eq!((runs.analytics, runs.ads), (None, None));
    shop.assert_no_crash().await;
}

// The apply part can run before the parser has reached the page's gated scripts (an async loader
// in the head; here a slow parser-blocking script at the top of the body holds the parser): the
// scripts parsed later still start from the plan once the document is parsed, without waiting
// for the main part (held back here). The page loads in an iframe, so the driver keeps talking
// to a page that has finished loading while this one cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_parsed_after_the_apply_part_ran_still_start_from_the_plan() {
    let shop = Shopper::new().await;
    accept_all(&shop, "/").await;
    let blocker = shop.server.script("slow-parser.js", "window.__slowParserRan = true;");
    // The same config text, so the plan made on "/" holds there.
    let page = shop.server.variant_html("slow-parser", |html| {
        assert!(html.contains("<body>"), "the demo page has no <body> tag");
        html.replacen("<body>", &format!("<body>\n  <script src=\"{blocker}\"></script>"), 1)
    });
    let held_main = shop.server.hold(MAIN_PART);
    let held_parser = shop.server.hold(&blocker);
    shop.browser.clear_cache().await.expect("clear the cache");
    let frame = "var f = document.getElementById('slow-parser-frame'); var w = f && f.contentWindow; \
                 var d = w && w.document;";
    let _: bool = shop
        .js(
            "var f = document.createElement('iframe'); f.id = 'slow-parser-frame'; f.src = arguments[0]; \
             document.body.appendChild(f); return true;",
            vec![json!(page)],
        )
        .await;

    // The positive marker: the apply part has run (Consent Mode updated from the plan) while the
    // parser still waits for the slow script, so no gated script has been parsed yet.
    wait_for!(shop, "the apply part to update Consent Mode in the framed page while its parser waits", {
        let updated: bool = shop
            .js(
                &format!(
                    "{frame} return !!(w && w.dataLayer && Array.prototype.some.call(w.dataLayer, \
                     function (e) {{ return e && e[0] === 'consent' && e[1] === 'update'; }}));"
                ),
                vec![],
            )
            .await;
        updated.then_some(())
    });
    let state: Value = shop
        .js(
            &format!(
                "{frame} return {{ ready: d.readyState, gated: d.querySelectorAll('script[data-category]').length, \
                 analytics: d.documentElement.getAttribute('data-demo-analytics') }};"
            ),
            vec![],
        )
        .await;
    assert_eq!(state, json!({ "ready": "loading", "gated": 0, "analytics": null }), "the parser was not held before the gated scripts");

    held_parser.release();
    wait_for!(shop, "the gated analytics script, parsed after the apply part ran, to run from the plan", {
        let ran: Option<String> = shop.js(&format!("{frame} return d.documentElement.getAttribute('data-demo-analytics');"), vec![]).await;
        ran
    });
    let ready: bool = shop.js(&format!("{frame} return !!(w.Crumb && w.Crumb.ready === true);"), vec![]).await;
    assert!(!ready, "the widget was ready although its main part was held back");

    held_main.release();
    wait_for!(shop, "the framed page's widget to be ready", {
        let ready: bool = shop.js(&format!("{frame} return !!(w.Crumb && w.Crumb.ready === true);"), vec![]).await;
        ready.then_some(())
    });
    wait_for!(shop, "the gated ads script to run in the framed page", {
        let ran: Option<String> = shop.js(&format!("{frame} return d.documentElement.getAttribute('data-demo-ads');"), vec![]).await;
        ran
    });
    let runs: Value = shop
        .js(
            &format!(
                "{frame} return [d.documentElement.getAttribute('data-demo-analytics'), d.documentElement.getAttribute('data-demo-ads')];"
            ),
            vec![],
        )
        .await;
    assert_eq!(runs, json!(["1", "1"]), "a gated script ran twice or not at all in the framed page");
    shop.assert_no_crash().await;
}
