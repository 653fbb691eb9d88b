//! The ten shopper journeys of issue 2, each in a fresh headless Chromium against its own
//! in-process crumb-server serving the built bundle (`dist/`), driven with real clicks and keys.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- journeys::`.

use std::collections::BTreeSet;

use crumb_core::consent::Action;
use crumb_core::contract::consent_mode_signal_names;
use crumb_e2e::selectors::{
    category_section, category_services_summary, service_cookie_table, switch, BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_POLICY_LINK,
    BANNER_REJECT, BANNER_TITLE, COOKIE_ROWS, PAGE_SETTINGS_LINK, PREFS, PREFS_REJECT, PREFS_SAVE, PREFS_TEXT, PREFS_TITLE, REOPEN,
};
use crumb_e2e::{choices, texts, wait_for, BrowserOptions, Shopper};
use fantoccini::key::Key;
use serde_json::{json, Map, Value};

const CATEGORIES: [&str; 4] = ["necessary", "preferences", "analytics", "marketing"];
/// Cookies the shop may set before any consent (its own required cart cookie).
const ESSENTIAL_COOKIES: [&str; 2] = ["crumb_demo_cart", "crumb_consent"];

fn all_granted() -> crumb_core::Map<bool> {
    choices(&CATEGORIES.map(|c| (c, true)))
}

fn only_necessary() -> crumb_core::Map<bool> {
    choices(&[("necessary", true), ("preferences", false), ("analytics", false), ("marketing", false)])
}

fn only_analytics() -> crumb_core::Map<bool> {
    choices(&[("necessary", true), ("preferences", false), ("analytics", true), ("marketing", false)])
}

fn signal(params: &Map<String, Value>, name: &str) -> String {
    params.get(name).and_then(Value::as_str).unwrap_or("<absent>").to_owned()
}

/// Asserts that nothing non-essential ran or was stored: no gated script ran or was fetched and
/// only essential cookies exist.
async fn assert_nothing_gated_ran(shop: &Shopper) {
    let runs = shop.gated_runs().await;
    assert_eq!(runs, Default::default(), "a gated demo script ran: {runs:?}\n{}", shop.diagnostics().await);
    for script in ["/demo/analytics.js", "/demo/ads.js"] {
        assert!(!shop.server.was_requested(script), "{script} was fetched before consent\n{}", shop.diagnostics().await);
    }
    let cookies = shop.cookie_names().await;
    let extra: BTreeSet<_> = cookies.iter().filter(|c| !ESSENTIAL_COOKIES.contains(&c.as_str())).collect();
    assert!(extra.is_empty(), "non-essential cookies exist: {extra:?} (all: {cookies:?})");
}

async fn wait_gated(shop: &Shopper, analytics: Option<&str>, ads: Option<&str>) {
    wait_for!(shop, format!("gated scripts: analytics ran {analytics:?}, ads ran {ads:?}"), {
        let runs = shop.gated_runs().await;
        (runs.analytics.as_deref() == analytics && runs.ads.as_deref() == ads).then_some(())
    });
}

async fn wait_cookies(shop: &Shopper, what: &str, check: impl Fn(&BTreeSet<String>) -> bool) -> BTreeSet<String> {
    wait_for!(shop, format!("cookies: {what}"), {
        let names = shop.cookie_names().await;
        check(&names).then_some(names)
    })
}

