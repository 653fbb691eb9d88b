//! Translated texts: the keys every language file must have, the merge of a site's overrides over
//! the built-in texts, and placeholder handling. The texts themselves are data (`www/i18n/*.json`).

use crate::map::Map;

use crate::config::{Config, CookieDuration, SiteKind};

/// Languages with a built-in text file under `www/i18n/`: the 24 official EU languages, then
/// Norwegian (Bokmål, also for `no` and `nn`), Icelandic, Turkish, Russian, Ukrainian, Arabic,
/// Hebrew, Japanese, Korean, Chinese (`zh` Simplified, `zh-Hant` Traditional) and Brazilian
/// Portuguese. Codes are stored in consents and records, so they never change once shipped.
pub const BUILTIN_LANGUAGES: &[&str] = &[
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk",
    "sl", "sv", "nb", "is", "tr", "ru", "uk", "ar", "he", "ja", "ko", "zh", "zh-Hant", "pt-BR",
];

/// Languages written right to left: the widget gets `dir="rtl"`.
pub fn is_rtl(language: &str) -> bool {
    matches!(language.split('-').next().unwrap_or(""), "ar" | "he" | "fa" | "ur")
}

/// Category ids whose title and description the built-in texts carry.
pub const BUILTIN_CATEGORIES: &[&str] = &["necessary", "preferences", "analytics", "marketing"];

/// Built-in categories whose purpose sentence (`category.<id>.purpose`) the banner says when the
/// site offers them: `necessary` has none, `banner.necessary` says what it is for.
pub const PURPOSE_CATEGORIES: &[&str] = &["preferences", "analytics", "marketing"];

/// Keys whose built-in text names the site, with a variant under `<key>.shop` that a config with
/// `"site_kind": "shop"` gets instead.
pub const SHOP_VARIANTS: &[&str] = &["banner.necessary", "prefs.text", "category.necessary.description", "category.analytics.description"];

macro_rules! text_keys {
    ($($(#[doc = $doc:literal])* $variant:ident => $key:literal,)*) => {
        /// A text of the widget's own (category texts are looked up by id instead).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum TextKey { $($(#[doc = $doc])* $variant,)* }

        impl TextKey {
            /// Every key, in the order declared.
            pub const ALL: &'static [TextKey] = &[$(TextKey::$variant,)*];
            /// The key as language files and a config's `texts` name it (`banner.title`).
            pub fn as_str(self) -> &'static str {
                match self { $(TextKey::$variant => $key,)* }
            }
        }
    };
}

text_keys! {
    /// The banner's heading.
    BannerTitle => "banner.title",
    /// The banner's text; the composed sentences ([`Texts::purposes`]) take the place of the
    /// `{purposes}` it starts with, the privacy policy link that of `{policy}`.
    BannerText => "banner.text",
    /// The banner's sentence on the cookies the site needs to work (always said).
    BannerNecessary => "banner.necessary",
    /// The banner's sentence that optional cookies are used only with consent (said when the site
    /// has an optional category), before each optional category's `category.<id>.purpose`.
    BannerConsent => "banner.consent",
    /// The banner's note that the browser's Global Privacy Control keeps sale-or-share cookies off.
    BannerGpc => "banner.gpc",
    /// The words of the privacy policy link put in for `{policy}`.
    PolicyLink => "banner.policy_link",
    /// The "Accept all" button.
    AcceptAll => "action.accept_all",
    /// The "Reject all" button.
    RejectAll => "action.reject_all",
    /// The banner's button that opens the preference center.
    Customize => "action.customize",
    /// The preference center's button that saves the switches as set.
    Save => "action.save",
    /// The accessible name of the preference center's close button.
    Close => "action.close",
    /// The preference center's heading.
    PrefsTitle => "prefs.title",
    /// The preference center's text above the categories.
    PrefsText => "prefs.text",
    /// The label of the language picker.
    LanguageLabel => "prefs.language",
    /// What a required category shows instead of a switch.
    AlwaysOn => "prefs.always_on",
    /// The summary of a category's services and cookies; `{count}` is how many cookies it lists.
    Services => "prefs.services",
    /// The line naming a service's provider; `{provider}` is the name.
    ServiceProvider => "prefs.service_provider",
    /// The cookie table's heading for the cookie's name or pattern.
    CookieName => "table.name",
    /// The cookie table's heading for who sets the cookie.
    CookieProvider => "table.provider",
    /// The cookie table's heading for what the cookie is for.
    CookiePurpose => "table.purpose",
    /// The cookie table's heading for how long the cookie lives.
    CookieDuration => "table.duration",
    /// The cookie table's heading for first or third party.
    CookieParty => "table.party",
    /// A first-party cookie, in the cookie table.
    FirstParty => "party.first",
    /// A third-party cookie, in the cookie table.
    ThirdParty => "party.third",
    /// A session cookie's duration.
    Session => "duration.session",
    /// `{n}` seconds in the plural form `one`.
    SecondOne => "duration.second.one",
    /// `{n}` seconds in the plural form `other`.
    SecondOther => "duration.second.other",
    /// `{n}` minutes in the plural form `one`.
    MinuteOne => "duration.minute.one",
    /// `{n}` minutes in the plural form `other`.
    MinuteOther => "duration.minute.other",
    /// `{n}` hours in the plural form `one`.
    HourOne => "duration.hour.one",
    /// `{n}` hours in the plural form `other`.
    HourOther => "duration.hour.other",
    /// `{n}` days in the plural form `one`.
    DayOne => "duration.day.one",
    /// `{n}` days in the plural form `other`.
    DayOther => "duration.day.other",
    /// `{n}` weeks in the plural form `one`.
    WeekOne => "duration.week.one",
    /// `{n}` weeks in the plural form `other`.
    WeekOther => "duration.week.other",
    /// `{n}` months in the plural form `one`.
    MonthOne => "duration.month.one",
    /// `{n}` months in the plural form `other`.
    MonthOther => "duration.month.other",
    /// `{n}` years in the plural form `one`.
    YearOne => "duration.year.one",
    /// `{n}` years in the plural form `other`.
    YearOther => "duration.year.other",
    /// The label of the floating button that reopens the preferences.
    Reopen => "reopen.label",
    /// The note on a blocked embed; `{service}` is the service's name, `{category}` the title of
    /// its category.
    EmbedText => "embed.text",
    /// The blocked embed's button that loads it, granting its service (or its category when it
    /// names no service).
    EmbedLoad => "embed.load",
}

/// Where `banner.text` takes the composed sentences ([`Texts::purposes`]); a text composes them
/// only when it starts with it.
pub const PURPOSES: &str = "{purposes}";

/// Placeholders a text may carry, by key; translations must keep exactly these.
pub fn placeholders_of(key: &str) -> &'static [&'static str] {
    match key {
        "banner.text" => &["{purposes}", "{policy}"],
        "prefs.services" => &["{count}"],
        "prefs.service_provider" => &["{provider}"],
        "embed.text" => &["{service}", "{category}"],
        k if k.starts_with("duration.") && k != "duration.session" => &["{n}"],
        _ => &[],
    }
}

