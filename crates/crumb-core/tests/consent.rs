//! Consent transitions, the prompt rule, diffs, records and the reading back of stored values.

mod common;

use crumb_core::Map;

use common::{demo_config, effect_kinds, erased_cookies, DAY, NOW};
use crumb_core::consent::{effects_on_load, STORED_VERSION};
use crumb_core::{decide, prompt_for, Action, Choice, Consent, DecisionContext, Effect, Prompt, Signal, StoredError};
use serde_json::json;

const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn ctx(now: i64) -> DecisionContext<'static> {
    DecisionContext { now, new_id: ID, holds_previous_secret: true, language: "en", gpc: false, url_path: "/shop" }
}

fn custom(granted: &[&str]) -> Choice {
    Choice::Custom { categories: granted.iter().map(|c| (c.to_string(), true)).collect(), services: Map::new() }
}

fn granted(consent: &Consent) -> Vec<&str> {
    consent.categories.iter().filter(|(_, on)| **on).map(|(id, _)| id.as_str()).collect()
}

#[test]
fn accept_all_grants_every_category_and_service() {
    let config = demo_config();
    let d = decide(&config, None, &Choice::AcceptAll, &ctx(NOW));
    assert_eq!(d.action, Action::AcceptAll);
    assert_eq!(granted(&d.consent), ["analytics", "marketing", "necessary", "preferences"]);
    assert!(d.consent.services.values().all(|on| *on));
    assert_eq!(d.consent.id, ID);
    assert_eq!(d.consent.expires_at, NOW + 182 * DAY);
    assert_eq!(d.diff.granted, ["analytics", "marketing", "necessary", "preferences"]);
}

#[test]
fn reject_all_keeps_only_required_and_is_a_record_too() {
    let config = demo_config();
    let d = decide(&config, None, &Choice::RejectAll, &ctx(NOW));
    assert_eq!(d.action, Action::RejectAll);
    assert_eq!(granted(&d.consent), ["necessary"]);
    let record = d.effects.iter().find_map(|e| match e {
        Effect::SendRecord(r) => Some(r.clone()),
        _ => None,
    });
    let record = record.expect("a refusal is recorded");
    assert_eq!(record.action, Action::RejectAll);
    assert_eq!(record.categories.get("analytics"), Some(&false));
    assert_eq!(record.url_path, "/shop");
    assert_eq!(record.given_at, "2026-11-22T05:06:43.123Z");
    assert!(record.validate(NOW).is_ok());
}

