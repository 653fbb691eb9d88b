//! `Crumb.reset()` as effects: forget, erase every optional category's cookies and keys, gate
//! under no consent, Consent Mode all denied, and a `withdraw` record when something optional
//! was granted.

mod common;

use crumb_core::Map;

use common::{demo_config, effect_kinds, DAY, NOW};
use crumb_core::config::StorageKey;
use crumb_core::{decide, reset, Action, Choice, Config, Consent, DecisionContext, Effect};

const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn ctx(now: i64) -> DecisionContext<'static> {
    DecisionContext {
        now,
        new_id: "11111111-2222-4333-8444-555555555555",
        holds_previous_secret: true,
        language: "nl",
        gpc: false,
        url_path: "/account",
    }
}

/// The demo config with a localStorage key for analytics.
fn config() -> Config {
    let mut config = demo_config();
    config.categories[2].services[0].local_storage.push(StorageKey { name: Some("demo_ga_state".into()), pattern: None });
    config
}

fn given(choice: Choice) -> Consent {
    let first = DecisionContext { new_id: ID, language: "en", ..ctx(NOW - DAY) };
    decide(&config(), None, &choice, &first).consent
}

#[test]
fn reset_erases_every_optional_category_and_signals_all_denied() {
    let effects = reset(&config(), Some(&given(Choice::AcceptAll)), &ctx(NOW));
    assert_eq!(effect_kinds(&effects), ["forget", "cookies", "storage", "run", "signal", "send"]);
    let Effect::ClearCookies(cookies) = &effects[1] else { unreachable!() };
    let labels: Vec<_> = cookies.iter().map(|c| c.label()).collect();
    assert_eq!(
        labels,
        ["crumb_demo_recent", "^_demo_ga(_.*)?$", "_demo_ads", "_demo_video"],
        "every non-required category's cookies, never the required ones"
    );
    let Effect::ClearStorage(keys) = &effects[2] else { unreachable!() };
    assert_eq!(keys[0].name.as_deref(), Some("demo_ga_state"));
    let Effect::UpdateConsentMode(signals) = &effects[4] else { unreachable!() };
    assert_eq!(signals.len(), 7);
    assert!(signals.iter().all(|(_, granted)| !granted));
}

#[test]
fn reset_erases_optional_cookies_even_when_the_consent_refused_them() {
    // What an unblocked tag set before the widget ran goes too.
    let effects = reset(&config(), Some(&given(Choice::RejectAll)), &ctx(NOW));
    assert_eq!(effect_kinds(&effects), ["forget", "cookies", "storage", "run", "signal"]);
    let effects = reset(&config(), None, &ctx(NOW));
    assert_eq!(effect_kinds(&effects), ["forget", "cookies", "storage", "run", "signal"]);
}

#[test]
fn dropping_a_grant_posts_a_withdraw_record_under_the_same_consent() {
    let consent = given(Choice::AcceptAll);
    let effects = reset(&config(), Some(&consent), &ctx(NOW));
    let Some(Effect::SendRecord(record)) = effects.last() else { panic!("no record: {effects:?}") };
    assert_eq!(record.action, Action::Withdraw);
    assert_eq!(record.consent_id, ID, "the same consent id, not a new one");
    assert_eq!(
        record.categories,
        Map::from([
            ("analytics".to_owned(), false),
            ("marketing".to_owned(), false),
            ("necessary".to_owned(), true),
            ("preferences".to_owned(), false),
        ])
    );
    assert!(record.services.get("shop") == Some(&true));
    assert!(record.services.iter().filter(|(id, _)| *id != "shop").all(|(_, on)| !on));
    assert_eq!(record.updated_at, "2026-11-22T05:06:43.123Z", "stamped now");
    assert_eq!(record.given_at, "2026-11-21T05:06:43.123Z", "first given then");
    assert_eq!(record.language, "nl");
    assert_eq!(record.url_path, "/account");
    assert_eq!(record.revision, consent.revision);
    assert!(record.validate(NOW).is_ok());
}

#[test]
fn a_service_granted_on_its_own_is_a_grant_to_withdraw() {
    let refused = given(Choice::RejectAll);
    let embed = Choice::Embed { category: "marketing".into(), service: Some("demo-video".into()) };
    let with_video = decide(&config(), Some(&refused), &embed, &ctx(NOW - 1)).consent;
    let effects = reset(&config(), Some(&with_video), &ctx(NOW));
    let Some(Effect::SendRecord(record)) = effects.last() else { panic!("no record: {effects:?}") };
    assert_eq!(record.action, Action::Withdraw);
    assert_eq!(record.services.get("demo-video"), Some(&false));
}

#[test]
fn nothing_optional_granted_or_no_consent_posts_nothing() {
    for in_force in [Some(given(Choice::RejectAll)), None] {
        let effects = reset(&config(), in_force.as_ref(), &ctx(NOW));
        assert!(!effects.iter().any(|e| matches!(e, Effect::SendRecord(_))), "{in_force:?}");
    }
}

#[test]
fn a_reset_with_the_clock_behind_is_still_the_newest_record() {
    let consent = given(Choice::AcceptAll);
    let effects = reset(&config(), Some(&consent), &ctx(NOW - 2 * DAY));
    let Some(Effect::SendRecord(record)) = effects.last() else { panic!("no record") };
    assert_eq!(record.updated_ms(), Some(consent.updated_at + 1));
}

#[test]
fn reset_stores_nothing() {
    let effects = reset(&config(), Some(&given(Choice::AcceptAll)), &ctx(NOW));
    assert!(!effects.iter().any(|e| matches!(e, Effect::StoreConsent(_))));
}
