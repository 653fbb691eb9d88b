//! The cross-subdomain reconcile (placeholder until the rules helper's version lands).

use crate::config::Config;
use crate::consent::Consent;
use crate::diff::Diff;
use crate::effect::Effect;

/// Which consent is in force.
pub struct Reconciled {
    /// The consent in force.
    pub consent: Option<Consent>,
    /// Whether it must be stored locally.
    pub store_locally: bool,
    /// What to erase here.
    pub effects: Vec<Effect>,
}

/// Local value vs the newest valid cookie value.
pub fn reconcile(config: &Config, local: Option<Consent>, shared: Option<Consent>) -> Reconciled {
    match (local, shared) {
        (Some(local), Some(shared)) if shared.updated_at > local.updated_at => {
            let diff = Diff::between(Some(&local), &shared);
            let (specs, keys) = config.stored_by(|_, s| diff.services_revoked.contains(&s.id));
            let mut effects = Vec::new();
            if !specs.is_empty() {
                effects.push(Effect::ClearCookies(specs));
            }
            if !keys.is_empty() {
                effects.push(Effect::ClearStorage(keys));
            }
            Reconciled { consent: Some(shared), store_locally: true, effects }
        }
        (Some(local), _) => Reconciled { consent: Some(local), store_locally: false, effects: Vec::new() },
        (None, Some(shared)) => Reconciled { consent: Some(shared), store_locally: true, effects: Vec::new() },
        (None, None) => Reconciled { consent: None, store_locally: false, effects: Vec::new() },
    }
}
