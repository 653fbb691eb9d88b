//! crumb-core: every decision Crumb makes, as pure Rust with no web dependency.
//!
//! The widget passes in what it observed (now, the stored value, navigator languages, the GPC
//! flag, a fresh random id) and carries out what comes back: a [`Prompt`], a new [`Consent`], a
//! [`Diff`] and a list of [`Effect`]s. Nothing here reads a clock, storage or the DOM, so
//! `cargo test -p crumb-core` covers the logic on the host.

#![deny(missing_docs)]

pub mod config;
pub mod config_change;
pub mod consent;
pub mod consent_mode;
pub mod contract;
pub mod debug;
pub mod diff;
pub mod effect;
pub mod gating;
pub mod ids;
pub mod json;
pub mod json_bounds;
pub mod language;
pub mod map;
pub mod outbox;
pub mod pattern;
pub mod plan;
pub mod prompt;
pub mod proof;
pub mod reconcile;
pub mod record;
pub mod reset;
pub mod scope;
pub mod texts;
pub mod theme;
pub mod time;

pub use config::{
    config_from_value, parse_config, typed_config, Category, Config, ConfigError, ConfigErrors, CookieSpec, Gating, GoogleConsentMode,
    Party, Service, StorageKey,
};
pub use consent::{decide, effects_on_load, Action, Choice, Consent, Decision, DecisionContext, StoredError};
pub use consent_mode::{consent_mode_signals, Signal};
pub use diff::Diff;
pub use effect::Effect;
pub use ids::{is_consent_id, is_id, is_site_id};
pub use language::{match_language, native_name, negotiate_language};
pub use map::Map;
pub use outbox::{delivery, push_bounded, Backoff, Delivery, OUTBOX_CAP};
pub use pattern::{check_pattern, PatternError};
pub use plan::{Plan, PLAN_KEY};
pub use prompt::{prompt_for, Prompt};
pub use reconcile::{reconcile, Reconciled};
pub use record::{ConsentRecord, RecordError};
pub use reset::reset;
pub use scope::{cookie_pairs, domain_covers, erase_domains, erase_paths, mirror_domain};
pub use texts::{TextKey, Texts};
