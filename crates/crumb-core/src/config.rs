//! The site owner's config: typed with serde, then validated; every error names the path of the
//! bad field (`categories[2].services[0].cookies[1].duration`).

use crate::map::Map;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::json::{read, At, FromJson, Unknown};

use crate::consent_mode::Signal;
use crate::ids::{is_id, is_own_name, is_site_id};
use crate::json::{self, Value};
use crate::pattern::check_pattern;
use crate::texts::{is_text_key, BUILTIN_LANGUAGES};

/// Days a consent is kept when the config does not say (about six months, as CNIL recommends).
pub const DEFAULT_EXPIRY_DAYS: u32 = 182;
/// The longest a consent may be kept: 13 months.
pub const MAX_EXPIRY_DAYS: u32 = 395;

/// A site's Crumb config as the site owner writes it (inline JSON or the script tag's
/// `data-config` URL); [`parse_config`] reads and validates it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Identifies the site in consent records (`[A-Za-z0-9._-]`, 1–100 characters).
    pub site: String,
    /// Bump it when categories or purposes change: every shopper is asked again.
    pub revision: u32,
    /// The privacy policy the banner links to: an `http(s)` URL or a path starting with `/`, at
    /// most 2000 characters. Without it the link's words show as plain text.
    pub policy_url: Option<String>,
    /// Where consent records are POSTed; the script tag's `data-endpoint` wins over it.
    pub endpoint: Option<String>,
    /// Days a consent holds before the shopper is asked again: 1-395 (13 months), default 182
    /// ([`DEFAULT_EXPIRY_DAYS`]).
    pub expiry_days: u32,
    /// `auto` (the page's `<html lang>`, then the shopper's browser languages) or one of
    /// `languages` (default `auto`).
    pub language: String,
    /// The language used when nothing the shopper's browser asks for is offered.
    pub fallback: String,
    /// The languages offered; all built-in ones when absent.
    pub languages: Option<Vec<String>>,
    /// The consent categories, in the order the preference center shows them: at least one, and
    /// at least one that is not `required`.
    pub categories: Vec<Category>,
    /// Per-language overrides of the built-in texts, key by key.
    pub texts: Map<Map<String>>,
    /// Whether `navigator.globalPrivacyControl` denies the sale-or-share categories (default on).
    pub honor_gpc: bool,
    /// The widget's colours.
    pub theme: Theme,
    /// Where the banner shows and whether the reopen button does.
    pub layout: Layout,
    /// The domain the `crumb_consent` cookie is set on (`example.com`), so a choice made on
    /// `shop.example.com` also holds on `www.example.com`. The current host when absent.
    pub cookie_domain: Option<String>,
    /// Google Consent Mode v2 options beyond the per-category signal mapping.
    pub google_consent_mode: GoogleConsentMode,
    /// Free text for the site owner's own notes; never shown.
    pub comment: Option<String>,
    /// What the built-in texts call the site: `site` (the default) or `shop` ("our shop").
    pub site_kind: SiteKind,
    /// How gated content is revived (`gating.require_nonce`).
    pub gating: Gating,
    /// The hosted config's version, set by crumb-server when it serves a site's published config
    /// (`/api/sites/<site>/config`); every consent record then names the version it was given
    /// under. Absent in a config written by hand.
    pub config_version: Option<u32>,
}

/// How gated content is revived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Gating {
    /// Revive only the gated scripts that carry the page's nonce (the nonce of loader.js's own
    /// `<script>`); the others stay inert, with a warning. For pages with a nonce-based
    /// Content-Security-Policy, where markup injected into the page would otherwise be run by the
    /// widget as a trusted script (docs/security.md). Default off.
    pub require_nonce: bool,
}

/// What the built-in texts call the site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteKind {
    /// A website: neutral words ("our website"); the default.
    #[default]
    Site,
    /// An online shop: the texts' `.shop` variants ("our shop", "your cart").
    Shop,
}

/// Page-wide Google Consent Mode settings. The defaults are always `denied`; these only refine them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoogleConsentMode {
    /// ISO 3166-1 alpha-2 codes (`DE`) or ISO 3166-2 subdivisions (`US-CA`) the denied default is
    /// limited to. Empty (the default): denied everywhere. Outside the listed regions Google's tags
    /// see no default from Crumb, so only list regions when the site is sure of its obligations.
    pub region: Vec<String>,
    /// `gtag('set', 'ads_data_redaction', true)`: redact ad click ids while `ad_storage` is denied.
    pub ads_data_redaction: bool,
    /// `gtag('set', 'url_passthrough', true)`: pass click ids through URLs while storage is denied.
    pub url_passthrough: bool,
    /// Milliseconds Google's tags wait for Crumb's update before firing (0-10000, default 500).
    pub wait_for_update: u32,
}

