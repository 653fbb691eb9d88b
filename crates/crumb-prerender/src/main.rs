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
        return Err("usage: crumb-prerender <config.json | page.html> <i18n dir> [--gpc] [--out DIR] LANG...".into());
    };
    let config = read_config(Path::new(config_path))?;
    let languages: Vec<&str> = if languages.is_empty() { vec![config.language.as_str()] } else { languages.iter().map(String::as_str).collect() };
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
        let text = move |key| texts.with_value(|t: &Texts| t.get(key).to_owned());
        let language = move || texts.with_value(|t: &Texts| t.language.clone());
        // The buttons do nothing here: the markup is inert until the widget takes it over.
        let banner = banner_view(text, config.policy_url.clone(), gpc, NodeRef::new(), |_| {}, || {});
        shell_view(config, language, NodeRef::new(), banner).to_html()
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
    let path = i18n.join(format!("{language}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let builtin: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Texts::new(language, builtin, config))
}
