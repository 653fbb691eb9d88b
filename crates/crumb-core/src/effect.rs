//! What the widget must carry out after a decision or on a returning visit.

use crate::config::{CookieSpec, StorageKey};
use crate::consent::Consent;
use crate::consent_mode::Signal;
use crate::record::ConsentRecord;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store this consent (localStorage, the cookie mirror): it is now the one in force.
    StoreConsent(Consent),
    /// Forget the stored consent everywhere.
    ForgetConsent,
    /// Start the gated scripts and iframes the consent now allows (each runs once per page).
    RunScripts,
    /// Erase these cookies: their category was revoked.
    ClearCookies(Vec<CookieSpec>),
    /// Erase these localStorage keys: their service was revoked.
    ClearStorage(Vec<StorageKey>),
    /// Tell Google Consent Mode (and the dataLayer) the new state of all seven signals.
    UpdateConsentMode(Vec<(Signal, bool)>),
    /// Post this record to the endpoint (through the outbox).
    SendRecord(ConsentRecord),
}
