//! Gating rule (placeholder until the rules helper's version lands).

use crate::consent::Consent;

/// Whether a `data-category` expression with an optional `data-service` may run.
pub fn allowed(consent: Option<&Consent>, category: &str, service: Option<&str>) -> bool {
    let Some(consent) = consent else { return false };
    let category = category.trim();
    match category.strip_prefix('!') {
        Some(refused) => !consent.granted(refused.trim()),
        None => consent.allows(category, service.map(str::trim).filter(|s| !s.is_empty())),
    }
}
