//! Renders the widget's first layer ahead of time (a "prepaint"), with the same Leptos view
//! functions the widget draws it with (`crumb::ui::shell_view`, `crumb::ui::banner::banner_view`),
//! per site config and language. loader.js paints it on a first visit while the wasm is on its
//! way; the widget then replaces it with its own banner and replays a click made meanwhile
//! (docs/size-and-speed.md, "Prepaint").
//!
//! The prepaint is JSON, not HTML: loader.js builds it with `createElement`, `setAttribute` and
//! `createTextNode`, so it needs no HTML parser (no Trusted Types sink, nothing that could run a
//! script), and loader.js keeps only the tags and attributes the banner uses.

use std::path::Path;

use crumb::ui::banner::banner_view;
use crumb::ui::shell_view;
use crumb_core::{Config, Texts};
use leptos::prelude::*;
use serde_json::{json, Map, Value};

/// The format's version, checked by loader.js.
pub const FORMAT: u32 = 1;

/// The first layer's HTML: what the widget draws before any choice, in one language. With `gpc`
/// the line saying that Global Privacy Control was honoured is in it (loader.js drops it for a
/// browser that sends no signal).
pub fn render_first_layer(config: &Config, texts: Texts, gpc: bool) -> String {
    let owner = Owner::new();
    owner.with(|| {
        let texts = StoredValue::new(texts);
        let text = move |key| move || texts.with_value(|t: &Texts| t.get(key).to_owned());
        let language = move || texts.with_value(|t: &Texts| t.language.clone());
        // The buttons do nothing here: the markup is inert until the widget takes it over.
        let banner = banner_view(text, config.policy_url.clone(), config.theme.logo.clone(), gpc, NodeRef::new(), |_| {}, || {});
        // The same three places the widget's `App` has: the banner, the preference center and the
        // reopen button (both absent before a choice), so the markup matches node for node.
        let children = (Some(banner), None::<()>, None::<()>);
        shell_view(config, language, NodeRef::new(), children).to_html()
    })
}

/// The prepaint of a site: what loader.js needs to choose the language exactly as the widget
/// will (the config's `language`, `fallback` and offered languages), the accent, and the first
/// layer in each of `languages` (each must be one of the site's languages).
pub fn prepaint(config: &Config, i18n: &Path, languages: &[String]) -> Result<Value, String> {
    let offered = config.offered_languages();
    let mut layers = Map::new();
    for language in languages {
        if !offered.contains(language) {
            return Err(format!("{language:?} is not one of the site's languages ({})", offered.join(", ")));
        }
        let texts = read_texts(i18n, language, config)?;
        let html = render_first_layer(config, texts, config.gpc_applies());
        layers.insert(language.clone(), html_to_tree(&html)?);
    }
    Ok(json!({
        "crumb_prepaint": FORMAT,
        "language": config.language,
        "fallback": config.fallback,
        "offered": offered,
        // The custom properties the widget sets from the accent (crumb-core decides them).
        "style": crumb_core::theme::accent_properties(config.theme.accent.as_deref()),
        "layers": layers,
    }))
}

/// A config file, or the `<script type="application/json" id="crumb-config">` of a page,
/// validated as the widget validates it.
pub fn read_config(path: &Path) -> Result<Config, String> {
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
pub fn read_texts(i18n: &Path, language: &str, config: &Config) -> Result<Texts, String> {
    // A language code only: it names a file.
    if language.is_empty() || !language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("{language:?} is not a language code"));
    }
    let path = i18n.join(format!("{language}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let builtin: crumb_core::Map<String> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Texts::new(language, builtin, config))
}

/// Elements that have no end tag.
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// Turns the HTML that Leptos renders into a tree: an element is `[tag, {attributes}, children…]`,
/// a text is a string. Leptos' hydration markers (`<!>`) and comments are left out. Only the
/// well-formed HTML Leptos writes is expected (quoted attributes, every element closed).
pub fn html_to_tree(html: &str) -> Result<Value, String> {
    let mut stack: Vec<Vec<Value>> = vec![Vec::new()];
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unclosed comment")?;
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            let end = after.find('>').ok_or("unclosed <!")?;
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unclosed end tag")?;
            let name = after[..end].trim();
            let element = stack.pop().filter(|_| !stack.is_empty()).ok_or_else(|| format!("</{name}> closes nothing"))?;
            if element.first().and_then(Value::as_str) != Some(name) {
                return Err(format!("</{name}> closes <{}>", element.first().and_then(Value::as_str).unwrap_or("?")));
            }
            stack.last_mut().ok_or("unbalanced")?.push(Value::Array(element));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let (element, void, used) = start_tag(after)?;
            rest = &after[used..];
            if void {
                stack.last_mut().ok_or("unbalanced")?.push(Value::Array(element));
            } else {
                stack.push(element);
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = decode(&rest[..end]);
            if !text.is_empty() {
                stack.last_mut().ok_or("unbalanced")?.push(Value::String(text));
            }
            rest = &rest[end..];
        }
    }
    let mut top = stack.pop().filter(|_| stack.is_empty()).ok_or("an element is not closed")?;
    match (top.len(), top.pop()) {
        (1, Some(root @ Value::Array(_))) => Ok(root),
        _ => Err("the markup must be exactly one element".into()),
    }
}

