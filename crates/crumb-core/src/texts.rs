//! Translated texts: the keys every language file must have, the merge of a site's overrides over
//! the built-in texts, and placeholder handling. The texts themselves are data (`www/i18n/*.json`).

use std::collections::BTreeMap;

use crate::config::{Config, CookieDuration, DurationUnit};

/// Languages with a built-in text file under `www/i18n/`.
pub const BUILTIN_LANGUAGES: &[&str] = &["en", "nl", "zh"];

/// Category ids whose title and description the built-in texts carry.
pub const BUILTIN_CATEGORIES: &[&str] = &["necessary", "preferences", "analytics", "marketing"];

macro_rules! text_keys {
    ($($variant:ident => $key:literal,)*) => {
        /// A text of the widget's own (category texts are looked up by id instead).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum TextKey { $($variant,)* }

        impl TextKey {
            pub const ALL: &'static [TextKey] = &[$(TextKey::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(TextKey::$variant => $key,)* }
            }
        }
    };
}

text_keys! {
    BannerTitle => "banner.title",
    BannerText => "banner.text",
    BannerGpc => "banner.gpc",
    PolicyLink => "banner.policy_link",
    AcceptAll => "action.accept_all",
    RejectAll => "action.reject_all",
    Customize => "action.customize",
    Save => "action.save",
    Close => "action.close",
    PrefsTitle => "prefs.title",
    PrefsText => "prefs.text",
    AlwaysOn => "prefs.always_on",
    Services => "prefs.services",
    ServiceProvider => "prefs.service_provider",
    CookieName => "table.name",
    CookieProvider => "table.provider",
    CookiePurpose => "table.purpose",
    CookieDuration => "table.duration",
    CookieParty => "table.party",
    FirstParty => "party.first",
    ThirdParty => "party.third",
    Session => "duration.session",
    SecondOne => "duration.second.one",
    SecondOther => "duration.second.other",
    MinuteOne => "duration.minute.one",
    MinuteOther => "duration.minute.other",
    HourOne => "duration.hour.one",
    HourOther => "duration.hour.other",
    DayOne => "duration.day.one",
    DayOther => "duration.day.other",
    WeekOne => "duration.week.one",
    WeekOther => "duration.week.other",
    MonthOne => "duration.month.one",
    MonthOther => "duration.month.other",
    YearOne => "duration.year.one",
    YearOther => "duration.year.other",
    Reopen => "reopen.label",
    EmbedText => "embed.text",
    EmbedLoad => "embed.load",
}

/// Placeholders a text may carry, by key; translations must keep exactly these.
pub fn placeholders_of(key: &str) -> &'static [&'static str] {
    match key {
        "banner.text" => &["{policy}"],
        "prefs.services" => &["{count}"],
        "prefs.service_provider" => &["{provider}"],
        "embed.text" => &["{service}", "{category}"],
        k if k.starts_with("duration.") && k != "duration.session" => &["{n}"],
        _ => &[],
    }
}

/// Whether `key` is a text key of the widget or of a built-in category.
pub fn is_text_key(key: &str) -> bool {
    TextKey::ALL.iter().any(|k| k.as_str() == key)
        || key
            .strip_prefix("category.")
            .and_then(|rest| rest.rsplit_once('.'))
            .is_some_and(|(id, field)| BUILTIN_CATEGORIES.contains(&id) && matches!(field, "title" | "description"))
}

/// Every key a complete language file has.
pub fn required_keys() -> Vec<String> {
    let mut keys: Vec<String> = TextKey::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    for id in BUILTIN_CATEGORIES {
        keys.push(format!("category.{id}.title"));
        keys.push(format!("category.{id}.description"));
    }
    keys
}

/// The texts of one language: the built-in file with the site's overrides laid over it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    pub language: String,
    entries: BTreeMap<String, String>,
}

impl Texts {
    pub fn new(language: &str, builtin: BTreeMap<String, String>, config: &Config) -> Texts {
        let mut entries = builtin;
        if let Some(overrides) = config.texts.get(language) {
            for (key, value) in overrides {
                entries.insert(key.clone(), value.clone());
            }
        }
        Texts { language: language.to_owned(), entries }
    }

    /// The text for a key; the key itself when missing, so a gap is visible, never a crash.
    pub fn get(&self, key: TextKey) -> &str {
        self.lookup(key.as_str()).unwrap_or(key.as_str())
    }

    pub fn lookup(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    pub fn category_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.lookup(&format!("category.{id}.title")).unwrap_or(id)
    }