// 1. First visit: banner visible; no gated script has run; no non-essential cookie exists;
//    Consent Mode defaults are `denied`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_01_first_visit_shows_the_banner_and_runs_nothing() {
    let shop = Shopper::new().await;
    let en = texts("en");
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;

    // The first layer, accessible.
    assert_eq!(shop.attr(BANNER, "role").await.as_deref(), Some("dialog"));
    assert_eq!(shop.attr(BANNER, "aria-modal").await.as_deref(), Some("false"));
    let labelledby = shop.attr(BANNER, "aria-labelledby").await.expect("banner has aria-labelledby");
    assert_eq!(format!("#{labelledby}"), BANNER_TITLE);
    assert_eq!(shop.text(BANNER_TITLE).await.as_deref(), Some(en["banner.title"].as_str()));
    let describedby = shop.attr(BANNER, "aria-describedby").await.expect("banner has aria-describedby");
    let description = shop.text(&format!("#{describedby}")).await.unwrap_or_default();
    assert!(!description.is_empty(), "aria-describedby=`{describedby}` names no text");
    let policy = shop.attr(BANNER_POLICY_LINK, "href").await.expect("policy link");
    assert!(policy.ends_with("/demo/privacy.html"), "policy link goes to {policy}");
    for (selector, key) in
        [(BANNER_ACCEPT, "action.accept_all"), (BANNER_REJECT, "action.reject_all"), (BANNER_CUSTOMIZE, "action.customize")]
    {
        assert_eq!(shop.text(selector).await.as_deref(), Some(en[key].as_str()), "{selector}");
    }

    // Reject all has the same size and weight as Accept all (and Customize).
    let looks: Vec<Value> = shop
        .in_shadow(
            r#"return arguments[0].map(function (selector) {
                 var el = root.querySelector(selector);
                 var r = el.getBoundingClientRect(), s = getComputedStyle(el);
                 return { button: selector, width: r.width, height: r.height, weight: s.fontWeight, size: s.fontSize };
               });"#,
            vec![json!([BANNER_ACCEPT, BANNER_REJECT, BANNER_CUSTOMIZE])],
        )
        .await;
    for look in &looks[1..] {
        let first = &looks[0];
        for dimension in ["width", "height"] {
            let (a, b) = (first[dimension].as_f64().unwrap(), look[dimension].as_f64().unwrap());
            assert!((a - b).abs() <= 1.0, "buttons differ in {dimension}: {looks:?}");
        }
        assert_eq!(first["weight"], look["weight"], "buttons differ in font weight: {looks:?}");
        assert_eq!(first["size"], look["size"], "buttons differ in font size: {looks:?}");
    }

    // Consent Mode: the first command is the all-denied default.
    let consent_mode = shop.consent_mode().await;
    let (kind, defaults) = consent_mode.first().cloned().expect("a Consent Mode default in dataLayer");
    assert_eq!(kind, "default", "{consent_mode:?}");
    for name in consent_mode_signal_names() {
        assert_eq!(signal(&defaults, name), "denied", "default {name}: {defaults:?}");
    }
    assert_eq!(defaults.get("wait_for_update"), Some(&json!(500)), "{defaults:?}");

    // Ignoring, scrolling or pressing Escape is not consent.
    let _: Value = shop.js("window.scrollTo(0, document.body.scrollHeight); return null;", vec![]).await;
    shop.press(Key::Escape).await;
    shop.page_caught_up().await;
    assert!(shop.is_visible(BANNER).await, "the banner went away without a decision");
    assert!(!shop.is_visible(REOPEN).await, "the reopen button shows before any decision");
    assert_nothing_gated_ran(&shop).await;
    assert!(shop.cookie_names().await.contains("crumb_demo_cart"), "the shop's own script did not run");
    assert_eq!(shop.local_storage("crumb").await, None, "a consent was stored without a decision");
    assert!(!shop.cookie_names().await.contains("crumb_consent"), "a consent cookie was set without a decision");
    for (kind, params) in shop.consent_mode().await {
        for name in consent_mode_signal_names() {
            assert_ne!(signal(&params, name), "granted", "Consent Mode `{kind}` grants {name} before any decision");
        }
    }
    assert_eq!(shop.server.count_records().await, 0, "a record was posted without a decision");
    shop.assert_no_crash().await;
}

