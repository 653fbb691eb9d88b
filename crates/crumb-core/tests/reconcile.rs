//! The cross-subdomain reconcile: the local consent against the `crumb_consent` cookies.

mod common;

use crumb_core::Map;

use common::{demo_config, erased_cookies, DAY, NOW};

/// The demo config with a `cookie_domain`: its subdomains share consent through the cookie.
fn shared_config() -> crumb_core::Config {
    let mut config = demo_config();
    config.cookie_domain = Some("crumb.test".to_owned());
    config
}
use crumb_core::reconcile::adopts_shared;
use crumb_core::{decide, reconcile, Choice, Consent, DecisionContext, Effect, StoredError};

const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn ctx(now: i64) -> DecisionContext<'static> {
    DecisionContext { now, new_id: ID, holds_previous_secret: true, language: "en", gpc: false, url_path: "/" }
}

fn accepted(at: i64) -> Consent {
    decide(&demo_config(), None, &Choice::AcceptAll, &ctx(at)).consent
}

/// The same consent, withdrawn (analytics and marketing off) at `at`.
fn withdrawn(from: &Consent, at: i64) -> Consent {
    let choice = Choice::Custom { categories: Map::from([("preferences".to_owned(), true)]), services: Map::new() };
    decide(&demo_config(), Some(from), &choice, &ctx(at)).consent
}

#[test]
fn nothing_stored_means_no_consent() {
    let r = reconcile(&shared_config(), NOW, None, Vec::new());
    assert_eq!(r.consent, None);
    assert!(!r.store_locally);
    assert!(r.effects.is_empty());
    assert_eq!(r.local_error, None);
}

#[test]
fn the_local_consent_holds_when_no_cookie_is_newer() {
    let local = accepted(NOW - DAY);
    for shared in [vec![], vec![Ok(local.clone())], vec![Ok(accepted(NOW - 2 * DAY))]] {
        let r = reconcile(&shared_config(), NOW, Some(Ok(local.clone())), shared);
        assert_eq!(r.consent.as_ref(), Some(&local));
        assert!(!r.store_locally);
        assert!(r.effects.is_empty());
    }
}

#[test]
fn a_newer_cookie_wins_is_stored_locally_and_erases_what_it_revoked_here() {
    let local = accepted(NOW - DAY);
    let shared = withdrawn(&local, NOW - 1_000);
    let r = reconcile(&shared_config(), NOW, Some(Ok(local.clone())), vec![Ok(local.clone()), Ok(shared.clone())]);
    assert_eq!(r.consent, Some(shared));
    assert!(r.store_locally);
    assert_eq!(
        erased_cookies(&r.effects),
        ["^_demo_ga(_.*)?$", "_demo_ads", "_demo_video"],
        "analytics and marketing were revoked on the other subdomain"
    );
    assert!(
        r.effects.iter().all(|e| matches!(e, Effect::ClearCookies(_) | Effect::ClearStorage(_))),
        "no record, no run: the decision was made over there"
    );
}

#[test]
fn a_newer_cookie_that_grants_more_erases_nothing() {
    let local = withdrawn(&accepted(NOW - 2 * DAY), NOW - DAY);
    let shared = decide(&demo_config(), Some(&local), &Choice::AcceptAll, &ctx(NOW - 1)).consent;
    let r = reconcile(&shared_config(), NOW, Some(Ok(local)), vec![Ok(shared.clone())]);
    assert_eq!(r.consent, Some(shared));
    assert!(r.store_locally);
    assert!(r.effects.is_empty());
}

#[test]
fn an_older_cookie_is_ignored() {
    let older = accepted(NOW - 2 * DAY);
    let local = withdrawn(&older, NOW - DAY);
    let r = reconcile(&shared_config(), NOW, Some(Ok(local.clone())), vec![Ok(older)]);
    assert_eq!(r.consent, Some(local));
    assert!(!r.store_locally);
    assert!(r.effects.is_empty());
}

#[test]
fn invalid_cookies_are_ignored_and_the_newest_valid_one_counts() {
    let local = accepted(NOW - 3 * DAY);
    let valid = withdrawn(&local, NOW - 2 * DAY);
    let mut bad_id = withdrawn(&local, NOW - DAY);
    bad_id.id = "x".into();
    let mut future = withdrawn(&local, NOW - DAY);
    future.updated_at = NOW + 3 * DAY;
    future.expires_at = NOW + 10 * DAY;
    let r = reconcile(
        &shared_config(),
        NOW,
        Some(Ok(local)),
        vec![Err(StoredError::Malformed("not JSON".into())), Ok(bad_id), Ok(future), Ok(valid.clone())],
    );
    assert_eq!(r.consent, Some(valid));
    assert!(r.store_locally);
    assert_eq!(r.local_error, None);
}

#[test]
fn only_invalid_cookies_leave_the_local_consent_in_force() {
    let local = accepted(NOW - DAY);
    let r = reconcile(&shared_config(), NOW, Some(Ok(local.clone())), vec![Err(StoredError::Malformed("%E0".into()))]);
    assert_eq!(r.consent, Some(local));
    assert!(!r.store_locally);
}

#[test]
fn an_unreadable_local_value_gives_way_to_a_valid_cookie_and_is_reported() {
    let shared = accepted(NOW - DAY);
    let r = reconcile(&shared_config(), NOW, Some(Err(StoredError::Malformed("expected `,`".into()))), vec![Ok(shared.clone())]);
    assert_eq!(r.consent, Some(shared));
    assert!(r.store_locally);
    assert!(r.effects.is_empty(), "nothing was granted here to revoke");
    assert_eq!(r.local_error, Some(StoredError::Malformed("expected `,`".into())));
}

