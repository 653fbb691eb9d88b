//! Whether the shopper must be asked: first visit, a new revision, an expired consent.

use crate::config::Config;
use crate::consent::Consent;

/// Why the shopper is asked on this page load, or [`Prompt::None`] when they are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// No valid consent is stored.
    First,
    /// The stored consent is for an older revision, or a category was added since.
    Revision,
    /// The stored consent is older than `expiry_days`.
    Expired,
    /// The stored consent holds: apply it, do not ask.
    None,
}

impl Prompt {
    /// Whether the banner shows: for every prompt but [`Prompt::None`].
    pub fn shows_banner(self) -> bool {
        self != Prompt::None
    }
}

/// The prompt for a stored consent that has already passed [`Consent::checked`].
pub fn prompt_for(config: &Config, stored: Option<&Consent>, now: i64) -> Prompt {
    let Some(consent) = stored else {
        return Prompt::First;
    };
    if now >= consent.expires_at {
        return Prompt::Expired;
    }
    let undecided = config.categories.iter().any(|c| !c.required && !consent.categories.contains_key(&c.id));
    if consent.revision != config.revision || undecided {
        return Prompt::Revision;
    }
    Prompt::None
}