/// Whether `key` is a text key of the widget or of a built-in category (including the extra
/// plural forms `duration.<unit>.zero|two|few|many` some languages need).
pub fn is_text_key(key: &str) -> bool {
    TextKey::ALL.iter().any(|k| k.as_str() == key)
        || key
            .strip_prefix("duration.")
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(unit, form)| DURATION_UNITS.contains(&unit) && PluralForm::ALL.iter().any(|p| p.as_str() == form))
        || key
            .strip_prefix("category.")
            .and_then(|rest| rest.rsplit_once('.'))
            .is_some_and(|(id, field)| BUILTIN_CATEGORIES.contains(&id) && matches!(field, "title" | "description" | "purpose"))
}

/// Every key a complete language file has.
pub fn required_keys() -> Vec<String> {
    let mut keys: Vec<String> = TextKey::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    for id in BUILTIN_CATEGORIES {
        keys.push(format!("category.{id}.title"));
        keys.push(format!("category.{id}.description"));
    }
    keys.extend(PURPOSE_CATEGORIES.iter().map(|id| format!("category.{id}.purpose")));
    keys.extend(SHOP_VARIANTS.iter().map(|key| format!("{key}.shop")));
    keys
}

/// Duration units, as they appear in text keys (`duration.<unit>.<form>`).
pub const DURATION_UNITS: &[&str] = &["second", "minute", "hour", "day", "week", "month", "year"];

/// CLDR plural categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PluralForm {
    /// `zero`: Arabic 0; Latvian 0, 10-20, 30...
    Zero,
    /// `one`: 1 in most languages (also 0 in French and Brazilian Portuguese; 21, 31... in some).
    One,
    /// `two`: 2 in Arabic, Hebrew, Irish, Maltese; Slovenian 2, 102...
    Two,
    /// `few`: such as 2-4 in Czech, Polish and Russian, 3-10 in Arabic.
    Few,
    /// `many`: such as 5-20 in Polish and Russian, 11-99 in Arabic, a million in French.
    Many,
    /// `other`: every number no other form takes. Every language has it, and it stands in for a
    /// duration form a site's texts lack.
    Other,
}

impl PluralForm {
    /// Every form, in CLDR's order.
    pub const ALL: &'static [PluralForm] =
        &[PluralForm::Zero, PluralForm::One, PluralForm::Two, PluralForm::Few, PluralForm::Many, PluralForm::Other];

    /// The form's CLDR name, as in text keys (`duration.day.few`).
    pub fn as_str(self) -> &'static str {
        match self {
            PluralForm::Zero => "zero",
            PluralForm::One => "one",
            PluralForm::Two => "two",
            PluralForm::Few => "few",
            PluralForm::Many => "many",
            PluralForm::Other => "other",
        }
    }
}

