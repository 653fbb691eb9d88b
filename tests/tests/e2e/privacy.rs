//! Privacy journeys (issue 3): erasure on revoke of cookies set the way GA sets them (on the
//! registrable domain, from a subdomain) and of localStorage keys; `cookie_domain` carrying a
//! choice from `shop.` to `www.`; Global Privacy Control honoured, or not when the site says so.
//!
//! The browser resolves `*.crumb.test` to 127.0.0.1 (127.0.0.1 itself cannot carry domain cookies).
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- privacy::`.

use std::collections::BTreeMap;

use crumb_core::consent::Action;
use crumb_e2e::selectors::{switch, BANNER, BANNER_ACCEPT, BANNER_REJECT, GPC_NOTICE, GPC_NOTICE_ANYWHERE, PREFS, PREFS_SAVE, REOPEN};
use crumb_e2e::{texts, wait_for, BrowserOptions, Shopper};
use serde_json::{json, Value};

fn resolving_crumb_test() -> BrowserOptions {
    BrowserOptions { host_resolver_rules: Some("MAP *.crumb.test 127.0.0.1".into()), ..BrowserOptions::default() }
}

/// The privacy page's config; `cookie_domain` "" leaves it out (subdomains do not share consent).
fn config(cookie_domain: &str) -> String {
    let shared = if cookie_domain.is_empty() { String::new() } else { format!(r#""cookie_domain": "{cookie_domain}","#) };
    format!(
        r#"{{
  "site": "privacy-test", "revision": 1, {shared}
  "categories": [
    {{ "id": "necessary", "required": true }},
    {{ "id": "analytics", "services": [
      {{ "id": "ga4", "name": "Google Analytics 4",
        "cookies": [ {{ "pattern": "^_ga(_.*)?$", "purpose": "Tells visits apart.", "duration": "2 years", "party": "first" }} ],
        "local_storage": [ {{ "name": "ga_client" }}, {{ "pattern": "^_ga_" }} ] }} ] }},
    {{ "id": "marketing", "services": [ {{ "id": "ads", "name": "Ads Ltd." }} ] }}
  ]
}}"#
    )
}

/// A shop page whose gated analytics script sets cookies exactly as gtag.js does (`_ga` and
/// `_ga_<ID>` on `domain=.crumb.test; path=/`), plus a host-only one on the page's folder and two
/// localStorage keys; the page itself sets a cookie and a key that are not the service's.
fn privacy_page(shop: &Shopper, name: &str, cookie_domain: &str) -> String {
    shop.server.script(
        "privacy/ga.js",
        "(function () { \
           var twoYears = 63072000; \
           document.cookie = '_ga=GA1.1.1234567.1795324003; domain=.crumb.test; path=/; max-age=' + twoYears + '; SameSite=Lax'; \
           document.cookie = '_ga_ABC123=GS1.1.1795324003.1.0; domain=.crumb.test; path=/; max-age=' + twoYears + '; SameSite=Lax'; \
           document.cookie = '_ga_HOST=1; max-age=3600; SameSite=Lax'; \
           localStorage.setItem('ga_client', '1234567'); \
           localStorage.setItem('_ga_session', '1'); \
           document.documentElement.setAttribute('data-ga', 'ran'); \
         })();",
    );
    shop.server.page(
        &format!("privacy/{name}.html"),
        &format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy</title>
<script>document.cookie = 'shop_session=1; path=/; SameSite=Lax'; localStorage.setItem('shop_cart', '2');</script>
<script type="application/json" id="crumb-config">{}</script>
<script src="/crumb/loader.js" data-endpoint="/api/consent"></script>
</head><body><h1>Shop</h1>
<script type="text/plain" data-category="analytics" data-service="ga4" src="/p/privacy/ga.js"></script>
</body></html>"#,
            config(cookie_domain)
        ),
    )
}

/// `http://<host>:<port><path>` on the test server.
fn url_on(shop: &Shopper, host: &str, path: &str) -> String {
    let port = shop.server.base_url().rsplit(':').next().expect("a port").to_owned();
    format!("http://{host}:{port}{path}")
}

