//! Languages, end to end in headless Chromium against the built bundle: negotiation from real
//! browser languages and the page's `<html lang>`, only the chosen language file fetched, the
//! switcher in the preference center, `Crumb.setLanguage`, and right-to-left layout checked by
//! comparing layout boxes (getBoundingClientRect) with the English layout, never pixels.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- languages::`.

use std::path::Path;

use crumb_core::consent::Action;
use crumb_e2e::selectors::{
    banner_button, category_title, switch, BANNER, BANNER_CUSTOMIZE, BANNER_TITLE, PREFS, PREFS_CLOSE, PREFS_LANGUAGE, PREFS_REJECT,
    PREFS_SAVE, PREFS_TITLE, REOPEN,
};
use crumb_e2e::{texts, wait_for, BrowserOptions, Shopper, TestServer};
use serde_json::{json, Value};

/// A layout box in CSS pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    left: f64,
    right: f64,
}

async fn rect(shop: &Shopper, selector: &str) -> Rect {
    let [left, right]: [f64; 2] = shop
        .in_shadow(
            "var el = root.querySelector(arguments[0]); \
             if (!el) return [NaN, NaN]; var r = el.getBoundingClientRect(); return [r.left, r.right];",
            vec![json!(selector)],
        )
        .await;
    assert!(left.is_finite() && right > left, "`{selector}` has no layout box: {left}..{right}");
    Rect { left, right }
}

/// The width fixed-position boxes are laid out in (the viewport without a scrollbar).
async fn viewport_width(shop: &Shopper) -> f64 {
    shop.js("return document.documentElement.clientWidth;", vec![]).await
}

/// `lang` and `dir` of the widget's root element.
async fn root_lang_dir(shop: &Shopper) -> (String, String) {
    let lang = shop.attr("div.crumb", "lang").await.unwrap_or_default();
    let dir = shop.attr("div.crumb", "dir").await.unwrap_or_default();
    (lang, dir)
}

/// The language files the browser asked the server for, in order.
fn i18n_requests(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter_map(|line| line.split_once(' ').map(|(_, target)| target.to_owned()))
        .filter(|target| target.contains("/i18n/"))
        .collect()
}

async fn assert_banner_in(shop: &Shopper, language: &str) {
    let t = texts(language);
    shop.wait_visible(BANNER).await;
    wait_for!(shop, format!("the banner title in {language}"), {
        (shop.text(BANNER_TITLE).await.as_deref() == Some(t["banner.title"].as_str())).then_some(())
    });
    for (action, key) in [("accept-all", "action.accept_all"), ("reject-all", "action.reject_all"), ("customize", "action.customize")] {
        let selector = banner_button(action);
        assert_eq!(shop.text(&selector).await.as_deref(), Some(t[key].as_str()), "{action} in {language}");
    }
    assert_eq!(root_lang_dir(shop).await.0, language, "lang on the widget root");
}

/// A site folder with the built bundle and a copy of the demo page per `<html lang>` value,
/// served as `/<name>.html` (the demo page itself declares no language).
fn site_with_html_lang(pages: &[(&str, &str)]) -> tempfile::TempDir {
    let dist = crumb_e2e::server::built_site();
    let site = tempfile::tempdir().expect("temp site");
    // Copied, not linked: crumb-server never follows a symlink out of its site folder.
    for dir in ["crumb", "demo"] {
        copy_dir(&dist.join(dir), &site.path().join(dir));
    }
    let index = std::fs::read_to_string(dist.join("index.html")).expect("built index.html");
    let at = index.find("\n<html").expect("the demo page has an <html> tag on its own line") + 1;
    let end = at + index[at..].find('>').expect("<html> closes");
    for (name, lang) in pages {
        let page = format!("{}<html lang=\"{lang}\">{}", &index[..at], &index[end + 1..]);
        std::fs::write(site.path().join(format!("{name}.html")), page).expect("write page");
    }
    std::fs::write(site.path().join("index.html"), &index).expect("write index");
    site
}

/// Copies a folder and everything in it.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}

fn site_dir(site: &tempfile::TempDir) -> &Path {
    site.path()
}