impl Default for GoogleConsentMode {
    fn default() -> Self {
        GoogleConsentMode { region: Vec::new(), ads_data_redaction: false, url_passthrough: false, wait_for_update: 500 }
    }
}

/// A group of services the shopper grants or refuses together (`analytics`, `marketing`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// Unique id: 1-40 characters of `a-z`, `0-9`, `_` and `-`, starting with a letter.
    /// `necessary`, `preferences`, `analytics` and `marketing` have built-in texts; any other id
    /// needs `category.<id>.title` in `texts.<fallback>`.
    pub id: String,
    /// Strictly necessary: always on, shown as such, never switchable.
    pub required: bool,
    /// The services in this category, with the cookies and localStorage keys each one sets.
    pub services: Vec<Service>,
    /// Consent Mode signals this category grants; the default mapping when absent.
    pub consent_mode: Option<Vec<Signal>>,
    /// Denied when the browser sends Global Privacy Control; defaults to true for `marketing`.
    pub sale_or_share: Option<bool>,
}

/// One tool or embed the site uses (`ga4`, `youtube`) and what it stores in the browser.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// Unique across all categories, with the same rules as a category id; gated content names it
    /// in `data-service`.
    pub id: String,
    /// The service's name, in one language or per language.
    pub name: LocalizedText,
    /// Who runs the service, shown in the preference center.
    pub provider: Option<String>,
    /// What the service does, in one language or per language.
    pub description: Option<LocalizedText>,
    /// The cookies the service sets, erased when consent for it is withdrawn.
    pub cookies: Vec<CookieSpec>,
    /// localStorage keys the service writes, erased with its cookies when consent is withdrawn.
    pub local_storage: Vec<StorageKey>,
}

/// A localStorage key by exact name or by JavaScript regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageKey {
    /// The exact key; give this or `pattern`. Crumb's own keys (`crumb`, `crumb_*`) are refused.
    pub name: Option<String>,
    /// A JavaScript regular expression matching several keys; refused when empty or when it could
    /// freeze the page.
    pub pattern: Option<String>,
}

/// A cookie a service sets, as the cookie table lists it and as it is erased on withdrawal: by
/// exact `name` or by `pattern`, exactly one of the two.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CookieSpec {
    /// The exact cookie name; give this or `pattern`.
    pub name: Option<String>,
    /// A JavaScript regular expression matching several cookie names (`^_ga(_.*)?$`).
    pub pattern: Option<String>,
    /// Who sets the cookie, when not the service's provider.
    pub provider: Option<String>,
    /// What the cookie is for, in one language or per language.
    pub purpose: LocalizedText,
    /// How long the cookie lives (`session`, `30 days`).
    pub duration: CookieDuration,
    /// Whether the site itself or someone else reads the cookie.
    pub party: Party,
}

/// A site's own text (a service's name and description, a cookie's purpose): one string for every
/// language, or one per language, `{"nl": "…", "en": "…"}`, which must include the config's
/// `fallback` language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LocalizedText {
    /// The same text whatever the language.
    Same(String),
    /// A text per language code.
    PerLanguage(Map<String>),
}

impl LocalizedText {
    /// The text in `language`, else in `fallback`, else the first one given (a validated config
    /// always has the fallback).
    pub fn get<'a>(&'a self, language: &str, fallback: &str) -> &'a str {
        match self {
            LocalizedText::Same(text) => text,
            LocalizedText::PerLanguage(texts) => {
                texts.get(language).or_else(|| texts.get(fallback)).or_else(|| texts.values().next()).map_or("", String::as_str)
            }
        }
    }

    /// The languages this text is written in (`None`: one text for all).
    pub fn languages(&self) -> Option<Vec<&str>> {
        match self {
            LocalizedText::Same(_) => None,
            LocalizedText::PerLanguage(texts) => Some(texts.keys().map(String::as_str).collect()),
        }
    }

    /// Problems with this text at `at`: empty, a language the site does not offer, no text in the
    /// fallback language.
    fn problems(&self, at: &str, offered: &[String], fallback: &str) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        match self {
            LocalizedText::Same(text) => {
                if text.trim().is_empty() {
                    problems.push((at.to_owned(), "must not be empty".to_owned()));
                }
            }
            LocalizedText::PerLanguage(texts) => {
                for (language, text) in texts {
                    if !offered.contains(language) {
                        problems.push((format!("{at}.{language}"), "is not one of `languages`".to_owned()));
                    } else if text.trim().is_empty() {
                        problems.push((format!("{at}.{language}"), "must not be empty".to_owned()));
                    }
                }
                if !texts.contains_key(fallback) {
                    problems.push((at.to_owned(), format!("needs a text in the fallback language `{fallback}`")));
                }
            }
        }
        problems
    }
}

impl From<&str> for LocalizedText {
    fn from(text: &str) -> Self {
        LocalizedText::Same(text.to_owned())
    }
}

