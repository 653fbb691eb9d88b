//! Reading the site's config: its text (inline element or `data-config` URL), bounded before it
//! is parsed, parsed by the browser's JSON parser into null-prototype values, then typed and
//! validated by crumb-core. Errors name the path.

use crumb_core::json_bounds::MAX_CONFIG_BYTES;
use crumb_core::{typed_config, Config, ConfigError, ConfigErrors};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::cookies;
use super::dom::{document, parse_json, window};
use crate::error::{js_text, CrumbError};

/// Fetches a text file; the error names the URL and the HTTP status.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let window = window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| js_text(&e))?;
    let response: web_sys::Response = response.dyn_into().map_err(|e| js_text(&e))?;
    if !response.ok() {
        return Err(format!("HTTP {} for {url}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|e| js_text(&e))?).await.map_err(|e| js_text(&e))?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

/// The config's JSON text: from `config_url` (already resolved) or the `#crumb-config` element.
pub async fn config_text(config_url: Option<&str>) -> Result<String, CrumbError> {
    if let Some(url) = config_url {
        return fetch_text(url).await.map_err(|why| CrumbError::ConfigMissing(format!("could not load data-config: {why}")));
    }
    document()
        .and_then(|d| d.get_element_by_id("crumb-config"))
        .and_then(|e| e.text_content())
        .ok_or_else(|| CrumbError::ConfigMissing("add <script type=\"application/json\" id=\"crumb-config\"> or data-config".to_owned()))
}

/// Parses and validates a config text: bounded (size, depth), JSON, typed, every field known,
/// every semantic rule, and every cookie pattern a valid JavaScript regular expression. Every
/// error comes at once, each with its path (`crumb_core::config_from_value`).
pub async fn read_config(text: &str) -> Result<Config, CrumbError> {
    let value = parse_json(text, MAX_CONFIG_BYTES).map_err(|why| {
        // The page's HTML parser ends an inline config at the first `</script>`, even inside a
        // JSON string: the text then stops before its closing brace.
        let cut = match text.trim_end().ends_with('}') {
            true => "",
            false => "; it ends before its closing `}`: an inline config is cut short where it contains `</script>` (write `<\\/script>`)",
        };
        CrumbError::ConfigMissing(format!("the config is not usable JSON: {why}{cut}"))
    })?;
    let (config, mut errors) = typed_config(value);
    // Cookie patterns are JavaScript regular expressions: only the browser can compile them. A
    // typed config with broken rules is checked too, so every error shows at once.
    if let Some(config) = &config {
        for (c, category) in config.categories.iter().enumerate() {
            for (s, service) in category.services.iter().enumerate() {
                let cookie_patterns = service.cookies.iter().enumerate().map(|(k, p)| ("cookies", k, &p.pattern));
                let key_patterns = service.local_storage.iter().enumerate().map(|(k, p)| ("local_storage", k, &p.pattern));
                for (list, k, pattern) in cookie_patterns.chain(key_patterns) {
                    let path = format!("categories[{c}].services[{s}].{list}[{k}].pattern");
                    let known = errors.iter().any(|e: &ConfigError| e.path == path);
                    if let Some(pattern) = pattern.as_ref().filter(|_| !known) {
                        if cookies::compile(pattern).is_none() {
                            errors.push(ConfigError { path, message: "is not a valid JavaScript regular expression".to_owned() });
                        }
                    }
                }
            }
        }
    }
    match config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(ConfigErrors(errors).into()),
    }
}

/// English texts compiled in, used only when the language file cannot be fetched.
const BUILTIN_ENGLISH: &str = include_str!("../../www/i18n/en.json");

/// [`load_texts`], or the built-in English (with a console warning) when the file cannot be had.
pub async fn load_texts_or_english(base: &str, language: &str, config: &Config) -> crumb_core::Texts {
    match load_texts(base, language, config).await {
        Ok(texts) => texts,
        Err(why) => {
            crate::error::warn(&format!("could not load the `{language}` texts ({why}); using the built-in English"));
            crumb_core::Texts::new("en", super::dom::from_json(BUILTIN_ENGLISH, usize::MAX).unwrap_or_default(), config)
        }
    }
}

/// The largest language file read.
const MAX_TEXTS_BYTES: usize = 200_000;

/// The texts of a language: its file under `<base>i18n/` (only the chosen language is ever
/// fetched), with the site's overrides.
pub async fn load_texts(base: &str, language: &str, config: &Config) -> Result<crumb_core::Texts, String> {
    let text = fetch_text(&format!("{base}i18n/{language}.json")).await?;
    let builtin: crumb_core::Map<String> = super::dom::from_json(&text, MAX_TEXTS_BYTES)?;
    Ok(crumb_core::Texts::new(language, builtin, config))
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn bad_patterns_in_cookies_and_local_storage_are_named_by_path() {
        let config = r#"{"site": "t", "revision": 1, "categories": [
            {"id": "necessary", "required": true},
            {"id": "analytics", "services": [{"id": "ga", "name": "GA",
                "cookies": [{"name": "_ok", "purpose": "p", "duration": "session", "party": "first"},
                            {"pattern": "([", "purpose": "p", "duration": "session", "party": "first"},
                            {"pattern": "^(a+)+$", "purpose": "p", "duration": "session", "party": "first"}],
                "local_storage": [{"pattern": "^fine$"}, {"pattern": "*bad"}]}]}]}"#;
        let Err(CrumbError::Config(errors)) = read_config(config).await else { panic!("bad patterns were accepted") };
        assert!(errors.names("categories[1].services[0].cookies[1].pattern"), "{errors}");
        assert!(errors.names("categories[1].services[0].cookies[2].pattern"), "a catastrophic pattern: {errors}");
        assert!(errors.names("categories[1].services[0].local_storage[1].pattern"), "{errors}");
    }

    #[wasm_bindgen_test]
    async fn a_config_cut_short_by_a_script_end_tag_says_so() {
        // What the HTML parser leaves of `"purpose": "see </script> here" }`.
        let Err(CrumbError::ConfigMissing(why)) = read_config(r#"{"site": "t", "revision": 1, "purpose": "see "#).await else {
            panic!("a cut config was accepted")
        };
        assert!(why.contains("not usable JSON") && why.contains("`</script>`") && why.contains(r"`<\/script>`"), "{why}");
        // A plain syntax error is not blamed on a script end tag.
        let Err(CrumbError::ConfigMissing(why)) = read_config(r#"{"site": "t",}"#).await else { panic!("bad JSON was accepted") };
        assert!(!why.contains("</script>"), "{why}");
    }
}
