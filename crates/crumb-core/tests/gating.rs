//! The gating rule (`data-category` expressions and `data-service` overrides) on the host.

mod common;

use crumb_core::Map;

use common::{demo_config, NOW};
use crumb_core::gating::{allowed, wants_placeholder, CategoryExpr};
use crumb_core::{decide, Choice, Consent, DecisionContext};

fn ctx() -> DecisionContext<'static> {
    DecisionContext {
        now: NOW,
        new_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
        holds_previous_secret: true,
        language: "en",
        gpc: false,
        url_path: "/",
    }
}

fn consent(choice: Choice) -> Consent {
    decide(&demo_config(), None, &choice, &ctx()).consent
}

fn accept_all() -> Consent {
    consent(Choice::AcceptAll)
}

fn reject_all() -> Consent {
    consent(Choice::RejectAll)
}

/// Analytics granted, marketing refused, but its `demo-video` service loaded on its own.
fn analytics_and_one_video() -> Consent {
    let config = demo_config();
    let first =
        decide(&config, None, &Choice::Custom { categories: Map::from([("analytics".to_owned(), true)]), services: Map::new() }, &ctx())
            .consent;
    let embed = Choice::Embed { category: "marketing".into(), service: Some("demo-video".into()) };
    decide(&config, Some(&first), &embed, &ctx()).consent
}

#[test]
fn nothing_runs_before_a_decision_not_even_a_fallback() {
    for expr in ["analytics", "!analytics", "necessary", "!unknown", "", "!"] {
        assert!(!allowed(None, expr, None), "{expr:?}");
        assert!(!allowed(None, expr, Some("demo-video")), "{expr:?}");
    }
}

#[test]
fn a_category_runs_when_granted_and_its_negation_when_refused() {
    let yes = accept_all();
    let no = reject_all();
    assert!(allowed(Some(&yes), "analytics", None));
    assert!(!allowed(Some(&yes), "!analytics", None));
    assert!(!allowed(Some(&no), "analytics", None));
    assert!(allowed(Some(&no), "!analytics", None));
    assert!(allowed(Some(&no), "necessary", None), "required is always granted");
    assert!(!allowed(Some(&no), "!necessary", None));
}

#[test]
fn whitespace_around_names_and_services_is_ignored() {
    let yes = accept_all();
    let no = reject_all();
    assert!(allowed(Some(&yes), "  analytics\n", None));
    assert!(allowed(Some(&no), " ! analytics ", None));
    assert!(allowed(Some(&no), "!\tanalytics", None));
    // A blank service is no service: the category decides.
    assert!(allowed(Some(&yes), "marketing", Some("   ")));
    assert!(allowed(Some(&yes), "marketing", Some("")));
    assert!(allowed(Some(&yes), "marketing", Some(" demo-video ")));
}

#[test]
fn malformed_expressions_never_run() {
    for consent in [accept_all(), reject_all()] {
        for expr in ["", "   ", "!", " ! ", "!!analytics", "analytics marketing", "! a b"] {
            assert!(!allowed(Some(&consent), expr, None), "{expr:?}");
            assert!(!allowed(Some(&consent), expr, Some("demo-video")), "{expr:?}");
            assert!(CategoryExpr::parse(expr).is_none(), "{expr:?}");
        }
    }
}

#[test]
fn an_unknown_category_is_never_granted_so_its_negation_runs_on_any_decision() {
    for consent in [accept_all(), reject_all()] {
        assert!(!allowed(Some(&consent), "unknown", None));
        assert!(allowed(Some(&consent), "!unknown", None));
    }
}

#[test]
fn a_service_answer_wins_over_its_category() {
    let mixed = analytics_and_one_video();
    assert!(!mixed.granted("marketing"));
    // Granted on its own ("Load content") while the category stays off.
    assert!(allowed(Some(&mixed), "marketing", Some("demo-video")));
    assert!(!allowed(Some(&mixed), "marketing", Some("demo-ads")));
    assert!(!allowed(Some(&mixed), "marketing", None));
    // Refused inside a granted category.
    let config = demo_config();
    let refused_inside = decide(
        &config,
        None,
        &Choice::Custom {
            categories: Map::from([("marketing".to_owned(), true)]),
            services: Map::from([("demo-video".to_owned(), false)]),
        },
        &ctx(),
    )
    .consent;
    assert!(allowed(Some(&refused_inside), "marketing", None));
    assert!(allowed(Some(&refused_inside), "marketing", Some("demo-ads")));
    assert!(!allowed(Some(&refused_inside), "marketing", Some("demo-video")));
    assert!(allowed(Some(&refused_inside), "!marketing", Some("demo-video")));
    // A service the consent does not know: the category decides.
    assert!(allowed(Some(&refused_inside), "marketing", Some("unlisted")));
    assert!(!allowed(Some(&mixed), "marketing", Some("unlisted")));
}

#[test]
fn of_an_expression_and_its_negation_exactly_one_runs_after_any_decision() {
    let consents = [accept_all(), reject_all(), analytics_and_one_video()];
    let categories = ["necessary", "preferences", "analytics", "marketing", "unknown"];
    let services = [None, Some("demo-video"), Some("demo-ads"), Some("unlisted")];
    for consent in &consents {
        for category in categories {
            for service in services {
                let plain = allowed(Some(consent), category, service);
                let negated = allowed(Some(consent), &format!("!{category}"), service);
                assert_ne!(plain, negated, "{category} {service:?} under {consent:?}");
            }
        }
    }
}

#[test]
fn expressions_parse_into_their_kind() {
    assert_eq!(CategoryExpr::parse(" analytics "), Some(CategoryExpr::Granted("analytics")));
    assert_eq!(CategoryExpr::parse("! marketing"), Some(CategoryExpr::Refused("marketing")));
}

#[test]
fn only_positive_expressions_get_a_placeholder() {
    assert!(wants_placeholder("marketing"));
    assert!(wants_placeholder(" marketing "));
    assert!(!wants_placeholder("!marketing"));
    assert!(!wants_placeholder(""));
    assert!(!wants_placeholder("a b"));
}