/// Parses a start tag (after its `<`): the element so far, whether it is void, and the bytes used.
fn start_tag(s: &str) -> Result<(Vec<Value>, bool, usize), String> {
    let name_end = s.find(|c: char| c.is_whitespace() || c == '>' || c == '/').ok_or("unclosed start tag")?;
    let name = s[..name_end].to_ascii_lowercase();
    if name.is_empty() {
        return Err("a tag without a name".into());
    }
    let mut attributes = Map::new();
    let mut i = name_end;
    let bytes = s.as_bytes();
    loop {
        while i < s.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err(format!("<{name}> is not closed")),
            Some(b'>') => {
                let void = VOID.contains(&name.as_str());
                return Ok((vec![Value::String(name), Value::Object(attributes)], void, i + 1));
            }
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                return Ok((vec![Value::String(name), Value::Object(attributes)], true, i + 2));
            }
            Some(_) => {}
        }
        let key_end = s[i..].find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/').map_or(s.len(), |e| i + e);
        let key = s[i..key_end].to_ascii_lowercase();
        if key.is_empty() {
            return Err(format!("<{name}> has a malformed attribute"));
        }
        i = key_end;
        let value = if bytes.get(i) == Some(&b'=') {
            let quote = *bytes.get(i + 1).ok_or("attribute without a value")?;
            if quote != b'"' && quote != b'\'' {
                return Err(format!("<{name} {key}=…> is not quoted"));
            }
            let close = s[i + 2..].find(quote as char).ok_or("unclosed attribute value")? + i + 2;
            let value = decode(&s[i + 2..close]);
            i = close + 1;
            value
        } else {
            String::new()
        };
        attributes.insert(key, Value::String(value));
    }
}