#[test]
fn a_local_value_that_fails_its_check_is_reported_too() {
    let mut local = accepted(NOW - DAY);
    local.v = 7;
    let r = reconcile(&shared_config(), NOW, Some(Ok(local)), Vec::new());
    assert_eq!(r.consent, None);
    assert!(!r.store_locally);
    assert_eq!(r.local_error, Some(StoredError::WrongVersion(7)));
}

#[test]
fn a_cookie_alone_is_adopted_and_stored_locally() {
    let shared = accepted(NOW - DAY);
    let r = reconcile(&shared_config(), NOW, None, vec![Ok(shared.clone())]);
    assert_eq!(r.consent, Some(shared));
    assert!(r.store_locally);
    assert!(r.effects.is_empty());
}

#[test]
fn values_are_checked_against_the_config() {
    // A category the config no longer has is dropped; a required one is forced on.
    let mut shared = accepted(NOW - DAY);
    shared.categories.insert("gone".into(), true);
    shared.categories.insert("necessary".into(), false);
    let r = reconcile(&shared_config(), NOW, None, vec![Ok(shared)]);
    let consent = r.consent.expect("adopted");
    assert!(!consent.categories.contains_key("gone"));
    assert!(consent.granted("necessary"));
}

#[test]
fn adopting_is_one_rule() {
    let local = accepted(NOW - DAY);
    assert!(adopts_shared(None, &local));
    assert!(!adopts_shared(Some(&local), &local), "the same time is not newer");
    assert!(adopts_shared(Some(&local), &withdrawn(&local, NOW)));
    assert!(!adopts_shared(Some(&withdrawn(&local, NOW)), &local));
}

#[test]
fn without_a_cookie_domain_no_cookie_is_ever_adopted() {
    // A sibling subdomain that sets `crumb_consent` on the parent domain (cookie tossing), or a
    // plain-http injection, on a site that does not share consent across subdomains.
    let tossed = accepted(NOW - 1_000);
    for local in [None, Some(Ok(withdrawn(&accepted(NOW - 2 * DAY), NOW - DAY)))] {
        let r = reconcile(&demo_config(), NOW, local.clone(), vec![Ok(tossed.clone())]);
        assert!(!r.store_locally, "nothing adopted");
        assert_eq!(r.consent, local.and_then(Result::ok), "the local consent (or none: asked) holds");
        assert!(r.effects.is_empty());
    }
}

#[test]
fn an_adopted_consent_lasts_no_longer_than_this_sites_expiry() {
    let mut config = shared_config();
    config.expiry_days = 30;
    // Written on the other subdomain with 395 days.
    let shared = decide(&shared_config(), None, &Choice::AcceptAll, &ctx(NOW - 10 * DAY)).consent;
    let r = reconcile(&config, NOW, None, vec![Ok(shared.clone())]);
    let adopted = r.consent.expect("adopted");
    assert_eq!(adopted.expires_at, shared.updated_at + 30 * DAY);
    // One 40 days old is adopted as expired: asked again.
    let old = decide(&shared_config(), None, &Choice::AcceptAll, &ctx(NOW - 40 * DAY)).consent;
    let r = reconcile(&config, NOW, None, vec![Ok(old)]);
    assert!(crumb_core::prompt_for(&config, r.consent.as_ref(), NOW).shows_banner(), "expired here");
}

#[test]
fn adopting_keeps_the_decision_under_this_browsers_own_id_and_logs_it() {
    use crumb_core::proof::consent_id_for;
    let config = shared_config();
    let theirs = consent_id_for("00000000000000000000000000000001");
    let ours = consent_id_for("00000000000000000000000000000002");
    let fresh = consent_id_for("00000000000000000000000000000003");
    let mut shared = accepted(NOW - 1_000);
    shared.id = theirs.clone();
    let mut local = withdrawn(&accepted(NOW - 2 * DAY), NOW - DAY);
    local.id = ours.clone();
    let context = |holds| DecisionContext { new_id: &fresh, holds_previous_secret: holds, ..ctx(NOW) };

    // Continues our own id when this browser holds its secret.
    let (consent, record) = crumb_core::reconcile::adopt(&config, Some(&local), &shared, &context(true));
    assert_eq!(consent.id, ours);
    assert_eq!((consent.categories.clone(), consent.updated_at), (shared.categories.clone(), shared.updated_at));
    assert_eq!(consent.given_at, local.given_at);
    assert_eq!(record.action, crumb_core::Action::Adopted);
    assert_eq!(record.action.as_str(), "adopted");
    assert_eq!((record.consent_id.as_str(), record.categories.clone()), (ours.as_str(), shared.categories.clone()));
    assert_eq!(
        record.updated_at,
        crumb_core::time::to_rfc3339(shared.updated_at),
        "the decision's time: the cookie is not newer next time"
    );
    assert!(record.validate(NOW).is_ok());

    // Never the other subdomain's id (its secret is there); a fresh one when ours cannot go on.
    for replaced in [None, Some(&local)] {
        let (consent, record) = crumb_core::reconcile::adopt(&config, replaced, &shared, &context(false));
        assert_eq!((consent.id.as_str(), record.consent_id.as_str()), (fresh.as_str(), fresh.as_str()));
        assert_eq!(consent.given_at, shared.updated_at);
    }
}
