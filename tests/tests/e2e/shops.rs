//! The five real shops (`/demo/<slug>/`), one journey each, in a browser that asks for the shop's
//! language: the banner speaks it; the preference center lists every cookie of the policy under
//! the right category (each category's `<details>` opened, its `tr[data-cookie]` rows read) with
//! the shop's own purpose text in that language; and Reject all leaves only the necessary
//! cookies in `document.cookie`, on a first visit and after Accept all, and after a reload.
//!
//! The shop's cookies are set the way its scripts would: the shop's own script (ungated) sets its
//! necessary cookies, and gated stand-ins (`<script type="text/plain" data-category
//! data-service src="/demo/kit/stand-in.js" data-sets-cookies>`) set each service's cookies once
//! it is accepted. The per-shop lists of the policy's cookies are shared with the host test.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- shops::`.

#[path = "../../../crates/crumb-core/tests/shop_policies/mod.rs"]
mod shop_policies;

use std::collections::{BTreeMap, BTreeSet};

use crumb_core::consent::Action;
use crumb_core::{parse_config, Config, Texts};
use crumb_e2e::selectors::{
    category_cookie_table, category_section, category_services_summary, category_text, category_title, cookie_row, service_name, BANNER,
    BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_POLICY_LINK, BANNER_REJECT, BANNER_TITLE, CATEGORY_SECTIONS, COOKIE_ROW, PREFS, PREFS_ACCEPT,
    PREFS_REJECT, REOPEN, WIDGET,
};
use crumb_e2e::{texts, wait_for, BrowserOptions, Shopper};
use serde_json::json;
use shop_policies::{Shop, SHOPS};

fn shop(slug: &str) -> &'static Shop {
    SHOPS.iter().find(|s| s.slug == slug).unwrap_or_else(|| panic!("no shop {slug}"))
}

/// The texts the shopper should see: the built-in language file with the shop's overrides.
fn shop_texts(config: &Config, language: &str) -> Texts {
    Texts::new(language, texts(language).into_iter().collect(), config)
}

/// Cookie names in `document.cookie`.
async fn document_cookies(page: &Shopper) -> BTreeSet<String> {
    let names: Vec<String> =
        page.js("return document.cookie.split(';').map(function (c) { return c.trim().split('=')[0]; }).filter(Boolean);", vec![]).await;
    names.into_iter().collect()
}

/// Which stand-in scripts ran on this page (`<html data-stand-ins>`), in order.
async fn stand_ins(page: &Shopper) -> Vec<String> {
    let ran: Option<String> = page.js("return document.documentElement.getAttribute('data-stand-ins');", vec![]).await;
    ran.unwrap_or_default().split_whitespace().map(str::to_owned).collect()
}

/// The shop's necessary cookies as they stand after a decision: its own plus Crumb's choice.
fn necessary_after_choice(shop: &Shop) -> BTreeSet<String> {
    shop.set_by_shop.iter().map(|s| s.to_string()).chain(["crumb_consent".to_owned()]).collect()
}

async fn wait_document_cookies(page: &Shopper, what: &str, wanted: &BTreeSet<String>) {
    wait_for!(page, format!("document.cookie to hold exactly {what}: {wanted:?}"), {
        let names = document_cookies(page).await;
        (&names == wanted).then_some(())
    });
}

/// Only the necessary cookies exist and only the shop's own script ran: checked once the gating queue has
/// run a sentinel script queued after everything else.
async fn assert_only_necessary(page: &Shopper, shop: &Shop, when: &str) {
    let wanted = necessary_after_choice(shop);
    wait_document_cookies(page, &format!("the necessary cookies {when}"), &wanted).await;
    page.gating_caught_up("necessary").await;
    assert_eq!(document_cookies(page).await, wanted, "{}: cookies {when}", shop.slug);
    assert_eq!(stand_ins(page).await, ["shop"], "{}: a gated stand-in ran {when}", shop.slug);
}