// 2. Accept all: both gated scripts run; the server has one record with `action: accept_all`;
//    after reload no banner and the scripts run again without asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_02_accept_all_runs_everything_and_is_remembered() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;

    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, all_granted());
    assert!(consent.services.values().all(|granted| *granted), "{:?}", consent.services);
    assert_eq!(consent.revision, 1);
    wait_gated(&shop, Some("1"), Some("1")).await;
    wait_cookies(&shop, "_demo_ga, _demo_ga_SESSION, _demo_ads and crumb_consent are set", |c| {
        ["_demo_ga", "_demo_ga_SESSION", "_demo_ads", "crumb_consent"].iter().all(|n| c.contains(*n))
    })
    .await;

    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(record.action, Action::AcceptAll);
    assert_eq!(record.categories, all_granted());
    assert_eq!(record.consent_id, consent.id);
    assert_eq!((record.schema, record.site.as_str(), record.revision), (1, "crumb-demo", 1));
    assert_eq!(record.language, "en");
    assert!(!record.gpc);
    assert_eq!(record.url_path, "/");

    shop.wait_hidden(BANNER).await;
    shop.wait_visible(REOPEN).await;
    let update = shop.last_consent_update().await.expect("a Consent Mode update after Accept all");
    for name in consent_mode_signal_names() {
        assert_eq!(signal(&update, name), "granted", "after Accept all, {name}: {update:?}");
    }

    // The next page view: no banner, the scripts run again, Consent Mode is restated.
    shop.reload_widget().await;
    wait_gated(&shop, Some("1"), Some("1")).await;
    wait_for!(shop, "a Consent Mode update granting analytics on the returning page load", {
        let update = shop.last_consent_update().await;
        update.filter(|u| signal(u, "analytics_storage") == "granted" && signal(u, "ad_storage") == "granted")
    });
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "the banner shows again after Accept all");
    assert!(shop.is_visible(REOPEN).await, "no reopen button on the returning page");
    assert_eq!(shop.stored_consent().await, Some(consent.clone()), "the stored consent changed on reload");
    assert_eq!(shop.server.records_for(&consent.id).await.len(), 1, "a page view posted another record");
    shop.assert_no_crash().await;
}

// 3. Reject all: nothing gated runs; a `reject_all` record exists (refusals are records too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_03_reject_all_runs_nothing_and_is_recorded() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.click(BANNER_REJECT).await;

    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, only_necessary());
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].action, Action::RejectAll);
    assert_eq!(records[0].categories, only_necessary());
    assert_eq!(records[0].services.get("demo-analytics"), Some(&false));
    assert_eq!(records[0].services.get("demo-ads"), Some(&false));

    shop.wait_hidden(BANNER).await;
    shop.wait_visible(REOPEN).await;
    let update = shop.last_consent_update().await.expect("a Consent Mode update after Reject all");
    assert_eq!(signal(&update, "security_storage"), "granted", "{update:?}");
    for name in consent_mode_signal_names().iter().filter(|s| **s != "security_storage") {
        assert_eq!(signal(&update, name), "denied", "after Reject all, {name}: {update:?}");
    }
    shop.gating_caught_up("necessary").await;
    assert_nothing_gated_ran(&shop).await;

    shop.reload_widget().await;
    shop.gating_caught_up("necessary").await;
    assert!(!shop.is_visible(BANNER).await, "the banner shows again after Reject all");
    assert_nothing_gated_ran(&shop).await;
    assert_eq!(shop.server.count_records().await, 1);
    shop.assert_no_crash().await;
}

