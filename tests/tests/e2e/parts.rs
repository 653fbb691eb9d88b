//! The widget in parts (docs/size-and-speed.md): a returning visitor's consent is applied by the
//! main part alone, the preference center arrives on demand (also when clicked while on its way),
//! and a part that cannot be fetched never grants anything and never takes Reject all away.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- parts::`.

use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_REJECT, PAGE_SETTINGS_LINK, PREFS, PREFS_SAVE};
use crumb_e2e::{wait_for, Shopper};
use serde_json::json;

const UI_PART: &str = "/crumb/split_ui.wasm";
const PREFERENCES_PART: &str = "/crumb/split_preferences.wasm";

/// The widget files this page view loaded, cached or not (Resource Timing names every one).
async fn loaded_files(shop: &Shopper) -> Vec<String> {
    shop.js("return performance.getEntriesByType('resource').map(function (e) { return new URL(e.name).pathname; });", vec![]).await
}

// A returning visitor on a site without the floating reopen button: the stored consent is applied
// (the gated analytics run, Consent Mode is updated) and the page view ends without the UI part,
// the preference center's part or a language file ever being loaded. The footer's "Cookie
// settings" link then fetches the UI on demand and opens the preference center.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_visitor_is_served_by_the_main_part_alone() {
    let shop = Shopper::new().await;
    // The demo page's own preload tags (for a first visit's prepaint) are left out: this is about
    // what the widget fetches.
    let page = shop.server.variant_without_preloads("no-reopen-button", |config| config["layout"] = json!({ "reopen_button": false }));
    shop.open_widget(&page).await;
    shop.click(BANNER_ACCEPT).await;
    shop.wait_hidden(BANNER).await;
    assert!(shop.stored_consent().await.is_some_and(|c| c.categories.get("analytics") == Some(&true)));

    // A page that asks `Crumb` from its `crumb:consent` listener gets the real answer.
    let listener = "window.addEventListener('crumb:consent', function () { \
                    window.__crumbAnswers = (window.__crumbAnswers || []).concat([window.Crumb.acceptedCategory('analytics')]); });";
    shop.browser.add_init_script(listener).await.expect("init script");
    shop.reload_widget().await;
    wait_for!(shop, "the gated analytics script to run for the returning visitor", { shop.gated_runs().await.analytics.map(|_| ()) });
    shop.page_caught_up().await;
    let update = shop.last_consent_update().await.expect("a Consent Mode update for the stored consent");
    assert_eq!(update.get("analytics_storage"), Some(&json!("granted")));
    let answers: Vec<bool> = shop.js("return window.__crumbAnswers || [];", vec![]).await;
    assert_eq!(answers, [true], "Crumb.acceptedCategory asked from the crumb:consent listener");
    let files = loaded_files(&shop).await;
    for part in [UI_PART, PREFERENCES_PART, "/crumb/i18n/en.json", "/crumb/crumb.css", "/demo/prepaint.json"] {
        assert!(!files.iter().any(|f| f == part), "a returning visitor loaded {part}: {files:?}");
    }
    assert!(files.iter().any(|f| f == "/crumb/crumb_bg.wasm"), "{files:?}");

    shop.click_page(PAGE_SETTINGS_LINK).await;
    shop.wait_visible(PREFS).await;
    let files = loaded_files(&shop).await;
    assert!(files.iter().any(|f| f == UI_PART) && files.iter().any(|f| f == PREFERENCES_PART), "{files:?}");
    shop.assert_no_crash().await;
}

// A shopper who clicks Customize before the preference center's part has arrived gets the
// dialog as soon as it does; nothing is decided in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customize_clicked_while_its_part_is_on_its_way_opens_once_it_arrives() {
    let shop = Shopper::new().await;
    let held = shop.server.hold(PREFERENCES_PART);
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_CUSTOMIZE).await;
    wait_for!(shop, "the preference center's part to be requested", shop.server.was_requested(PREFERENCES_PART).then_some(()));
    shop.page_caught_up().await;
    assert!(!shop.is_visible(PREFS).await, "the dialog showed before its part arrived");
    assert!(shop.stored_consent().await.is_none(), "something was decided while waiting");

    held.release();
    shop.wait_visible(PREFS).await;
    shop.click(PREFS_SAVE).await;
    let consent = wait_for!(shop, "the saved choice", shop.stored_consent().await);
    assert_eq!(consent.categories.get("analytics"), Some(&false), "no pre-ticked boxes");
    shop.assert_no_crash().await;
}

// The preference center's part cannot be fetched: the console says so, the banner comes back and
// Reject all still works (and is recorded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preference_center_that_cannot_load_leaves_reject_all_one_click_away() {
    let shop = Shopper::new().await;
    shop.server.make_missing(PREFERENCES_PART);
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_CUSTOMIZE).await;
    wait_for!(shop, "the console error about the missing part", shop.browser.console_has("could not be loaded").await.then_some(()));
    shop.wait_visible(BANNER).await;
    assert!(!shop.is_visible(PREFS).await);
    shop.click(BANNER_REJECT).await;
    let consent = wait_for!(shop, "the refusal to be stored", shop.stored_consent().await);
    assert!(consent.categories.iter().all(|(id, granted)| id == "necessary" || !granted), "{:?}", consent.categories);
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action.as_str(), "reject_all");
}

// The UI part cannot be fetched on a first visit: the console says so, no banner shows, and
// nothing optional runs or is granted (Consent Mode stays denied, nothing is stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_part_that_cannot_load_grants_nothing() {
    let shop = Shopper::new().await;
    shop.server.make_missing(UI_PART);
    shop.open_widget("/").await;
    wait_for!(shop, "the console error about the missing part", shop.browser.console_has("could not be loaded").await.then_some(()));
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await);
    assert!(shop.gated_runs().await.analytics.is_none(), "analytics ran without consent");
    assert!(shop.last_consent_update().await.is_none(), "Consent Mode was updated without consent");
    assert!(shop.stored_consent().await.is_none());
    let granted: bool = shop.js("return window.Crumb.acceptedCategory('analytics');", vec![]).await;
    assert!(!granted);
}
