//! The five real shops' configs (`www/demo/<slug>/index.html`): each parses and validates, and
//! lists every cookie its published policy names, in the category the list in
//! `shop_policies/mod.rs` (typed from the policy) gives, and nothing else; the local copy of each
//! policy really names what the list says it names; the pages are plain site-owner pages that a
//! strict Content-Security-Policy allows.

mod shop_policies;

use std::collections::BTreeSet;

use crumb_core::config::{Config, LocalizedText};
use crumb_core::parse_config;
use shop_policies::{Named, Shop, SHOPS};

fn config(shop: &Shop) -> Config {
    parse_config(shop.config_json()).unwrap_or_else(|e| panic!("{}: {e}", shop.slug))
}

/// Every `<tag …>` opening of one element name, as text.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let tail = &rest[at..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        if tail[open.len()..].starts_with([' ', '>', '\n']) {
            found.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    found
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// Words of a text: runs of characters a cookie name can hold.
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c))).filter(|w| !w.is_empty()).collect()
}

#[test]
fn there_are_five_shops_each_with_its_page_and_policy_copy() {
    let slugs: Vec<_> = SHOPS.iter().map(|s| s.slug).collect();
    assert_eq!(slugs, ["121time", "swedish-b2b", "onto-object", "contrado", "timelux"]);
    for shop in SHOPS {
        assert!(shop.page_file().is_file(), "{} has no page", shop.slug);
        assert!(shop.policy_file().is_file(), "{} has no local copy of its policy", shop.slug);
        assert!(shop.demo_css().is_file(), "{} has no stylesheet", shop.slug);
    }
}

#[test]
fn every_shop_config_parses_and_validates() {
    for shop in SHOPS {
        let config = config(shop);
        assert_eq!(config.site, shop.slug);
        assert_eq!(config.revision, shop.revision, "{}: revision is the policy's version", shop.slug);
        assert_eq!(config.policy_url.as_deref(), Some(format!("/demo/{}/privacy.html", shop.slug).as_str()));
        assert_eq!(config.language, "auto", "{}", shop.slug);
        assert_eq!(config.offered_languages(), shop.languages, "{}: the policy's language and English", shop.slug);
        assert_eq!(config.fallback, shop.language, "{}: falls back to the policy's language", shop.slug);
        let comment = config.comment.as_deref().unwrap_or_default();
        assert!(comment.len() > 200, "{}: the comment must say where the policy was vague and what was chosen", shop.slug);
        for service in config.categories.iter().flat_map(|c| &c.services) {
            assert!(service.provider.is_some(), "{}: service {} names no provider", shop.slug, service.id);
        }
        let required: Vec<_> = config.categories.iter().filter(|c| c.required).map(|c| c.id.as_str()).collect();
        assert_eq!(required, ["necessary"], "{}: one required category", shop.slug);
    }
}

#[test]
fn every_cookie_the_policy_names_is_in_its_category_and_nothing_else_is() {
    for shop in SHOPS {
        let config = config(shop);
        let config_ids: Vec<_> = config.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(config_ids, shop.categories(), "{}: categories", shop.slug);
        for category in &config.categories {
            let listed: Vec<&str> = category.services.iter().flat_map(|s| s.cookies.iter().map(|c| c.label())).collect();
            let wanted = shop.in_category(&category.id);
            assert_eq!(listed, wanted, "{}: cookies in `{}`", shop.slug, category.id);
        }
        let all: Vec<_> = shop.cookies.iter().map(|c| c.label).collect();
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "{}: a cookie is listed twice", shop.slug);
    }
}

#[test]
fn the_policy_copy_names_what_the_list_says_it_names() {
    for shop in SHOPS {
        let text = shop.policy_text();
        let words = words(&text);
        for cookie in shop.cookies {
            match cookie.named {
                Named::Verbatim => {
                    assert!(words.contains(cookie.label), "{}: the policy does not name `{}`", shop.slug, cookie.label)
                }
                Named::As(spelling) => {
                    assert!(text.contains(spelling), "{}: the policy does not write `{spelling}`", shop.slug);
                    assert!(!words.contains(cookie.label), "{}: `{}` is verbatim in the policy", shop.slug, cookie.label);
                }
                Named::Purpose(quote) => {
                    assert!(text.contains(quote), "{}: the policy does not say `{quote}`", shop.slug);
                    assert!(!words.contains(cookie.label), "{}: `{}` is verbatim in the policy", shop.slug, cookie.label);
                }
                Named::Crumb => assert_eq!(cookie.label, "crumb_consent"),
            }
        }
    }
}