// 4. Customize → analytics only → Save: only the analytics script runs; record `custom` with
//    exactly that choice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_04_customize_analytics_only() {
    let shop = Shopper::new().await;
    let en = texts("en");
    shop.open_widget("/").await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;

    // The dialog, accessible.
    assert_eq!(shop.attr(PREFS, "role").await.as_deref(), Some("dialog"));
    assert_eq!(shop.attr(PREFS, "aria-modal").await.as_deref(), Some("true"));
    assert_eq!(shop.attr(PREFS, "aria-labelledby").await.as_deref(), Some(&PREFS_TITLE[1..]));
    assert_eq!(shop.attr(PREFS, "aria-describedby").await.as_deref(), Some(&PREFS_TEXT[1..]));
    assert_eq!(shop.text(PREFS_TITLE).await.as_deref(), Some(en["prefs.title"].as_str()));
    // The demo says it is a shop (`"site_kind": "shop"`): the shop's variant of the text.
    assert_eq!(shop.text(PREFS_TEXT).await.as_deref(), Some(en["prefs.text.shop"].as_str()));

    // Required locked on; nothing pre-ticked.
    let necessary = switch("necessary");
    assert_eq!(shop.attr(&necessary, "aria-checked").await.as_deref(), Some("true"));
    assert_eq!(shop.attr(&necessary, "aria-disabled").await.as_deref(), Some("true"));
    assert!(shop.attr(&necessary, "disabled").await.is_some(), "the required switch is not disabled");
    for category in ["preferences", "analytics", "marketing"] {
        assert_eq!(shop.attr(&switch(category), "aria-checked").await.as_deref(), Some("false"), "{category} is pre-ticked");
    }
    for category in CATEGORIES {
        assert!(shop.shadow(&category_section(category)).await.is_some(), "no section for {category}");
    }

    // Cookie tables say duration and first/third party (Planet49).
    shop.click(&category_services_summary("analytics")).await;
    shop.wait_visible(&service_cookie_table("demo-analytics")).await;
    let rows: Vec<Vec<String>> = shop
        .in_shadow(
            r#"return Array.from(root.querySelectorAll(arguments[0])).map(function (tr) {
                 return Array.from(tr.cells).map(function (td) { return td.textContent.replace(/\s+/g, ' ').trim(); });
               });"#,
            vec![json!(COOKIE_ROWS)],
        )
        .await;
    let row = |name: &str| rows.iter().find(|r| r.first().is_some_and(|c| c.contains(name))).cloned();
    let analytics = row("_demo_ga").unwrap_or_else(|| panic!("no cookie row for _demo_ga: {rows:?}"));
    assert_eq!(analytics.len(), 5, "{analytics:?}");
    assert_eq!(
        analytics[1..],
        [
            "Demo Analytics Inc.".to_owned(),
            "Tells visits apart to count them.".to_owned(),
            en["duration.year.other"].replace("{n}", "2"),
            en["party.third"].clone(),
        ]
    );
    let cart = row("crumb_demo_cart").unwrap_or_else(|| panic!("no cookie row for crumb_demo_cart: {rows:?}"));
    assert_eq!(cart.len(), 5, "{cart:?}");
    assert_eq!(cart[3..], [en["duration.session"].clone(), en["party.first"].clone()]);
    assert!(rows.iter().all(|r| r.len() == 5), "every cookie row has 5 cells: {rows:?}");

    shop.click(&switch("analytics")).await;
    wait_for!(
        shop,
        "the analytics switch to turn on",
        (shop.attr(&switch("analytics"), "aria-checked").await.as_deref() == Some("true")).then_some(())
    );
    for category in ["preferences", "marketing"] {
        assert_eq!(shop.attr(&switch(category), "aria-checked").await.as_deref(), Some("false"));
    }
    shop.click(PREFS_SAVE).await;

    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, only_analytics());
    assert_eq!(
        consent.services,
        choices(&[("shop", true), ("shop-preferences", false), ("demo-analytics", true), ("demo-ads", false), ("demo-video", false)])
    );
    shop.wait_hidden(PREFS).await;
    shop.wait_hidden(BANNER).await;
    wait_gated(&shop, Some("1"), None).await;
    wait_cookies(&shop, "_demo_ga is set", |c| c.contains("_demo_ga")).await;
    shop.gating_caught_up("necessary").await;
    assert_eq!(shop.gated_runs().await.ads, None, "the ads script ran");
    assert!(!shop.server.was_requested("/demo/ads.js"), "/demo/ads.js was fetched");
    assert!(!shop.cookie_names().await.contains("_demo_ads"));

    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].action, Action::Custom);
    assert_eq!(records[0].categories, only_analytics());
    assert_eq!(records[0].services, consent.services);

    let update = shop.last_consent_update().await.expect("a Consent Mode update after Save");
    assert_eq!(signal(&update, "analytics_storage"), "granted", "{update:?}");
    for name in ["ad_storage", "ad_user_data", "ad_personalization", "functionality_storage", "personalization_storage"] {
        assert_eq!(signal(&update, name), "denied", "{name}: {update:?}");
    }
    shop.assert_no_crash().await;
}

