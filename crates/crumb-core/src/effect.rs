//! What the widget must carry out after a decision, a reset or on a returning visit.
//!
//! Effects are carried out in the order given, and the functions that return them put them in
//! this order: the consent in force changes first ([`Effect::StoreConsent`] or
//! [`Effect::ForgetConsent`]), so that [`Effect::RunScripts`] and everything after it act under
//! the new state; then what was revoked is erased ([`Effect::ClearCookies`],
//! [`Effect::ClearStorage`]); then gated content runs, Consent Mode is told, and last the record
//! is posted ([`Effect::SendRecord`]), so a record never goes out for a state the page did not
//! reach. An effect that does not apply is left out, never sent empty.

use crate::config::{CookieSpec, StorageKey};
use crate::consent::Consent;
use crate::consent_mode::Signal;
use crate::record::ConsentRecord;

/// One thing for the widget to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make this the consent in force and store it (localStorage `crumb`, the `crumb_consent`
    /// cookie mirror, memory when storage is blocked). Always the first effect of a decision.
    StoreConsent(Consent),
    /// No consent is in force any more: forget the stored one everywhere (localStorage, every
    /// `crumb_consent` cookie this page can see, memory). The banner comes back.
    ForgetConsent,
    /// Run gating under the consent now in force (after the `StoreConsent` or `ForgetConsent`
    /// before it; with none in force nothing new starts): start the gated scripts and iframes it
    /// allows (each runs once per page). What already ran is not stopped.
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