/// 1. The banner in the shop's language, with the shop's own banner text and policy link.
async fn banner_speaks_the_shop_language(page: &Shopper, shop: &Shop, t: &Texts) {
    page.wait_visible(BANNER).await;
    let lang = shop.language;
    assert_eq!(page.attr(WIDGET, "lang").await.as_deref(), Some(lang), "{}: the widget's language", shop.slug);
    assert_eq!(page.text(BANNER_TITLE).await.as_deref(), Some(t.lookup("banner.title").unwrap_or("?")));
    for (selector, key) in
        [(BANNER_ACCEPT, "action.accept_all"), (BANNER_REJECT, "action.reject_all"), (BANNER_CUSTOMIZE, "action.customize")]
    {
        assert_eq!(page.text(selector).await.as_deref(), t.lookup(key), "{}: {selector} in {lang}", shop.slug);
    }
    let described = page.attr(BANNER, "aria-describedby").await.expect("the banner has a description");
    let shown = page.text(&format!("#{described}")).await.unwrap_or_default();
    let own = t.lookup("banner.text").unwrap_or_default().replace("{policy}", t.lookup("banner.policy_link").unwrap_or_default());
    assert_eq!(shown, own, "{}: the shop's own banner text in {lang}", shop.slug);
    let policy = page.attr(BANNER_POLICY_LINK, "href").await.unwrap_or_default();
    assert!(policy.ends_with(&format!("/demo/{}/privacy.html", shop.slug)), "{}: policy link {policy}", shop.slug);
}

/// 2. Every cookie of the policy under its category, with its purpose, duration and party in the
///    shop's language.
async fn preference_center_lists_the_policy(page: &Shopper, shop: &Shop, config: &Config, t: &Texts) {
    page.wait_visible(PREFS).await;
    let lang = shop.language;
    let sections: Vec<String> = page
        .in_shadow(
            "return Array.from(root.querySelectorAll(arguments[0])).map(function (s) { return s.getAttribute('data-category'); });",
            vec![json!(CATEGORY_SECTIONS)],
        )
        .await;
    assert_eq!(sections, shop.categories(), "{}: categories in the preference center", shop.slug);
    for category in &config.categories {
        let section = category_section(&category.id);
        let title = page.text(&category_title(&category.id)).await.unwrap_or_default();
        assert_eq!(title, t.category_title(&category.id), "{}: title of {} in {lang}", shop.slug, category.id);
        let description = page.text(&category_text(&category.id)).await.unwrap_or_default();
        assert_eq!(description, t.category_description(&category.id), "{}: {} described in {lang}", shop.slug, category.id);
        page.click(&category_services_summary(&category.id)).await;
        page.wait_visible(&category_cookie_table(&category.id)).await;
        let rows: Vec<Vec<String>> = page
            .in_shadow(
                "return Array.from(root.querySelectorAll(arguments[0] + ' ' + arguments[1])).map(function (tr) { \
                   return [tr.getAttribute('data-cookie')].concat(Array.from(tr.cells).map(function (td) { \
                     return td.textContent.replace(/\\s+/g, ' ').trim(); })); });",
                vec![json!(section), json!(COOKIE_ROW)],
            )
            .await;
        let labels: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(labels, shop.in_category(&category.id), "{}: cookies listed under {}", shop.slug, category.id);
        let specs: BTreeMap<&str, _> = category.services.iter().flat_map(|s| s.cookies.iter().map(|c| (c.label(), c))).collect();
        for row in &rows {
            let spec = specs[row[0].as_str()];
            let party = match spec.party {
                crumb_core::Party::First => t.lookup("party.first"),
                crumb_core::Party::Third => t.lookup("party.third"),
            };
            let wanted = [
                spec.label(),
                spec.label(),
                row[2].as_str(), // the provider column: the cookie's or the service's provider, else —
                spec.purpose.get(lang, &config.fallback),
                &t.duration(spec.duration),
                party.unwrap_or("?"),
            ];
            assert_eq!(row.iter().map(String::as_str).collect::<Vec<_>>(), wanted, "{}: row of {}", shop.slug, row[0]);
            assert!(!row[2].is_empty() && row[2] != "—", "{}: {} names no provider", shop.slug, row[0]);
        }
    }
}

