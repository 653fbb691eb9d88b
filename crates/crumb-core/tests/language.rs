//! Language negotiation: the config's choice, else the browser's languages in order, else the
//! fallback.

use crumb_core::negotiate_language;

fn offered() -> Vec<String> {
    ["en", "nl", "zh"].iter().map(|s| s.to_string()).collect()
}

fn pick(setting: &str, browser: &[&str]) -> String {
    let browser: Vec<String> = browser.iter().map(|s| s.to_string()).collect();
    negotiate_language(setting, None, &browser, &offered(), "en")
}

#[test]
fn negotiation_table() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("auto", &["nl-BE", "en"], "nl"),
        ("auto", &["fr-FR", "zh-CN", "en"], "zh"),
        ("auto", &["zh-Hans-CN"], "zh"),
        ("auto", &["ZH_tw"], "zh"),
        ("auto", &["fr", "de"], "en"),
        ("auto", &[], "en"),
        ("auto", &["", " "], "en"),
        ("nl", &["zh"], "nl"),
        ("fr", &["zh"], "zh"),
    ];
    for (setting, browser, expected) in cases {
        assert_eq!(pick(setting, browser), *expected, "{setting} {browser:?}");
    }
}

#[test]
fn page_language_comes_before_the_browser() {
    let browser = vec!["en".to_string()];
    assert_eq!(negotiate_language("auto", Some("nl"), &browser, &offered(), "en"), "nl");
}
