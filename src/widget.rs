//! The widget's state, shared with every component as one context type, and the one place that
//! carries out what crumb-core decides (store, run, erase, signal, send, announce).

use std::collections::BTreeMap;
use std::sync::Arc;

use crumb_core::{consent::effects_on_load, decide, Choice, Config, Consent, Decision, DecisionContext, Diff, Effect, Texts};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::platform::{self, consent_mode, cookies, scripts, storage, transport};

/// What the widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Banner,
    Preferences,
    /// Nothing but the reopen button (when a decision exists).
    Closed,
}

/// The widget's state. Copy: every field is a handle into Leptos' arena.
#[derive(Clone, Copy)]
pub struct Widget {
    pub config: StoredValue<Arc<Config>>,
    pub texts: RwSignal<Texts>,
    pub view: RwSignal<View>,
    /// The consent in force; `None` until the shopper decides.
    pub consent: RwSignal<Option<Consent>>,
    /// A stored consent that no longer holds (new revision, expired): not applied, but its id
    /// and history continue with the next decision.
    pub stale: StoredValue<Option<Consent>>,
    /// The preference center's switches, before Save.
    pub draft: RwSignal<BTreeMap<String, bool>>,
    /// `navigator.globalPrivacyControl === true` and the site honours it.
    pub gpc: bool,
    /// The base URL the widget's files are served from (for i18n files).
    pub base: StoredValue<String>,
}

impl Widget {
    pub fn config(&self) -> Arc<Config> {
        self.config.get_value()
    }

    /// The switches as the preference center opens: the consent in force, else all off (no
    /// pre-ticked boxes); required categories on.
    pub fn reset_draft(&self) {
        let config = self.config();
        let consent = self.consent.get_untracked();
        let draft = config
            .categories
            .iter()
            .map(|c| (c.id.clone(), c.required || consent.as_ref().is_some_and(|s| s.granted(&c.id))))
            .collect();
        self.draft.set(draft);
    }

    pub fn show_banner(&self) {
        self.view.set(View::Banner);
    }

    pub fn show_preferences(&self) {
        self.reset_draft();
        self.view.set(View::Preferences);
    }

    /// Closes the banner or the preference center without deciding: closing is not consent.
    pub fn close(&self) {
        let next = if self.consent.get_untracked().is_some() { View::Closed } else { View::Banner };
        self.view.set(next);
    }

    pub fn toggle(&self, category: &str) {
        let config = self.config();
        if config.category(category).is_some_and(|c| !c.required) {
            self.draft.update(|d| {
                let on = d.get(category).copied().unwrap_or(false);
                d.insert(category.to_owned(), !on);
            });
        }
    }

    /// Save choices: the switches as they stand.
    pub fn draft_choice(&self) -> Choice {
        Choice::Custom { categories: self.draft.get_untracked(), services: BTreeMap::new() }
    }

    /// Records a choice and carries out its effects.
    pub fn choose(&self, choice: Choice) {
        let config = self.config();
        let previous = self.consent.get_untracked().or_else(|| self.stale.get_value());
        let new_id = platform::random_id();
        let language = self.texts.with_untracked(|t| t.language.clone());
        let url_path = platform::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".to_owned());
        let now = platform::now();
        // The record logs the signal the browser sent; crumb-core applies it only if the site honours it.
        let gpc = crate::boot::gpc_signal();
        let context = DecisionContext { now, new_id: &new_id, language: &language, gpc, url_path: &url_path };
        let Decision { consent, action, diff, effects } = decide(&config, previous.as_ref(), &choice, &context);
        storage::write_consent(&consent, now);
        self.consent.set(Some(consent.clone()));
        self.stale.set_value(None);
        self.view.set(View::Closed);
        self.carry_out(&consent, effects);
        announce(&consent, Some(action.as_str()), &diff);
    }

    /// Applies a consent found in storage on page load.
    pub fn apply_stored(&self, consent: &Consent) {
        let config = self.config();
        self.carry_out(consent, effects_on_load(&config, consent));
        announce(consent, None, &Diff::default());
    }

    fn carry_out(&self, consent: &Consent, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::RunScripts => scripts::run_allowed(Some(consent)),
                Effect::ClearCookies(specs) => {
                    cookies::erase_cookies(&specs);
                }
                Effect::ClearStorage(keys) => {
                    cookies::erase_storage(&keys);
                }
                Effect::UpdateConsentMode(signals) => consent_mode::update(&signals),
                Effect::SendRecord(record) => transport::send(record),
            }
        }
    }

    /// Forgets the consent: cookies of every non-required category go, the banner returns.
    pub fn reset(&self) {
        let config = self.config();
        let (specs, keys) = config.stored_by(|category, _| !category.required);
        cookies::erase_cookies(&specs);
        cookies::erase_storage(&keys);
        storage::clear_consent();
        self.consent.set(None);
        scripts::run_allowed(None);
        consent_mode::update(&crumb_core::consent_mode_signals(&config, None));
        self.view.set(View::Banner);
    }
}

/// `crumb:consent` always, `crumb:change` when something changed, and the dataLayer event.
fn announce(consent: &Consent, action: Option<&str>, diff: &Diff) {
    let detail = platform::to_js(consent);
    platform::dispatch("consent", &detail);
    if !diff.is_empty() {
        platform::dispatch("change", &platform::to_js(diff));
    }
    let categories = js_sys::Reflect::get(&detail, &JsValue::from_str("categories")).unwrap_or(JsValue::NULL);
    consent_mode::push_event(&categories, action);
}

pub fn use_widget() -> Option<Widget> {
    use_context::<Widget>()
}
