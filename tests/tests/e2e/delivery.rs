//! The outbox delivers every consent record exactly once: across reloads while the endpoint is
//! down, through server errors without a reload, when the browser is offline for a while, and by
//! `sendBeacon` when the tab is closed with a record still pending. Each journey ends by checking
//! that the server holds exactly one copy of each record and the outbox is empty.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- delivery::`.

use crumb_core::consent::Action;
use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, PREFS, PREFS_REJECT, REOPEN};
use crumb_e2e::{choices, wait_for, Shopper};
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::json;

fn only_necessary() -> crumb_core::Map<bool> {
    choices(&[("necessary", true), ("preferences", false), ("analytics", false), ("marketing", false)])
}

async fn wait_outbox_len(shop: &Shopper, len: usize) {
    wait_for!(shop, format!("{len} record(s) in localStorage `crumb_outbox`"), (shop.outbox().await.len() == len).then_some(()));
}

/// Waits for the outbox to empty, lets late copies arrive, then checks the server holds exactly
/// `count` records in all.
async fn assert_delivered_once(shop: &Shopper, count: u64) {
    wait_for!(shop, "the outbox to empty", shop.outbox().await.is_empty().then_some(()));
    // A late second copy (a retry still in flight) would have arrived by the time the page reaches the server again.
    shop.page_caught_up().await;
    assert_eq!(shop.server.count_records().await, count, "expected exactly {count} stored record(s)\n{}", shop.diagnostics().await);
    assert!(shop.outbox().await.is_empty());
    shop.assert_no_crash().await;
}

// 1. Endpoint down for two decisions and two reloads: the outbox keeps both across the reloads;
//    once the endpoint is back, each arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_1_records_queued_while_down_survive_reloads_and_arrive_once_each() {
    let shop = Shopper::new().await;
    shop.server.set_endpoint_up(false);
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let accepted = shop.wait_stored_consent(0).await;
    wait_outbox_len(&shop, 1).await;
    wait_for!(shop, "a refused POST", (shop.server.refused_posts() > 0).then_some(()));

    shop.reload_widget().await;
    assert!(!shop.is_visible(BANNER).await, "the decision was kept");
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.click(PREFS_REJECT).await;
    shop.wait_hidden(PREFS).await;
    let rejected = shop.wait_stored_consent(accepted.updated_at).await;
    assert_eq!(rejected.id, accepted.id);
    wait_outbox_len(&shop, 2).await;

    let refused_before = shop.server.refused_posts();
    shop.reload_widget().await;
    wait_for!(shop, "the reloaded page to retry (and be refused)", (shop.server.refused_posts() > refused_before).then_some(()));
    assert_eq!(shop.outbox().await.len(), 2, "a reload lost or duplicated a queued record");
    assert_eq!(shop.server.count_records().await, 0);

    shop.server.set_endpoint_up(true);
    shop.reload_widget().await;
    let mut records = shop.wait_records(&accepted.id, 2).await;
    assert_delivered_once(&shop, 2).await;
    assert_eq!(shop.server.records_for(&accepted.id).await, records);
    // The history is in the order the server received the records; the unload's beacons carry
    // both at once, and either may arrive first. The decisions keep their own order in updated_at.
    records.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(records[1].categories, only_necessary());
    assert!(records[0].updated_at < records[1].updated_at, "each decision keeps its own time");
}

// 2. Server errors (503) for a while, no reload: the page's own retries deliver the record once
//    the endpoint is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_2_server_errors_then_back_delivers_without_a_reload() {
    let shop = Shopper::new().await;
    shop.server.set_endpoint_up(false);
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    wait_for!(shop, "a first POST and one retry, both refused", (shop.server.refused_posts() >= 2).then_some(()));
    assert_eq!(shop.outbox().await.len(), 1);
    assert_eq!(shop.server.count_records().await, 0);

    shop.server.set_endpoint_up(true);
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_delivered_once(&shop, 1).await;
}

/// chromedriver's `POST /session/{id}/chromium/network_conditions`: takes the browser off or on line.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/chromium/network_conditions", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let conditions = json!({ "offline": self.offline, "latency": 0, "download_throughput": -1, "upload_throughput": -1 });
        (http::Method::POST, Some(json!({ "network_conditions": conditions }).to_string()))
    }
}

async fn set_offline(shop: &Shopper, offline: bool) {
    if let Err(err) = shop.client().issue_cmd(NetworkConditions { offline }).await {
        panic!("could not set the browser offline={offline}: {err}");
    }
}

// 3. The browser goes offline (fetch fails with a network error, the server sees nothing), the
//    shopper decides twice; back online, both records arrive exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_3_offline_then_online_delivers_each_record_once() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    // The preference center is a part fetched once the banner is up: this shopper goes offline
    // after it has arrived (opened while offline before that, it could not be fetched).
    shop.wait_loaded("/crumb/split_preferences.wasm").await;
    set_offline(&shop, true).await;
    shop.click(BANNER_ACCEPT).await;
    let accepted = shop.wait_stored_consent(0).await;
    wait_outbox_len(&shop, 1).await;
    shop.click(REOPEN).await;
    shop.wait_visible(PREFS).await;
    shop.click(PREFS_REJECT).await;
    shop.wait_hidden(PREFS).await;
    shop.wait_stored_consent(accepted.updated_at).await;
    wait_outbox_len(&shop, 2).await;
    // Offline: no request can mark progress; the frame after both decisions does.
    shop.next_frame().await;
    assert_eq!(shop.server.count_records().await, 0, "a record got through while offline");
    assert_eq!(shop.server.refused_posts(), 0, "offline posts never reach the server");

    set_offline(&shop, false).await;
    let records = shop.wait_records(&accepted.id, 2).await;
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(records[1].categories, only_necessary());
    assert_delivered_once(&shop, 2).await;
}

// 4. The tab is closed while its record is still pending (fetch keeps failing): `sendBeacon` on
//    `pagehide` delivers it. The next page finds the record still in the outbox (a beacon gives
//    no answer), posts it again, and the server keeps one copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_4_closing_the_tab_sends_the_pending_record_by_beacon() {
    let shop = Shopper::new().await;
    shop.server.set_beacons_only(true);
    shop.open_widget("/").await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;
    wait_outbox_len(&shop, 1).await;
    wait_for!(shop, "the fetch POST to be refused", (shop.server.refused_posts() > 0).then_some(()));
    assert_eq!(shop.server.count_records().await, 0);
    // An outbox entry is `{endpoint, record}` (an older widget's held the bare record).
    let entry = shop.outbox().await.remove(0);
    let pending =
        entry.pointer("/record/updated_at").or_else(|| entry.get("updated_at")).and_then(|u| u.as_str()).expect("updated_at").to_owned();

    let client = shop.client();
    let first = client.window().await.expect("current window");
    let second = client.new_window(true).await.expect("a new tab").handle;
    client.switch_to_window(first).await.expect("back to the shop's tab");
    client.close_window().await.expect("close the shop's tab");
    client.switch_to_window(second).await.expect("switch to the new tab");

    // Only a beacon (text/plain) can get through while fetch posts are refused.
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action, Action::AcceptAll);
    assert_eq!(records[0].updated_at, pending, "the beacon carried the pending record");

    shop.server.set_beacons_only(false);
    shop.open_widget("/").await;
    assert!(!shop.is_visible(BANNER).await, "the decision was kept");
    assert_delivered_once(&shop, 1).await;
    assert_eq!(shop.server.records_for(&consent.id).await, records);
}
