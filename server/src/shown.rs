//! What a hosted config's banner says to a shopper, in words: the first layer (title, text,
//! buttons) and the categories with their services, per language, from the config's own texts
//! over the built-in texts this server serves (`<site>/crumb/i18n/<language>.json`), as the
//! widget composes them (`crumb_core::texts::Texts`).
//!
//! A publish freezes it for every offered language ([`snapshot`], stored with the version), so the
//! proof view shows what the shopper read even after a later release changes a built-in text.

use std::path::Path;

use crumb_core::texts::{TextKey, Texts, BUILTIN_LANGUAGES};
use crumb_core::{Config, Map};
use serde::{Deserialize, Serialize};

/// The banner in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Banner {
    pub title: String,
    pub text: String,
    /// Accept all, Reject all, Customize.
    pub buttons: [String; 3],
    pub categories: Vec<ShownCategory>,
}

/// A category as the preference center words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShownCategory {
    pub title: String,
    pub required: bool,
    pub description: String,
    pub services: Vec<String>,
}

/// A version's frozen banners: its fallback language and one banner per offered language.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Snapshot {
    fallback: String,
    languages: Map<Banner>,
}

/// The built-in texts of `language` that this server serves, or none: a code that is not a
/// built-in language never names a file.
fn builtin_texts(site_dir: &Path, language: &str) -> Map<String> {
    if !BUILTIN_LANGUAGES.contains(&language) {
        return Map::new();
    }
    std::fs::read_to_string(site_dir.join("crumb/i18n").join(format!("{language}.json")))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The banner and the categories of `config` in `language`, as the widget words them (the
/// fallback language's built-in texts for a language with none of its own).
pub(crate) fn banner(config: &Config, language: &str, site_dir: &Path) -> Banner {
    let mut builtin = builtin_texts(site_dir, language);
    if builtin.is_empty() {
        builtin = builtin_texts(site_dir, &config.fallback);
    }
    let texts = Texts::new(language, builtin, config);
    let categories = config
        .categories
        .iter()
        .map(|category| ShownCategory {
            title: texts.category_title(&category.id).to_owned(),
            required: category.required,
            description: texts.category_description(&category.id).to_owned(),
            services: category.services.iter().map(|s| s.name.get(language, &config.fallback).to_owned()).collect(),
        })
        .collect();
    Banner {
        title: texts.get(TextKey::BannerTitle).to_owned(),
        text: texts.get(TextKey::BannerText).replace("{policy}", texts.get(TextKey::PolicyLink)),
        buttons: [TextKey::AcceptAll, TextKey::RejectAll, TextKey::Customize].map(|key| texts.get(key).to_owned()),
        categories,
    }
}

/// Every offered language's banner, as JSON text to store with a published version.
pub(crate) fn snapshot(config: &Config, site_dir: &Path) -> String {
    let languages = config.offered_languages().iter().map(|language| (language.clone(), banner(config, language, site_dir))).collect();
    serde_json::to_string(&Snapshot { fallback: config.fallback.clone(), languages }).unwrap_or_default()
}

/// A stored snapshot, read back.
pub(crate) struct Frozen(Snapshot);

impl Frozen {
    /// Reads a snapshot [`snapshot`] wrote; None for anything else (an empty text).
    pub(crate) fn parse(text: &str) -> Option<Frozen> {
        serde_json::from_str(text).ok().map(Frozen)
    }

    /// The banner it froze for `language` (the widget shows the fallback language for one it does
    /// not offer); None when it has neither.
    pub(crate) fn banner(&self, language: &str) -> Option<Banner> {
        let languages = &self.0.languages;
        languages.get(language).or_else(|| languages.get(&self.0.fallback)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crumb_core::parse_config(&mut serde_json::Deserializer::from_str(
            r#"{"site": "s", "revision": 1, "languages": ["en", "de"], "texts": {"en": {"banner.title": "Hello"}},
                "categories": [{"id": "necessary", "required": true}, {"id": "analytics", "services": [{"id": "a", "name": {"en": "Stats", "de": "Statistik"}}]}]}"#,
        ))
        .unwrap()
    }

    #[test]
    fn a_snapshot_freezes_every_offered_language_and_falls_back() {
        // The built site keeps the language files in `crumb/i18n/`; the sources are `www/i18n/`.
        let www = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("crumb/i18n")).unwrap();
        for language in ["en", "de"] {
            std::fs::copy(www.join(format!("i18n/{language}.json")), dir.path().join(format!("crumb/i18n/{language}.json"))).unwrap();
        }
        let frozen = Frozen::parse(&snapshot(&config(), dir.path())).unwrap();
        let en = frozen.banner("en").unwrap();
        assert_eq!(en.title, "Hello");
        assert_eq!(en.buttons[0], "Accept all");
        assert_eq!(en.categories[1].services, ["Stats"]);
        let de = frozen.banner("de").unwrap();
        assert_eq!(de.buttons[0], "Alle akzeptieren");
        assert_eq!(de.categories[1].services, ["Statistik"]);
        // A language the version did not offer: the widget showed the fallback.
        assert_eq!(frozen.banner("fr").unwrap(), en);
        assert!(Frozen::parse("").is_none());
        // A record's language never names a file.
        assert!(builtin_texts(dir.path(), "../../etc/passwd").is_empty());
    }
}