#[test]
fn a_record_names_the_hosted_config_version_it_was_given_under() {
    let mut config = demo_config();
    let record_of = |config: &crumb_core::Config| {
        decide(config, None, &Choice::AcceptAll, &ctx(NOW)).effects.into_iter().find_map(|e| match e {
            Effect::SendRecord(r) => Some(r),
            _ => None,
        })
    };
    let hand_written = record_of(&config).expect("a record");
    assert_eq!(hand_written.config_version, None);
    assert!(!crumb_core::json::ToJson::to_value(&hand_written).to_json().contains("config_version"));
    config.config_version = Some(7);
    let hosted = record_of(&config).expect("a record");
    assert_eq!(hosted.config_version, Some(7));
    let text = crumb_core::json::ToJson::to_value(&hosted).to_json();
    assert!(text.ends_with(r#","config_version":7}"#), "{text}");
    // The server reads what the widget writes, with serde.
    let read: crumb_core::ConsentRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(read, hosted);
}

#[test]
fn custom_grants_exactly_the_chosen_categories_and_required_cannot_be_refused() {
    let config = demo_config();
    let mut categories = Map::new();
    categories.insert("analytics".to_owned(), true);
    categories.insert("necessary".to_owned(), false);
    let choice = Choice::Custom { categories, services: Map::new() };
    let d = decide(&config, None, &choice, &ctx(NOW));
    assert_eq!(d.action, Action::Custom);
    assert_eq!(granted(&d.consent), ["analytics", "necessary"]);
    assert_eq!(d.consent.services.get("demo-analytics"), Some(&true));
    assert_eq!(d.consent.services.get("demo-ads"), Some(&false));
}

#[test]
fn per_service_refusal_inside_a_granted_category() {
    let config = demo_config();
    let mut services = Map::new();
    services.insert("demo-analytics".to_owned(), false);
    let choice = Choice::Custom { categories: [("analytics".to_owned(), true)].into(), services };
    let d = decide(&config, None, &choice, &ctx(NOW));
    assert!(d.consent.granted("analytics"));
    assert!(!d.consent.service_granted("demo-analytics"));
}

#[test]
fn switching_a_category_off_is_a_withdrawal_that_erases_its_cookies() {
    let config = demo_config();
    let first = decide(&config, None, &custom(&["analytics"]), &ctx(NOW)).consent;
    let later = NOW + 60_000;
    let d = decide(&config, Some(&first), &custom(&[]), &ctx(later));
    assert_eq!(d.action, Action::Withdraw);
    assert_eq!(d.diff.revoked, ["analytics"]);
    assert_eq!(d.consent.id, first.id, "the consent id continues");
    assert_eq!(d.consent.given_at, NOW);
    assert_eq!(d.consent.updated_at, later);
    let erased = erased_cookies(&d.effects);
    assert_eq!(erased, ["^_demo_ga(_.*)?$"]);
}

#[test]
fn granting_more_later_is_not_a_withdrawal_and_erases_nothing() {
    let config = demo_config();
    let first = decide(&config, None, &Choice::RejectAll, &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &Choice::AcceptAll, &ctx(NOW + 1));
    assert_eq!(d.action, Action::AcceptAll);
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::ClearCookies(_))));
}

#[test]
fn gpc_denies_marketing_even_on_accept_all_unless_the_site_opts_out() {
    let mut config = demo_config();
    let gpc = DecisionContext { gpc: true, ..ctx(NOW) };
    let d = decide(&config, None, &Choice::AcceptAll, &gpc);
    assert!(!d.consent.granted("marketing"));
    assert!(d.consent.granted("analytics"));
    config.honor_gpc = false;
    assert!(decide(&config, None, &Choice::AcceptAll, &gpc).consent.granted("marketing"));
}

#[test]
fn effects_store_run_signal_and_send_in_that_order() {
    let config = demo_config();
    let d = decide(&config, None, &Choice::AcceptAll, &ctx(NOW));
    assert_eq!(d.effects[0], Effect::StoreConsent(d.consent.clone()));
    assert!(matches!(d.effects[1], Effect::RunScripts));
    assert!(matches!(d.effects[2], Effect::UpdateConsentMode(_)));
    assert!(matches!(d.effects[3], Effect::SendRecord(_)));
    assert_eq!(d.effects.len(), 4);
}

#[test]
fn a_withdrawal_stores_then_erases_before_anything_runs() {
    let mut config = demo_config();
    config.categories[2].services[0].local_storage.push(crumb_core::StorageKey { name: Some("demo_ga_state".into()), pattern: None });
    let first = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &Choice::RejectAll, &ctx(NOW + 1));
    let kinds = effect_kinds(&d.effects);
    assert_eq!(kinds, ["store", "cookies", "storage", "run", "signal", "send"]);
}

#[test]
fn a_decision_is_stamped_after_the_one_it_replaces_even_when_the_clock_went_back() {
    let config = demo_config();
    let first = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    for now in [NOW, NOW - 5_000] {
        let d = decide(&config, Some(&first), &Choice::RejectAll, &ctx(now));
        assert_eq!(d.consent.updated_at, NOW + 1, "not a copy of the first record");
        assert_eq!(d.consent.expires_at, NOW + 1 + 182 * DAY);
        assert_ne!(record_of(&d).updated_at, record_of(&decide(&config, None, &Choice::AcceptAll, &ctx(NOW))).updated_at);
    }
}

