//! Spike: renders the widget's first layer (the root `div.crumb` and the banner) to HTML on the
//! host, with the same Leptos view functions the widget draws it with (`crumb::ui::shell_view`,
//! `crumb::ui::banner::banner_view`), per site config and language.
//!
//! `crumb-prerender <config.json | page.html> <i18n dir> [--gpc] [--out DIR] LANG...`
//! prints each language's HTML (or writes `DIR/<lang>.html`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crumb::ui::banner::banner_view;
use crumb::ui::shell_view;
use crumb_core::{Config, Texts};
use leptos::prelude::*;

const USAGE: &str = "usage: crumb-prerender <config.json | page.html> <i18n dir> [--gpc] [--out DIR] LANG...";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("crumb-prerender: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut gpc = false;
    let mut out = None;
    let mut positional = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--gpc" => gpc = true,
            "--out" => out = Some(PathBuf::from(args.next().ok_or("--out needs a folder")?)),
            _ => positional.push(arg),
        }
    }
    let [config_path, i18n, languages @ ..] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    if languages.is_empty() {
        return Err(USAGE.into());
    }
    let config = read_config(Path::new(config_path))?;
    for language in languages {
        let texts = read_texts(Path::new(i18n), language, &config)?;
        let html = render_first_layer(&config, texts, gpc);
        match &out {
            Some(dir) => {
                let path = dir.join(format!("{language}.html"));
                std::fs::write(&path, &html).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            None => println!("{html}"),
        }
    }
    Ok(())
}

/// The first layer's HTML: what the widget draws before any choice, in one language.
pub fn render_first_layer(config: &Config, texts: Texts, gpc: bool) -> String {
    let owner = Owner::new();
    owner.with(|| {
        let texts = StoredValue::new(texts);
        let text = move |key| move || texts.with_value(|t: &Texts| t.get(key).to_owned());
        let language = move || texts.with_value(|t: &Texts| t.language.clone());
        // The buttons do nothing here: the markup is inert until the widget takes it over.
        let banner = banner_view(text, config.policy_url.clone(), gpc, NodeRef::new(), |_| {}, || {});
        // The same three places the widget's `App` has: the banner, the preference center and the
        // reopen button (both absent before a choice), so the markup matches node for node.
        let children = (Some(banner), None::<()>, None::<()>);
        shell_view(config, language, NodeRef::new(), children).to_html()
    })
}

/// A config file, or the `<script type="application/json" id="crumb-config">` of a page.
fn read_config(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json = if path.extension().is_some_and(|e| e == "html") {
        let start = text.find("id=\"crumb-config\"").ok_or("no <script id=\"crumb-config\"> in the page")?;
        let open = text[start..].find('>').map(|i| start + i + 1).ok_or("unclosed <script> tag")?;
        let close = text[open..].find("</script>").map(|i| open + i).ok_or("no </script> after the config")?;
        &text[open..close]
    } else {
        text.as_str()
    };
    crumb_core::parse_config(&mut serde_json::Deserializer::from_str(json)).map_err(|e| e.to_string())
}

/// The built-in texts of `language` (`<i18n>/<language>.json`) with the config's overrides.
fn read_texts(i18n: &Path, language: &str, config: &Config) -> Result<Texts, String> {
    // A language code only: it names a file.
    if language.is_empty() || !language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("{language:?} is not a language code"));
    }
    let path = i18n.join(format!("{language}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let builtin: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Texts::new(language, builtin, config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Config {
        read_config(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../index.html")).unwrap()
    }

    fn render(language: &str, gpc: bool) -> String {
        let config = demo();
        let i18n = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/i18n");
        render_first_layer(&config, read_texts(&i18n, language, &config).unwrap(), gpc)
    }

    #[test]
    fn renders_the_demo_banner_in_the_language_asked() {
        let html = render("de", false);
        assert!(
            html.starts_with(
                r#"<div data-scheme="auto" data-position="bottom" lang="de" dir="ltr" class="crumb"><section popover="manual""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<h2 id="crumb-banner-title" class="crumb-title">Wir respektieren Ihre Privatsphäre</h2>"#), "{html}");
        assert!(
            html.contains(
                r#"<a href="/demo/privacy.html" target="_blank" rel="noopener" class="crumb-policy-link">Datenschutzerklärung</a>."#
            ),
            "{html}"
        );
        assert_eq!(html.matches("<button").count(), 3);
        assert!(!html.contains("crumb-gpc"));
        // The preference center's and the reopen button's places, empty as in the widget.
        assert!(html.ends_with("</section><!><!></div>"), "{html}");
    }

    #[test]
    fn gpc_and_right_to_left() {
        let html = render("ar", true);
        assert!(html.contains(r#"lang="ar" dir="rtl""#), "{html}");
        assert!(html.contains(r#"<p data-crumb-part="gpc" class="crumb-gpc">"#), "{html}");
    }

    #[test]
    fn a_language_is_never_a_path() {
        let config = demo();
        let i18n = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/i18n");
        assert!(read_texts(&i18n, "../en", &config).is_err());
    }
}