// The page's <html lang> comes first; only that language's file is fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_lang_comes_before_the_browser_languages() {
    let site = site_with_html_lang(&[("de", "de-CH"), ("tw", "zh-TW"), ("unknown", "x-klingon")]);
    let server = TestServer::start_with_site(site_dir(&site).to_path_buf()).await;
    let shop = Shopper::with_server(server, BrowserOptions::languages(&["nl-NL", "nl", "en"])).await;

    shop.open_widget("/de.html").await;
    assert_banner_in(&shop, "de").await;
    assert_eq!(i18n_requests(&shop.server), ["/crumb/i18n/de.json"], "only the chosen language is fetched");

    shop.open_widget("/tw.html").await;
    assert_banner_in(&shop, "zh-Hant").await;

    // A page language the site does not offer: the browser's languages decide.
    shop.open_widget("/unknown.html").await;
    assert_banner_in(&shop, "nl").await;

    // No <html lang> at all (the demo page): the browser's languages decide.
    shop.open_widget("/").await;
    assert_banner_in(&shop, "nl").await;
    shop.assert_no_crash().await;
}

// Real browser languages, in order, with region and script variants.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_languages_pick_the_best_offered_language() {
    let cases: &[(&[&str], &str)] = &[
        (&["fr-CA", "en"], "fr"),
        (&["zh-TW", "en"], "zh-Hant"),
        (&["pt-BR", "pt"], "pt-BR"),
        (&["nn-NO", "en"], "nb"),
        (&["sw", "de-AT", "en"], "de"),
        (&["he-IL"], "he"),
    ];
    for (browser, expected) in cases {
        let shop = Shopper::with_browser(BrowserOptions::languages(browser)).await;
        shop.open_widget("/").await;
        assert_banner_in(&shop, expected).await;
        assert_eq!(i18n_requests(&shop.server), [format!("/crumb/i18n/{expected}.json")], "browser {browser:?}");
        shop.assert_no_crash().await;
    }
}

// The switcher in the preference center: labelled, every language in its own name; choosing
// one re-renders everything and the decision is recorded in that language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switcher_changes_the_language_and_the_record_carries_it() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    assert_banner_in(&shop, "en").await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;

    let label: String = shop
        .in_shadow(
            "var select = root.querySelector(arguments[0]); \
             return select.labels.length === 1 ? select.labels[0].textContent.trim() : '';",
            vec![json!(PREFS_LANGUAGE)],
        )
        .await;
    assert_eq!(label, texts("en")["prefs.language"], "the switcher is labelled");
    let options: Vec<(String, String)> = shop
        .in_shadow(
            "return Array.from(root.querySelectorAll(arguments[0] + ' option')).map(function (o) { return [o.value, o.textContent]; });",
            vec![json!(PREFS_LANGUAGE)],
        )
        .await;
    assert_eq!(options.len(), crumb_core::texts::BUILTIN_LANGUAGES.len(), "{options:?}");
    for (code, name) in [("de", "Deutsch"), ("ar", "العربية"), ("zh-Hant", "繁體中文"), ("pt-BR", "Português (Brasil)")] {
        assert!(options.contains(&(code.to_owned(), name.to_owned())), "{code} is listed as {name}: {options:?}");
    }
    let selected: String = shop.in_shadow("return root.querySelector(arguments[0]).value;", vec![json!(PREFS_LANGUAGE)]).await;
    assert_eq!(selected, "en");

    // A real selection through WebDriver.
    let select = shop.wait_visible(PREFS_LANGUAGE).await;
    select.select_by_value("de").await.expect("select Deutsch");
    let de = texts("de");
    wait_for!(shop, "the preferences to switch to German", {
        (shop.text(PREFS_TITLE).await.as_deref() == Some(de["prefs.title"].as_str())).then_some(())
    });
    assert_eq!(shop.text(PREFS_SAVE).await.as_deref(), Some(de["action.save"].as_str()));
    assert_eq!(root_lang_dir(&shop).await, ("de".to_owned(), "ltr".to_owned()));
    assert!(shop.server.was_requested("/crumb/i18n/de.json"));

    shop.click(PREFS_REJECT).await;
    let consent = shop.wait_stored_consent(0).await;
    assert_eq!(consent.language, "de");
    let records = shop.wait_records(&consent.id, 1).await;
    assert_eq!(records[0].language, "de");
    assert_eq!(records[0].action, Action::RejectAll);
    // The reopen button speaks German too.
    assert_eq!(shop.attr(REOPEN, "aria-label").await.as_deref(), Some(de["reopen.label"].as_str()));
    shop.assert_no_crash().await;
}

