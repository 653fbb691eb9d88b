//! The widget: its state, shared with every component as one context type, and the one place
//! that carries out what crumb-core decides ([`Widget::carry_out`]): store, run, erase, signal,
//! send, announce. It is the only caller of the platform's effects.

use crumb_core::Map;
use std::rc::Rc;
use std::sync::Arc;

use crumb_core::{consent::effects_on_load, decide, Choice, Config, Consent, Decision, DecisionContext, Diff, Effect, Plan, Texts};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::error::error;
use crate::platform::{self, cookies, Platform};

/// What the widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The first layer.
    Banner,
    /// The preference center.
    Preferences,
    /// Nothing but the reopen button (when a decision exists).
    Closed,
}

/// The widget's state. Copy: every field is a handle into Leptos' arena, owned by the `Owner`
/// the composition root made.
#[derive(Clone, Copy)]
pub struct Widget {
    /// The site's config.
    pub config: StoredValue<Arc<Config>>,
    /// The texts in the shopper's language.
    pub texts: RwSignal<Texts>,
    /// What is shown.
    pub view: RwSignal<View>,
    /// The consent in force; `None` until the shopper decides.
    pub consent: RwSignal<Option<Consent>>,
    /// A stored consent that no longer holds (new revision, expired): not applied, but its id
    /// and history continue with the next decision.
    pub stale: StoredValue<Option<Consent>>,
    /// The preference center's switches, before Save.
    pub draft: RwSignal<Map<bool>>,
    /// `navigator.globalPrivacyControl === true` and the site honours it.
    pub gpc: bool,
    /// The shadow root the components live in.
    pub shadow: StoredValue<web_sys::ShadowRoot, LocalStorage>,
    /// Where focus was before a dialog opened, to give it back.
    pub return_focus: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
    platform: StoredValue<Rc<Platform>, LocalStorage>,
    /// Counts language switches, so a slow file that arrives after a later switch is dropped.
    language_switches: StoredValue<u32>,
    /// `crumb_core::plan::digest` of the config text, for the returning visitor's plan.
    config_digest: u64,
}

/// What the widget starts from.
pub struct Start {
    /// The checked config.
    pub config: Config,
    /// `crumb_core::plan::digest` of the config's text.
    pub config_digest: u64,
    /// The texts in the negotiated language.
    pub texts: Texts,
    /// The stored consent, if any.
    pub stored: Option<Consent>,
    /// Whether the banner must be shown (no consent, a new revision, an expired one).
    pub ask: bool,
    /// The shadow root the components are mounted in.
    pub shadow: web_sys::ShadowRoot,
}

impl Widget {
    /// Makes the widget's state (under the current Leptos `Owner`).
    pub fn new(start: Start, platform: Rc<Platform>) -> Widget {
        let Start { config, config_digest, texts, stored, ask, shadow } = start;
        let gpc = platform.navigator.gpc() && config.gpc_applies();
        let (in_force, stale) = if ask { (None, stored) } else { (stored, None) };
        Widget {
            config: StoredValue::new(Arc::new(config)),
            texts: RwSignal::new(texts),
            view: RwSignal::new(if ask { View::Banner } else { View::Closed }),
            consent: RwSignal::new(in_force),
            stale: StoredValue::new(stale),
            draft: RwSignal::new(Map::new()),
            gpc,
            shadow: StoredValue::new_local(shadow),
            return_focus: StoredValue::new_local(None),
            platform: StoredValue::new_local(platform),
            language_switches: StoredValue::new(0),
            config_digest,
        }
    }

    /// The site's config.
    pub fn config(&self) -> Arc<Config> {
        self.config.get_value()
    }

    fn platform(&self) -> Rc<Platform> {
        self.platform.get_value()
    }

    /// The folder the widget's files come from.
    pub fn base(&self) -> String {
        self.platform().base.clone()
    }

    /// The switches as the preference center opens: the consent in force, else all off (no
    /// pre-ticked boxes); required categories on.
    pub fn reset_draft(&self) {
        let config = self.config();
        let consent = self.consent.get_untracked();
        let draft =
            config.categories.iter().map(|c| (c.id.clone(), c.required || consent.as_ref().is_some_and(|s| s.granted(&c.id)))).collect();
        self.draft.set(draft);
    }

    /// Shows the first layer.
    pub fn show_banner(&self) {
        self.view.set(View::Banner);
    }

    /// Shows the preference center with fresh switches.
    pub fn show_preferences(&self) {
        self.reset_draft();
        self.view.set(View::Preferences);
    }