#[test]
fn consent_mode_follows_the_default_mapping() {
    let config = demo_config();
    let d = decide(&config, None, &custom(&["analytics"]), &ctx(NOW));
    let Some(Effect::UpdateConsentMode(signals)) = d.effects.iter().find(|e| matches!(e, Effect::UpdateConsentMode(_))) else {
        panic!("no Consent Mode update")
    };
    let on: Vec<_> = signals.iter().filter(|(_, g)| *g).map(|(s, _)| s.as_str()).collect();
    assert_eq!(on, ["analytics_storage", "security_storage"]);
    assert_eq!(signals.len(), 7);
    assert!(crumb_core::consent_mode_signals(&config, None).iter().all(|(_, g)| !g), "denied without a consent");
}

#[test]
fn consent_mode_mapping_is_configurable_per_category() {
    let mut config = demo_config();
    config.categories[2].consent_mode = Some(vec![Signal::AnalyticsStorage, Signal::PersonalizationStorage]);
    let consent = decide(&config, None, &custom(&["analytics"]), &ctx(NOW)).consent;
    let signals = crumb_core::consent_mode_signals(&config, Some(&consent));
    assert!(signals.contains(&(Signal::PersonalizationStorage, true)));
    assert!(signals.contains(&(Signal::FunctionalityStorage, false)));
}

#[test]
fn returning_visit_runs_scripts_and_restates_consent_mode() {
    let config = demo_config();
    let consent = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    let effects = effects_on_load(&config, &consent, false);
    assert!(matches!(effects[0], Effect::RunScripts));
    assert!(matches!(effects[1], Effect::UpdateConsentMode(_)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::SendRecord(_))), "a page load is not a decision");
    // The apply part restated the same signals from its plan: only running is left.
    let planned = effects_on_load(&config, &consent, true);
    assert_eq!(planned.len(), 1);
    assert!(matches!(planned[0], Effect::RunScripts));
}

#[test]
fn prompt_first_revision_expired_none() {
    let mut config = demo_config();
    let consent = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    assert_eq!(prompt_for(&config, None, NOW), Prompt::First);
    assert_eq!(prompt_for(&config, Some(&consent), NOW + DAY), Prompt::None);
    assert_eq!(prompt_for(&config, Some(&consent), NOW + 182 * DAY), Prompt::Expired);
    assert_eq!(prompt_for(&config, Some(&consent), NOW + 181 * DAY), Prompt::None);
    config.revision += 1;
    assert_eq!(prompt_for(&config, Some(&consent), NOW + DAY), Prompt::Revision);
    assert!(!Prompt::None.shows_banner() && Prompt::Revision.shows_banner());
}

#[test]
fn a_category_added_without_a_new_revision_asks_again() {
    let mut config = demo_config();
    let consent = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    config.categories.push(crumb_core::Category {
        id: "social".into(),
        required: false,
        services: vec![],
        consent_mode: None,
        sale_or_share: None,
    });
    assert_eq!(prompt_for(&config, Some(&consent), NOW), Prompt::Revision);
}

/// Read as the widget reads it (`crumb_core::json`), after `JSON.parse`.
fn stored(value: serde_json::Value) -> Result<Consent, String> {
    let value = <crumb_core::json::Value as serde::Deserialize>::deserialize(value).map_err(|e| e.to_string())?;
    crumb_core::json::from_value::<Consent>(value).map_err(|e| e.to_string())
}

fn valid_stored() -> serde_json::Value {
    json!({
        "v": STORED_VERSION, "id": ID,
        "categories": {"necessary": true, "analytics": true, "marketing": false, "preferences": false},
        "services": {"demo-analytics": true},
        "revision": 1, "given_at": NOW - DAY, "updated_at": NOW - DAY, "expires_at": NOW + 100 * DAY, "language": "en"
    })
}

#[test]
fn stored_value_round_trips() {
    let config = demo_config();
    let consent = stored(valid_stored()).unwrap().checked(&config, NOW).unwrap();
    assert!(consent.granted("analytics"));
    assert_eq!(prompt_for(&config, Some(&consent), NOW), Prompt::None);
}