async fn open_on(shop: &Shopper, host: &str, path: &str) {
    let url = url_on(shop, host, path);
    if let Err(err) = shop.client().goto(&url).await {
        panic!("could not open {url}: {err}\n{}", shop.diagnostics().await);
    }
    shop.wait_widget_ready().await;
}

/// Cookie name → domain, as the browser holds them for the current page. chromedriver names a
/// domain cookie by its domain without the leading dot (`crumb.test`) and a host-only one by the
/// host (`shop.crumb.test`).
async fn cookie_domains(shop: &Shopper) -> BTreeMap<String, String> {
    let cookies = shop.client().get_all_cookies().await.expect("cookies");
    cookies.iter().map(|c| (c.name().to_owned(), c.domain().unwrap_or_default().to_owned())).collect()
}

async fn ga_ran(shop: &Shopper) -> bool {
    shop.js::<Option<String>>("return document.documentElement.getAttribute('data-ga');", vec![]).await.is_some()
}

// GA's cookies on `.crumb.test` (set from `shop.crumb.test`), a host-only one on the page's folder
// and the service's localStorage keys are all erased when analytics is switched off; the page's
// own cookie and key stay. The erasure holds on `www.crumb.test` too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_analytics_erases_ga_cookies_on_the_parent_domain_and_its_storage_keys() {
    let shop = Shopper::with_browser(resolving_crumb_test()).await;
    let page = privacy_page(&shop, "erase", "crumb.test");
    open_on(&shop, "shop.crumb.test", &page).await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;

    let set = wait_for!(shop, "GA's cookies to be set", {
        let cookies = cookie_domains(&shop).await;
        ["_ga", "_ga_ABC123", "_ga_HOST"].iter().all(|n| cookies.contains_key(*n)).then_some(cookies)
    });
    assert_eq!(set["_ga"], "crumb.test", "the test must set _ga on the registrable domain: {set:?}");
    assert_eq!(set["_ga_ABC123"], "crumb.test");
    assert_eq!(set["_ga_HOST"], "shop.crumb.test");
    assert_eq!(shop.local_storage("ga_client").await.as_deref(), Some("1234567"));

    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    shop.wait_stored_consent(consent.updated_at).await;

    let left = wait_for!(shop, "every _ga cookie to be erased", {
        let cookies = cookie_domains(&shop).await;
        (!cookies.keys().any(|n| n.starts_with("_ga"))).then_some(cookies)
    });
    assert!(left.contains_key("shop_session"), "a cookie that is not the service's was erased: {left:?}");
    assert!(left.contains_key("crumb_consent"), "the consent cookie went: {left:?}");
    assert_eq!(shop.local_storage("ga_client").await, None, "localStorage `ga_client` survived");
    assert_eq!(shop.local_storage("_ga_session").await, None, "localStorage `_ga_session` survived");
    assert_eq!(shop.local_storage("shop_cart").await.as_deref(), Some("2"), "the page's own key was erased");
    let records = shop.wait_records(&consent.id, 2).await;
    assert_eq!(records[1].action, Action::Withdraw);
    assert_eq!(records[1].categories.get("analytics"), Some(&false));

    // The parent-domain cookies are really gone, not just hidden from this host.
    open_on(&shop, "www.crumb.test", &page).await;
    let cookies = cookie_domains(&shop).await;
    assert!(!cookies.keys().any(|n| n.starts_with("_ga")), "GA cookies live on at www.crumb.test: {cookies:?}");
    shop.assert_no_crash().await;
}

