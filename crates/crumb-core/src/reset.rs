//! `Crumb.reset()`: forget the consent and start over as on a first visit, as [`Effect`]s.
//!
//! What goes: every cookie and localStorage key the config declares for a non-required category
//! (whatever the consent said, so what an unblocked tag set goes too), and the stored consent.
//! What stays: scripts that already ran keep running (a page cannot unload a script); gating runs
//! again under no consent, so nothing new starts, and Consent Mode is told that every signal is
//! denied. The banner comes back.
//!
//! Whether a record is posted: a reset drops the consent in force, and if that consent granted
//! anything optional (a category or a service granted on its own), the server's log would go on
//! showing that grant in force while the browser no longer honours it. So such a reset posts a
//! `withdraw` record, with every optional category and service false, under the same consent id,
//! stamped now: the log then ends where the browser is. A consent that granted nothing optional
//! already reads as refused in the log, and with no consent in force there is nothing to
//! withdraw: no record then. The next decision starts a fresh consent id (the old one is
//! forgotten with the stored value).

use crate::config::Config;
use crate::consent::{decide, record_for, Action, Choice, Consent, DecisionContext};
use crate::consent_mode::consent_mode_signals;
use crate::effect::Effect;

/// The effects of `Crumb.reset()` with `in_force` the consent in force (already checked; `None`
/// when there is none, or only a stale one that no longer applies), in the order documented on
/// [`Effect`]: forget, erase, run gating with no consent, Consent Mode all denied, and the
/// `withdraw` record when the consent granted something optional. `ctx` is what [`decide`] takes;
/// its `new_id` is not used.
pub fn reset(config: &Config, in_force: Option<&Consent>, ctx: &DecisionContext<'_>) -> Vec<Effect> {
    let mut effects = vec![Effect::ForgetConsent];
    let (cookies, keys) = config.stored_by(|category, _| !category.required);
    if !cookies.is_empty() {
        effects.push(Effect::ClearCookies(cookies));
    }
    if !keys.is_empty() {
        effects.push(Effect::ClearStorage(keys));
    }
    effects.push(Effect::RunScripts);
    effects.push(Effect::UpdateConsentMode(consent_mode_signals(config, None)));
    if let Some(consent) = in_force {
        // Refusing everything optional is exactly what the reset does to the log; it is a
        // withdrawal when something optional was granted.
        let withdrawn = decide(config, Some(consent), &Choice::RejectAll, ctx);
        if withdrawn.action == Action::Withdraw {
            effects.push(Effect::SendRecord(record_for(config, &withdrawn.consent, Action::Withdraw, ctx)));
        }
    }
    effects
}