#[test]
fn the_policy_copies_are_the_published_text() {
    // Spot checks against each seed: the version string, the shop's own words.
    let expect = [
        ("121time", "By using our web site you consent"),
        ("swedish-b2b", "We use cookies and similar tracking technologies to make our websites work."),
        ("onto-object", "Softcactus.be gebruikt cookies om u te herkennen bij een volgend bezoek."),
        ("contrado", "V.100000002 12 /八月/ 2020"),
        ("timelux", "the Session_ID cookie that we ask your browser to hold retains the ID for your shopping bag"),
    ];
    for (slug, line) in expect {
        let shop = SHOPS.iter().find(|s| s.slug == slug).unwrap();
        assert!(shop.policy_text().contains(line), "{slug}: the policy copy lacks `{line}`");
    }
}

/// Every site-owner string of a config: service names and descriptions, cookie purposes.
fn own_texts(config: &Config) -> Vec<(String, &LocalizedText)> {
    let mut list = Vec::new();
    for category in &config.categories {
        for service in &category.services {
            let at = format!("{}.{}", category.id, service.id);
            list.push((format!("{at}.name"), &service.name));
            if let Some(description) = &service.description {
                list.push((format!("{at}.description"), description));
            }
            for cookie in &service.cookies {
                list.push((format!("{at}.{}.purpose", cookie.label()), &cookie.purpose));
            }
        }
    }
    list
}

#[test]
fn shops_in_two_languages_write_their_own_strings_in_both() {
    for shop in SHOPS.iter().filter(|s| s.languages.len() > 1) {
        let config = config(shop);
        for (at, text) in own_texts(&config) {
            match text.languages() {
                // A proper name reads the same in every language.
                None => assert!(at.ends_with(".name"), "{}: `{at}` is in one language only", shop.slug),
                Some(languages) => assert_eq!(languages.len(), shop.languages.len(), "{}: `{at}` in {languages:?}", shop.slug),
            }
            for language in shop.languages {
                assert!(!text.get(language, &config.fallback).trim().is_empty(), "{}: `{at}` empty in {language}", shop.slug);
            }
        }
        // The policy's language and English differ: the English is not a copy.
        let purposes: Vec<_> = own_texts(&config).into_iter().filter(|(at, _)| at.ends_with(".purpose")).collect();
        for (at, text) in purposes {
            assert_ne!(text.get(shop.language, "-"), text.get("en", "-"), "{}: `{at}` is not translated", shop.slug);
        }
    }
}

#[test]
fn custom_categories_and_overridden_texts_exist_in_every_offered_language() {
    for shop in SHOPS {
        let config = config(shop);
        for language in shop.languages {
            let texts = config.texts.get(language).unwrap_or_else(|| panic!("{}: no texts for {language}", shop.slug));
            let banner = texts.get("banner.text").unwrap_or_else(|| panic!("{}: no banner.text in {language}", shop.slug));
            assert_eq!(banner.matches("{policy}").count(), 1, "{}: banner.text in {language} keeps {{policy}} once", shop.slug);
            for category in &config.categories {
                if !crumb_core::texts::BUILTIN_CATEGORIES.contains(&category.id.as_str()) {
                    for field in ["title", "description"] {
                        let key = format!("category.{}.{field}", category.id);
                        assert!(texts.contains_key(&key), "{}: no `{key}` in {language}", shop.slug);
                    }
                }
            }
        }
        // Same keys in every language.
        let keys: Vec<BTreeSet<_>> =
            shop.languages.iter().map(|l| config.texts.get(l).expect("texts of a shop language").keys().collect()).collect();
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "{}: texts differ in keys between languages", shop.slug);
    }
}

