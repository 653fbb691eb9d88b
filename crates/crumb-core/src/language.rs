//! Which language the widget speaks: the config's choice, else the shopper's browser languages in
//! order, else the config's fallback.

/// `setting` is the config's `language` (`auto` or a code); `html_lang` the page's `<html lang>`;
/// `browser` is `navigator.languages` in order; `offered` the site's languages.
pub fn negotiate_language(setting: &str, html_lang: Option<&str>, browser: &[String], offered: &[String], fallback: &str) -> String {
    if setting != "auto" {
        if let Some(found) = match_one(setting, offered) {
            return found;
        }
    }
    let wanted = html_lang.into_iter().chain(browser.iter().map(String::as_str));
    for tag in wanted {
        if let Some(found) = match_one(tag, offered) {
            return found;
        }
    }
    fallback.to_owned()
}

/// The offered language for one requested tag: an exact match (any case), else the same primary
/// language (`nl-BE` → `nl`, `zh-Hans-CN` → `zh`).
fn match_one(tag: &str, offered: &[String]) -> Option<String> {
    let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
    if tag.is_empty() {
        return None;
    }
    if let Some(exact) = offered.iter().find(|o| o.to_ascii_lowercase() == tag) {
        return Some(exact.clone());
    }
    let primary = tag.split('-').next().unwrap_or("");
    offered.iter().find(|o| o.to_ascii_lowercase() == primary).cloned()
}