// cookie_domain: consent given on shop.crumb.test holds on www.crumb.test: no banner, the gated
// script runs, and www keeps it under a consent id of its own (the shop id's secret is in shop's
// localStorage) with a record of action `adopted`, so what www applies has its own proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_given_on_one_subdomain_holds_on_another() {
    let shop = Shopper::with_browser(resolving_crumb_test()).await;
    let page = privacy_page(&shop, "shared", "crumb.test");
    open_on(&shop, "shop.crumb.test", &page).await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    let cookies = wait_for!(shop, "the consent cookie", {
        let cookies = cookie_domains(&shop).await;
        cookies.contains_key("crumb_consent").then_some(cookies)
    });
    assert_eq!(cookies["crumb_consent"], "crumb.test", "the consent cookie is not on cookie_domain: {cookies:?}");

    open_on(&shop, "www.crumb.test", &page).await;
    wait_for!(shop, "the gated script to run on www without asking", ga_ran(&shop).await.then_some(()));
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "www.crumb.test asked again\n{}", shop.diagnostics().await);
    let adopted = shop.stored_consent().await.expect("the shared consent is stored locally on www");
    assert_ne!(adopted.id, consent.id, "www cannot prove shop's id");
    assert_eq!((&adopted.categories, adopted.updated_at), (&consent.categories, consent.updated_at), "the shopper's choice, as made");
    let records = shop.wait_records(&adopted.id, 1).await;
    assert_eq!(records[0].action, Action::Adopted);
    assert_eq!(records[0].categories, consent.categories);
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 1, "www wrote into shop's history");
    let warnings: Vec<_> = shop.browser.console().await.into_iter().filter(|e| e.message.contains("cookie_domain")).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    shop.assert_no_crash().await;
}

// Withdrawn on one subdomain, withdrawn on the other: www.crumb.test applies the newer shared
// consent on its next page and erases what the revoked service stored on www itself (a host-only
// cookie and localStorage keys, which shop.crumb.test cannot reach).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_on_one_subdomain_erases_the_service_data_on_another() {
    let shop = Shopper::with_browser(resolving_crumb_test()).await;
    let page = privacy_page(&shop, "withdraw", "crumb.test");
    open_on(&shop, "shop.crumb.test", &page).await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;

    open_on(&shop, "www.crumb.test", &page).await;
    wait_for!(shop, "GA to run on www and set its host-only cookie", {
        let cookies = cookie_domains(&shop).await;
        (ga_ran(&shop).await && cookies.get("_ga_HOST").map(String::as_str) == Some("www.crumb.test")).then_some(())
    });
    assert_eq!(shop.local_storage("ga_client").await.as_deref(), Some("1234567"));

    open_on(&shop, "shop.crumb.test", &page).await;
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.click(&switch("analytics")).await;
    shop.click(PREFS_SAVE).await;
    let withdrawn = shop.wait_stored_consent(consent.updated_at).await;
    assert!(!withdrawn.granted("analytics"));

    open_on(&shop, "www.crumb.test", &page).await;
    let stored =
        wait_for!(shop, "www to take the withdrawal", shop.stored_consent().await.filter(|c| c.updated_at == withdrawn.updated_at));
    assert!(!stored.granted("analytics"));
    let cookies = cookie_domains(&shop).await;
    assert!(!cookies.keys().any(|n| n.starts_with("_ga")), "GA cookies live on at www.crumb.test: {cookies:?}");
    assert!(cookies.contains_key("shop_session"), "{cookies:?}");
    assert_eq!(shop.local_storage("ga_client").await, None, "www's `ga_client` survived the withdrawal");
    assert_eq!(shop.local_storage("_ga_session").await, None);
    assert_eq!(shop.local_storage("shop_cart").await.as_deref(), Some("2"));
    shop.gating_caught_up("necessary").await;
    assert!(!ga_ran(&shop).await, "GA ran on www after the withdrawal");
    assert!(!shop.is_visible(BANNER).await);
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 2, "www posted into shop's history");
    // www logged both adoptions under its own id: the grant, then the withdrawal.
    assert_ne!(stored.id, consent.id);
    let records = shop.wait_records(&stored.id, 2).await;
    let logged: Vec<_> = records.iter().map(|r| (r.action, r.categories.get("analytics").copied())).collect();
    assert_eq!(logged, [(Action::Adopted, Some(true)), (Action::Adopted, Some(false))]);
    shop.assert_no_crash().await;
}

