//! Config parsing and validation: the demo config is valid, and each bad config is refused with
//! an error naming the path of the bad field.

mod common;

use common::{demo_config, demo_config_json, parse};
use crumb_core::config::{CookieDuration, DurationUnit, DEFAULT_EXPIRY_DAYS};
use serde_json::{json, Value};

#[test]
fn demo_config_is_valid_with_defaults_filled_in() {
    let config = demo_config();
    assert_eq!(config.site, "crumb-demo");
    assert_eq!(config.expiry_days, DEFAULT_EXPIRY_DAYS);
    assert_eq!(config.language, "auto");
    assert_eq!(config.offered_languages(), crumb_core::texts::BUILTIN_LANGUAGES);
    assert!(config.honor_gpc);
    let ids: Vec<_> = config.categories.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["necessary", "preferences", "analytics", "marketing"]);
    assert!(config.categories[0].required);
    let ga = &config.categories[2].services[0].cookies[0];
    assert_eq!(ga.pattern.as_deref(), Some("^_demo_ga(_.*)?$"));
    assert_eq!(ga.duration, CookieDuration::Span(2, DurationUnit::Year));
}

/// Applies `change` to the demo config, expects refusal, and checks the error names `path`.
fn refused_at(path: &str, change: impl FnOnce(&mut Value)) {
    let mut value = demo_config_json();
    change(&mut value);
    match parse(value) {
        Ok(_) => panic!("a config bad at `{path}` was accepted"),
        Err(errors) => assert!(errors.names(path), "expected an error at `{path}`, got: {errors}"),
    }
}

#[test]
fn unknown_top_level_field() {
    let mut value = demo_config_json();
    value["colour"] = json!("red");
    let errors = parse(value).unwrap_err();
    assert_eq!(errors.0[0].path, "colour");
    assert!(errors.to_string().contains("unknown field `colour`"), "{errors}");
}

#[test]
fn unknown_field_deep_in_a_cookie() {
    let mut value = demo_config_json();
    value["categories"][2]["services"][0]["cookies"][0]["lifetime"] = json!("2 years");
    let errors = parse(value).unwrap_err();
    assert_eq!(errors.0[0].path, "categories[2].services[0].cookies[0].lifetime");
    assert!(errors.0[0].message.contains("unknown field `lifetime`"));
}

#[test]
fn revision_of_the_wrong_type() {
    refused_at("revision", |v| v["revision"] = json!("two"));
}

#[test]
fn negative_revision() {
    refused_at("revision", |v| v["revision"] = json!(-1));
}

#[test]
fn missing_site() {
    let mut value = demo_config_json();
    value.as_object_mut().unwrap().remove("site");
    let errors = parse(value).unwrap_err();
    assert!(errors.to_string().contains("missing field `site`"), "{errors}");
}

#[test]
fn site_with_spaces() {
    refused_at("site", |v| v["site"] = json!("my shop"));
}

#[test]
fn duplicate_category_id() {
    refused_at("categories[3].id", |v| v["categories"][3]["id"] = json!("analytics"));
}

#[test]
fn category_id_with_capitals() {
    refused_at("categories[1].id", |v| v["categories"][1]["id"] = json!("Preferences"));
}

#[test]
fn required_category_with_a_service_missing_its_name() {
    refused_at("categories[0].services[0]", |v| {
        v["categories"][0]["services"][0].as_object_mut().unwrap().remove("name");
    });
}

#[test]
fn service_with_an_empty_name() {
    refused_at("categories[0].services[0].name", |v| v["categories"][0]["services"][0]["name"] = json!("  "));
}

#[test]
fn duplicate_service_id_across_categories() {
    refused_at("categories[3].services[0].id", |v| v["categories"][3]["services"][0]["id"] = json!("demo-analytics"));
}

#[test]
fn empty_languages() {
    refused_at("languages", |v| v["languages"] = json!([]));
}

#[test]
fn language_not_offered() {
    refused_at("languages[1]", |v| v["languages"] = json!(["en", "xx"]));
    refused_at("language", |v| {
        v["languages"] = json!(["en", "nl"]);
        v["language"] = json!("zh");
    });
}

#[test]
fn fallback_not_offered() {
    refused_at("fallback", |v| {
        v["languages"] = json!(["nl", "zh"]);
    });
}

#[test]
fn bad_cookie_duration() {
    let mut value = demo_config_json();
    value["categories"][1]["services"][0]["cookies"][0]["duration"] = json!("forever");
    let errors = parse(value).unwrap_err();
    assert_eq!(errors.0[0].path, "categories[1].services[0].cookies[0].duration");
    assert!(errors.0[0].message.contains("forever"));
}