#[test]
fn stored_value_that_is_not_a_consent_object() {
    assert!(stored(json!("not a consent")).is_err());
    assert!(stored(json!([1, 2, 3])).is_err());
    assert_eq!(stored(json!({"v": 1})).unwrap_err(), "`.`: missing field `id`");
    let mut extra = valid_stored();
    extra["granted_everything"] = json!(true);
    assert!(stored(extra).unwrap_err().contains("unknown field `granted_everything`"), "unknown fields are not trusted");
    let mut no_services = valid_stored();
    no_services.as_object_mut().unwrap().remove("services");
    assert!(stored(no_services).unwrap().services.is_empty(), "services may be absent");
    let mut wrong_type = valid_stored();
    wrong_type["categories"]["analytics"] = json!("yes");
    assert!(stored(wrong_type).is_err());
}

#[test]
fn stored_value_of_another_version() {
    let mut value = valid_stored();
    value["v"] = json!(2);
    assert_eq!(stored(value).unwrap().checked(&demo_config(), NOW), Err(StoredError::WrongVersion(2)));
}

#[test]
fn stored_value_with_a_bad_id() {
    let mut value = valid_stored();
    value["id"] = json!("<script>");
    assert_eq!(stored(value).unwrap().checked(&demo_config(), NOW), Err(StoredError::BadId));
}

#[test]
fn stored_value_with_unknown_categories_keeps_the_rest() {
    let mut value = valid_stored();
    value["categories"]["telemetry"] = json!(true);
    value["services"]["old-tracker"] = json!(true);
    let consent = stored(value).unwrap().checked(&demo_config(), NOW).unwrap();
    assert!(!consent.categories.contains_key("telemetry"));
    assert!(!consent.services.contains_key("old-tracker"));
    assert!(consent.granted("analytics"));
}

#[test]
fn stored_value_cannot_switch_off_a_required_category() {
    let mut value = valid_stored();
    value["categories"]["necessary"] = json!(false);
    let consent = stored(value).unwrap().checked(&demo_config(), NOW).unwrap();
    assert!(consent.granted("necessary"));
}

#[test]
fn stored_value_that_expired_asks_again() {
    let mut value = valid_stored();
    value["given_at"] = json!(NOW - 200 * DAY);
    value["updated_at"] = json!(NOW - 200 * DAY);
    value["expires_at"] = json!(NOW - 18 * DAY);
    let config = demo_config();
    let consent = stored(value).unwrap().checked(&config, NOW).unwrap();
    assert_eq!(prompt_for(&config, Some(&consent), NOW), Prompt::Expired);
}

#[test]
fn stored_value_with_impossible_dates() {
    let config = demo_config();
    for (field, value) in [("given_at", json!(0)), ("expires_at", json!(NOW - 2 * DAY)), ("expires_at", json!(NOW + 5_000 * DAY))] {
        let mut v = valid_stored();
        v[field] = value;
        assert_eq!(stored(v).unwrap().checked(&config, NOW), Err(StoredError::BadDates), "{field}");
    }
}

#[test]
fn stored_value_dated_far_in_the_future() {
    let mut value = valid_stored();
    value["given_at"] = json!(NOW + 30 * DAY);
    value["updated_at"] = json!(NOW + 30 * DAY);
    value["expires_at"] = json!(NOW + 200 * DAY);
    assert_eq!(stored(value).unwrap().checked(&demo_config(), NOW), Err(StoredError::FutureDates));
}