// 5. Reopen → switch analytics off → Save: the analytics cookie is erased; record `withdraw`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_05_reopen_and_withdraw_analytics() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let accepted = shop.wait_stored_consent(0).await;
    wait_gated(&shop, Some("1"), Some("1")).await;
    wait_cookies(&shop, "_demo_ga, _demo_ga_SESSION and _demo_ads are set", |c| {
        ["_demo_ga", "_demo_ga_SESSION", "_demo_ads"].iter().all(|n| c.contains(*n))
    })
    .await;
    shop.wait_records(&accepted.id, 1).await;

    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    for category in CATEGORIES {
        assert_eq!(shop.attr(&switch(category), "aria-checked").await.as_deref(), Some("true"), "{category} after Accept all");
    }
    shop.click(&switch("analytics")).await;
    wait_for!(
        shop,
        "the analytics switch to turn off",
        (shop.attr(&switch("analytics"), "aria-checked").await.as_deref() == Some("false")).then_some(())
    );
    shop.click(PREFS_SAVE).await;
    shop.wait_hidden(PREFS).await;

    let consent = shop.wait_stored_consent(accepted.updated_at).await;
    assert_eq!(consent.id, accepted.id, "the consent id changed");
    assert_eq!(consent.categories, choices(&[("necessary", true), ("preferences", true), ("analytics", false), ("marketing", true)]));
    let cookies =
        wait_cookies(&shop, "_demo_ga and _demo_ga_SESSION erased", |c| !c.contains("_demo_ga") && !c.contains("_demo_ga_SESSION")).await;
    assert!(cookies.contains("_demo_ads"), "marketing cookie erased too: {cookies:?}");
    assert!(cookies.contains("crumb_demo_cart"), "the required cart cookie was erased: {cookies:?}");

    let records = shop.wait_records(&consent.id, 2).await;
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(records[1].action, Action::Withdraw);
    assert_eq!(records[1].categories, consent.categories);
    assert_eq!(records[1].services.get("demo-analytics"), Some(&false));

    let update = shop.last_consent_update().await.expect("a Consent Mode update after withdrawing");
    assert_eq!(signal(&update, "analytics_storage"), "denied", "{update:?}");
    assert_eq!(signal(&update, "ad_storage"), "granted", "{update:?}");

    // The next page: analytics stays off, marketing runs; the footer link opens the preferences.
    shop.reload_widget().await;
    wait_gated(&shop, None, Some("1")).await;
    shop.gating_caught_up("necessary").await;
    assert_eq!(shop.gated_runs().await.analytics, None, "analytics ran after being withdrawn");
    assert!(!shop.cookie_names().await.contains("_demo_ga"));
    shop.click_page(PAGE_SETTINGS_LINK).await;
    shop.wait_visible(PREFS).await;
    assert_eq!(shop.attr(&switch("analytics"), "aria-checked").await.as_deref(), Some("false"));
    shop.press(Key::Escape).await;
    shop.wait_hidden(PREFS).await;
    assert_eq!(shop.server.count_records().await, 2, "closing the preferences posted a record");
    shop.assert_no_crash().await;
}