// Crumb.setLanguage: fetches the file and re-renders; region tags match; an unknown code is a
// console error and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_language_switches_and_refuses_unknown_codes() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    assert_banner_in(&shop, "en").await;

    let switched: Value = shop.js("return Crumb.setLanguage('ar');", vec![]).await;
    assert_eq!(switched, json!(true));
    assert_banner_in(&shop, "ar").await;
    assert_eq!(root_lang_dir(&shop).await, ("ar".to_owned(), "rtl".to_owned()));

    let refused: Value = shop.js("return Crumb.setLanguage('xx-unknown');", vec![]).await;
    assert_eq!(refused, json!(false));
    shop.next_frame().await;
    assert_banner_in(&shop, "ar").await;
    let console = shop.browser.console_text().await;
    assert!(console.contains("xx-unknown") && console.contains("SEVERE"), "no console error names the code:\n{console}");

    let switched: Value = shop.js("return Crumb.setLanguage('pt-br');", vec![]).await;
    assert_eq!(switched, json!(true));
    assert_banner_in(&shop, "pt-BR").await;
    assert_eq!(root_lang_dir(&shop).await.1, "ltr");
    assert_eq!(
        i18n_requests(&shop.server),
        ["/crumb/i18n/en.json", "/crumb/i18n/ar.json", "/crumb/i18n/pt-BR.json"],
        "one file per language actually shown"
    );
    shop.assert_no_crash().await;
}

/// Left edges of the banner's three buttons, the preference center's close button, the analytics
/// switch and its title, and the reopen button, for one page.
struct Layout {
    width: f64,
    buttons: [Rect; 3],
    close: Rect,
    title: Rect,
    switch: Rect,
    category_title: Rect,
    reopen: Rect,
}

async fn layout(shop: &Shopper, page: &str, language: &str) -> Layout {
    shop.open_widget(page).await;
    assert_banner_in(shop, language).await;
    let width = viewport_width(shop).await;
    let mut buttons = Vec::new();
    for action in ["accept-all", "reject-all", "customize"] {
        buttons.push(rect(shop, &banner_button(action)).await);
    }
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    let close = rect(shop, PREFS_CLOSE).await;
    let title = rect(shop, PREFS_TITLE).await;
    let switch = rect(shop, &switch("analytics")).await;
    let category_title = rect(shop, &category_title("analytics")).await;
    shop.click(PREFS_REJECT).await;
    shop.wait_visible(REOPEN).await;
    let reopen = rect(shop, REOPEN).await;
    Layout { width, buttons: [buttons[0], buttons[1], buttons[2]], close, title, switch, category_title, reopen }
}

/// `b` is `a` mirrored across the middle of a `width`-wide viewport, within 2 px.
fn assert_mirrored(what: &str, en: Rect, ar: Rect, width: f64) {
    let (left, right) = (width - en.right, width - en.left);
    assert!(
        (ar.left - left).abs() <= 2.0 && (ar.right - right).abs() <= 2.0,
        "{what} is not mirrored: en {en:?}, ar {ar:?}, expected {left:.1}..{right:.1} in a {width} px viewport"
    );
}

// Right to left: in Arabic the banner's buttons, the close button, the switches and the reopen
// button sit mirrored against the English layout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arabic_and_hebrew_layouts_mirror_the_english_one() {
    let shop = Shopper::new().await;
    let en = layout(&shop, "/", "en").await;
    assert!(en.buttons[0].left < en.buttons[1].left && en.buttons[1].left < en.buttons[2].left, "en buttons run left to right");
    assert!(en.close.left > en.title.left, "en close button is on the right");
    assert!(en.switch.left > en.category_title.right, "en switch is right of its title");
    assert!(en.reopen.right < en.width / 2.0, "en reopen button is bottom-left");

    for language in ["ar", "he"] {
        shop.js::<Value>("localStorage.clear(); document.cookie = 'crumb_consent=; max-age=0; path=/'; return null;", vec![]).await;
        let page = shop.server.variant(language, |config| config["language"] = json!(language));
        let rtl = layout(&shop, &page, language).await;
        assert_eq!(root_lang_dir(&shop).await, (language.to_owned(), "rtl".to_owned()));
        assert!((rtl.width - en.width).abs() < 0.5, "same viewport");
        let b = &rtl.buttons;
        assert!(b[0].left > b[1].left && b[1].left > b[2].left, "{language} buttons run right to left: {b:?}");
        for (i, action) in ["Accept all", "Reject all", "Customize"].iter().enumerate() {
            assert_mirrored(&format!("{language} {action}"), en.buttons[i], rtl.buttons[i], en.width);
        }
        assert!(rtl.close.right < rtl.title.right, "{language} close button is on the left");
        assert_mirrored(&format!("{language} close button"), en.close, rtl.close, en.width);
        assert!(rtl.switch.right < rtl.category_title.left, "{language} switch is left of its title");
        assert_mirrored(&format!("{language} analytics switch"), en.switch, rtl.switch, en.width);
        assert!(rtl.reopen.left > rtl.width / 2.0, "{language} reopen button is bottom-right");
        assert_mirrored(&format!("{language} reopen button"), en.reopen, rtl.reopen, en.width);
    }
    shop.assert_no_crash().await;
}
