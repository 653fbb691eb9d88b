//! Language negotiation: the config's choice; else the page's `<html lang>`, then the browser's
//! languages in order; else the fallback. Region and script variants match sensibly.

use crumb_core::texts::BUILTIN_LANGUAGES;
use crumb_core::{match_language, native_name, negotiate_language};

fn all() -> Vec<String> {
    BUILTIN_LANGUAGES.iter().map(|s| s.to_string()).collect()
}

fn list(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|s| s.to_string()).collect()
}

/// (setting, html lang, browser languages, offered (None = all built-in), fallback, expected)
type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], Option<&'a [&'a str]>, &'a str, &'a str);

#[test]
fn negotiation_table() {
    let cases: &[Case] = &[
        // Browser languages in order, region variants to the base language.
        ("auto", None, &["nl-BE", "en"], None, "en", "nl"),
        ("auto", None, &["fr-CA", "en"], None, "en", "fr"),
        ("auto", None, &["de-AT"], None, "en", "de"),
        ("auto", None, &["fr-FR", "zh-CN", "en"], Some(&["en", "nl", "zh"]), "en", "zh"),
        ("auto", None, &["sw", "am", "de"], None, "en", "de"),
        ("auto", None, &["sw", "am"], None, "en", "en"),
        ("auto", None, &["sw"], None, "nl", "nl"),
        ("auto", None, &[], None, "en", "en"),
        ("auto", None, &["", " ", "*", "123"], None, "en", "en"),
        // Chinese: script first, then region.
        ("auto", None, &["zh-CN"], None, "en", "zh"),
        ("auto", None, &["zh-SG"], None, "en", "zh"),
        ("auto", None, &["zh"], None, "en", "zh"),
        ("auto", None, &["zh-Hans-CN"], None, "en", "zh"),
        ("auto", None, &["zh-TW"], None, "en", "zh-Hant"),
        ("auto", None, &["zh-HK"], None, "en", "zh-Hant"),
        ("auto", None, &["zh-MO"], None, "en", "zh-Hant"),
        ("auto", None, &["zh-Hant"], None, "en", "zh-Hant"),
        ("auto", None, &["zh-Hant-HK"], None, "en", "zh-Hant"),
        ("auto", None, &["ZH_tw"], None, "en", "zh-Hant"),
        ("auto", None, &["zh-Hans-HK"], None, "en", "zh"),
        ("auto", None, &["zh-hant"], None, "en", "zh-Hant"),
        // A Traditional reader is better served by Simplified than by the fallback, and vice versa.
        ("auto", None, &["zh-TW"], Some(&["en", "zh"]), "en", "zh"),
        ("auto", None, &["zh-CN"], Some(&["en", "zh-Hant"]), "en", "zh-Hant"),
        // Portuguese: Brazil vs Portugal.
        ("auto", None, &["pt-BR"], None, "en", "pt-BR"),
        ("auto", None, &["pt-br"], None, "en", "pt-BR"),
        ("auto", None, &["pt-PT"], None, "en", "pt"),
        ("auto", None, &["pt"], None, "en", "pt"),
        ("auto", None, &["pt-AO"], None, "en", "pt"),
        ("auto", None, &["pt-BR"], Some(&["en", "pt"]), "en", "pt"),
        ("auto", None, &["pt-PT"], Some(&["en", "pt-BR"]), "en", "pt-BR"),
        // Norwegian: Bokmål for no, nb and nn.
        ("auto", None, &["nb-NO"], None, "en", "nb"),
        ("auto", None, &["nn-NO"], None, "en", "nb"),
        ("auto", None, &["no"], None, "en", "nb"),
        ("auto", None, &["nn"], None, "en", "nb"),
        // Hebrew's legacy code, Arabic regions.
        ("auto", None, &["iw"], None, "en", "he"),
        ("auto", None, &["he-IL"], None, "en", "he"),
        ("auto", None, &["ar-EG"], None, "en", "ar"),
        // A language the site does not offer is skipped, even if built in.
        ("auto", None, &["de", "nl"], Some(&["en", "nl"]), "en", "nl"),
        // The page's <html lang> comes first, then the browser.
        ("auto", Some("nl"), &["en"], None, "en", "nl"),
        ("auto", Some("de-CH"), &["fr"], None, "en", "de"),
        ("auto", Some("zh-TW"), &["en"], None, "en", "zh-Hant"),
        ("auto", Some("x-klingon"), &["fr", "en"], None, "en", "fr"),
        ("auto", Some(""), &["ja"], None, "en", "ja"),
        ("auto", Some("de"), &["nl"], Some(&["en", "nl"]), "en", "nl"),
        // A fixed config language wins over the page and the browser.
        ("nl", Some("de"), &["zh"], None, "en", "nl"),
        ("zh-Hant", None, &["zh-CN"], None, "en", "zh-Hant"),
        // A setting that is not offered (the config check refuses it) falls through to auto.
        ("fr", None, &["zh"], Some(&["en", "zh"]), "en", "zh"),
    ];
    for (setting, html, browser, offered, fallback, expected) in cases {
        let offered = offered.map(list).unwrap_or_else(all);
        let got = negotiate_language(setting, *html, &list(browser), &offered, fallback);
        assert_eq!(got, *expected, "setting {setting}, html {html:?}, browser {browser:?}, offered {offered:?}");
    }
}