// 6. Bump `revision` in the config: the banner shows again for a returning visitor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_06_new_revision_asks_again() {
    let shop = Shopper::new().await;
    let revised = shop.server.variant("revision-2", |config| config["revision"] = json!(2));
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let first = shop.wait_stored_consent(0).await;
    assert_eq!(first.revision, 1);
    shop.wait_records(&first.id, 1).await;
    shop.wait_hidden(BANNER).await;

    shop.open_widget(&revised).await;
    shop.wait_visible(BANNER).await;

    shop.click(BANNER_ACCEPT).await;
    let second = wait_for!(shop, "a consent stored for revision 2", shop.stored_consent().await.filter(|c| c.revision == 2));
    let records = wait_for!(shop, "a record for revision 2 on the server", {
        let records = shop.server.records_for(&second.id).await;
        records.iter().any(|r| r.revision == 2).then_some(records)
    });
    let revision_2: Vec<_> = records.iter().filter(|r| r.revision == 2).collect();
    assert_eq!(revision_2.len(), 1, "{records:#?}");
    assert_eq!(revision_2[0].action, Action::AcceptAll);

    shop.open_widget(&revised).await;
    wait_gated(&shop, Some("1"), Some("1")).await;
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "the banner shows again after answering revision 2");
    shop.assert_no_crash().await;
}

// 7. Endpoint down during the choice, up on the next load: the server ends with exactly one copy
//    of the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_07_endpoint_down_then_up_stores_the_record_once() {
    let shop = Shopper::new().await;
    shop.server.set_endpoint_up(false);
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    wait_gated(&shop, Some("1"), Some("1")).await;

    let outbox = wait_for!(shop, "the refused record in localStorage `crumb_outbox`", {
        let outbox = shop.outbox().await;
        (!outbox.is_empty() && shop.server.refused_posts() > 0).then_some(outbox)
    });
    assert_eq!(outbox.len(), 1, "outbox: {outbox:#?}");
    let entry = &outbox[0];
    let id = entry.get("consent_id").or_else(|| entry.pointer("/record/consent_id"));
    assert_eq!(id, Some(&json!(consent.id)), "the outbox entry is not this consent's record: {entry}");
    assert_eq!(shop.server.count_records().await, 0);

    shop.server.set_endpoint_up(true);
    shop.reload_widget().await;
    let records = shop.wait_records(&consent.id, 1).await;
    wait_for!(shop, "the outbox to empty", shop.outbox().await.is_empty().then_some(()));
    // A late second copy (a retry still in flight) would have arrived by the time the page reaches the server again.
    shop.page_caught_up().await;
    let records_after = shop.server.records_for(&consent.id).await;
    assert_eq!(records_after.len(), 1, "expected exactly one stored copy: {records_after:#?}");
    assert_eq!(records_after, records);
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(shop.server.count_records().await, 1);
    assert!(shop.outbox().await.is_empty());
    shop.assert_no_crash().await;
}