#[test]
fn record_validation_refuses_bad_records() {
    let config = demo_config();
    let d = decide(&config, None, &Choice::AcceptAll, &ctx(NOW));
    let Some(Effect::SendRecord(record)) = d.effects.last().cloned() else { panic!("no record") };
    assert!(record.validate(NOW).is_ok());
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["action"], "accept_all");
    assert_eq!(json["schema"], 1);
    let mut future = record.clone();
    future.updated_at = "2027-01-01T00:00:00.000Z".into();
    assert_eq!(future.validate(NOW).unwrap_err().field, "updated_at");
    let mut bad_id = record.clone();
    bad_id.consent_id = "x".into();
    assert_eq!(bad_id.validate(NOW).unwrap_err().field, "consent_id");
    let mut bad_path = record.clone();
    bad_path.url_path = "https://elsewhere/".into();
    assert_eq!(bad_path.validate(NOW).unwrap_err().field, "url_path");
    let mut before_given = record;
    before_given.given_at = "2026-12-01T00:00:00.000Z".into();
    assert_eq!(before_given.validate(NOW).unwrap_err().field, "given_at");
}

fn record_of(d: &crumb_core::Decision) -> crumb_core::ConsentRecord {
    d.effects
        .iter()
        .find_map(|e| match e {
            Effect::SendRecord(r) => Some(r.clone()),
            _ => None,
        })
        .expect("every decision is recorded")
}

fn embed(category: &str, service: Option<&str>) -> Choice {
    Choice::Embed { category: category.to_owned(), service: service.map(str::to_owned) }
}

#[test]
fn load_content_grants_the_one_service_while_its_category_stays_off() {
    let config = demo_config();
    let first = decide(&config, None, &Choice::RejectAll, &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &embed("marketing", Some("demo-ads")), &ctx(NOW + 1));
    assert_eq!(d.action, Action::Custom);
    assert!(!d.consent.granted("marketing"), "the category stays off");
    assert!(d.consent.service_granted("demo-ads"));
    assert!(d.consent.allows("marketing", Some("demo-ads")), "content naming the service loads");
    assert!(!d.consent.allows("marketing", None), "content naming only the category stays blocked");
    assert!(!d.consent.allows("analytics", Some("demo-analytics")));
    assert_eq!(d.diff.services_granted, ["demo-ads"]);
    assert!(d.diff.granted.is_empty());
    let record = record_of(&d);
    assert_eq!(record.action, Action::Custom);
    assert_eq!(record.services.get("demo-ads"), Some(&true));
    assert_eq!(record.categories.get("marketing"), Some(&false));
    assert!(record.validate(NOW + 1).is_ok());
    // Consent Mode follows categories only: one embed does not grant ad storage.
    let update = d.effects.iter().find_map(|e| match e {
        Effect::UpdateConsentMode(s) => Some(s.clone()),
        _ => None,
    });
    assert!(update.expect("consent mode update").contains(&(Signal::AdStorage, false)));
}

#[test]
fn load_content_on_a_first_visit_is_a_decision_with_everything_else_off() {
    let config = demo_config();
    let d = decide(&config, None, &embed("marketing", Some("demo-ads")), &ctx(NOW));
    assert_eq!(granted(&d.consent), ["necessary"]);
    assert!(d.consent.service_granted("demo-ads"));
    assert!(!d.consent.service_granted("demo-analytics"));
    assert_eq!(d.consent.id, ID);
}

#[test]
fn load_content_without_a_service_grants_the_category() {
    let config = demo_config();
    let first = decide(&config, None, &custom(&["analytics"]), &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &embed("marketing", None), &ctx(NOW + 1));
    assert_eq!(granted(&d.consent), ["analytics", "marketing", "necessary"]);
    assert!(d.consent.allows("marketing", None));
}

#[test]
fn load_content_keeps_earlier_per_service_refusals() {
    let config = demo_config();
    let choice =
        Choice::Custom { categories: [("analytics".to_owned(), true)].into(), services: [("demo-analytics".to_owned(), false)].into() };
    let first = decide(&config, None, &choice, &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &embed("marketing", Some("demo-ads")), &ctx(NOW + 1));
    assert!(d.consent.granted("analytics"));
    assert!(!d.consent.service_granted("demo-analytics"), "a refused service stays refused");
    assert!(!d.consent.allows("analytics", Some("demo-analytics")));
}