// Cookie tossing (issue 12): a sibling subdomain (`evil.crumb.test`, say a user-content host) sets
// a valid-looking `crumb_consent` granting everything on the parent domain. On www.crumb.test,
// whose config has no cookie_domain, it changes nothing: the banner asks, nothing gated runs,
// nothing is stored and no record is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_tossed_by_a_sibling_subdomain_grants_nothing() {
    let shop = Shopper::with_browser(resolving_crumb_test()).await;
    let page = privacy_page(&shop, "tossed", "");
    let config = crumb_core::parse_config(serde_json::from_str::<Value>(&config("")).expect("JSON")).expect("config");
    let context = crumb_core::DecisionContext {
        now: crumb_server::now_ms(),
        new_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
        holds_previous_secret: true,
        language: "en",
        gpc: false,
        url_path: "/",
    };
    let forged = crumb_core::decide(&config, None, &crumb_core::Choice::AcceptAll, &context).consent;
    let text = serde_json::to_string(&forged).expect("JSON");
    let sibling = shop.server.page(
        "privacy/user-content.html",
        "<!doctype html><html lang=\"en\"><head><title>User content</title></head><body><p>hi</p></body></html>",
    );
    let url = url_on(&shop, "evil.crumb.test", &sibling);
    if let Err(err) = shop.client().goto(&url).await {
        panic!("could not open {url}: {err}");
    }
    shop.js::<Value>(
        "document.cookie = 'crumb_consent=' + encodeURIComponent(arguments[0]) + '; domain=crumb.test; path=/; max-age=34128000'; return null;",
        vec![json!(text)],
    )
    .await;

    open_on(&shop, "www.crumb.test", &page).await;
    let cookies = cookie_domains(&shop).await;
    assert_eq!(cookies.get("crumb_consent").map(String::as_str), Some("crumb.test"), "the tossed cookie reaches www: {cookies:?}");
    // The banner asking is the positive marker: the widget read what it reads and found no consent.
    shop.wait_visible(BANNER).await;
    shop.page_caught_up().await;
    assert!(!ga_ran(&shop).await, "the tossed cookie ran analytics on www");
    assert_eq!(shop.stored_consent().await, None, "the tossed consent was adopted");
    assert_eq!(shop.server.count_records().await, 0, "a record was sent");
    // Rejecting here is this subdomain's own decision, under its own id.
    shop.click(BANNER_REJECT).await;
    let own = shop.wait_stored_consent(0).await;
    assert_ne!(own.id, forged.id);
    shop.gating_caught_up("necessary").await;
    assert!(!ga_ran(&shop).await);
    shop.assert_no_crash().await;
}

// A cookie_domain that does not cover the host: a console warning naming both, and the consent
// cookie stays on this host (so www.crumb.test asks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_domain_that_does_not_cover_the_host_warns_and_stays_host_only() {
    let shop = Shopper::with_browser(resolving_crumb_test()).await;
    let page = privacy_page(&shop, "mismatch", "example.com");
    open_on(&shop, "shop.crumb.test", &page).await;
    let warning = wait_for!(shop, "a console warning about cookie_domain", {
        let console = shop.browser.console().await;
        console.into_iter().find(|e| e.message.contains("cookie_domain"))
    });
    assert_eq!(warning.level, "WARNING", "{warning:?}");
    assert!(warning.message.contains("example.com") && warning.message.contains("shop.crumb.test"), "{warning:?}");
    shop.click(BANNER_ACCEPT).await;
    let cookies = wait_for!(shop, "the consent cookie", {
        let cookies = cookie_domains(&shop).await;
        cookies.contains_key("crumb_consent").then_some(cookies)
    });
    assert_eq!(cookies["crumb_consent"], "shop.crumb.test", "{cookies:?}");
    open_on(&shop, "www.crumb.test", &page).await;
    shop.wait_visible(BANNER).await;
    shop.assert_no_crash().await;
}