    /// Closes the banner or the preference center without deciding: closing is not consent.
    pub fn close(&self) {
        let next = if self.consent.get_untracked().is_some() { View::Closed } else { View::Banner };
        self.view.set(next);
    }

    /// Hides everything but the reopen button; nothing is granted.
    pub fn hide(&self) {
        self.view.set(View::Closed);
    }

    /// Draws the current view again (after the page removed and the widget put back its host,
    /// which closed its popovers).
    pub fn redraw(&self) {
        self.view.update(|_| {});
    }

    /// Flips a category's switch in the preference center (never a required one).
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
        Choice::Custom { categories: self.draft.get_untracked(), services: Map::new() }
    }

    /// What the browser tells about this decision: now, the language shown, the page, the GPC
    /// signal.
    fn observed(&self) -> Observed {
        let platform = self.platform();
        Observed {
            now: platform::now(),
            language: self.texts.with_untracked(|t| t.language.clone()),
            url_path: platform.navigator.path(),
            gpc: platform.navigator.gpc(),
        }
    }

    /// Records a choice and carries out its effects.
    pub fn choose(&self, choice: Choice) {
        let config = self.config();
        let previous = self.consent.get_untracked().or_else(|| self.stale.get_value());
        let Decision { consent, action, diff, effects } = self.decide_here(previous.as_ref(), |context| {
            let decision = decide(&config, previous.as_ref(), &choice, context);
            let id = decision.consent.id.clone();
            (decision, Some(id))
        });
        self.consent.set(Some(consent.clone()));
        self.stale.set_value(None);
        self.view.set(View::Closed);
        self.carry_out(Some(&consent), effects);
        self.announce(&consent, Some(action.as_str()), &diff);
    }

    /// Adopts the consent in force, read from the cookie mirror (given on another subdomain of
    /// the config's `cookie_domain`), in place of `replaced` (the local one, if any): stored
    /// locally under this browser's own consent id, and logged with action `adopted`
    /// (`crumb_core::reconcile::adopt`).
    pub fn adopt(&self, replaced: Option<&Consent>) {
        let Some(shared) = self.consent.get_untracked() else { return };
        let config = self.config();
        let (consent, record) = self.decide_here(replaced, |context| {
            let adopted = crumb_core::reconcile::adopt(&config, replaced, &shared, context);
            let id = adopted.0.id.clone();
            (adopted, Some(id))
        });
        self.platform().consent_store.keep_locally(&consent);
        self.consent.set(Some(consent.clone()));
        self.carry_out(Some(&consent), vec![Effect::SendRecord(record)]);
    }

    /// Runs one of crumb-core's decisions (a choice, a reset, adopting) as this browser makes
    /// them: `decide` gets the context, with a fresh consent id derived from a fresh secret and
    /// whether this browser holds the secret of `previous` (the consent the decision continues),
    /// and returns its result and the consent id it recorded under, for which the fresh secret is
    /// then kept when it may be (`ConsentKeys::keep`).
    fn decide_here<T>(&self, previous: Option<&Consent>, decide: impl FnOnce(&DecisionContext<'_>) -> (T, Option<String>)) -> T {
        let (new_id, fresh) = fresh_id();
        let observed = self.observed();
        let keys = &self.platform().keys;
        let context = observed.context(&new_id, previous.is_some_and(|p| keys.secret_for(&p.id).is_some()));
        let (result, id) = decide(&context);
        if let Some(id) = id {
            keys.keep(&id, &new_id, fresh);
        }
        result
    }

    /// Applies the consent in force on page load: runs what it allows, restates Consent Mode.
    pub fn apply_stored(&self, consent: &Consent, planned: bool) {
        let config = self.config();
        self.carry_out(Some(consent), effects_on_load(&config, consent, planned));
        self.announce(consent, None, &Diff::default());
    }

    /// Stores the returning visitor's plan for `consent`, in force under this config
    /// (`crumb_core::plan`): the next page view's apply part starts its scripts from it.
    pub fn store_plan(&self, consent: &Consent) {
        let config = self.config();
        let digest = self.config_digest;
        self.platform().consent_store.write_plan(|text| Plan::new(digest, &config, consent, text));
    }

    /// Carries out effects: the only place the platform's effects are called from.
    pub fn carry_out(&self, consent: Option<&Consent>, effects: Vec<Effect>) {
        let platform = self.platform();
        let (host, path) = (platform.navigator.host(), platform.navigator.path());
        for effect in effects {
            match effect {
                Effect::StoreConsent(stored) => {
                    platform.consent_store.write(&stored, platform::now());
                    self.store_plan(&stored);
                }
                Effect::ForgetConsent => platform.consent_store.clear(),
                Effect::RunScripts => platform.gate.run_allowed(consent),
                Effect::ClearCookies(specs) => {
                    cookies::erase_cookies(platform.cookies.as_ref(), &host, &path, &specs);
                }
                Effect::ClearStorage(keys) => {
                    platform::storage::erase_storage(platform.storage.as_ref(), &keys);
                }
                Effect::UpdateConsentMode(signals) => platform.tags.update(&signals),
                Effect::SendRecord(mut record) => {
                    // Proves that this browser made the consent id (crumb_core::proof).
                    record.secret = platform.keys.secret_for(&record.consent_id);
                    platform.outbox.send(record)
                }
            }
        }
    }

    /// Forgets the consent (`Crumb.reset()`): what every optional service stored goes, nothing
    /// optional runs, Consent Mode is denied, a consent that granted something optional ends
    /// with a `withdraw` record (the rule is `crumb_core::reset`), and the banner returns.
    pub fn reset(&self) {
        let config = self.config();
        let in_force = self.consent.get_untracked();
        // Reset continues the consent in force; its withdrawal, if any, is that id's record (or,
        // for a consent whose secret is not here, one of this browser's own id).
        let effects = self.decide_here(in_force.as_ref(), |context| {
            let effects = crumb_core::reset::reset(&config, in_force.as_ref(), context);
            let recorded = effects.iter().find_map(|effect| match effect {
                Effect::SendRecord(record) => Some(record.consent_id.clone()),
                _ => None,
            });
            (effects, recorded)
        });
        self.consent.set(None);
        self.stale.set_value(None);
        self.carry_out(None, effects);
        self.view.set(View::Banner);
    }

    /// Switches to one of the site's languages (`pt-br`, `nl-BE` match as negotiation does):
    /// fetches only that language's file, then every text re-renders. An unknown code is a
    /// console error and changes nothing.
    pub async fn set_language(&self, requested: &str) -> bool {
        let config = self.config();
        let offered = config.offered_languages();
        let Some(code) = crumb_core::match_language(requested, &offered) else {
            error(&format!(
                "setLanguage: `{}` is not one of the site's languages ({})",
                crumb_core::json_bounds::cap_message(requested, 40),
                offered.join(", ")
            ));
            return false;
        };
        self.language_switches.update_value(|n| *n = n.wrapping_add(1));
        let switch = self.language_switches.get_value();
        if self.texts.with_untracked(|t| t.language == code) {
            return true;
        }
        match platform::config_input::load_texts(&self.base(), &code, &config).await {
            Ok(texts) if self.language_switches.get_value() == switch => {
                self.texts.set(texts);
                true
            }
            // A later switch was asked for while this file loaded: that one wins.
            Ok(_) => false,
            Err(why) => {
                error(&format!("setLanguage: could not load `{code}`: {why}"));
                false
            }
        }
    }

    /// `crumb:consent` always, `crumb:change` when something changed, and the dataLayer event.
    fn announce(&self, consent: &Consent, action: Option<&str>, diff: &Diff) {
        let detail = platform::to_js(consent);
        platform::dispatch("consent", &detail);
        if !diff.is_empty() {
            platform::dispatch("change", &platform::to_js(diff));
        }
        let categories = js_sys::Reflect::get(&detail, &JsValue::from_str("categories")).unwrap_or(JsValue::NULL);
        self.platform().tags.push_event(&categories, action);
    }

    /// Takes the widget down (tests boot several on one page): stops watching the page.
    pub fn stop(&self) {
        let platform = self.platform();
        platform.gate.stop();
        platform.host.remove();
    }
}

/// What the widget observed when the shopper decided (or reset), owned so that a
/// [`DecisionContext`] can borrow it.
struct Observed {
    now: i64,
    language: String,
    url_path: String,
    /// The signal the browser sent: the record logs it; crumb-core applies it only if the site
    /// honours it.
    gpc: bool,
}

impl Observed {
    fn context<'a>(&'a self, new_id: &'a str, holds_previous_secret: bool) -> DecisionContext<'a> {
        DecisionContext { now: self.now, new_id, holds_previous_secret, language: &self.language, gpc: self.gpc, url_path: &self.url_path }
    }
}

/// A fresh consent id and the secret it is derived from (`crumb_core::proof`); without
/// `crypto.getRandomValues`, a random id that no secret proves (the server keeps its records as
/// it did before secrets).
fn fresh_id() -> (String, Option<String>) {
    match platform::random_secret() {
        Some(secret) => (crumb_core::proof::consent_id_for(&secret), Some(secret)),
        None => (platform::random_id(), None),
    }
}

/// The widget, from any component.
pub fn use_widget() -> Option<Widget> {
    use_context::<Widget>()
}