#[test]
fn a_service_granted_on_its_own_survives_saving_choices_and_goes_on_reject_all() {
    let config = demo_config();
    let first = decide(&config, None, &embed("marketing", Some("demo-ads")), &ctx(NOW)).consent;
    let saved = decide(&config, Some(&first), &custom(&["analytics"]), &ctx(NOW + 1));
    assert!(saved.consent.service_granted("demo-ads"), "saving other switches does not undo Load content");
    assert_eq!(saved.action, Action::Custom);
    let rejected = decide(&config, Some(&saved.consent), &Choice::RejectAll, &ctx(NOW + 2));
    assert!(!rejected.consent.service_granted("demo-ads"));
    assert_eq!(rejected.action, Action::Withdraw);
    assert_eq!(rejected.diff.services_revoked, ["demo-ads", "demo-analytics"]);
    let erased = erased_cookies(&rejected.effects);
    assert_eq!(erased, ["^_demo_ga(_.*)?$", "_demo_ads"]);
}

#[test]
fn an_explicit_service_refusal_in_save_choices_ends_its_own_grant() {
    let config = demo_config();
    let first = decide(&config, None, &embed("marketing", Some("demo-ads")), &ctx(NOW)).consent;
    let choice = Choice::Custom { categories: Map::new(), services: [("demo-ads".to_owned(), false)].into() };
    let d = decide(&config, Some(&first), &choice, &ctx(NOW + 1));
    assert!(!d.consent.service_granted("demo-ads"));
    assert_eq!(d.action, Action::Withdraw);
}

#[test]
fn allows_reads_the_service_answer_first_then_the_category() {
    let config = demo_config();
    let all = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    assert!(all.allows("analytics", None));
    assert!(all.allows("analytics", Some("demo-analytics")));
    assert!(all.allows("analytics", Some("not-in-the-config")), "an unknown service follows its category");
    let none = decide(&config, None, &Choice::RejectAll, &ctx(NOW)).consent;
    assert!(!none.allows("analytics", Some("not-in-the-config")));
    assert!(!none.allows("no-such-category", None));
}

#[test]
fn revoking_a_service_erases_its_local_storage_keys() {
    let mut value = common::demo_config_json();
    value["categories"][2]["services"][0]["local_storage"] = json!([{"name": "demo_ga_state"}, {"pattern": "^_demo_ga_"}]);
    let config = common::parse(value).unwrap();
    let first = decide(&config, None, &Choice::AcceptAll, &ctx(NOW)).consent;
    let d = decide(&config, Some(&first), &custom(&["marketing"]), &ctx(NOW + 1));
    let keys: Vec<_> = d
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ClearStorage(keys) => Some(keys.clone()),
            _ => None,
        })
        .flatten()
        .map(|k| k.name.or(k.pattern).unwrap_or_default())
        .collect();
    assert_eq!(keys, ["demo_ga_state", "^_demo_ga_"]);
    let again = decide(&config, Some(&d.consent), &custom(&["marketing"]), &ctx(NOW + 2));
    assert!(!again.effects.iter().any(|e| matches!(e, Effect::ClearStorage(_))), "nothing revoked, nothing erased");
}

#[test]
fn gpc_is_recorded_whether_or_not_the_site_honours_it() {
    let mut config = demo_config();
    config.categories[2].sale_or_share = Some(true);
    let gpc = DecisionContext { gpc: true, ..ctx(NOW) };
    let d = decide(&config, None, &Choice::AcceptAll, &gpc);
    assert_eq!(granted(&d.consent), ["necessary", "preferences"], "analytics marked sale_or_share is denied too");
    assert!(!d.consent.service_granted("demo-ads"));
    assert!(record_of(&d).gpc);
    config.honor_gpc = false;
    let d = decide(&config, None, &Choice::AcceptAll, &gpc);
    assert!(d.consent.granted("marketing") && d.consent.granted("analytics"));
    assert!(record_of(&d).gpc, "the record still says what the browser sent");
    assert!(!record_of(&decide(&config, None, &Choice::AcceptAll, &ctx(NOW))).gpc);
}