async fn wait_gated(shop: &Shopper, analytics: Option<&str>, ads: Option<&str>) {
    wait_for!(shop, format!("gated scripts: analytics ran {analytics:?}, ads ran {ads:?}"), {
        let runs = shop.gated_runs().await;
        (runs.analytics.as_deref() == analytics && runs.ads.as_deref() == ads).then_some(())
    });
}

fn signal(update: &serde_json::Map<String, Value>, name: &str) -> String {
    update.get(name).and_then(Value::as_str).unwrap_or("<absent>").to_owned()
}

// GPC: the banner says the signal is honoured; Accept all still denies marketing and a category
// the config marks sale_or_share; their switches show off; the record carries `gpc: true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpc_denies_sale_or_share_categories_even_on_accept_all() {
    let shop = Shopper::with_browser(BrowserOptions { gpc: true, ..BrowserOptions::default() }).await;
    let page = shop.server.variant("gpc", |config| config["categories"][1]["sale_or_share"] = json!(true));
    shop.open_widget(&page).await;
    let sent: bool = shop.js("return navigator.globalPrivacyControl === true;", vec![]).await;
    assert!(sent, "the test browser does not send GPC");

    shop.wait_visible(GPC_NOTICE).await;
    assert_eq!(shop.text(GPC_NOTICE).await.as_deref(), Some(texts("en")["banner.gpc"].as_str()));
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(
        consent.categories,
        crumb_e2e::choices(&[("necessary", true), ("preferences", false), ("analytics", true), ("marketing", false)])
    );
    wait_gated(&shop, Some("1"), None).await;
    let records = shop.wait_records(&consent.id, 1).await;
    assert!(records[0].gpc, "{records:#?}");
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(records[0].categories.get("marketing"), Some(&false));
    let update = shop.last_consent_update().await.expect("a Consent Mode update");
    assert_eq!(signal(&update, "ad_storage"), "denied");
    assert_eq!(signal(&update, "analytics_storage"), "granted");

    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    assert_eq!(shop.attr(&switch("marketing"), "aria-checked").await.as_deref(), Some("false"));
    assert_eq!(shop.attr(&switch("preferences"), "aria-checked").await.as_deref(), Some("false"));
    assert_eq!(shop.attr(&switch("analytics"), "aria-checked").await.as_deref(), Some("true"));
    shop.gating_caught_up("necessary").await;
    assert_eq!(shop.gated_runs().await.ads, None, "the ad script ran under GPC");
    shop.assert_no_crash().await;
}

// `honor_gpc: false`: no notice, Accept all grants marketing; the record still says the browser
// sent GPC (it logs what was observed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_can_switch_gpc_off_only_explicitly() {
    let shop = Shopper::with_browser(BrowserOptions { gpc: true, ..BrowserOptions::default() }).await;
    let page = shop.server.variant("no-gpc", |config| config["honor_gpc"] = json!(false));
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    assert!(shop.shadow(GPC_NOTICE_ANYWHERE).await.is_none(), "the GPC notice shows though the site does not honour it");
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    assert!(consent.granted("marketing"), "{consent:?}");
    wait_gated(&shop, Some("1"), Some("1")).await;
    let records = shop.wait_records(&consent.id, 1).await;
    assert!(records[0].gpc, "the record hides that the browser sent GPC");
    assert_eq!(records[0].categories.get("marketing"), Some(&true));
    shop.assert_no_crash().await;
}
