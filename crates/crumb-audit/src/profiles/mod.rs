//! How the auditor finds a banner's parts: a [`Profile`] of CSS selectors, one per banner it knows
//! (Crumb, orestbida's cookieconsent, Klaro, tarteaucitron), or one built from the command line's
//! `--accept`/`--reject`/`--settings` selectors for any other banner.
//!
//! Every selector is searched in the document and in every open shadow root, and the first
//! *visible* match is taken (a banner's hidden template does not count).

mod libraries;

use crumb_core::{ids, plan};

pub use libraries::{cookieconsent, klaro, tarteaucitron};

/// The selectors of one banner. `None` means the banner has no such part.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Profile {
    /// Short name, shown in the report (`crumb`, `cookieconsent`, `klaro`, `tarteaucitron`,
    /// `selectors`).
    pub name: String,
    /// Present on the page (visible or not) when this banner is in use.
    pub detect: String,
    /// The first layer.
    pub banner: String,
    /// Accept all, on the first layer.
    pub accept: String,
    /// Reject all, on the first layer.
    pub reject: Option<String>,
    /// Opens the second layer from the first.
    pub settings: Option<String>,
    /// A close button (an X, "continue without accepting") on the first layer.
    pub close: Option<String>,
    /// The second layer (the preference center).
    pub prefs: Option<String>,
    /// Accept all, reject all and save, in the second layer.
    pub prefs_accept: Option<String>,
    pub prefs_reject: Option<String>,
    pub prefs_save: Option<String>,
    /// Every on/off control in the second layer (checkboxes, `role="switch"` buttons): a control
    /// that is on and enabled is pre-ticked; one that is on and disabled is locked on.
    pub toggles: Option<String>,
    /// The strictly necessary category's control or its "always on" label in the second layer.
    pub necessary: Option<String>,
    /// After a choice: the permanent control that brings the choice back.
    pub withdraw: Option<String>,
    /// The rows of the banner's cookie tables, one a cookie or storage key: the name is the row's
    /// `data-cookie` attribute when it has one, else its first cell's text.
    pub cookie_rows: Option<String>,
    /// The rows of cookies declared strictly necessary (allowed before a choice).
    pub necessary_rows: Option<String>,
    /// The banner's own cookies and storage keys that hold the choice (allowed before and after a
    /// choice); a trailing `*` matches any name that starts with the rest.
    pub own_keys: Vec<String>,
    /// A JavaScript expression that is true once the banner has settled: shown, or not shown
    /// because a choice is in force. Without one the auditor waits the settle time instead.
    pub ready: Option<String>,
}

impl Profile {
    /// Whether a cookie or storage key is one of the banner's own.
    pub fn is_own(&self, name: &str) -> bool {
        self.own_keys.iter().any(|key| match key.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => key == name,
        })
    }
}

fn some(selector: &str) -> Option<String> {
    Some(selector.to_owned())
}

/// Crumb's banner, found by its stable hooks (`data-crumb-part`, `data-action`).
pub fn crumb() -> Profile {
    Profile {
        name: "crumb".into(),
        detect: "#crumb-root".into(),
        banner: r#"[data-crumb-part="banner"]"#.into(),
        accept: r#"[data-crumb-part="banner"] button[data-action="accept-all"]"#.into(),
        reject: some(r#"[data-crumb-part="banner"] button[data-action="reject-all"]"#),
        settings: some(r#"[data-crumb-part="banner"] button[data-action="customize"]"#),
        close: None,
        prefs: some(r#"[data-crumb-part="preferences"]"#),
        prefs_accept: some(r#"[data-crumb-part="preferences"] button[data-action="accept-all"]"#),
        prefs_reject: some(r#"[data-crumb-part="preferences"] button[data-action="reject-all"]"#),
        prefs_save: some(r#"[data-crumb-part="preferences"] button[data-action="save"]"#),
        toggles: some(r#"[data-crumb-part="preferences"] button[role="switch"]"#),
        necessary: some(r#"[data-crumb-part="preferences"] button[role="switch"][aria-disabled="true"]"#),
        withdraw: some(r#"button[data-action="reopen"], [data-crumb="preferences"]"#),
        cookie_rows: some("[data-service] table.crumb-cookies tr[data-cookie]"),
        necessary_rows: some(r#"section.crumb-category:has(button[role="switch"][aria-disabled="true"]) tr[data-cookie]"#),
        // Crumb's own names exactly, from crumb-core (not `crumb_*`: a shop may name its own
        // cookies so, like the demo shop's `crumb_demo_cart`).
        own_keys: [ids::CONSENT_COOKIE, ids::STORAGE_KEY, ids::OUTBOX_KEY, ids::SECRET_KEY, plan::PLAN_KEY].map(str::to_owned).to_vec(),
        ready: some(
            "!window.Crumb || !!(window.Crumb.ready === true && (window.Crumb.getConsent() !== null || \
             (document.querySelector('#crumb-root') && document.querySelector('#crumb-root').shadowRoot && \
              document.querySelector('#crumb-root').shadowRoot.querySelector('[data-crumb-part=banner]'))))",
        ),
    }
}

/// Built-in profiles, tried in this order when no selectors are given.
pub fn builtin() -> Vec<Profile> {
    vec![crumb(), cookieconsent(), klaro(), tarteaucitron()]
}

/// A profile from the command line's selectors, for any other banner.
pub fn from_selectors(accept: &str, reject: Option<&str>, settings: Option<&str>) -> Profile {
    Profile {
        name: "selectors".into(),
        detect: accept.to_owned(),
        banner: accept.to_owned(),
        accept: accept.to_owned(),
        reject: reject.map(str::to_owned),
        settings: settings.map(str::to_owned),
        close: None,
        prefs: None,
        prefs_accept: None,
        prefs_reject: None,
        prefs_save: None,
        toggles: None,
        necessary: None,
        withdraw: None,
        cookie_rows: None,
        necessary_rows: None,
        own_keys: Vec::new(),
        ready: None,
    }
}