/// The CLDR plural category of a whole number `n` in `language` (cardinal rules of CLDR 48 for
/// integers, where the operands `v`, `f`, `t` and `e` are all 0: the fraction-only and
/// compact-exponent categories never apply because durations are whole numbers).
///
/// `language` is a code as this project ships them: `pt` is European Portuguese (CLDR `pt_PT`)
/// and `pt-BR` Brazilian (CLDR `pt`); any other `pt-*` follows `pt_PT`, as CLDR's parent locales
/// say. Other region or script subtags do not change the rules of the languages shipped here.
pub fn plural_form(language: &str, n: u32) -> PluralForm {
    use PluralForm::*;
    let (n10, n100) = (n % 10, n % 100);
    let slavic = |many: PluralForm| match () {
        _ if n10 == 1 && n100 != 11 => One,
        _ if (2..=4).contains(&n10) && !(12..=14).contains(&n100) => Few,
        _ => many,
    };
    // fr, es, it, pt, ca: `many` is `e = 0 and i != 0 and i % 1000000 = 0 and v = 0`, so a
    // million ("1 000 000 de jours") but never 0.
    let millions = n != 0 && n.is_multiple_of(1_000_000);
    let mut subtags = language.split('-');
    let primary = subtags.next().unwrap_or("");
    let brazilian = primary == "pt" && subtags.any(|s| s.eq_ignore_ascii_case("br"));
    match primary {
        "ja" | "ko" | "zh" => Other,
        "ru" | "uk" => slavic(Many),
        "hr" | "bs" | "sr" => slavic(Other),
        "pl" => match () {
            _ if n == 1 => One,
            _ if (2..=4).contains(&n10) && !(12..=14).contains(&n100) => Few,
            _ => Many,
        },
        "cs" | "sk" => match n {
            1 => One,
            2..=4 => Few,
            _ => Other,
        },
        "sl" => match n100 {
            1 => One,
            2 => Two,
            3 | 4 => Few,
            _ => Other,
        },
        "lt" => match () {
            _ if (11..=19).contains(&n100) => Other,
            _ if n10 == 1 => One,
            _ if n10 >= 2 => Few,
            _ => Other,
        },
        "lv" => match () {
            _ if n10 == 0 || (11..=19).contains(&n100) => Zero,
            _ if n10 == 1 => One,
            _ => Other,
        },
        // `few`: n = 0 or n != 1 and n % 100 = 1..19, so "101 zile" but "120 de zile".
        "ro" => match () {
            _ if n == 1 => One,
            _ if n == 0 || (1..=19).contains(&n100) => Few,
            _ => Other,
        },
        "is" => {
            if n10 == 1 && n100 != 11 {
                One
            } else {
                Other
            }
        }
        "ga" => match n {
            1 => One,
            2 => Two,
            3..=6 => Few,
            7..=10 => Many,
            _ => Other,
        },
        "mt" => match () {
            _ if n == 1 => One,
            _ if n == 2 => Two,
            _ if n == 0 || (3..=10).contains(&n100) => Few,
            _ if (11..=19).contains(&n100) => Many,
            _ => Other,
        },
        "ar" => match () {
            _ if n == 0 => Zero,
            _ if n == 1 => One,
            _ if n == 2 => Two,
            _ if (3..=10).contains(&n100) => Few,
            _ if (11..=99).contains(&n100) => Many,
            _ => Other,
        },
        "he" => match n {
            1 => One,
            2 => Two,
            _ => Other,
        },
        // French and Brazilian Portuguese: `one` is i = 0,1, so "0 jour".
        "fr" => match n {
            0 | 1 => One,
            _ if millions => Many,
            _ => Other,
        },
        "pt" if brazilian => match n {
            0 | 1 => One,
            _ if millions => Many,
            _ => Other,
        },
        "es" | "it" | "pt" | "ca" => match n {
            1 => One,
            _ if millions => Many,
            _ => Other,
        },
        _ => {
            if n == 1 {
                One
            } else {
                Other
            }
        }
    }
}

/// The plural forms a language's file carries for each duration unit: `one` and `other` (the
/// reference keys) plus every other form its rule gives for whole numbers.
pub fn plural_forms_of(language: &str) -> Vec<PluralForm> {
    let mut forms = vec![PluralForm::One, PluralForm::Other];
    // Every rule above repeats with period 100, except the million rule: 1..=200 plus 10^6 covers them.
    for n in (1..=200).chain([1_000_000]) {
        let form = plural_form(language, n);
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms.sort();
    forms
}

/// Every key the built-in file of `language` has: the reference keys plus its extra plural forms.
pub fn required_keys_of(language: &str) -> Vec<String> {
    let mut keys = required_keys();
    for form in plural_forms_of(language) {
        if !matches!(form, PluralForm::One | PluralForm::Other) {
            keys.extend(DURATION_UNITS.iter().map(|unit| format!("duration.{unit}.{}", form.as_str())));
        }
    }
    keys.sort();
    keys
}

/// The texts of one language: the built-in file with the site's overrides laid over it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    /// The language code of these texts; it picks the plural rules.
    pub language: String,
    entries: Map<String>,
}