#[test]
fn pages_are_plain_site_owner_pages_under_a_strict_csp() {
    for shop in SHOPS {
        let html = shop.page();
        let config = config(shop);
        // Outside the config: no <style>, no style attribute, no inline event handler.
        let markup = html.replace(&shop.config_text(), "");
        assert!(!markup.contains("<style") && !markup.contains(" style="), "{}: inline style", shop.slug);
        for piece in markup.split('<').skip(1) {
            let tag = piece.split('>').next().unwrap_or_default();
            let handler = tag.split_whitespace().any(|a| a.starts_with("on") && a.contains('='));
            assert!(!handler, "{}: inline event handler in <{tag}>", shop.slug);
        }
        let scripts = tags(&html, "script");
        let mut loader = 0;
        for tag in &scripts {
            match attr(tag, "src") {
                None => assert_eq!(
                    (attr(tag, "type"), attr(tag, "id")),
                    (Some("application/json"), Some("crumb-config")),
                    "{}: the only inline script is the JSON config: {tag}",
                    shop.slug
                ),
                Some("/crumb/loader.js") => {
                    loader += 1;
                    assert_eq!(attr(tag, "data-endpoint"), Some("/api/consent"), "{}", shop.slug);
                }
                Some(src) => {
                    let file = shop_policies::demo_dir().join(src.trim_start_matches("/demo/"));
                    assert!(src.starts_with("/demo/") && file.is_file(), "{}: script {src} is not a demo file", shop.slug);
                }
            }
        }
        assert_eq!(loader, 1, "{}: one loader script tag", shop.slug);
        let css: Vec<_> = tags(&html, "link").into_iter().filter_map(|t| attr(t, "href")).collect();
        assert_eq!(css, [format!("/demo/{}/shop.css", shop.slug)], "{}: its own stylesheet", shop.slug);
        assert!(html.contains(&format!("<html lang=\"{}", shop.language)), "{}: <html lang> is the policy's language", shop.slug);
        assert!(html.contains("data-crumb=\"preferences\""), "{}: a cookie settings link", shop.slug);
        let policy = config.policy_url.as_deref().unwrap_or_default();
        let policy_file = shop_policies::demo_dir().join(policy.trim_start_matches("/demo/"));
        assert!(policy.starts_with("/demo/") && policy_file.is_file(), "{}: the policy link {policy} is served", shop.slug);
        assert!(html.contains(&format!("href=\"{policy}\"")), "{}: the page links its policy", shop.slug);
    }
}

/// `name=seconds name2=session` of a stand-in script.
fn sets_cookies(tag: &str) -> Vec<&str> {
    attr(tag, "data-sets-cookies")
        .unwrap_or_default()
        .split_whitespace()
        .map(|entry| entry.rsplit_once('=').map_or(entry, |(name, _)| name))
        .collect()
}

#[test]
fn stand_ins_set_the_cookies_of_their_own_service_only() {
    for shop in SHOPS {
        let html = shop.page();
        let config = config(shop);
        let scripts = tags(&html, "script");
        let necessary: Vec<&str> = shop.in_category("necessary");

        // The shop's own, ungated script: necessary cookies only.
        let own: Vec<_> = scripts.iter().filter(|t| attr(t, "data-stand-in") == Some("shop")).collect();
        assert_eq!(own.len(), 1, "{}: one ungated shop script", shop.slug);
        assert_eq!(attr(own[0], "type"), None, "{}: the shop's own script is not gated", shop.slug);
        let set = sets_cookies(own[0]);
        assert_eq!(set, shop.set_by_shop, "{}: the shop's own cookies", shop.slug);
        for name in set {
            let covered = necessary.contains(&name) || (name.starts_with("TS") && necessary.iter().any(|l| l.starts_with("^TS")));
            assert!(covered, "{}: the shop sets `{name}`, which is not a necessary cookie", shop.slug);
        }

        // Gated stand-ins: one per service of an optional category, setting that service's cookies.
        let gated: Vec<_> = scripts.iter().filter(|t| attr(t, "type") == Some("text/plain")).collect();
        let services: Vec<_> = gated.iter().map(|t| attr(t, "data-service").unwrap_or_default()).collect();
        let wanted: Vec<_> = shop.set_on_consent.iter().map(|(s, _)| *s).collect();
        assert_eq!(services, wanted, "{}: gated stand-ins", shop.slug);
        for tag in gated {
            let category_id = attr(tag, "data-category").unwrap_or_default();
            let service_id = attr(tag, "data-service").unwrap_or_default();
            let category = config.category(category_id).unwrap_or_else(|| panic!("{}: no category {category_id}", shop.slug));
            assert!(!category.required, "{}: {service_id} is gated on a required category", shop.slug);
            let service = category.services.iter().find(|s| s.id == service_id).unwrap_or_else(|| panic!("{}: {service_id}", shop.slug));
            let set = sets_cookies(tag);
            let (_, expected) = shop.set_on_consent.iter().find(|(s, _)| *s == service_id).unwrap();
            assert_eq!(&set, expected, "{}: cookies of {service_id}", shop.slug);
            for name in set {
                let by_name = service.cookies.iter().any(|c| c.name.as_deref() == Some(name));
                let by_pattern = service.cookies.iter().any(|c| c.pattern.as_deref() == Some("^_ga_[A-Z0-9]+$"))
                    && name.strip_prefix("_ga_").is_some_and(|id| id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
                assert!(by_name || by_pattern, "{}: {service_id} sets `{name}`, which it does not list", shop.slug);
            }
        }
    }
}