#[test]
fn bad_party() {
    refused_at("categories[2].services[0].cookies[0].party", |v| {
        v["categories"][2]["services"][0]["cookies"][0]["party"] = json!("second");
    });
}

#[test]
fn cookie_with_both_name_and_pattern() {
    refused_at("categories[2].services[0].cookies[0]", |v| {
        v["categories"][2]["services"][0]["cookies"][0]["name"] = json!("_demo_ga");
    });
}

#[test]
fn cookie_with_neither_name_nor_pattern() {
    refused_at("categories[3].services[0].cookies[0]", |v| {
        v["categories"][3]["services"][0]["cookies"][0].as_object_mut().unwrap().remove("name");
    });
}

#[test]
fn cookie_name_with_a_semicolon() {
    refused_at("categories[3].services[0].cookies[0].name", |v| {
        v["categories"][3]["services"][0]["cookies"][0]["name"] = json!("a;b");
    });
}

#[test]
fn cookie_without_purpose() {
    refused_at("categories[3].services[0].cookies[0].purpose", |v| {
        v["categories"][3]["services"][0]["cookies"][0]["purpose"] = json!("");
    });
}

#[test]
fn javascript_policy_url() {
    refused_at("policy_url", |v| v["policy_url"] = json!("javascript:alert(1)"));
    refused_at("policy_url", |v| v["policy_url"] = json!("//evil.example/"));
}

#[test]
fn endpoint_that_is_not_a_url() {
    refused_at("endpoint", |v| v["endpoint"] = json!("api consent"));
}

#[test]
fn expiry_out_of_bounds() {
    refused_at("expiry_days", |v| v["expiry_days"] = json!(0));
    refused_at("expiry_days", |v| v["expiry_days"] = json!(400));
}

#[test]
fn no_categories() {
    refused_at("categories", |v| v["categories"] = json!([]));
}

#[test]
fn only_required_categories() {
    refused_at("categories", |v| {
        let first = v["categories"][0].clone();
        v["categories"] = json!([first]);
    });
}

#[test]
fn signal_mapped_twice() {
    refused_at("categories[3].consent_mode[0]", |v| {
        v["categories"][2]["consent_mode"] = json!(["analytics_storage"]);
        v["categories"][3]["consent_mode"] = json!(["analytics_storage", "ad_storage"]);
    });
}

#[test]
fn language_listed_twice_is_named_at_its_second_place() {
    let mut value = demo_config_json();
    value["languages"] = json!(["en", "nl", "en"]);
    let errors = parse(value).unwrap_err();
    assert!(errors.0.iter().any(|e| e.path == "languages[2]" && e.message == "is listed twice"), "{errors}");
    assert!(!errors.names("languages[0]"), "{errors}");
}

#[test]
fn signal_mapped_twice_in_one_category() {
    refused_at("categories[3].consent_mode[1]", |v| {
        v["categories"][2]["consent_mode"] = json!([]);
        v["categories"][3]["consent_mode"] = json!(["ad_storage", "ad_storage"]);
    });
}

#[test]
fn unknown_consent_mode_signal() {
    refused_at("categories[2].consent_mode[0]", |v| v["categories"][2]["consent_mode"] = json!(["analytics"]));
}

#[test]
fn custom_category_without_a_title() {
    refused_at("categories[4].id", |v| {
        v["categories"].as_array_mut().unwrap().push(json!({"id": "social"}));
    });
    // The error names the key to add, in the fallback language.
    let mut value = demo_config_json();
    value["fallback"] = json!("de");
    value["categories"].as_array_mut().unwrap().push(json!({"id": "loyalty"}));
    let errors = parse(value).unwrap_err();
    let messages: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
    assert!(
        messages.contains(
            &r#"`categories[4].id`: category `loyalty` has no title in `de` (the fallback language): add `texts.de["category.loyalty.title"]`"#
                .to_owned()
        ),
        "{errors}"
    );
    // With its title in the fallback language's texts, and its purpose in every offered language,
    // it is fine.
    let mut value = demo_config_json();
    value["languages"] = json!(["en"]);
    value["categories"].as_array_mut().unwrap().push(json!({"id": "social"}));
    value["texts"] =
        json!({"en": {"category.social.title": "Social media", "category.social.purpose": "Social media cookies let you share products."}});
    assert!(parse(value).is_ok());
}