// 8. Keyboard only (Tab, Shift+Tab, Enter, Space, Escape): a shopper completes Customize → Save;
//    focus never leaves the dialog while it is open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_08_keyboard_only_customize_and_save() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;

    // From wherever focus starts, Tab until Customize in the banner has it.
    let mut path = Vec::new();
    loop {
        let focus = shop.focus().await;
        if focus.in_banner && focus.action.as_deref() == Some("customize") {
            eprintln!("Tab path to Customize: {path:#?}");
            assert!(focus.has_visible_ring(), "no visible focus ring on Customize: {focus:?}");
            break;
        }
        path.push(focus.element);
        assert!(path.len() <= 40, "40 Tabs never reached Customize; focus went: {path:#?}");
        shop.press(Key::Tab).await;
    }

    shop.press(Key::Enter).await;
    shop.wait_visible(PREFS).await;
    wait_for!(shop, "focus to move into the preferences", shop.focus().await.in_prefs.then_some(()));

    // Escape closes; focus goes back to Customize; nothing is decided.
    shop.press(Key::Escape).await;
    shop.wait_hidden(PREFS).await;
    let focus = wait_for!(shop, "focus to return to Customize", {
        let focus = shop.focus().await;
        (focus.action.as_deref() == Some("customize")).then_some(focus)
    });
    assert!(focus.in_banner, "{focus:?}");
    assert!(shop.is_visible(BANNER).await, "Escape in the preferences closed the banner");
    assert_eq!(shop.local_storage("crumb").await, None, "Escape stored a consent");

    shop.press(Key::Enter).await;
    shop.wait_visible(PREFS).await;
    wait_for!(shop, "focus to move into the preferences again", shop.focus().await.in_prefs.then_some(()));

    // Tab and Shift+Tab cycle inside the dialog.
    let tabbable = shop.tabbable_count(PREFS).await;
    assert!(tabbable >= 5, "only {tabbable} tabbable elements in the preferences");
    let rounds = 2 * tabbable + 2;
    for (label, forward) in [("Tab", true), ("Shift+Tab", false)] {
        let mut seen = Vec::new();
        for step in 1..=rounds {
            if forward {
                shop.press(Key::Tab).await;
            } else {
                shop.press_shift_tab().await;
            }
            let focus = shop.focus().await;
            assert!(focus.in_prefs, "{label} #{step} moved focus out of the dialog to {}; before: {seen:#?}", focus.element);
            seen.push((focus.index, focus.element));
        }
        let distinct: BTreeSet<_> = seen.iter().map(|(index, _)| *index).collect();
        assert!(distinct.len() < seen.len(), "{label} never wrapped around: {seen:#?}");
        assert!(distinct.len() >= 5, "{label} visited only {} elements: {seen:#?}", distinct.len());
    }

    // Tab to the analytics switch, Space turns it on.
    let mut steps = 0;
    loop {
        let focus = shop.focus().await;
        assert!(focus.in_prefs, "focus left the dialog: {focus:?}");
        if focus.role.as_deref() == Some("switch") && focus.category.as_deref() == Some("analytics") {
            assert!(focus.has_visible_ring(), "no visible focus ring on the analytics switch: {focus:?}");
            break;
        }
        steps += 1;
        assert!(steps <= rounds, "Tab never reached the analytics switch");
        shop.press(Key::Tab).await;
    }
    shop.press(Key::Space).await;
    wait_for!(
        shop,
        "Space to turn the analytics switch on",
        (shop.attr(&switch("analytics"), "aria-checked").await.as_deref() == Some("true")).then_some(())
    );
    let focus = shop.focus().await;
    assert!(focus.in_prefs && focus.category.as_deref() == Some("analytics"), "Space moved focus: {focus:?}");

    // Tab to Save choices, Enter.
    let mut steps = 0;
    loop {
        let focus = shop.focus().await;
        assert!(focus.in_prefs, "focus left the dialog: {focus:?}");
        if focus.action.as_deref() == Some("save") {
            break;
        }
        steps += 1;
        assert!(steps <= rounds, "Tab never reached Save choices");
        shop.press(Key::Tab).await;
    }
    shop.press(Key::Enter).await;
    shop.wait_hidden(PREFS).await;

    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.categories, only_analytics());
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].action, Action::Custom);
    assert_eq!(records[0].categories, only_analytics());
    wait_gated(&shop, Some("1"), None).await;
    shop.assert_no_crash().await;
}

/// Journey 9, for one browser language or a forced config language.
async fn assert_texts_in(shop: &Shopper, language: &str) {
    let t = texts(language);
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await.as_deref(), Some(t["banner.title"].as_str()), "banner title in {language}");
    for (selector, key) in
        [(BANNER_ACCEPT, "action.accept_all"), (BANNER_REJECT, "action.reject_all"), (BANNER_CUSTOMIZE, "action.customize")]
    {
        assert_eq!(shop.text(selector).await.as_deref(), Some(t[key].as_str()), "{selector} in {language}");
    }
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    assert_eq!(shop.text(PREFS_TITLE).await.as_deref(), Some(t["prefs.title"].as_str()), "preferences title in {language}");
    assert_eq!(shop.text(PREFS_SAVE).await.as_deref(), Some(t["action.save"].as_str()), "Save in {language}");
    let analytics_title = t["category.analytics.title"].as_str();
    let section = shop.text(&category_section("analytics")).await.unwrap_or_default();
    assert!(section.contains(analytics_title), "analytics section in {language} lacks `{analytics_title}`: {section}");

    shop.click(PREFS_REJECT).await;
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.language, language);
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].language, language);
    assert_eq!(records[0].action, Action::RejectAll);
    shop.assert_no_crash().await;
}