impl CookieSpec {
    /// What the cookie table shows in its name column.
    pub fn label(&self) -> &str {
        self.name.as_deref().or(self.pattern.as_deref()).unwrap_or("")
    }
}

/// Who reads a cookie, as the cookie table's access column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// The site itself (`first`).
    First,
    /// Someone else, such as an ad network or an embedded player (`third`).
    Third,
}

/// How long a cookie lives: `session`, or `<n> <unit>` with unit one of
/// second, minute, hour, day, week, month, year (plural allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieDuration {
    /// Gone when the browser is closed (`session`).
    Session,
    /// A whole number of units, at least 1: `2 years` is `Span(2, DurationUnit::Year)`.
    Span(u32, DurationUnit),
}

/// The unit of a [`CookieDuration::Span`]; a config writes it singular or plural.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `second` or `seconds`.
    Second,
    /// `minute` or `minutes`.
    Minute,
    /// `hour` or `hours`.
    Hour,
    /// `day` or `days`.
    Day,
    /// `week` or `weeks`.
    Week,
    /// `month` or `months`.
    Month,
    /// `year` or `years`.
    Year,
}

impl DurationUnit {
    /// The unit's singular name, as in config durations and text keys (`duration.day.one`).
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Second => "second",
            DurationUnit::Minute => "minute",
            DurationUnit::Hour => "hour",
            DurationUnit::Day => "day",
            DurationUnit::Week => "week",
            DurationUnit::Month => "month",
            DurationUnit::Year => "year",
        }
    }
}

impl CookieDuration {
    /// Reads `session` or `<n> <unit>` (n at least 1, unit singular or plural, in any letter case);
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<CookieDuration> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("session") {
            return Some(CookieDuration::Session);
        }
        let (count, unit) = text.split_once(' ')?;
        let count: u32 = count.parse().ok()?;
        let unit = unit.trim().to_ascii_lowercase();
        let unit = unit.strip_suffix('s').unwrap_or(&unit);
        let unit = match unit {
            "second" => DurationUnit::Second,
            "minute" => DurationUnit::Minute,
            "hour" => DurationUnit::Hour,
            "day" => DurationUnit::Day,
            "week" => DurationUnit::Week,
            "month" => DurationUnit::Month,
            "year" => DurationUnit::Year,
            _ => return None,
        };
        (count > 0).then_some(CookieDuration::Span(count, unit))
    }
}

impl fmt::Display for CookieDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieDuration::Session => f.write_str("session"),
            CookieDuration::Span(n, unit) => {
                write!(f, "{n} {}{}", unit.as_str(), if *n == 1 { "" } else { "s" })
            }
        }
    }
}

impl Serialize for CookieDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The widget's colours: its scheme and accent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Theme {
    /// Light, dark, or following the shopper's system setting (the default).
    pub scheme: Scheme,
    /// Accent colour as `#rgb` or `#rrggbb`: the buttons, and links, switches and the focus ring
    /// where it contrasts enough with the background (`crate::theme`).
    pub accent: Option<String>,
    /// The site's logo at the top of the banner.
    pub logo: Option<Logo>,
}

/// A logo image: its URL (`https://` or a path) and its text alternative (empty when the title
/// already says what the logo shows).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Logo {
    /// The image's URL.
    pub src: String,
    /// Its text alternative for screen readers.
    pub alt: String,
}

/// The widget's colour scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Follows the shopper's system setting (`prefers-color-scheme`); the default.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// How the widget is laid out: where the banner shows and whether the reopen button does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// Where the banner shows (default at the bottom).
    pub position: Position,
    /// Show the floating button that reopens the preferences (default true).
    pub reopen_button: bool,
    /// The banner's shape (default `box`).
    pub style: LayoutStyle,
}

impl Default for Layout {
    fn default() -> Self {
        Layout { position: Position::default(), reopen_button: true, style: LayoutStyle::default() }
    }
}

/// The banner's shape. Whatever the shape, the page stays usable (no cookie wall) and the three
/// choices keep the same size, weight and colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutStyle {
    /// A card floating over the page, at `position`; the default.
    #[default]
    Box,
    /// A full-width bar along the top or bottom edge: text and buttons side by side when wide.
    Bar,
    /// A wide card, centred at the top or bottom: text beside the buttons when wide.
    Cloud,
    /// A card in the middle of the window, over the page without covering it (no backdrop).
    Popup,
}

/// Where the banner sits in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Along the bottom edge; the default.
    #[default]
    Bottom,
    /// Along the top edge.
    Top,
    /// In the middle of the window.
    Center,
}

// Reading a config out of JSON (`crate::json`): each type names its fields once, in the order it
// declares them, starts from its defaults (written next to each field above) and sets what the
// config gives; a required field left out is `missing field`.