/// An optional custom category's purpose sentence is required in the fallback language, like its
/// title; an offered language without its own says the fallback's, so no banner leaves it out.
#[test]
fn an_optional_custom_category_needs_its_purpose_in_the_fallback_language() {
    let mut value = demo_config_json();
    value["languages"] = json!(["en", "de", "fr"]);
    value["categories"].as_array_mut().unwrap().push(json!({"id": "social"}));
    value["texts"] = json!({
        "en": {"category.social.title": "Social media"},
        "fr": {"category.social.title": "Réseaux sociaux", "category.social.purpose": "Les cookies de réseaux sociaux vous permettent de partager des produits."},
    });
    // The error's path is the exact key to add, and its message says how.
    let errors = parse(value.clone()).unwrap_err();
    assert!(errors.names("texts.en.category.social.purpose"), "{errors}");
    assert!(errors.to_string().contains(r#"add `texts.en["category.social.purpose"]`"#), "{errors}");
    assert_eq!(errors.0.len(), 1, "one error, not one per offered language: {errors}");
    value["texts"]["en"]["category.social.purpose"] = json!("Social media cookies let you share products.");
    let config = parse(value.clone()).unwrap();
    // German has no sentence of its own: its banner says the fallback's, French its own.
    let texts = |language: &str| {
        let file = format!("{}/../../www/i18n/{language}.json", env!("CARGO_MANIFEST_DIR"));
        let builtin: crumb_core::Map<String> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        crumb_core::texts::Texts::new(language, builtin, &config)
    };
    assert!(texts("de").get(crumb_core::TextKey::BannerText).contains("Social media cookies let you share products."));
    assert!(texts("fr").get(crumb_core::TextKey::BannerText).contains("Les cookies de réseaux sociaux"));
    // A site that words every offered banner itself composes nothing: no sentence is needed.
    let mut own = value.clone();
    own["texts"]["en"] = json!({"category.social.title": "Social media", "banner.text": "We use cookies. More in our {policy}."});
    own["texts"]["de"] = json!({"banner.text": "Wir verwenden Cookies. Mehr in unserer {policy}."});
    own["texts"]["fr"] =
        json!({"category.social.title": "Réseaux sociaux", "banner.text": "Nous utilisons des cookies. Plus dans notre {policy}."});
    assert!(parse(own.clone()).is_ok());
    own["texts"]["de"] = json!({});
    assert!(parse(own).unwrap_err().names("texts.en.category.social.purpose"), "German composes: the fallback's sentence is needed");
    // A required custom category is what `banner.necessary` speaks of: it needs no purpose.
    value["categories"][4]["required"] = json!(true);
    value["texts"]["en"] = json!({"category.social.title": "Social media"});
    assert!(parse(value).is_ok());
}

#[test]
fn site_kind_is_site_or_shop() {
    assert_eq!(demo_config().site_kind, crumb_core::config::SiteKind::Shop);
    let mut value = demo_config_json();
    value["site_kind"] = json!("site");
    assert_eq!(parse(value).unwrap().site_kind, crumb_core::config::SiteKind::Site);
    refused_at("site_kind", |v| v["site_kind"] = json!("store"));
}

#[test]
fn unknown_text_key_and_unknown_text_language() {
    refused_at("texts.en.banner.titel", |v| v["texts"] = json!({"en": {"banner.titel": "Hi"}}));
    refused_at("texts.sw", |v| v["texts"] = json!({"sw": {"banner.title": "Karibu"}}));
    refused_at("texts.fr", |v| {
        v["languages"] = json!(["en", "nl"]);
        v["texts"] = json!({"fr": {"banner.title": "Salut"}});
    });
}

#[test]
fn bad_theme_colour() {
    refused_at("theme.accent", |v| v["theme"] = json!({"accent": "blue; background: url(x)"}));
}

#[test]
fn all_semantic_errors_are_reported_together() {
    let mut value = demo_config_json();
    value["site"] = json!("");
    value["expiry_days"] = json!(0);
    value["categories"][3]["id"] = json!("analytics");
    let errors = parse(value).unwrap_err();
    assert!(errors.names("site") && errors.names("expiry_days") && errors.names("categories[3].id"), "{errors}");
}

/// Independent mistakes of every kind the reader finds come in one report, each at its path:
/// misspelt fields, broken rules and a custom category without its title.
#[test]
fn independent_mistakes_are_reported_together_each_at_its_path() {
    let mut value = demo_config_json();
    value["catgories"] = json!([]);
    value["categories"][2]["services"][0]["cookies"][0]["purpse"] = json!("typo");
    value["policy_url"] = json!("javascript:alert(1)");
    value["expiry_days"] = json!(400);
    value["theme"] = json!({"accent": "blue"});
    value["categories"].as_array_mut().unwrap().push(json!({"id": "loyalty"}));
    let errors = parse(value).unwrap_err();
    let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
    for path in
        ["catgories", "categories[2].services[0].cookies[0].purpse", "policy_url", "expiry_days", "theme.accent", "categories[4].id"]
    {
        assert!(paths.contains(&path), "no error at `{path}` in: {errors}");
    }
    // …and its purpose sentence, asked for once, in the fallback language.
    assert!(paths.contains(&"texts.en.category.loyalty.purpose"), "{errors}");
    assert_eq!(errors.0.len(), 7, "{errors}");
    assert!(errors.to_string().contains(r#"add `texts.en["category.loyalty.title"]`"#), "{errors}");
    assert!(errors.to_string().contains(r#"add `texts.en["category.loyalty.purpose"]`"#), "{errors}");
}

/// A value of the wrong type stops typing at that value: the misspelt fields still come with it.
#[test]
fn a_wrong_type_comes_with_every_unknown_field() {
    let mut value = demo_config_json();
    value["revision"] = json!("two");
    value["layuot"] = json!({});
    value["categories"][0]["requird"] = json!(true);
    let errors = parse(value).unwrap_err();
    assert!(errors.names("revision") && errors.names("layuot") && errors.names("categories[0].requird"), "{errors}");
}

#[test]
fn durations_parse_in_their_written_forms() {
    assert_eq!(CookieDuration::parse("session"), Some(CookieDuration::Session));
    assert_eq!(CookieDuration::parse("1 day"), Some(CookieDuration::Span(1, DurationUnit::Day)));
    assert_eq!(CookieDuration::parse("13 Months"), Some(CookieDuration::Span(13, DurationUnit::Month)));
    assert_eq!(CookieDuration::parse("0 days"), None);
    assert_eq!(CookieDuration::parse("2years"), None);
    assert_eq!(CookieDuration::Span(2, DurationUnit::Year).to_string(), "2 years");
}

#[test]
fn cookie_domain_must_be_a_bare_domain() {
    refused_at("cookie_domain", |v| v["cookie_domain"] = json!("https://example.com"));
    refused_at("cookie_domain", |v| v["cookie_domain"] = json!("example.com:8080"));
    refused_at("cookie_domain", |v| v["cookie_domain"] = json!("localhost"));
    refused_at("cookie_domain", |v| v["cookie_domain"] = json!("Example.com"));
    for good in ["example.com", ".example.com", "shop.example.co.uk"] {
        let mut value = demo_config_json();
        value["cookie_domain"] = json!(good);
        assert_eq!(parse(value).map(|c| c.cookie_domain), Ok(Some(good.to_owned())));
    }
}

#[test]
fn google_consent_mode_options() {
    let config = demo_config();
    assert_eq!(config.google_consent_mode.wait_for_update, 500);
    assert!(config.google_consent_mode.region.is_empty());
    refused_at("google_consent_mode.region[1]", |v| v["google_consent_mode"] = json!({"region": ["DE", "de"]}));
    refused_at("google_consent_mode.region[0]", |v| v["google_consent_mode"] = json!({"region": ["USA-CA"]}));
    refused_at("google_consent_mode.wait_for_update", |v| v["google_consent_mode"] = json!({"wait_for_update": 60000}));
    refused_at("google_consent_mode.ads_data_redaction", |v| v["google_consent_mode"] = json!({"ads_data_redaction": "yes"}));
    let mut value = demo_config_json();
    value["google_consent_mode"] = json!({"region": ["DE", "US-CA"], "ads_data_redaction": true, "url_passthrough": true});
    let gcm = parse(value).expect("valid options").google_consent_mode;
    assert_eq!(gcm.region, ["DE", "US-CA"]);
    assert!(gcm.ads_data_redaction && gcm.url_passthrough);
}

#[test]
fn gating_require_nonce_is_a_bool_off_by_default() {
    assert!(!demo_config().gating.require_nonce);
    let mut value = demo_config_json();
    value["gating"] = json!({"require_nonce": true});
    assert!(parse(value).expect("a valid switch").gating.require_nonce);
    refused_at("gating.require_nonce", |v| v["gating"] = json!({"require_nonce": "yes"}));
    refused_at("gating.require_nonces", |v| v["gating"] = json!({"require_nonces": true}));
    refused_at("gating", |v| v["gating"] = json!(true));
}

#[test]
fn local_storage_keys_name_exactly_one_of_name_or_pattern() {
    refused_at("categories[2].services[0].local_storage[0]", |v| v["categories"][2]["services"][0]["local_storage"] = json!([{}]));
    refused_at("categories[2].services[0].local_storage[0].name", |v| {
        v["categories"][2]["services"][0]["local_storage"] = json!([{"name": "crumb"}])
    });
    refused_at("categories[2].services[0].local_storage[0].purpose", |v| {
        v["categories"][2]["services"][0]["local_storage"] = json!([{"name": "x", "purpose": "y"}])
    });
}

/// A site owner fixes a config in one go: every unknown field comes with the first type error,
/// or with every broken rule when the config is typed.
#[test]
fn every_error_comes_at_once() {
    let demo = common::demo_config_json();
    let mut broken = demo.clone();
    broken["colour"] = serde_json::json!("red");
    broken["categories"][0]["colour"] = serde_json::json!("red");
    broken["categories"][1]["id"] = serde_json::json!("9bad");
    broken["expiry_days"] = serde_json::json!(0);
    let errors = common::parse(broken.clone()).expect_err("unknown fields and broken rules");
    for path in ["colour", "categories[0].colour", "categories[1].id", "expiry_days"] {
        assert!(errors.names(path), "expected an error at `{path}`: {errors}");
    }
    assert!(errors.0.iter().any(|e| e.message == "unknown field `colour`"), "{errors}");

    broken["categories"][2]["services"][0]["cookies"][0]["duration"] = serde_json::json!(5);
    let errors = common::parse(broken).expect_err("a number where a text belongs");
    // Typing stops at the wrong value (serde_json's objects come in key order: `colour` is not
    // reached); the rules are not checked on a config that could not be typed.
    let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["categories[0].colour", "categories[2].services[0].cookies[0].duration"], "{errors}");
    assert!(errors.0[1].message.starts_with("invalid type: integer `5`"), "{errors}");
}

/// A config with thousands of services (as a generated one might have) is checked whole: every
/// repeated id is named at its own path, the first of each stays unnamed, and the consent decided
/// for it lists every service once.
#[test]
fn thousands_of_services_are_checked_and_decided_whole() {
    let mut value = demo_config_json();
    let services: Vec<Value> =
        (0..4_000).rev().map(|i| json!({"id": format!("s{:04}", i % 3_000), "name": "Vendor", "provider": "Vendor Inc."})).collect();
    value["categories"][3]["services"] = Value::Array(services);
    let errors = parse(value.clone()).expect_err("1,000 ids are used twice");
    let repeated: Vec<&str> = errors.0.iter().filter(|e| e.message == "is used by another service").map(|e| e.path.as_str()).collect();
    assert_eq!(repeated.len(), 1_000, "{errors}");
    // `i` counts down from 3999: s0999..s0000 come first (indexes 0-999), then s2999..s0000, whose
    // last 1,000 (indexes 3000-3999) repeat them.
    assert_eq!(repeated[0], "categories[3].services[3000].id");
    assert_eq!(repeated[999], "categories[3].services[3999].id");

    let unique: Vec<Value> =
        (0..4_000).rev().map(|i| json!({"id": format!("s{i:04}"), "name": "Vendor", "provider": "Vendor Inc."})).collect();
    value["categories"][3]["services"] = Value::Array(unique);
    let config = parse(value).expect("4,000 distinct services");
    let context = crumb_core::DecisionContext {
        now: common::NOW,
        new_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
        holds_previous_secret: true,
        language: "en",
        gpc: false,
        url_path: "/",
    };
    let consent = crumb_core::decide(&config, None, &crumb_core::Choice::AcceptAll, &context).consent;
    assert!(consent.services.len() >= 4_000);
    assert!(consent.services.keys().zip(consent.services.keys().skip(1)).all(|(a, b)| a < b), "ids sorted, each once");
}

#[test]
fn data_endpoint_and_data_config_follow_the_endpoint_rule() {
    use crumb_core::config::script_tag_errors;
    for good in ["/api/consent", "https://log.example/api/consent", "http://127.0.0.1:8080/c.json", "HTTPS://x.example/"] {
        assert_eq!(script_tag_errors(Some(good), Some(good)), vec![], "{good}");
    }
    assert_eq!(script_tag_errors(None, None), vec![]);
    for bad in [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "data:application/json,{}",
        "//evil.example/api",
        "api/consent",
        "/a b",
        "\u{1}/x",
        "",
    ] {
        let paths: Vec<_> = script_tag_errors(Some(bad), Some(bad)).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["data-endpoint", "data-config"], "{bad:?}");
    }
    assert_eq!(script_tag_errors(Some("/api/consent"), Some("blob:x")).len(), 1);
}
