//! Which language the widget speaks: the config's choice; else (`auto`) the page's `<html lang>`,
//! then the shopper's browser languages in order; else the config's fallback.
//!
//! Region and script variants match sensibly: `nl-BE` → `nl`; `zh-TW`, `zh-HK`, `zh-MO` and
//! `zh-Hant*` → Traditional Chinese (`zh-Hant`), `zh`, `zh-CN`, `zh-SG` and `zh-Hans*` → Simplified
//! (`zh`); `pt-BR` → `pt-BR` and `pt`/`pt-PT` → `pt` (each falling back to the other when only one
//! is offered); `no`, `nb` and `nn` → Norwegian (`nb`); the legacy `iw` → `he`.

/// `setting` is the config's `language` (`auto` or a code); `html_lang` the page's `<html lang>`;
/// `browser` is `navigator.languages` in order; `offered` the site's languages.
pub fn negotiate_language(setting: &str, html_lang: Option<&str>, browser: &[String], offered: &[String], fallback: &str) -> String {
    if setting != "auto" {
        if let Some(found) = match_language(setting, offered) {
            return found;
        }
    }
    let wanted = html_lang.into_iter().chain(browser.iter().map(String::as_str));
    for tag in wanted {
        if let Some(found) = match_language(tag, offered) {
            return found;
        }
    }
    fallback.to_owned()
}

/// The offered language for one requested BCP 47 tag (any case, `_` or `-`), if any.
pub fn match_language(tag: &str, offered: &[String]) -> Option<String> {
    let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
    let mut subtags = tag.split('-').filter(|s| !s.is_empty());
    let primary = subtags.next()?;
    if !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let rest: Vec<&str> = subtags.collect();
    let has = |subtag: &str| rest.contains(&subtag);
    let find = |code: &str| offered.iter().find(|o| o.eq_ignore_ascii_case(code)).cloned();
    let first_of = |codes: &[&str]| codes.iter().find_map(|code| find(code));

    if let Some(exact) = find(&tag) {
        return Some(exact);
    }
    match primary {
        "zh" => {
            let traditional = has("hant") || (!has("hans") && (has("tw") || has("hk") || has("mo")));
            if traditional {
                first_of(&["zh-Hant", "zh"])
            } else {
                first_of(&["zh", "zh-Hans", "zh-Hant"])
            }
        }
        "pt" if has("br") => first_of(&["pt-BR", "pt"]),
        "pt" => first_of(&["pt", "pt-PT", "pt-BR"]),
        "no" | "nb" | "nn" => first_of(&["nb", "no", "nn"]),
        "iw" => first_of(&["he"]),
        _ => {
            find(primary).or_else(|| offered.iter().find(|o| o.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(primary))).cloned())
        }
    }
}

/// Each built-in language's name in that language, for the language switcher.
pub fn native_name(code: &str) -> &str {
    match code {
        "ar" => "العربية",
        "bg" => "Български",
        "cs" => "Čeština",
        "da" => "Dansk",
        "de" => "Deutsch",
        "el" => "Ελληνικά",
        "en" => "English",
        "es" => "Español",
        "et" => "Eesti",
        "fi" => "Suomi",
        "fr" => "Français",
        "ga" => "Gaeilge",
        "he" => "עברית",
        "hr" => "Hrvatski",
        "hu" => "Magyar",
        "is" => "Íslenska",
        "it" => "Italiano",
        "ja" => "日本語",
        "ko" => "한국어",
        "lt" => "Lietuvių",
        "lv" => "Latviešu",
        "mt" => "Malti",
        "nb" => "Norsk bokmål",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "pt" => "Português (Portugal)",
        "pt-BR" => "Português (Brasil)",
        "ro" => "Română",
        "ru" => "Русский",
        "sk" => "Slovenčina",
        "sl" => "Slovenščina",
        "sv" => "Svenska",
        "tr" => "Türkçe",
        "uk" => "Українська",
        "zh" => "简体中文",
        "zh-Hant" => "繁體中文",
        other => other,
    }
}