impl FromJson for Config {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &[
            "site",
            "revision",
            "policy_url",
            "endpoint",
            "expiry_days",
            "language",
            "fallback",
            "languages",
            "categories",
            "texts",
            "honor_gpc",
            "theme",
            "layout",
            "cookie_domain",
            "google_consent_mode",
            "comment",
            "site_kind",
            "gating",
            "config_version",
        ];
        let mut config = Config {
            site: String::new(),
            revision: 0,
            policy_url: None,
            endpoint: None,
            expiry_days: DEFAULT_EXPIRY_DAYS,
            language: "auto".to_owned(),
            fallback: "en".to_owned(),
            languages: None,
            categories: Vec::new(),
            texts: Map::new(),
            honor_gpc: true,
            theme: Theme::default(),
            layout: Layout::default(),
            cookie_domain: None,
            google_consent_mode: GoogleConsentMode::default(),
            comment: None,
            site_kind: SiteKind::Site,
            gating: Gating::default(),
            config_version: None,
        };
        let required = &["site", "revision", "categories"];
        json::fields(value, at, "struct Config", FIELDS, required, Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => config.site = read(v, at)?,
                1 => config.revision = read(v, at)?,
                2 => config.policy_url = read(v, at)?,
                3 => config.endpoint = read(v, at)?,
                4 => config.expiry_days = read(v, at)?,
                5 => config.language = read(v, at)?,
                6 => config.fallback = read(v, at)?,
                7 => config.languages = read(v, at)?,
                8 => config.categories = read(v, at)?,
                9 => config.texts = read(v, at)?,
                10 => config.honor_gpc = read(v, at)?,
                11 => config.theme = read(v, at)?,
                12 => config.layout = read(v, at)?,
                13 => config.cookie_domain = read(v, at)?,
                14 => config.google_consent_mode = read(v, at)?,
                15 => config.comment = read(v, at)?,
                16 => config.site_kind = read(v, at)?,
                17 => config.gating = read(v, at)?,
                _ => config.config_version = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(config)
    }
}

impl FromJson for GoogleConsentMode {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &["region", "ads_data_redaction", "url_passthrough", "wait_for_update"];
        let mut mode = GoogleConsentMode::default();
        json::fields(value, at, "struct GoogleConsentMode", FIELDS, &[], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => mode.region = read(v, at)?,
                1 => mode.ads_data_redaction = read(v, at)?,
                2 => mode.url_passthrough = read(v, at)?,
                _ => mode.wait_for_update = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(mode)
    }
}

impl FromJson for Gating {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let mut gating = Gating::default();
        json::fields(value, at, "struct Gating", &["require_nonce"], &[], Unknown::Noted, &mut |_, v, at| {
            gating.require_nonce = read(v, at)?;
            Ok(())
        })?;
        Ok(gating)
    }
}

impl FromJson for Category {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &["id", "required", "services", "consent_mode", "sale_or_share"];
        let mut category = Category { id: String::new(), required: false, services: Vec::new(), consent_mode: None, sale_or_share: None };
        json::fields(value, at, "struct Category", FIELDS, &["id"], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => category.id = read(v, at)?,
                1 => category.required = read(v, at)?,
                2 => category.services = read(v, at)?,
                3 => category.consent_mode = read(v, at)?,
                _ => category.sale_or_share = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(category)
    }
}

impl FromJson for Service {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &["id", "name", "provider", "description", "cookies", "local_storage"];
        let mut service = Service {
            id: String::new(),
            name: LocalizedText::Same(String::new()),
            provider: None,
            description: None,
            cookies: Vec::new(),
            local_storage: Vec::new(),
        };
        json::fields(value, at, "struct Service", FIELDS, &["id", "name"], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => service.id = read(v, at)?,
                1 => service.name = read(v, at)?,
                2 => service.provider = read(v, at)?,
                3 => service.description = read(v, at)?,
                4 => service.cookies = read(v, at)?,
                _ => service.local_storage = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(service)
    }
}

impl FromJson for StorageKey {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let mut key = StorageKey { name: None, pattern: None };
        json::fields(value, at, "struct StorageKey", &["name", "pattern"], &[], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => key.name = read(v, at)?,
                _ => key.pattern = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(key)
    }
}

impl FromJson for CookieSpec {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &["name", "pattern", "provider", "purpose", "duration", "party"];
        let mut cookie = CookieSpec {
            name: None,
            pattern: None,
            provider: None,
            purpose: LocalizedText::Same(String::new()),
            duration: CookieDuration::Session,
            party: Party::First,
        };
        let required = &["purpose", "duration", "party"];
        json::fields(value, at, "struct CookieSpec", FIELDS, required, Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => cookie.name = read(v, at)?,
                1 => cookie.pattern = read(v, at)?,
                2 => cookie.provider = read(v, at)?,
                3 => cookie.purpose = read(v, at)?,
                4 => cookie.duration = read(v, at)?,
                _ => cookie.party = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(cookie)
    }
}