#[test]
fn load_content_for_a_service_the_config_does_not_list_grants_its_category() {
    let config = demo_config();
    let d = decide(&config, None, &embed("analytics", Some("unlisted-video")), &ctx(NOW));
    assert!(d.consent.granted("analytics"));
    assert!(d.consent.allows("analytics", Some("unlisted-video")));
    assert!(!d.consent.services.contains_key("unlisted-video"), "only listed services are stored");
}

#[test]
fn a_first_reject_all_erases_what_every_refused_service_declares() {
    let config = demo_config();
    let d = decide(&config, None, &Choice::RejectAll, &ctx(NOW));
    let erased = erased_cookies(&d.effects);
    assert!(erased.iter().any(|e| e == "^_demo_ga(_.*)?$") && erased.iter().any(|e| e == "_demo_ads"), "{erased:?}");
    let (necessary, _) = config.stored_by(|category, _| category.required);
    for kept in necessary {
        assert!(!erased.iter().any(|e| e == kept.label()), "a necessary cookie stays: {}", kept.label());
    }
    let later = decide(&config, Some(&d.consent), &Choice::RejectAll, &ctx(NOW + 60_000));
    assert!(erased_cookies(&later.effects).is_empty(), "a later refusal with nothing revoked erases nothing");
}

#[test]
fn a_first_decision_keeps_a_cookie_a_granted_service_also_declares() {
    let mut config = demo_config();
    // Marketing's service declares the analytics cookie too: granting analytics keeps it.
    let analytics_cookie = config.category("analytics").and_then(|c| c.services[0].cookies.first().cloned());
    let marketing = config.categories.iter_mut().find(|c| c.id == "marketing").expect("marketing");
    marketing.services[0].cookies.extend(analytics_cookie);
    let d = decide(&config, None, &custom(&["analytics"]), &ctx(NOW));
    let erased = erased_cookies(&d.effects);
    assert!(erased.iter().any(|e| e == "_demo_ads"), "{erased:?}");
    assert!(!erased.iter().any(|e| e == "^_demo_ga(_.*)?$"), "shared with a granted service: {erased:?}");
}

#[test]
fn a_long_non_ascii_path_is_cut_to_what_the_server_accepts() {
    let config = demo_config();
    let path = format!("/{}", "é".repeat(400));
    let context = DecisionContext { url_path: &path, ..ctx(NOW) };
    let d = decide(&config, None, &Choice::RejectAll, &context);
    let Some(Effect::SendRecord(record)) = d.effects.iter().find(|e| matches!(e, Effect::SendRecord(_))) else { panic!("no record") };
    assert!(record.url_path.len() <= crumb_core::record::MAX_PATH && record.url_path.ends_with('é'), "{}", record.url_path.len());
    assert_eq!(record.validate(NOW), Ok(()));
}

/// What the widget writes by hand (`ToJson`: storage, records, event details) is the text serde
/// writes for the same value, which the server and the host tools read.
#[test]
fn written_the_same_by_hand_and_by_serde() {
    use crumb_core::json::ToJson;
    use crumb_core::Effect;
    let config = demo_config();
    let first = decide(&config, None, &custom(&["analytics"]), &ctx(NOW));
    let later = decide(&config, Some(&first.consent), &Choice::RejectAll, &ctx(NOW + DAY));
    for d in [first, later] {
        assert_eq!(d.consent.to_value().to_json(), serde_json::to_string(&d.consent).unwrap());
        assert_eq!(d.diff.to_value().to_json(), serde_json::to_string(&d.diff).unwrap());
        let records: Vec<_> = d.effects.iter().filter_map(|e| if let Effect::SendRecord(r) = e { Some(r.clone()) } else { None }).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records.to_value().to_json(), serde_json::to_string(&records).unwrap());
    }
}
