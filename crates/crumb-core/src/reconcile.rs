//! The cross-subdomain reconcile on page load: which consent is in force when localStorage
//! (this host's own copy) and the `crumb_consent` cookies (the mirror, shared on the config's
//! `cookie_domain`, so a choice made on `shop.example.com` reaches `www.example.com`) disagree.
//!
//! The rule: every value is [`Consent::checked`] first; one that cannot be trusted is ignored
//! (the local one's error is handed back so the widget can say so). Of the valid cookies the
//! newest counts. It is adopted when [`adopts_shared`] says so: today when there is no valid local
//! consent, or when it is newer than the local one. An adopted consent is stored locally, and
//! what the services it revoked stored on this host is erased (the decision and its record were
//! made on the other subdomain, so no record is posted here). Otherwise the local consent holds.

use crate::config::Config;
use crate::consent::{Consent, StoredError};
use crate::diff::Diff;
use crate::effect::Effect;

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
    let newest_shared = shared.into_iter().filter_map(|read| read.and_then(|c| c.checked(config, now)).ok()).max_by_key(|c| c.updated_at);
    match newest_shared {
        Some(shared) if adopts_shared(local.as_ref(), &shared) => {
            let effects = match &local {
                Some(local) => erase_revoked(config, local, &shared),
                None => Vec::new(),
            };
            Reconciled { consent: Some(shared), store_locally: true, effects, local_error }
        }
        _ => Reconciled { consent: local, store_locally: false, effects: Vec::new(), local_error },
    }
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
