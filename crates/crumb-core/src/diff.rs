//! What changed between two consents: categories and services granted and revoked.

use serde::Serialize;

use crate::json::{self, ToJson, Value};

use crate::consent::Consent;

/// What a decision changed, by id; the `detail` of the `crumb:change` event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Categories granted now that were not before.
    pub granted: Vec<String>,
    /// Categories granted before and refused now.
    pub revoked: Vec<String>,
    /// Services granted now that were not before.
    pub services_granted: Vec<String>,
    /// Services granted before and refused now.
    pub services_revoked: Vec<String>,
}

/// The `crumb:change` event's detail, as serde writes it.
impl ToJson for Diff {
    fn to_value(&self) -> Value {
        json::object(vec![
            ("granted", self.granted.to_value()),
            ("revoked", self.revoked.to_value()),
            ("services_granted", self.services_granted.to_value()),
            ("services_revoked", self.services_revoked.to_value()),
        ])
    }
}

impl Diff {
    /// From `before` (none on a first decision: everything was denied) to `after`.
    pub fn between(before: Option<&Consent>, after: &Consent) -> Diff {
        let was = |map: fn(&Consent) -> &crate::Map<bool>, id: &str| before.and_then(|b| map(b).get(id).copied()).unwrap_or(false);
        let mut diff = Diff::default();
        for (id, now) in &after.categories {
            match (was(|c| &c.categories, id), *now) {
                (false, true) => diff.granted.push(id.clone()),
                (true, false) => diff.revoked.push(id.clone()),
                _ => {}
            }
        }
        for (id, now) in &after.services {
            match (was(|c| &c.services, id), *now) {
                (false, true) => diff.services_granted.push(id.clone()),
                (true, false) => diff.services_revoked.push(id.clone()),
                _ => {}
            }
        }
        diff
    }

    /// Whether nothing was granted or refused that was not before.
    pub fn is_empty(&self) -> bool {
        self.granted.is_empty() && self.revoked.is_empty() && self.services_granted.is_empty() && self.services_revoked.is_empty()
    }
}
