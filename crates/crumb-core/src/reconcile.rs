//! The cross-subdomain reconcile on page load: which consent is in force when localStorage
//! (this host's own copy) and the `crumb_consent` cookies (the mirror, shared on the config's
//! `cookie_domain`, so a choice made on `shop.example.com` reaches `www.example.com`) disagree.
//!
//! The rule: the cookie is read only when the config has a `cookie_domain` (the site declares
//! that its subdomains share consent); without one, a `crumb_consent` cookie that a sibling
//! subdomain set on the parent domain (cookie tossing) or that a plain-http injection planted
//! changes nothing. Every value is [`Consent::checked`] first; one that cannot be trusted is
//! ignored (the local one's error is handed back so the widget can say so). Of the valid cookies
//! the newest counts. It is adopted when [`adopts_shared`] says so: when there is no valid local
//! consent, or when it is newer than the local one. An adopted consent holds no longer than this
//! config's `expiry_days` from its decision; it grants what the shopper chose on the other
//! subdomain for the categories and services this config has (required ones on), and it is
//! asked again as usual when this config's revision differs. It is stored locally under this
//! browser's own consent id and logged with action `adopted` ([`adopt`]), and what the services
//! it revoked stored on this host is erased. Otherwise the local consent holds.

use crate::config::Config;
use crate::consent::{record_for, Action, Consent, DecisionContext, StoredError};
use crate::diff::Diff;
use crate::effect::Effect;
use crate::record::ConsentRecord;
use crate::time::DAY_MS;

/// What the reconcile decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    /// The consent stored for this page (checked), whether or not the prompt will still ask
    /// (revision, expiry: see [`crate::prompt_for`]). `None`: nothing valid is stored.
    pub consent: Option<Consent>,
    /// Store `consent` in localStorage (it came from the cookie mirror). The mirror already holds
    /// it, so only the local copy is written.
    pub store_locally: bool,
    /// Erase what the adopted consent revoked here (`ClearCookies`, `ClearStorage`, in that
    /// order), carried out before anything runs. Empty when nothing was revoked.
    pub effects: Vec<Effect>,
    /// Why the local value was not used, when there was one that could not be trusted: the
    /// widget reports it (and, with no consent adopted, asks again).
    pub local_error: Option<StoredError>,
    /// The valid local consent that an adopted one replaces: [`adopt`] continues its id.
    pub replaced: Option<Consent>,
}

/// Whether a valid consent from the cookie mirror replaces the local one (`None`: no valid local
/// consent). The one place that decides adopting a shared consent, so a stricter rule (which
/// domains may hand one over, for instance) changes only this function.
pub fn adopts_shared(local: Option<&Consent>, shared: &Consent) -> bool {
    local.is_none_or(|local| shared.updated_at > local.updated_at)
}

/// Reconciles the local stored value (`None`: absent; `Some(Err)`: present but not readable) with
/// the values of every `crumb_consent` cookie this page sees (several can carry the name: a
/// host-only one and a domain one), each as read (`Err` when it is not readable). Values are
/// checked here against `config` and `now`.
pub fn reconcile(
    config: &Config,
    now: i64,
    local: Option<Result<Consent, StoredError>>,
    shared: Vec<Result<Consent, StoredError>>,
) -> Reconciled {
    let (local, local_error) = match local.map(|read| read.and_then(|c| c.checked(config, now))) {
        Some(Ok(consent)) => (Some(consent), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let shared = if config.cookie_domain.is_some() { shared } else { Vec::new() };
    let newest_shared = shared.into_iter().filter_map(|read| read.and_then(|c| c.checked(config, now)).ok()).max_by_key(|c| c.updated_at);
    match newest_shared {
        Some(mut shared) if adopts_shared(local.as_ref(), &shared) => {
            // Never longer than this site allows, whatever the other subdomain wrote.
            shared.expires_at = shared.expires_at.min(shared.updated_at + i64::from(config.expiry_days) * DAY_MS);
            let effects = match &local {
                Some(local) => erase_revoked(config, local, &shared),
                None => Vec::new(),
            };
            Reconciled { consent: Some(shared), store_locally: true, effects, local_error, replaced: local }
        }
        _ => Reconciled { consent: local, store_locally: false, effects: Vec::new(), local_error, replaced: None },
    }
}

/// What this browser keeps and logs when it adopts `shared` (a [`Reconciled`] with
/// `store_locally`): the shared consent's choices, revision, language and times, under this
/// browser's own consent id: the replaced local one's when it may continue it (see
/// [`crate::proof::may_continue`]; `ctx.holds_previous_secret` is about `replaced`), else
/// `ctx.new_id`. The shared id's secret is in the other subdomain's localStorage, so records
/// under it could not be proven here. The record's action is [`Action::Adopted`]; its
/// `updated_at` is the decision's, so the cookie, which keeps the shared value, is not newer
/// than the local copy at the next page view.
pub fn adopt(config: &Config, replaced: Option<&Consent>, shared: &Consent, ctx: &DecisionContext<'_>) -> (Consent, ConsentRecord) {
    let mut consent = shared.clone();
    match replaced.filter(|local| crate::proof::may_continue(&local.id, ctx.holds_previous_secret)) {
        Some(local) => {
            consent.id = local.id.clone();
            consent.given_at = local.given_at.min(shared.updated_at);
        }
        None => {
            consent.id = ctx.new_id.to_owned();
            consent.given_at = shared.updated_at;
        }
    }
    let record = record_for(config, &consent, Action::Adopted, ctx);
    (consent, record)
}

/// What the services that `shared` revoked (granted in `local`) stored: erased here too.
fn erase_revoked(config: &Config, local: &Consent, shared: &Consent) -> Vec<Effect> {
    let diff = Diff::between(Some(local), shared);
    let (cookies, keys) = config.stored_by(|_, s| diff.services_revoked.contains(&s.id));
    let mut effects = Vec::new();
    if !cookies.is_empty() {
        effects.push(Effect::ClearCookies(cookies));
    }
    if !keys.is_empty() {
        effects.push(Effect::ClearStorage(keys));
    }
    effects
}