    pub fn category_description(&self, id: &str) -> &str {
        self.lookup(&format!("category.{id}.description")).unwrap_or("")
    }

    /// `key` with `{name}` replaced by `value`.
    pub fn fill(&self, key: TextKey, name: &str, value: &str) -> String {
        self.get(key).replace(name, value)
    }

    /// A cookie's lifetime in words: `2 years`, `1 day`, `session`.
    pub fn duration(&self, duration: CookieDuration) -> String {
        let (n, unit) = match duration {
            CookieDuration::Session => return self.get(TextKey::Session).to_owned(),
            CookieDuration::Span(n, unit) => (n, unit),
        };
        let one = n == 1;
        let key = match unit {
            DurationUnit::Second if one => TextKey::SecondOne,
            DurationUnit::Second => TextKey::SecondOther,
            DurationUnit::Minute if one => TextKey::MinuteOne,
            DurationUnit::Minute => TextKey::MinuteOther,
            DurationUnit::Hour if one => TextKey::HourOne,
            DurationUnit::Hour => TextKey::HourOther,
            DurationUnit::Day if one => TextKey::DayOne,
            DurationUnit::Day => TextKey::DayOther,
            DurationUnit::Week if one => TextKey::WeekOne,
            DurationUnit::Week => TextKey::WeekOther,
            DurationUnit::Month if one => TextKey::MonthOne,
            DurationUnit::Month => TextKey::MonthOther,
            DurationUnit::Year if one => TextKey::YearOne,
            DurationUnit::Year => TextKey::YearOther,
        };
        self.fill(key, "{n}", &n.to_string())
    }
}

/// Splits a text around one placeholder: `("Read our ", "privacy policy", ".")` style pieces.
pub fn split_placeholder<'a>(text: &'a str, placeholder: &str) -> (&'a str, Option<&'a str>) {
    match text.split_once(placeholder) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn i18n_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/i18n")
    }

    fn load(language: &str) -> BTreeMap<String, String> {
        let path = i18n_dir().join(format!("{language}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn english_reference_has_exactly_the_required_keys() {
        let en = load("en");
        let mut required = required_keys();
        required.sort();
        assert_eq!(en.keys().cloned().collect::<Vec<_>>(), required);
    }

    #[test]
    fn every_language_matches_the_reference_keys_and_placeholders() {
        let en = load("en");
        let files: Vec<String> = std::fs::read_dir(i18n_dir())
            .expect("www/i18n exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".json").map(str::to_owned))
            .collect();
        for language in BUILTIN_LANGUAGES {
            assert!(files.iter().any(|f| f == language), "www/i18n/{language}.json is missing");
        }
        for language in &files {
            let texts = load(language);
            let missing: Vec<_> = en.keys().filter(|k| !texts.contains_key(*k)).collect();
            let extra: Vec<_> = texts.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{language} misses {missing:?}");
            assert!(extra.is_empty(), "{language} has unknown keys {extra:?}");
            for (key, value) in &texts {
                assert!(!value.trim().is_empty(), "{language}.{key} is empty");
                for placeholder in placeholders_of(key) {
                    assert_eq!(value.matches(placeholder).count(), 1, "{language}.{key} must keep {placeholder} once");
                }
                let braces = value.matches('{').count();
                assert_eq!(braces, placeholders_of(key).len(), "{language}.{key} has a stray placeholder");
            }
        }
    }

    #[test]
    fn durations_read_in_words() {
        let mut builtin = BTreeMap::new();
        builtin.insert("duration.day.one".to_owned(), "{n} day".to_owned());
        builtin.insert("duration.day.other".to_owned(), "{n} days".to_owned());
        builtin.insert("duration.session".to_owned(), "session".to_owned());
        let texts = Texts { language: "en".into(), entries: builtin };
        assert_eq!(texts.duration(CookieDuration::Span(1, DurationUnit::Day)), "1 day");
        assert_eq!(texts.duration(CookieDuration::Span(30, DurationUnit::Day)), "30 days");
        assert_eq!(texts.duration(CookieDuration::Session), "session");
        assert_eq!(texts.duration(CookieDuration::Span(2, DurationUnit::Year)), "duration.year.other");
    }

    #[test]
    fn splits_around_a_placeholder() {
        assert_eq!(split_placeholder("Read our {policy}.", "{policy}"), ("Read our ", Some(".")));
        assert_eq!(split_placeholder("No link here", "{policy}"), ("No link here", None));
    }
}