/// One text for every language (a string), or one per language (an object).
impl FromJson for LocalizedText {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        match value {
            Value::String(text) => Ok(LocalizedText::Same(text)),
            value @ Value::Object(_) => read(value, at).map(LocalizedText::PerLanguage),
            other => Err(at.refused(&other, r#"a text, or an object of texts per language like {"en": "…", "nl": "…"}"#)),
        }
    }
}

impl FromJson for Party {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        Ok([Party::First, Party::Third][json::variant(value, at, &["first", "third"])?])
    }
}

/// A duration is refused at its own path, with what a duration looks like.
impl FromJson for CookieDuration {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let text: String = read(value, at)?;
        CookieDuration::parse(&text).ok_or_else(|| {
            at.error(format!(
                "`{text}` is not a duration: write `session` or `<number> <unit>` (second, minute, hour, day, week, month, year)"
            ))
        })
    }
}

impl FromJson for Theme {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let mut theme = Theme::default();
        json::fields(value, at, "struct Theme", &["scheme", "accent", "logo"], &[], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => theme.scheme = read(v, at)?,
                1 => theme.accent = read(v, at)?,
                _ => theme.logo = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(theme)
    }
}

impl FromJson for Logo {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let mut logo = Logo::default();
        json::fields(value, at, "struct Logo", &["src", "alt"], &["src", "alt"], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => logo.src = read(v, at)?,
                _ => logo.alt = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(logo)
    }
}

impl FromJson for LayoutStyle {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const ALL: [LayoutStyle; 4] = [LayoutStyle::Box, LayoutStyle::Bar, LayoutStyle::Cloud, LayoutStyle::Popup];
        Ok(ALL[json::variant(value, at, &ALL.map(LayoutStyle::as_str))?])
    }
}

impl LayoutStyle {
    /// The style's name in configs and in the widget's `data-layout` (`box`, `bar`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutStyle::Box => "box",
            LayoutStyle::Bar => "bar",
            LayoutStyle::Cloud => "cloud",
            LayoutStyle::Popup => "popup",
        }
    }
}

impl FromJson for Scheme {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const ALL: [Scheme; 3] = [Scheme::Auto, Scheme::Light, Scheme::Dark];
        Ok(ALL[json::variant(value, at, &ALL.map(Scheme::as_str))?])
    }
}

impl Scheme {
    /// The scheme's name in configs and in the widget's `data-scheme` (`auto`, `light`, `dark`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Auto => "auto",
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

impl FromJson for Layout {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        let mut layout = Layout::default();
        json::fields(value, at, "struct Layout", &["position", "reopen_button", "style"], &[], Unknown::Noted, &mut |field, v, at| {
            match field {
                0 => layout.position = read(v, at)?,
                1 => layout.reopen_button = read(v, at)?,
                _ => layout.style = read(v, at)?,
            }
            Ok(())
        })?;
        Ok(layout)
    }
}

impl FromJson for SiteKind {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        Ok([SiteKind::Site, SiteKind::Shop][json::variant(value, at, &["site", "shop"])?])
    }
}

impl FromJson for Position {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const ALL: [Position; 3] = [Position::Bottom, Position::Top, Position::Center];
        Ok(ALL[json::variant(value, at, &ALL.map(Position::as_str))?])
    }
}

impl Position {
    /// The position's name in configs and in the widget's `data-position`.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Bottom => "bottom",
            Position::Top => "top",
            Position::Center => "center",
        }
    }
}

/// One problem in a config, at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the problem is, as a path into the config
    /// (`categories[2].services[0].cookies[1].duration`).
    pub path: String,
    /// What is wrong there, in words for the site owner (`must not be empty`).
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

/// Every problem found in a config (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid Crumb config")?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl ConfigErrors {
    /// True when one of the errors is at exactly this path.
    pub fn names(&self, path: &str) -> bool {
        self.0.iter().any(|e| e.path == path)
    }
}

/// Reads and validates a config from any self-describing serde deserializer (`serde_json` on the
/// host): [`config_from_value`] on the JSON value it holds.
pub fn parse_config<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Config, ConfigErrors> {
    let value = Value::deserialize(deserializer).map_err(|e| {
        ConfigErrors(vec![ConfigError { path: ".".to_owned(), message: crate::json_bounds::cap_message(&e.to_string(), 200) }])
    })?;
    config_from_value(value)
}

