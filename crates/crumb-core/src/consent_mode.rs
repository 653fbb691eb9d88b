//! Google Consent Mode v2: the seven signals and which category grants each.

use serde::Serialize;

use crate::json::{self, At, FromJson, Value};

use crate::config::Config;
use crate::consent::Consent;

/// One Google Consent Mode v2 signal, written in a config's `consent_mode` as gtag names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// `ad_storage`: cookies and storage for advertising.
    AdStorage,
    /// `ad_user_data`: sending user data to Google for advertising.
    AdUserData,
    /// `ad_personalization`: personalised advertising, such as remarketing.
    AdPersonalization,
    /// `analytics_storage`: cookies and storage for analytics, such as visit duration.
    AnalyticsStorage,
    /// `functionality_storage`: storage for the site's functions, such as language settings.
    FunctionalityStorage,
    /// `personalization_storage`: storage for personalisation, such as video recommendations.
    PersonalizationStorage,
    /// `security_storage`: storage for security, such as authentication and fraud prevention.
    SecurityStorage,
}

impl FromJson for Signal {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        Ok(Signal::ALL[json::variant(value, at, &Signal::ALL.map(Signal::as_str))?])
    }
}

impl Signal {
    /// The seven signals, in the order loader.js sets their `denied` defaults.
    pub const ALL: [Signal; 7] = [
        Signal::AdStorage,
        Signal::AdUserData,
        Signal::AdPersonalization,
        Signal::AnalyticsStorage,
        Signal::FunctionalityStorage,
        Signal::PersonalizationStorage,
        Signal::SecurityStorage,
    ];

    /// The signal's name in gtag and in a config (`ad_storage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::AdStorage => "ad_storage",
            Signal::AdUserData => "ad_user_data",
            Signal::AdPersonalization => "ad_personalization",
            Signal::AnalyticsStorage => "analytics_storage",
            Signal::FunctionalityStorage => "functionality_storage",
            Signal::PersonalizationStorage => "personalization_storage",
            Signal::SecurityStorage => "security_storage",
        }
    }

    /// The signals a category grants by default, by its id.
    pub fn default_for(category_id: &str) -> &'static [Signal] {
        match category_id {
            "necessary" => &[Signal::SecurityStorage],
            "preferences" => &[Signal::FunctionalityStorage, Signal::PersonalizationStorage],
            "analytics" => &[Signal::AnalyticsStorage],
            "marketing" => &[Signal::AdStorage, Signal::AdUserData, Signal::AdPersonalization],
            _ => &[],
        }
    }
}

/// All seven signals with granted (`true`) or denied, for a consent or for none (all denied).
/// A signal no category maps stays denied.
pub fn consent_mode_signals(config: &Config, consent: Option<&Consent>) -> Vec<(Signal, bool)> {
    Signal::ALL
        .iter()
        .map(|signal| {
            let granted = config.categories.iter().any(|category| {
                let mapped = match &category.consent_mode {
                    Some(list) => list.contains(signal),
                    None => Signal::default_for(&category.id).contains(signal),
                };
                mapped && consent.is_some_and(|c| c.granted(&category.id))
            });
            (*signal, granted)
        })
        .collect()
}