async fn journey(slug: &str) {
    let shop = shop(slug);
    let config = parse_config(shop.config_json()).unwrap_or_else(|e| panic!("{slug}: {e}"));
    let t = shop_texts(&config, shop.language);
    let page = Shopper::with_browser(BrowserOptions::languages(shop.browser)).await;
    page.open_widget(&shop.path()).await;

    banner_speaks_the_shop_language(&page, shop, &t).await;
    // Before any choice: the shop's own necessary cookies, nothing gated, no choice stored.
    let own: BTreeSet<String> = shop.set_by_shop.iter().map(|s| s.to_string()).collect();
    assert_eq!(document_cookies(&page).await, own, "{slug}: cookies before any choice");
    assert_eq!(stand_ins(&page).await, ["shop"], "{slug}: the shop's own script ran, nothing gated");

    page.click(BANNER_CUSTOMIZE).await;
    preference_center_lists_the_policy(&page, shop, &config, &t).await;

    // Reject all on the first visit: only the necessary cookies, now and after a reload.
    page.click(PREFS_REJECT).await;
    let consent = page.wait_stored_consent(0).await;
    let granted: Vec<&str> = consent.categories.iter().filter(|(_, on)| **on).map(|(c, _)| c.as_str()).collect();
    assert_eq!(granted, ["necessary"], "{slug}: Reject all grants only the necessary category");
    assert_eq!(consent.language, shop.language);
    assert_only_necessary(&page, shop, "after Reject all").await;
    let records = page.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].action, Action::RejectAll);
    assert_eq!((records[0].site.as_str(), records[0].revision), (slug, shop.revision));
    assert_eq!(records[0].language, shop.language);
    page.reload_widget().await;
    assert!(!page.is_visible(BANNER).await, "{slug}: the banner asks again after Reject all");
    assert_only_necessary(&page, shop, "after Reject all and a reload").await;

    // Accept all: every stand-in runs and sets its service's cookies.
    page.click(REOPEN).await;
    page.click(PREFS_ACCEPT).await;
    let all_set: BTreeSet<String> = necessary_after_choice(shop)
        .into_iter()
        .chain(shop.set_on_consent.iter().flat_map(|(_, names)| names.iter().map(|n| n.to_string())))
        .collect();
    wait_document_cookies(&page, "every cookie after Accept all", &all_set).await;
    let ran: Vec<String> = std::iter::once("shop").chain(shop.set_on_consent.iter().map(|(s, _)| *s)).map(str::to_owned).collect();
    assert_eq!(stand_ins(&page).await, ran, "{slug}: the gated stand-ins after Accept all, in page order");

    // Reject all again: the optional cookies go, now and after a reload.
    page.click(REOPEN).await;
    page.click(PREFS_REJECT).await;
    let withdrawn = wait_for!(page, "the withdrawal to be stored", {
        let stored = page.stored_consent().await;
        stored.filter(|c| c.categories.values().filter(|on| **on).count() == 1)
    });
    assert_eq!(withdrawn.categories.get("necessary"), Some(&true), "{slug}: after withdrawing");
    wait_document_cookies(&page, "the necessary cookies after withdrawing", &necessary_after_choice(shop)).await;
    let records = page.wait_records(&consent.id, 3).await;
    let actions: Vec<_> = records.iter().map(|r| r.action).collect();
    assert_eq!(actions, [Action::RejectAll, Action::AcceptAll, Action::Withdraw], "{slug}: records");
    page.reload_widget().await;
    assert!(!page.is_visible(BANNER).await, "{slug}: the banner asks again after withdrawing");
    assert_only_necessary(&page, shop, "after withdrawing and a reload").await;
    page.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_121time() {
    journey("121time").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_swedish_b2b() {
    journey("swedish-b2b").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_onto_object_in_dutch() {
    journey("onto-object").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_contrado_in_chinese() {
    journey("contrado").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_timelux() {
    journey("timelux").await;
}

/// The Dutch shop switched to English: its own strings follow (purpose, service name, banner
/// text), taken from the config's English side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_onto_object_in_english_after_set_language() {
    let shop = shop("onto-object");
    let config = parse_config(shop.config_json()).unwrap();
    let page = Shopper::with_browser(BrowserOptions::languages(shop.browser)).await;
    page.open_widget(&shop.path()).await;
    page.wait_visible(BANNER).await;
    let _: serde_json::Value = page.js("window.Crumb.setLanguage('en'); return null;", vec![]).await;
    let en = shop_texts(&config, "en");
    wait_for!(page, "the banner in English", { (page.text(BANNER_TITLE).await.as_deref() == en.lookup("banner.title")).then_some(()) });
    page.click(BANNER_CUSTOMIZE).await;
    page.wait_visible(PREFS).await;
    let section = category_section("preferences");
    page.click(&category_services_summary("preferences")).await;
    page.wait_visible(&category_cookie_table("preferences")).await;
    let service = &config.category("preferences").unwrap().services[0];
    let name = page.text(&format!("{section} {}", service_name(&service.id))).await;
    assert_eq!(name.as_deref(), Some(service.name.get("en", "nl")));
    assert_ne!(service.name.get("en", "nl"), service.name.get("nl", "nl"));
    let purpose = page.text(&format!("{section} {} td:nth-child(3)", cookie_row("sc_recent"))).await;
    assert_eq!(purpose.as_deref(), Some("Remembers the products you viewed recently."));
    page.assert_no_crash().await;
}