#[test]
fn every_built_in_language_matches_itself_in_any_case() {
    for code in BUILTIN_LANGUAGES {
        assert_eq!(match_language(code, &all()).as_deref(), Some(*code));
        assert_eq!(match_language(&code.to_uppercase(), &all()).as_deref(), Some(*code));
    }
}

#[test]
fn every_built_in_language_has_its_own_name() {
    for code in BUILTIN_LANGUAGES {
        let name = native_name(code);
        assert_ne!(name, *code, "{code} has no native name");
        assert!(!name.trim().is_empty());
    }
    assert_eq!(native_name("de"), "Deutsch");
    assert_eq!(native_name("ar"), "العربية");
    assert_eq!(native_name("zh-Hant"), "繁體中文");
}

mod common;

fn builtin(language: &str) -> crumb_core::Map<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../www/i18n/{language}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn site_texts_override_a_new_language_key_by_key() {
    use crumb_core::config::{CookieDuration, DurationUnit};
    use crumb_core::{TextKey, Texts};
    let mut value = common::demo_config_json();
    value["texts"] = serde_json::json!({
        "ar": {"banner.title": "خصوصيتك تهمّنا"},
        "ru": {"duration.year.few": "{n} года (ru)"}
    });
    let config = common::parse(value).expect("valid overrides");

    let ar = Texts::new("ar", builtin("ar"), &config);
    assert_eq!(ar.get(TextKey::BannerTitle), "خصوصيتك تهمّنا");
    assert_eq!(ar.get(TextKey::RejectAll), builtin("ar").get("action.reject_all").unwrap().as_str());
    assert_eq!(ar.get(TextKey::RejectAll), "رفض الكل");

    let ru = Texts::new("ru", builtin("ru"), &config);
    assert_eq!(ru.duration(CookieDuration::Span(2, DurationUnit::Year)), "2 года (ru)");
    assert_eq!(ru.duration(CookieDuration::Span(5, DurationUnit::Year)), "5 лет");
    assert_eq!(ru.get(TextKey::BannerTitle), builtin("ru").get("banner.title").unwrap().as_str());

    // Overrides of one language never leak into another.
    let de = Texts::new("de", builtin("de"), &config);
    assert_eq!(de.get(TextKey::BannerTitle), "Wir respektieren Ihre Privatsphäre");
}

/// The table prepaint.js's copy of the rules is checked against as well (scripts/check-prepaint.mjs),
/// so the language a prepaint is painted in is the one the widget then speaks.
#[test]
fn the_shared_table_of_cases_for_prepaint_js() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/language-cases.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let strings = |key: &str| -> Vec<String> { case[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect() };
        let got = negotiate_language(
            case["setting"].as_str().unwrap(),
            case["html_lang"].as_str(),
            &strings("browser"),
            &strings("offered"),
            case["fallback"].as_str().unwrap(),
        );
        assert_eq!(got, case["expect"].as_str().unwrap(), "{}", case["why"]);
    }
}
