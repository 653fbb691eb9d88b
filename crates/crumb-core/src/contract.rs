//! The public JavaScript contract, as data: the names a page can rely on.
//!
//! `window.Crumb` (or `window.CrumbConsent` when the page already owns `Crumb`) has the methods
//! [`API_METHODS`] and the properties [`API_PROPERTIES`]; the widget sends the events [`EVENTS`]
//! on `window`; `loader.js` sets Google Consent Mode defaults for the signals of
//! [`consent_mode_signal_names`]. The shipped `www/crumb.d.ts` and `www/loader.js` are checked
//! against these lists by `tests/contract.rs`, and the JSON shapes (`getConsent()`, event details)
//! against the serde form of [`Consent`](crate::Consent) and [`Diff`](crate::Diff), so the
//! types, the loader and Rust cannot drift apart. The widget's API should install exactly these
//! names.

use crate::consent_mode::Signal;

/// The globals the API is published on: `Crumb`, or `CrumbConsent` when the page already has a
/// `window.Crumb` of its own (loader.js then leaves it alone and says so in the console).
pub const API_GLOBALS: &[&str] = &["Crumb", "CrumbConsent"];

/// The actions: calls that change something. Before the widget is ready, loader.js's stub queues
/// them (in order) and the widget replays them once `crumb:ready` has been sent; with a broken
/// config each one only warns in the console.
pub const API_ACTIONS: &[&str] = &["show", "hide", "showPreferences", "acceptCategory", "setLanguage", "reset"];

/// The questions: calls that answer at once. Before the widget is ready (and with a broken
/// config) they answer "denied": `false`, `false` and `null`.
pub const API_QUESTIONS: &[&str] = &["acceptedCategory", "acceptedService", "getConsent"];

/// Subscribes to an event by its short name (`on("consent", fn)` listens to `crumb:consent` and
/// hands `fn` the event's `detail`); returns a function that unsubscribes. Works at once, before
/// the widget is ready.
pub const API_SUBSCRIBE: &str = "on";

/// Every method of `window.Crumb`, in the order the README and `crumb.d.ts` list them: the
/// [`API_ACTIONS`], the [`API_QUESTIONS`] and [`API_SUBSCRIBE`].
pub const API_METHODS: &[&str] = &[
    "show",
    "hide",
    "showPreferences",
    "acceptCategory",
    "acceptedCategory",
    "acceptedService",
    "getConsent",
    "setLanguage",
    "reset",
    "on",
];

/// The data properties of `window.Crumb`: `ready` (`false` on loader.js's stub and with a broken
/// config, `true` once the widget runs) and `version` (the widget's version, absent on the stub).
pub const API_PROPERTIES: &[&str] = &["ready", "version"];

/// The prefix of every event name; [`API_SUBSCRIBE`] takes the name without it.
pub const EVENT_PREFIX: &str = "crumb:";

/// The `CustomEvent`s sent on `window`:
/// - `crumb:ready`: once, when the API is installed and queued calls are about to be replayed;
///   `detail` is `true`, or `"unconfigured"` when the config is broken.
/// - `crumb:consent`: after every decision and on every page load with a consent in force;
///   `detail` is the stored consent ([`Consent`](crate::Consent)).
/// - `crumb:change`: after a decision that changed something; `detail` is the [`Diff`](crate::Diff).
pub const EVENTS: &[&str] = &["crumb:ready", "crumb:consent", "crumb:change"];

/// What `crumb:ready`'s `detail` is when the config is broken (it is `true` otherwise).
pub const READY_UNCONFIGURED: &str = "unconfigured";

/// The Google Consent Mode v2 signals, as gtag names them, in [`Signal::ALL`]'s order: loader.js
/// sets each to `denied` before any other script runs.
pub fn consent_mode_signal_names() -> [&'static str; 7] {
    Signal::ALL.map(Signal::as_str)
}

/// The short name [`API_SUBSCRIBE`] takes for an event (`consent` for `crumb:consent`).
pub fn short_event_name(event: &str) -> &str {
    event.strip_prefix(EVENT_PREFIX).unwrap_or(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_the_actions_the_questions_and_on() {
        let mut parts: Vec<&str> = API_ACTIONS.iter().chain(API_QUESTIONS).copied().chain([API_SUBSCRIBE]).collect();
        let mut methods = API_METHODS.to_vec();
        parts.sort_unstable();
        methods.sort_unstable();
        assert_eq!(parts, methods);
        let mut unique = methods.clone();
        unique.dedup();
        assert_eq!(unique, methods, "a method is listed twice");
    }

    #[test]
    fn names_are_distinct_and_events_prefixed() {
        for property in API_PROPERTIES {
            assert!(!API_METHODS.contains(property), "{property}");
        }
        for event in EVENTS {
            assert!(event.starts_with(EVENT_PREFIX), "{event}");
        }
        let short: Vec<&str> = EVENTS.iter().map(|e| short_event_name(e)).collect();
        assert_eq!(short, ["ready", "consent", "change"]);
    }

    #[test]
    fn seven_consent_mode_signals() {
        assert_eq!(
            consent_mode_signal_names(),
            [
                "ad_storage",
                "ad_user_data",
                "ad_personalization",
                "analytics_storage",
                "functionality_storage",
                "personalization_storage",
                "security_storage",
            ]
        );
    }
}