impl Texts {
    /// The texts of `language`: `builtin` (its file from `www/i18n/`, with its `.shop` variants
    /// for a shop) with the config's `texts.<language>` overrides laid over it, and the
    /// `{purposes}` that `banner.text` starts with replaced by [`Texts::purposes`].
    pub fn new(language: &str, builtin: Map<String>, config: &Config) -> Texts {
        let mut entries = builtin;
        if config.site_kind == SiteKind::Shop {
            for key in SHOP_VARIANTS {
                if let Some(shop) = entries.get(&format!("{key}.shop")).cloned() {
                    entries.insert((*key).to_owned(), shop);
                }
            }
        }
        if let Some(overrides) = config.texts.get(language) {
            entries.extend(overrides.iter().map(|(key, value)| (key.clone(), value.clone())));
        }
        let mut texts = Texts { language: language.to_owned(), entries };
        // `{purposes}` opens the text in every language (tested); a prefix costs the widget less
        // than a search.
        if let Some(rest) = texts.lookup(TextKey::BannerText.as_str()).and_then(|t| t.strip_prefix(PURPOSES)) {
            let text = texts.purposes(config) + rest;
            texts.entries.insert(TextKey::BannerText.as_str().to_owned(), text);
        }
        texts
    }

    /// What the banner says the site's cookies are for, in whole sentences: `banner.necessary`,
    /// then, when the site has an optional category, `banner.consent` and the
    /// `category.<id>.purpose` of each optional category in the config's order. Whole sentences
    /// stay grammatical in every language whatever the site offers: none is declined or
    /// conjugated by its neighbours. A custom category's sentence missing from these texts (only
    /// when the fallback English had to stand in) is taken from `texts.<fallback>`.
    pub fn purposes(&self, config: &Config) -> String {
        // Chinese and Japanese put no space between sentences.
        let gap = if matches!(self.language.split('-').next(), Some("ja" | "zh")) { "" } else { " " };
        let mut text = String::from(self.get(TextKey::BannerNecessary));
        let mut say = |sentence: &str| {
            text.push_str(gap);
            text.push_str(sentence);
        };
        let optional = config.categories.iter().filter(|c| !c.required && c.id != "necessary");
        for (i, category) in optional.enumerate() {
            if i == 0 {
                say(self.get(TextKey::BannerConsent));
            }
            let key = format!("category.{}.purpose", category.id);
            let fallback = config.texts.get(&config.fallback).and_then(|t| t.get(&key));
            say(self.lookup(&key).or(fallback.map(String::as_str)).unwrap_or(&key));
        }
        text
    }

    /// The text for a key; the key itself when missing, so a gap is visible, never a crash.
    pub fn get(&self, key: TextKey) -> &str {
        self.lookup(key.as_str()).unwrap_or(key.as_str())
    }

    /// The text under any key (a widget key, `category.<id>.title`, a plural form), if there is
    /// one.
    pub fn lookup(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// A category's title; its id when no text has one.
    pub fn category_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.lookup(&format!("category.{id}.title")).unwrap_or(id)
    }

    /// A category's description; empty when no text has one.
    pub fn category_description(&self, id: &str) -> &str {
        self.lookup(&format!("category.{id}.description")).unwrap_or("")
    }

    /// `key` with `{name}` replaced by `value`.
    pub fn fill(&self, key: TextKey, name: &str, value: &str) -> String {
        self.get(key).replace(name, value)
    }

    /// A cookie's lifetime in words, in the language's plural form: `2 years`, `1 day`, `5 лет`.
    pub fn duration(&self, duration: CookieDuration) -> String {
        let (n, unit) = match duration {
            CookieDuration::Session => return self.get(TextKey::Session).to_owned(),
            CookieDuration::Span(n, unit) => (n, unit),
        };
        let form = plural_form(&self.language, n);
        let key = format!("duration.{}.{}", unit.as_str(), form.as_str());
        let other = format!("duration.{}.other", unit.as_str());
        // A site override file may lack a form: `other` is the closest, then the key itself.
        let text = self.lookup(&key).or_else(|| self.lookup(&other)).unwrap_or(&key);
        text.replace("{n}", &n.to_string())
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
    use crate::config::DurationUnit;
    use std::path::PathBuf;

    fn i18n_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/i18n")
    }