/// Decodes the character references Leptos writes (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`,
/// any numeric one); anything else stays as it is.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    fn demo() -> Config {
        read_config(&root().join("index.html")).unwrap()
    }

    fn render(language: &str, gpc: bool) -> String {
        let config = demo();
        render_first_layer(&config, read_texts(&root().join("www/i18n"), language, &config).unwrap(), gpc)
    }

    #[test]
    fn renders_the_demo_banner_in_the_language_asked() {
        let html = render("de", false);
        assert!(
            html.starts_with(
                r#"<div data-scheme="auto" data-position="bottom" data-layout="box" lang="de" dir="ltr" class="crumb"><section popover="manual""#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<h2 id="crumb-banner-title" part="title" class="crumb-title">Wir respektieren Ihre Privatsphäre</h2>"#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a part="link" href="/demo/privacy.html" target="_blank" rel="noopener" class="crumb-policy-link">Datenschutzerklärung</a>."#
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
    fn the_painted_text_names_the_purposes_of_the_sites_categories_only() {
        let i18n = root().join("www/i18n");
        let en: crumb_core::Map<String> = serde_json::from_str(&std::fs::read_to_string(i18n.join("en.json")).unwrap()).unwrap();
        let sentence = |key: &str| en.get(key).unwrap().clone();
        // The demo is a shop with all four built-in categories.
        let html = render("en", false);
        for key in ["banner.necessary.shop", "banner.consent", "category.preferences.purpose", "category.marketing.purpose"] {
            assert!(html.contains(&sentence(key)), "{key}: {html}");
        }
        // Without marketing: no word of ads, and no GPC line (no sale-or-share category is left).
        let mut config = demo();
        config.categories.retain(|c| c.id != "marketing");
        config.site_kind = crumb_core::config::SiteKind::Site;
        let value = prepaint(&config, &i18n, &["en".into()]).unwrap();
        let text = value["layers"]["en"].to_string();
        assert!(text.contains(&sentence("banner.necessary")) && text.contains(&sentence("category.analytics.purpose")), "{text}");
        assert!(!text.contains(&sentence("category.marketing.purpose")) && !text.contains("crumb-gpc"), "{text}");
    }

    #[test]
    fn the_logo_layout_parts_and_accent_are_painted_as_the_widget_draws_them() {
        let mut config = demo();
        config.theme.logo = Some(crumb_core::config::Logo { src: "/img/logo.svg".into(), alt: "Crumb & Co.".into() });
        config.theme.accent = Some("#ffd400".into());
        config.layout.style = crumb_core::config::LayoutStyle::Bar;
        let texts = read_texts(&root().join("www/i18n"), "en", &config).unwrap();
        let html = render_first_layer(&config, texts, false);
        assert!(html.contains(r#"data-layout="bar""#), "{html}");
        assert!(html.contains(r#"<img part="logo" src="/img/logo.svg" alt="Crumb &amp; Co." class="crumb-logo">"#), "{html}");
        assert_eq!(html.matches(r#"part="button""#).count(), 3, "{html}");
        for part in ["banner", "title", "text", "link"] {
            assert!(html.contains(&format!(r#"part="{part}""#)), "no part {part}: {html}");
        }
        let tree = html_to_tree(&html).unwrap();
        assert!(
            tree.to_string().contains(r#"["img",{"alt":"Crumb & Co.","class":"crumb-logo","part":"logo","src":"/img/logo.svg"}]"#),
            "{tree}"
        );
        // The accent's properties, as crumb-core decides them for the widget too.
        let i18n = root().join("www/i18n");
        let prepaint = prepaint(&config, &i18n, &["en".to_owned()]).unwrap();
        assert_eq!(
            prepaint["style"],
            json!([
                ["--crumb-brand", "#ffd400"],
                ["--crumb-brand-fg", "#000000"],
                ["--crumb-accent-dark", "#ffd400"],
                ["--crumb-accent-fg-dark", "#000000"]
            ])
        );
    }

    #[test]
    fn a_language_is_never_a_path() {
        let config = demo();
        assert!(read_texts(&root().join("www/i18n"), "../en", &config).is_err());
    }

    #[test]
    fn the_tree_holds_the_same_elements_texts_and_attributes() {
        let tree = html_to_tree(&render("de", true)).unwrap();
        assert_eq!(tree[0], "div");
        assert_eq!(tree[1]["class"], "crumb");
        assert_eq!(tree[1]["lang"], "de");
        let section = &tree[2];
        assert_eq!(section[0], "section");
        assert_eq!(section[1]["popover"], "manual");
        assert_eq!(section[1]["data-crumb-part"], "banner");
        // The hydration markers (`<!>`) are gone: the root holds the banner only.
        assert_eq!(tree.as_array().unwrap().len(), 3);
        let buttons: Vec<(&str, &str)> = section
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c[1]["class"] == "crumb-actions")
            .flat_map(|actions| actions.as_array().unwrap()[2..].iter())
            .map(|b| (b[1]["data-action"].as_str().unwrap(), b[2].as_str().unwrap()))
            .collect();
        assert_eq!(buttons, [("accept-all", "Alle akzeptieren"), ("reject-all", "Alle ablehnen"), ("customize", "Anpassen")]);
        let text = serde_json::to_string(&tree).unwrap();
        assert!(text.contains(r#"["p",{"class":"crumb-gpc","data-crumb-part":"gpc"}"#), "{text}");
    }

    #[test]
    fn character_references_are_decoded_once() {
        let tree = html_to_tree(r#"<p title="a &quot;b&quot; &amp;amp;">x &lt;script&gt; &#39;y&#x27; &amp; &bogus; &</p>"#).unwrap();
        assert_eq!(tree, json!(["p", { "title": "a \"b\" &amp;" }, "x <script> 'y' & &bogus; &"]));
        assert_eq!(html_to_tree("<div><br><img src=\"a\"/>t</div>").unwrap(), json!(["div", {}, ["br", {}], ["img", { "src": "a" }], "t"]));
    }

    #[test]
    fn malformed_markup_is_an_error_not_a_guess() {
        for bad in ["<div>", "<div></p>", "</div>", "<div a=b></div>", "<div></div><div></div>", "text", "<div"] {
            assert!(html_to_tree(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_prepaint_carries_what_the_loader_needs_to_choose_the_language() {
        let config = demo();
        let value = prepaint(&config, &root().join("www/i18n"), &["en".into(), "fr".into()]).unwrap();
        assert_eq!(value["crumb_prepaint"], FORMAT);
        assert_eq!(value["language"], "auto");
        assert_eq!(value["fallback"], "en");
        assert_eq!(value["offered"].as_array().unwrap().len(), config.offered_languages().len());
        assert_eq!(value["layers"].as_object().unwrap().keys().collect::<Vec<_>>(), ["en", "fr"]);
        assert_eq!(value["layers"]["fr"][1]["lang"], "fr");
        // A language the site does not offer is refused, with the list it does.
        let mut config = config;
        config.languages = Some(vec!["en".into(), "de".into()]);
        let error = prepaint(&config, &root().join("www/i18n"), &["fr".into()]).unwrap_err();
        assert!(error.contains("\"fr\" is not one of the site's languages (en, de)"), "{error}");
    }
}