/// Reads and validates a config (the widget hands in what the browser's `JSON.parse` gave). Every
/// error comes at once, each with its path: every field no config type declares (a misspelt
/// `catgories`), then the first value of a wrong type (typing stops there) or, when the config is
/// typed, every rule [`Config::validate`] finds broken.
pub fn config_from_value(value: Value) -> Result<Config, ConfigErrors> {
    match typed_config(value) {
        (Some(config), errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(ConfigErrors(errors)),
    }
}

/// [`config_from_value`]'s two results apart: the config when it could be typed (even with broken
/// rules, so the widget can add the errors only a browser finds), and every error found.
pub fn typed_config(value: Value) -> (Option<Config>, Vec<ConfigError>) {
    let (config, unknown) = json::from_value_reporting_unknown::<Config>(value);
    let mut errors: Vec<ConfigError> = unknown
        .into_iter()
        .map(|(path, name)| ConfigError { path, message: format!("unknown field `{}`", crate::json_bounds::cap_message(&name, 60)) })
        .collect();
    match config {
        // A wrong-typed value is quoted in serde's message: never echo a huge one whole.
        Err(e) => {
            errors.push(ConfigError { path: e.path, message: crate::json_bounds::cap_message(&e.message, 200) });
            (None, errors)
        }
        Ok(config) => {
            if let Err(ConfigErrors(broken)) = config.validate() {
                errors.extend(broken);
            }
            (Some(config), errors)
        }
    }
}

/// For each of `ids` (languages, category and service ids, Consent Mode signals), whether an
/// earlier one is the same: sorted once (`Map`'s sort, so its code is not in the wasm twice), so
/// a config with thousands of them costs `n log n`.
fn repeated(ids: &[&str]) -> Vec<bool> {
    let mut repeated = vec![false; ids.len()];
    // Equal ids come later one first: every one but the last of a run is a repeat.
    let order = crate::map::sorted_order(ids);
    for pair in order.windows(2) {
        if let [later, earlier] = *pair {
            if ids.get(later) == ids.get(earlier) {
                if let Some(flag) = repeated.get_mut(later) {
                    *flag = true;
                }
            }
        }
    }
    repeated
}

/// A URL a shopper may be sent to or a record posted to: `https://`, `http://` or a same-site
/// path. `javascript:` and friends are refused. The config's `policy_url`, `endpoint` and
/// `theme.logo.src`, and the script tag's `data-endpoint` and `data-config`, all follow it.
pub fn is_safe_url(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    !text.is_empty()
        && text.len() <= 2_000
        && !text.chars().any(|c| c.is_control() || c == ' ')
        && (lower.starts_with("https://") || lower.starts_with("http://") || (lower.starts_with('/') && !lower.starts_with("//")))
}

/// The script tag's `data-endpoint` and `data-config` follow the rule of the config's `endpoint`
/// ([`is_safe_url`]): each one that does not is an error named by its attribute, and the widget
/// then stops as it does for a broken config, before any request to either.
pub fn script_tag_errors(endpoint: Option<&str>, config_url: Option<&str>) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (path, url) in [("data-endpoint", endpoint), ("data-config", config_url)] {
        if url.is_some_and(|url| !is_safe_url(url)) {
            errors.push(ConfigError { path: path.to_owned(), message: NOT_A_SAFE_URL.to_owned() });
        }
    }
    errors
}

/// What [`is_safe_url`] refuses, said once for every field and attribute it checks.
const NOT_A_SAFE_URL: &str = "must be an http(s) URL or a path starting with `/`";

/// `example.com`, `.example.com` or `shop.example.co.uk`: lowercase labels of letters, digits and
/// `-`, at least two of them. Whether it covers the current host is checked in the browser.
fn is_cookie_domain(text: &str) -> bool {
    let host = text.strip_prefix('.').unwrap_or(text);
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// What is wrong with a cookie or localStorage `pattern`, if anything: empty, or one that could
/// freeze the page or is not a JavaScript regular expression ([`crate::pattern`]).
fn pattern_problem(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("must not be empty".to_owned());
    }
    check_pattern(pattern).err().map(|e| e.to_string())
}