    fn load(language: &str) -> Map<String> {
        let path = i18n_dir().join(format!("{language}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn files() -> Vec<String> {
        std::fs::read_dir(i18n_dir())
            .expect("www/i18n exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".json").map(str::to_owned))
            .collect()
    }

    fn texts_of(language: &str) -> Texts {
        Texts { language: language.into(), entries: load(language) }
    }

    #[test]
    fn english_reference_has_exactly_the_required_keys() {
        let en = load("en");
        let mut required = required_keys();
        required.sort();
        assert_eq!(en.keys().cloned().collect::<Vec<_>>(), required);
    }

    #[test]
    fn at_least_35_languages_ship_and_every_file_is_listed() {
        assert!(BUILTIN_LANGUAGES.len() >= 35, "only {} languages", BUILTIN_LANGUAGES.len());
        let files = files();
        for language in BUILTIN_LANGUAGES {
            assert!(files.iter().any(|f| f == language), "www/i18n/{language}.json is missing");
        }
        for file in &files {
            assert!(BUILTIN_LANGUAGES.contains(&file.as_str()), "www/i18n/{file}.json is not in BUILTIN_LANGUAGES");
        }
        let mut unique = BUILTIN_LANGUAGES.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), BUILTIN_LANGUAGES.len(), "a language is listed twice");
        for eu in [
            "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro",
            "sk", "sl", "sv",
        ] {
            assert!(BUILTIN_LANGUAGES.contains(&eu), "official EU language {eu} is missing");
        }
    }

    #[test]
    fn every_language_matches_the_reference_keys_and_placeholders() {
        for language in files() {
            let texts = load(&language);
            let required = required_keys_of(&language);
            let missing: Vec<_> = required.iter().filter(|k| !texts.contains_key(k)).collect();
            let extra: Vec<_> = texts.keys().filter(|k| !required.contains(k)).collect();
            assert!(missing.is_empty(), "{language} misses {missing:?}");
            assert!(extra.is_empty(), "{language} has unknown keys {extra:?}");
            for (key, value) in &texts {
                assert!(!value.trim().is_empty(), "{language}.{key} is empty");
                assert_eq!(value.trim(), value, "{language}.{key} has stray whitespace");
                // `one` and `two` may spell the number out (`יומיים`, `يومان`), as CLDR does.
                let number_optional = key.ends_with(".one") || key.ends_with(".two");
                for placeholder in placeholders_of(key) {
                    let count = value.matches(placeholder).count();
                    if number_optional {
                        assert!(count <= 1, "{language}.{key} has {placeholder} more than once");
                    } else {
                        assert_eq!(count, 1, "{language}.{key} must keep {placeholder} once");
                    }
                }
                let braces = value.matches('{').count() + value.matches('}').count();
                let expected: usize = placeholders_of(key).iter().map(|p| value.matches(p).count() * 2).sum();
                assert_eq!(braces, expected, "{language}.{key} has a stray or broken placeholder: {value}");
            }
        }
    }

    /// A config with `necessary` and the optional categories `optional`.
    fn config_with(optional: &[&str], extra: serde_json::Value) -> Config {
        let mut categories = vec![serde_json::json!({"id": "necessary", "required": true})];
        categories.extend(optional.iter().map(|id| serde_json::json!({ "id": id })));
        let mut value = serde_json::json!({"site": "s", "revision": 1, "categories": categories});
        if let (Some(value), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
            value.extend(extra);
        }
        // Typed but not validated: a valid config has an optional category, and these texts are
        // also composed without one.
        let value = serde::Deserialize::deserialize(value).unwrap_or_else(|e| panic!("{e}"));
        crate::config::typed_config(value).0.expect("a typed config")
    }

    /// Every subset of the optional built-in categories, in the built-in order.
    fn subsets() -> Vec<Vec<&'static str>> {
        (0..1 << PURPOSE_CATEGORIES.len())
            .map(|bits: usize| PURPOSE_CATEGORIES.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, id)| *id).collect())
            .collect()
    }

    #[test]
    fn the_banner_names_exactly_the_purposes_of_the_configured_categories_in_every_language() {
        for language in BUILTIN_LANGUAGES {
            let file = load(language);
            let text = |key: &str| file.get(key).unwrap_or_else(|| panic!("{language}: no {key}")).clone();
            let purposes: Vec<(&str, String)> =
                PURPOSE_CATEGORIES.iter().map(|id| (*id, text(&format!("category.{id}.purpose")))).collect();
            // Each sentence is told apart from the others, so "contains" below proves something.
            let sentences = [text("banner.necessary"), text("banner.necessary.shop"), text("banner.consent")];
            for (i, a) in purposes.iter().map(|(_, p)| p).chain(&sentences).enumerate() {
                for (j, b) in purposes.iter().map(|(_, p)| p).chain(&sentences).enumerate() {
                    // The shop's and the site's necessary sentence (3 and 4) are never said together.
                    assert!(i == j || (i.min(j), i.max(j)) == (3, 4) || !a.contains(b.as_str()), "{language}: `{b}` is inside `{a}`");
                }
            }
            for kind in ["site", "shop"] {
                let necessary = text(if kind == "shop" { "banner.necessary.shop" } else { "banner.necessary" });
                for optional in subsets() {
                    let config = config_with(&optional, serde_json::json!({ "site_kind": kind }));
                    let banner = Texts::new(language, file.clone(), &config).get(TextKey::BannerText).to_owned();
                    let case = format!("{language}, {kind}, {optional:?}: {banner}");
                    assert!(banner.starts_with(&necessary), "{case}");
                    assert_eq!(banner.contains(&text("banner.consent")), !optional.is_empty(), "{case}");
                    for (id, purpose) in &purposes {
                        assert_eq!(banner.contains(purpose.as_str()), optional.contains(id), "{case}: the purpose of {id}");
                    }
                    // No placeholder but the policy link is left, and the rest of the text is kept.
                    assert_eq!(banner.matches("{policy}").count(), 1, "{case}");
                    assert_eq!(banner.matches('{').count(), 1, "{case}");
                    let closing =
                        text("banner.text").strip_prefix(PURPOSES).unwrap_or_else(|| panic!("{case}: no leading {{purposes}}")).to_owned();
                    assert!(banner.ends_with(closing.trim_start()), "{case}");
                    // Whole sentences, joined as the language joins them.
                    let gap = if matches!(*language, "ja" | "zh" | "zh-Hant") { "" } else { " " };
                    let mut expected = vec![necessary.clone()];
                    if !optional.is_empty() {
                        expected.push(text("banner.consent"));
                        expected.extend(optional.iter().map(|id| text(&format!("category.{id}.purpose"))));
                    }
                    assert!(banner.starts_with(&(expected.join(gap) + gap)), "{case}");
                }
            }
        }
    }

    #[test]
    fn a_custom_category_says_its_own_purpose_where_it_stands() {
        let mut config = config_with(
            &["analytics"],
            serde_json::json!({
                "languages": ["en", "de"],
                "texts": {
                    "en": { "category.social.title": "Social media", "category.social.purpose": "Social media cookies let you share products." },
                    "de": { "category.social.purpose": "Social-Media-Cookies lassen Sie Produkte teilen." }
                }
            }),
        );
        config.categories.insert(1, config.categories[1].clone());
        config.categories[1].id = "social".into();
        let en = Texts::new("en", load("en"), &config);
        let banner = en.get(TextKey::BannerText);
        assert!(
            banner.starts_with(&format!(
                "{} {} Social media cookies let you share products. {} ",
                load("en").get("banner.necessary").unwrap(),
                load("en").get("banner.consent").unwrap(),
                load("en").get("category.analytics.purpose").unwrap()
            )),
            "{banner}"
        );
        let de = Texts::new("de", load("de"), &config);
        assert!(de.get(TextKey::BannerText).contains("Social-Media-Cookies lassen Sie Produkte teilen."));
        // The English that stands in when a language file cannot be fetched takes the sentence of
        // the fallback language; a required custom category says nothing of its own.
        config.categories[1].required = true;
        assert!(!Texts::new("en", load("en"), &config).get(TextKey::BannerText).contains("Social"));
    }

    #[test]
    fn a_site_banner_text_without_purposes_wins_whole_and_one_with_them_is_composed() {
        let own = "We bake cookies. More in our {policy}.";
        let config = config_with(&["marketing"], serde_json::json!({ "texts": { "en": { "banner.text": own } } }));
        assert_eq!(Texts::new("en", load("en"), &config).get(TextKey::BannerText), own);
        let config =
            config_with(&["marketing"], serde_json::json!({ "texts": { "en": { "banner.text": "{purposes} See our {policy}." } } }));
        let composed = Texts::new("en", load("en"), &config);
        assert!(composed.get(TextKey::BannerText).ends_with(" Marketing cookies show you relevant ads. See our {policy}."));
        // Before the language file has arrived there is nothing to compose: the key shows.
        assert_eq!(Texts::new("en", Map::new(), &config_with(&[], serde_json::json!({}))).get(TextKey::BannerText), "banner.text");
    }

    /// Each language's word for a shop, as its built-in texts wrote it before they were neutral.
    const SHOP_WORDS: &[(&str, &str)] = &[
        ("bg", "магазин"),
        ("cs", "obchod"),
        ("da", "butik"),
        ("de", "Shop"),
        ("el", "κατάστημ"),
        ("en", "shop"),
        ("es", "tienda"),
        ("et", "poe"),
        ("et", "pood"),
        ("fi", "kaup"),
        ("fr", "boutique"),
        ("ga", "siopa"),
        ("hr", "trgovin"),
        ("hu", "webáruház"),
        ("it", "negozio"),
        ("lt", "parduotuv"),
        ("lv", "veikal"),
        ("mt", "ħanut"),
        ("nl", "winkel"),
        ("pl", "sklep"),
        ("pt", "loja"),
        ("ro", "magazin"),
        ("sk", "obchod"),
        ("sl", "trgovin"),
        ("sv", "butik"),
        ("nb", "butikk"),
        ("is", "verslun"),
        ("tr", "mağaza"),
        ("ru", "магазин"),
        ("uk", "магазин"),
        ("ar", "متجر"),
        ("he", "חנות"),
        ("ja", "ショップ"),
        ("ko", "쇼핑몰"),
        ("zh", "商店"),
        ("zh-Hant", "商店"),
        ("pt-BR", "loja"),
    ];

    #[test]
    fn only_a_shop_is_called_a_shop() {
        for language in BUILTIN_LANGUAGES {
            let words: Vec<&str> = SHOP_WORDS.iter().filter(|(l, _)| l == language).map(|(_, w)| *w).collect();
            assert!(!words.is_empty(), "{language} has no shop word to check");
            let site = Texts::new(language, load(language), &config_with(PURPOSE_CATEGORIES, serde_json::json!({})));
            let shop = Texts::new(language, load(language), &config_with(PURPOSE_CATEGORIES, serde_json::json!({"site_kind": "shop"})));
            for key in required_keys().iter().filter(|k| !k.ends_with(".shop")) {
                let neutral = site.lookup(key).unwrap_or_default();
                for word in &words {
                    assert!(!neutral.to_lowercase().contains(&word.to_lowercase()), "{language}.{key} says `{word}`: {neutral}");
                }
            }
            for key in SHOP_VARIANTS {
                assert_eq!(shop.lookup(key), load(language).get(&format!("{key}.shop")).map(String::as_str), "{language}.{key}");
                assert_ne!(site.lookup(key), shop.lookup(key), "{language}.{key}: the shop variant is the same text");
            }
        }
    }

    #[test]
    fn french_puts_a_narrow_no_break_space_before_high_punctuation_and_inside_guillemets() {
        for (key, value) in &load("fr") {
            for (i, c) in value.char_indices() {
                let before = value[..i].chars().next_back();
                let after = value[i + c.len_utf8()..].chars().next();
                if matches!(c, ':' | ';' | '!' | '?' | '»') {
                    assert_eq!(before, Some('\u{202f}'), "fr.{key}: before `{c}` in {value}");
                }
                if c == '«' {
                    assert_eq!(after, Some('\u{202f}'), "fr.{key}: after `«` in {value}");
                }
            }
        }
    }

    #[test]
    fn the_cookie_tables_party_column_names_who_reads_the_cookie_in_parallel_words() {
        for language in BUILTIN_LANGUAGES {
            let t = load(language);
            let text = |key: &str| t.get(key).unwrap_or_else(|| panic!("{language}: no {key}")).as_str();
            let (heading, first, third) = (text("table.party"), text("party.first"), text("party.third"));
            assert!(heading != first && heading != third && first != third, "{language}");
        }
        let en = load("en");
        assert_eq!(
            ["table.party", "party.first", "party.third"].map(|k| en.get(k).unwrap().as_str()),
            ["Read by", "This website", "Another company"]
        );
    }

    #[test]
    fn refusal_and_consent_buttons_differ_in_every_language() {
        for language in BUILTIN_LANGUAGES {
            let t = load(language);
            let text = |key: &str| t.get(key).unwrap_or_else(|| panic!("{language}: no {key}"));
            let (accept, reject, customize) = (text("action.accept_all"), text("action.reject_all"), text("action.customize"));
            assert_ne!(accept, reject, "{language}");
            assert_ne!(reject, customize, "{language}");
            assert_ne!(accept, customize, "{language}");
        }
    }

    #[test]
    fn plural_rules_follow_cldr() {
        use PluralForm::*;
        // (language, [(n, form)]) from the CLDR plural rules for whole numbers.
        let table: &[(&str, &[(u32, PluralForm)])] = &[
            ("en", &[(1, One), (2, Other), (21, Other), (101, Other)]),
            ("de", &[(1, One), (0, Other), (13, Other)]),
            ("fr", &[(1, One), (2, Other), (1_000_000, Many), (2_000_000, Many), (1_000_001, Other)]),
            ("pt-BR", &[(1, One), (2, Other), (1_000_000, Many)]),
            ("zh-Hant", &[(1, Other), (2, Other)]),
            ("ja", &[(1, Other), (100, Other)]),
            (
                "ru",
                &[
                    (1, One),
                    (2, Few),
                    (4, Few),
                    (5, Many),
                    (11, Many),
                    (12, Many),
                    (21, One),
                    (22, Few),
                    (25, Many),
                    (111, Many),
                    (112, Many),
                    (121, One),
                ],
            ),
            ("uk", &[(1, One), (3, Few), (14, Many), (31, One), (44, Few)]),
            ("pl", &[(1, One), (2, Few), (5, Many), (12, Many), (21, Many), (22, Few), (101, Many), (104, Few)]),
            ("cs", &[(1, One), (2, Few), (4, Few), (5, Other), (22, Other)]),
            ("sk", &[(1, One), (3, Few), (21, Other)]),
            ("hr", &[(1, One), (2, Few), (5, Other), (11, Other), (21, One), (23, Few), (113, Other)]),
            ("sl", &[(1, One), (2, Two), (3, Few), (4, Few), (5, Other), (101, One), (102, Two), (103, Few), (111, Other)]),
            ("lt", &[(1, One), (2, Few), (9, Few), (10, Other), (11, Other), (19, Other), (21, One), (22, Few), (30, Other), (111, Other)]),
            ("lv", &[(1, One), (2, Other), (10, Zero), (11, Zero), (19, Zero), (20, Zero), (21, One), (22, Other), (111, Zero)]),
            ("ro", &[(1, One), (2, Few), (19, Few), (20, Other), (100, Other), (101, Few), (102, Few), (119, Few), (120, Other)]),
            ("is", &[(1, One), (11, Other), (21, One), (2, Other), (111, Other)]),
            ("ga", &[(1, One), (2, Two), (3, Few), (6, Few), (7, Many), (10, Many), (11, Other)]),
            ("mt", &[(1, One), (2, Two), (3, Few), (10, Few), (11, Many), (19, Many), (20, Other), (102, Other), (103, Few), (111, Many)]),
            (
                "ar",
                &[
                    (0, Zero),
                    (1, One),
                    (2, Two),
                    (3, Few),
                    (10, Few),
                    (11, Many),
                    (99, Many),
                    (100, Other),
                    (102, Other),
                    (103, Few),
                    (111, Many),
                ],
            ),
            ("he", &[(1, One), (2, Two), (3, Other), (10, Other), (20, Other)]),
        ];
        for (language, cases) in table {
            for (n, form) in *cases {
                assert_eq!(plural_form(language, *n), *form, "{language} n={n}");
            }
        }
    }

    #[test]
    fn durations_read_in_words_in_each_language() {
        use CookieDuration::{Session, Span};
        use DurationUnit::*;
        let cases: &[(&str, CookieDuration, &str)] = &[
            ("en", Span(1, Day), "1 day"),
            ("en", Span(30, Day), "30 days"),
            ("en", Session, "Until you close the browser"),
            ("de", Span(13, Month), "13 Monate"),
            ("ru", Span(1, Year), "1 год"),
            ("ru", Span(2, Year), "2 года"),
            ("ru", Span(5, Year), "5 лет"),
            ("ru", Span(21, Day), "21 день"),
            ("uk", Span(11, Month), "11 місяців"),
            ("pl", Span(2, Year), "2 lata"),
            ("pl", Span(5, Year), "5 lat"),
            ("pl", Span(22, Minute), "22 minuty"),
            ("cs", Span(3, Day), "3 dny"),
            ("cs", Span(30, Day), "30 dní"),
            ("sl", Span(2, Year), "2 leti"),
            ("sl", Span(102, Day), "102 dneva"),
            ("hr", Span(21, Day), "21 dan"),
            ("lt", Span(13, Month), "13 mėnesių"),
            ("lv", Span(30, Day), "30 dienu"),
            ("lv", Span(21, Day), "21 diena"),
            ("ro", Span(2, Year), "2 ani"),
            ("ro", Span(30, Day), "30 de zile"),
            ("ro", Span(101, Day), "101 zile"),
            ("ro", Span(120, Day), "120 de zile"),
            ("is", Span(21, Day), "21 dagur"),
            ("ar", Span(1, Day), "يوم واحد"),
            ("ar", Span(2, Day), "يومان"),
            ("ar", Span(3, Day), "3 أيام"),
            ("ar", Span(30, Day), "30 يومًا"),
            ("ar", Span(100, Day), "100 يوم"),
            ("he", Span(2, Year), "שנתיים"),
            ("he", Span(13, Month), "13 חודשים"),
            ("fr", Span(1_000_000, Second), "1000000 de secondes"),
            ("ja", Span(1, Year), "1年"),
            ("zh", Span(2, Year), "2 年"),
            ("zh-Hant", Span(30, Day), "30 天"),
        ];
        for (language, duration, expected) in cases {
            assert_eq!(texts_of(language).duration(*duration), *expected, "{language} {duration}");
        }
    }

    #[test]
    fn a_missing_form_falls_back_to_other_then_to_the_key() {
        let mut entries = Map::new();
        entries.insert("duration.year.other".to_owned(), "{n} лет".to_owned());
        let texts = Texts { language: "ru".into(), entries };
        assert_eq!(texts.duration(CookieDuration::Span(2, DurationUnit::Year)), "2 лет");
        assert_eq!(texts.duration(CookieDuration::Span(2, DurationUnit::Day)), "duration.day.few");
    }

    #[test]
    fn extra_plural_keys_are_text_keys_for_site_overrides() {
        assert!(is_text_key("duration.day.few"));
        assert!(is_text_key("duration.year.many"));
        assert!(is_text_key("prefs.language"));
        assert!(!is_text_key("duration.decade.few"));
        assert!(!is_text_key("duration.day.several"));
    }

    #[test]
    fn right_to_left_languages() {
        assert!(is_rtl("ar") && is_rtl("he") && is_rtl("ar-EG"));
        assert!(!is_rtl("en") && !is_rtl("zh-Hant") && !is_rtl("ru"));
    }

    #[test]
    fn splits_around_a_placeholder() {
        assert_eq!(split_placeholder("Read our {policy}.", "{policy}"), ("Read our ", Some(".")));
        assert_eq!(split_placeholder("No link here", "{policy}"), ("No link here", None));
    }
}
