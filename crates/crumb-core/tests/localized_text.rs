//! A site's own strings (service name and description, cookie purpose) as one text or one per
//! language: read from either shape, shown in the current language else the fallback, and
//! refused with the path named when a language is unknown, a text is empty or the fallback
//! language is missing.

mod common;

use common::{demo_config_json, parse};
use crumb_core::config::LocalizedText;
use serde_json::{json, Value};

fn purpose(value: &mut Value) -> &mut Value {
    &mut value["categories"][2]["services"][0]["cookies"][0]["purpose"]
}

fn refused_at(path: &str, message: &str, change: impl FnOnce(&mut Value)) {
    let mut value = demo_config_json();
    change(&mut value);
    match parse(value) {
        Ok(_) => panic!("a config bad at `{path}` was accepted"),
        Err(errors) => {
            let error = errors.0.iter().find(|e| e.path == path);
            let error = error.unwrap_or_else(|| panic!("expected an error at `{path}`, got: {errors}"));
            assert!(error.message.contains(message), "at `{path}`: `{}` does not say `{message}`", error.message);
        }
    }
}

#[test]
fn a_plain_string_still_reads_as_one_text_for_every_language() {
    let config = parse(demo_config_json()).unwrap();
    let text = &config.categories[2].services[0].cookies[0].purpose;
    assert_eq!(text, &LocalizedText::from("Tells visits apart to count them."));
    assert_eq!(text.get("nl", "en"), "Tells visits apart to count them.");
    assert_eq!(text.languages(), None);
}

#[test]
fn per_language_texts_follow_the_language_then_the_fallback() {
    let mut value = demo_config_json();
    *purpose(&mut value) = json!({"en": "Counts visits.", "nl": "Telt bezoeken."});
    value["categories"][2]["services"][0]["description"] = json!({"en": "Statistics.", "zh": "统计。"});
    value["categories"][2]["services"][0]["name"] = json!({"en": "Analytics", "nl": "Statistiek"});
    let config = parse(value).unwrap();
    let service = &config.categories[2].services[0];
    let text = &service.cookies[0].purpose;
    assert_eq!(text.get("nl", "en"), "Telt bezoeken.");
    assert_eq!(text.get("en", "en"), "Counts visits.");
    assert_eq!(text.get("zh", "en"), "Counts visits.", "no Chinese: the fallback");
    assert_eq!(text.languages(), Some(vec!["en", "nl"]));
    let description = service.description.as_ref().unwrap();
    assert_eq!(description.get("zh", "en"), "统计。");
    assert_eq!(description.get("nl", "en"), "Statistics.");
    assert_eq!(service.name.get("nl", "en"), "Statistiek");
}

#[test]
fn writes_back_in_the_shape_it_was_given() {
    let one = LocalizedText::from("Counts visits.");
    assert_eq!(serde_json::to_value(&one).unwrap(), json!("Counts visits."));
    let value = <crumb_core::json::Value as serde::Deserialize>::deserialize(json!({"nl": "Telt.", "en": "Counts."})).unwrap();
    let many: LocalizedText = crumb_core::json::from_value(value).unwrap();
    assert_eq!(serde_json::to_value(&many).unwrap(), json!({"en": "Counts.", "nl": "Telt."}));
}

#[test]
fn the_fallback_language_must_be_there() {
    refused_at("categories[2].services[0].cookies[0].purpose", "fallback language `en`", |v| *purpose(v) = json!({"nl": "Telt bezoeken."}));
    refused_at("categories[2].services[0].description", "fallback language `nl`", |v| {
        v["fallback"] = json!("nl");
        v["categories"][2]["services"][0]["description"] = json!({"en": "Statistics."});
    });
}

#[test]
fn a_language_the_site_does_not_offer_is_named() {
    refused_at("categories[2].services[0].cookies[0].purpose.de", "not one of `languages`", |v| {
        v["languages"] = json!(["en", "nl", "zh"]);
        *purpose(v) = json!({"en": "Counts visits.", "de": "Zählt Besuche."})
    });
    refused_at("categories[2].services[0].name.zh", "not one of `languages`", |v| {
        v["languages"] = json!(["en", "nl"]);
        v["categories"][2]["services"][0]["name"] = json!({"en": "Analytics", "zh": "统计"});
    });
}

#[test]
fn empty_texts_are_refused() {
    refused_at("categories[2].services[0].cookies[0].purpose.nl", "must not be empty", |v| {
        *purpose(v) = json!({"en": "Counts visits.", "nl": "  "})
    });
    refused_at("categories[2].services[0].cookies[0].purpose", "must say what the cookie is for", |v| *purpose(v) = json!(""));
    refused_at("categories[2].services[0].name", "must not be empty", |v| v["categories"][2]["services"][0]["name"] = json!(" "));
    refused_at("categories[2].services[0].description", "must not be empty", |v| {
        v["categories"][2]["services"][0]["description"] = json!("")
    });
}

#[test]
fn other_shapes_are_refused_with_the_path() {
    refused_at("categories[2].services[0].cookies[0].purpose", "per language", |v| *purpose(v) = json!(["Counts visits."]));
    refused_at("categories[2].services[0].cookies[0].purpose", "per language", |v| *purpose(v) = json!(42));
    let mut value = demo_config_json();
    *purpose(&mut value) = json!({"en": 42});
    let errors = parse(value).unwrap_err();
    assert!(errors.0[0].path.starts_with("categories[2].services[0].cookies[0].purpose"), "{errors}");
}