// 9. `nl` and `zh` browsers see Dutch and Chinese texts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_09a_dutch_browser_sees_dutch() {
    let shop = Shopper::with_browser(BrowserOptions::languages(&["nl-NL", "nl"])).await;
    shop.open_widget("/").await;
    assert_texts_in(&shop, "nl").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_09b_chinese_browser_sees_chinese() {
    let shop = Shopper::with_browser(BrowserOptions::languages(&["zh-CN", "zh"])).await;
    shop.open_widget("/").await;
    assert_texts_in(&shop, "zh").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_09c_config_language_wins_over_the_browser() {
    let shop = Shopper::new().await;
    let page = shop.server.variant("dutch", |config| config["language"] = json!("nl"));
    shop.open_widget(&page).await;
    assert_texts_in(&shop, "nl").await;
}

/// Journey 10, for one broken config: the page works, nothing gated runs, the console names `field`.
async fn assert_broken_config_is_safe(shop: &Shopper, page: &str, field: &str) {
    shop.open(page).await;
    let entry = wait_for!(shop, format!("a console message naming `{field}`"), {
        shop.browser.console().await.into_iter().find(|e| e.message.contains(field))
    });
    eprintln!("console names the field: {entry:?}");
    assert_eq!(entry.level, "SEVERE", "the bad field is reported, but not as an error: {entry:?}");

    shop.page_caught_up().await;
    assert_nothing_gated_ran(shop).await;
    for (kind, params) in shop.consent_mode().await {
        for name in consent_mode_signal_names() {
            assert_ne!(signal(&params, name), "granted", "Consent Mode `{kind}` grants {name} with a broken config");
        }
    }
    let analytics: Value =
        shop.js("return window.Crumb && window.Crumb.acceptedCategory ? window.Crumb.acceptedCategory('analytics') : null;", vec![]).await;
    assert_ne!(analytics, json!(true), "Crumb.acceptedCategory('analytics') is true with a broken config");

    // The shop itself still works.
    wait_for!(shop, "the shop script to set the cart count", {
        let count: Option<String> = shop.js("var o = document.getElementById('cart-count'); return o && o.textContent;", vec![]).await;
        (count.as_deref() == Some("0")).then_some(())
    });
    // The last product's button: on 127.0.0.1 the owner's debug panel lists the error in the
    // bottom corner at the inline start, over the first product.
    shop.click_page(".shop-products li:last-child .add-to-cart").await;
    wait_for!(shop, "the cart to count one product", {
        let count: Option<String> = shop.js("return document.getElementById('cart-count').textContent;", vec![]).await;
        (count.as_deref() == Some("1")).then_some(())
    });
    assert_eq!(shop.cookies().await.get("crumb_demo_cart").map(String::as_str), Some("1"));
    assert_eq!(shop.server.count_records().await, 0);
    shop.assert_no_crash().await;
}

// 10. Broken config: the page still works, nothing gated runs, the console names the bad field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_10a_bad_cookie_duration_is_named_and_safe() {
    let shop = Shopper::new().await;
    let page = shop.server.variant("bad-duration", |config| {
        config["categories"][1]["services"][0]["cookies"][0]["duration"] = json!("forever");
    });
    assert_broken_config_is_safe(&shop, &page, "categories[1].services[0].cookies[0].duration").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_10b_unknown_field_is_named_and_safe() {
    let shop = Shopper::new().await;
    let page = shop.server.variant("unknown-field", |config| {
        config["categories"][2]["services"][0]["tracking_pixel"] = json!(true);
    });
    assert_broken_config_is_safe(&shop, &page, "categories[2].services[0]").await;
}