/// `DE`, `US-CA`: two capital letters, optionally `-` and 1-3 capital letters or digits.
fn is_region(text: &str) -> bool {
    let (country, sub) = match text.split_once('-') {
        Some((c, s)) => (c, Some(s)),
        None => (text, None),
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && sub.is_none_or(|s| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

impl Config {
    /// The languages this site offers.
    pub fn offered_languages(&self) -> Vec<String> {
        match &self.languages {
            Some(list) => list.clone(),
            None => BUILTIN_LANGUAGES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The category a service belongs to.
    pub fn category_of_service(&self, service_id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.services.iter().any(|s| s.id == service_id))
    }

    /// What the services `include` picks stored in the browser: their cookie specs and
    /// localStorage keys, for erasing them.
    pub fn stored_by(&self, include: impl Fn(&Category, &Service) -> bool) -> (Vec<CookieSpec>, Vec<StorageKey>) {
        let services = || self.categories.iter().flat_map(|c| c.services.iter().map(move |s| (c, s))).filter(|(c, s)| include(c, s));
        let cookies = services().flat_map(|(_, s)| s.cookies.iter().cloned()).collect();
        let keys = services().flat_map(|(_, s)| s.local_storage.iter().cloned()).collect();
        (cookies, keys)
    }

    /// Checks the rules the types cannot express (ids, URLs, limits, languages, texts, patterns,
    /// regions, colours) and returns every problem found, each at its path. [`parse_config`]
    /// calls it.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let mut errors = Vec::new();
        let mut error = |path: String, message: &str| errors.push(ConfigError { path, message: message.to_owned() });

        if !is_site_id(&self.site) {
            error("site".into(), "must be 1-100 characters of letters, digits, `.`, `_` or `-`");
        }
        for (field, url) in [("policy_url", &self.policy_url), ("endpoint", &self.endpoint)] {
            if let Some(url) = url {
                if !is_safe_url(url) {
                    error(field.into(), NOT_A_SAFE_URL);
                }
            }
        }
        if self.expiry_days == 0 || self.expiry_days > MAX_EXPIRY_DAYS {
            error("expiry_days".into(), "must be between 1 and 395 days (13 months)");
        }

        let offered = self.offered_languages();
        if offered.is_empty() {
            error("languages".into(), "must list at least one language");
        }
        let language_repeated = repeated(&offered.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, code) in offered.iter().enumerate() {
            if !BUILTIN_LANGUAGES.contains(&code.as_str()) {
                error(format!("languages[{i}]"), "is not a built-in language");
            } else if language_repeated.get(i) == Some(&true) {
                error(format!("languages[{i}]"), "is listed twice");
            }
        }
        if self.language != "auto" && !offered.contains(&self.language) {
            error("language".into(), "must be `auto` or one of `languages`");
        }
        if !offered.contains(&self.fallback) {
            error("fallback".into(), "must be one of `languages`");
        }

        if self.categories.is_empty() {
            error("categories".into(), "must list at least one category");
        }
        let category_repeated = repeated(&self.categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>());
        let all_services = self.categories.iter().flat_map(|c| &c.services);
        let service_repeated = repeated(&all_services.map(|s| s.id.as_str()).collect::<Vec<_>>());
        let mut service_index = 0;
        let all_signals = self.categories.iter().flat_map(|c| c.consent_mode.iter().flatten());
        let signal_repeated = repeated(&all_signals.map(|signal| signal.as_str()).collect::<Vec<_>>());
        let mut signal_index = 0;
        // Whether any offered language composes the banner's text from the categories' purposes
        // (a language whose own `banner.text` does not start with `{purposes}` composes nothing).
        let composes = offered.iter().any(|language| {
            let own = self.texts.get(language).and_then(|t| t.get("banner.text"));
            own.is_none_or(|t| t.starts_with(crate::texts::PURPOSES))
        });
        for (c, category) in self.categories.iter().enumerate() {
            let at = format!("categories[{c}]");
            if !is_id(&category.id) {
                error(format!("{at}.id"), "must be 1-40 characters of a-z, 0-9, `_` or `-`, starting with a letter");
            } else if category_repeated.get(c) == Some(&true) {
                error(format!("{at}.id"), "is used by another category");
            }
            if category.required && category.sale_or_share == Some(true) {
                error(format!("{at}.sale_or_share"), "a required category cannot be sale-or-share");
            }
            if let Some(list) = &category.consent_mode {
                for s in 0..list.len() {
                    let is_repeated = signal_repeated.get(signal_index) == Some(&true);
                    signal_index += 1;
                    if is_repeated {
                        error(format!("{at}.consent_mode[{s}]"), "is mapped by another category");
                    }
                }
            }
            if !crate::texts::BUILTIN_CATEGORIES.contains(&category.id.as_str()) {
                // Each missing text names the key to add, written out: the site owner copies it.
                let has = |key: &str| self.texts.get(&self.fallback).is_some_and(|t| t.contains_key(key));
                let cap = crate::json_bounds::cap_message;
                let (id, fallback) = (cap(&category.id, 40), cap(&self.fallback, 20));
                if !has(&format!("category.{}.title", category.id)) {
                    error(
                        format!("{at}.id"),
                        &format!("category `{id}` has no title in `{fallback}` (the fallback language): add `texts.{fallback}[\"category.{id}.title\"]`"),
                    );
                }
                // The banner names every optional category's purpose. Like its title, the
                // sentence is required in the fallback language, which stands in for any offered
                // language that lacks it (`Texts::purposes`): a banner never leaves a purpose out.
                if !category.required && composes && !has(&format!("category.{}.purpose", category.id)) {
                    let key = format!("category.{id}.purpose");
                    error(
                        format!("texts.{fallback}.{key}"),
                        &format!("is missing: the banner says what each optional category is for; add `texts.{fallback}[\"{key}\"]` (and one per language you offer)"),
                    );
                }
            }
            for (s, service) in category.services.iter().enumerate() {
                let at = format!("{at}.services[{s}]");
                let is_repeated = service_repeated.get(service_index) == Some(&true);
                service_index += 1;
                if !is_id(&service.id) {
                    error(format!("{at}.id"), "must be 1-40 characters of a-z, 0-9, `_` or `-`, starting with a letter");
                } else if is_repeated {
                    error(format!("{at}.id"), "is used by another service");
                }
                for (path, message) in service.name.problems(&format!("{at}.name"), &offered, &self.fallback) {
                    error(path, &message);
                }
                if let Some(description) = &service.description {
                    for (path, message) in description.problems(&format!("{at}.description"), &offered, &self.fallback) {
                        error(path, &message);
                    }
                }
                for (k, cookie) in service.cookies.iter().enumerate() {
                    let at = format!("{at}.cookies[{k}]");
                    match (&cookie.name, &cookie.pattern) {
                        (Some(_), Some(_)) | (None, None) => error(at.clone(), "give exactly one of `name` or `pattern`"),
                        (Some(name), None) if name.is_empty() || name.chars().any(|c| c.is_control() || "=;, ".contains(c)) => {
                            error(format!("{at}.name"), "is not a valid cookie name")
                        }
                        (None, Some(pattern)) => {
                            if let Some(problem) = pattern_problem(pattern) {
                                error(format!("{at}.pattern"), &problem)
                            }
                        }
                        _ => {}
                    }
                    let purpose_at = format!("{at}.purpose");
                    if matches!(&cookie.purpose, LocalizedText::Same(text) if text.trim().is_empty()) {
                        error(purpose_at, "must say what the cookie is for");
                    } else {
                        for (path, message) in cookie.purpose.problems(&purpose_at, &offered, &self.fallback) {
                            error(path, &message);
                        }
                    }
                }
                for (k, key) in service.local_storage.iter().enumerate() {
                    let at = format!("{at}.local_storage[{k}]");
                    match (&key.name, &key.pattern) {
                        (Some(_), Some(_)) | (None, None) => error(at.clone(), "give exactly one of `name` or `pattern`"),
                        (Some(name), None) if name.is_empty() || is_own_name(name) => {
                            error(format!("{at}.name"), "must be a non-empty key that is not Crumb's own")
                        }
                        (None, Some(pattern)) => {
                            if let Some(problem) = pattern_problem(pattern) {
                                error(format!("{at}.pattern"), &problem)
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if !self.categories.iter().any(|c| !c.required) && !self.categories.is_empty() {
            error("categories".into(), "needs at least one category that asks for consent");
        }

        let ids: Vec<&str> = self.categories.iter().map(|c| c.id.as_str()).filter(|id| is_id(id)).collect();
        let category_ids: Vec<&str> = crate::map::sorted_order(&ids).into_iter().filter_map(|i| ids.get(i).copied()).collect();
        for (language, texts) in &self.texts {
            if !offered.contains(language) {
                error(format!("texts.{language}"), "is not one of `languages`");
            }
            for key in texts.keys() {
                let known = is_text_key(key)
                    || key.strip_prefix("category.").and_then(|rest| rest.rsplit_once('.')).is_some_and(|(id, field)| {
                        category_ids.binary_search(&id).is_ok() && matches!(field, "title" | "description" | "purpose")
                    });
                if !known {
                    error(format!("texts.{language}.{key}"), "is not a text key");
                }
            }
        }
        if let Some(domain) = &self.cookie_domain {
            if !is_cookie_domain(domain) {
                error("cookie_domain".into(), "must be a domain name like `example.com` (no scheme, port or path)");
            }
        }
        let gcm = &self.google_consent_mode;
        for (i, region) in gcm.region.iter().enumerate() {
            if !is_region(region) {
                error(format!("google_consent_mode.region[{i}]"), "must be an ISO 3166 code like `DE` or `US-CA`");
            }
        }
        if gcm.wait_for_update > 10_000 {
            error("google_consent_mode.wait_for_update".into(), "must be at most 10000 milliseconds");
        }
        if let Some(accent) = &self.theme.accent {
            if crate::theme::parse_hex(accent).is_none() {
                error("theme.accent".into(), "must be a colour like `#1a73e8`");
            }
        }
        if let Some(logo) = &self.theme.logo {
            if !is_safe_url(&logo.src) {
                error("theme.logo.src".into(), NOT_A_SAFE_URL);
            }
            if logo.alt.chars().count() > 200 {
                error("theme.logo.alt".into(), "must be at most 200 characters");
            }
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

impl Config {
    /// Whether the banner says that Global Privacy Control keeps cookies off: GPC is honoured and
    /// some optional category is sale-or-share (without one, the line would name a purpose the
    /// site does not have).
    pub fn gpc_applies(&self) -> bool {
        self.honor_gpc && self.categories.iter().any(|c| !c.required && c.is_sale_or_share())
    }
}

impl Category {
    /// Whether GPC denies this category.
    pub fn is_sale_or_share(&self) -> bool {
        self.sale_or_share.unwrap_or(self.id == "marketing")
    }
}
