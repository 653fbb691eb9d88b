//! Start-up: waits for the DOM, reads and checks the config, picks the language, reads the stored
//! consent, mounts the widget into its own shadow root, installs `window.Crumb`, and applies a
//! consent in force. Any failure leaves the page working with everything non-essential denied.

use std::collections::BTreeMap;
use std::sync::Arc;

use crumb_core::{negotiate_language, parse_config, prompt_for, Config, ConfigError, ConfigErrors, Texts};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{js_text, report, warn, CrumbError};
use crate::platform::{self, consent_mode, cookies, document, scripts, storage, transport, window};
use crate::ui::{focus, App};
use crate::widget::{View, Widget};

/// English texts compiled in, used only when the language file cannot be fetched.
const BUILTIN_ENGLISH: &str = include_str!("../www/i18n/en.json");

/// What loader.js hands over.
#[derive(Clone)]
pub struct LoaderOptions {
    /// The folder loader.js was served from, ending in `/`.
    pub base: String,
    pub endpoint: Option<String>,
    pub config_url: Option<String>,
    /// Calls made to `window.Crumb` before the widget was ready: `[name, args]`.
    pub queue: js_sys::Array,
    pub gtag: Option<js_sys::Function>,
    pub on: Option<js_sys::Function>,
    /// The global the API is published on: `Crumb`, or `CrumbConsent` when the page owns `Crumb`.
    pub global: String,
}

fn string_field(options: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(options, &JsValue::from_str(name)).ok()?.as_string().filter(|s| !s.is_empty())
}

impl LoaderOptions {
    pub fn from_js(options: &JsValue) -> LoaderOptions {
        let field = |name: &str| js_sys::Reflect::get(options, &JsValue::from_str(name)).ok();
        LoaderOptions {
            base: string_field(options, "base").unwrap_or_else(|| "/crumb/".to_owned()),
            endpoint: string_field(options, "endpoint"),
            config_url: string_field(options, "config"),
            queue: field("queue").and_then(|q| q.dyn_into().ok()).unwrap_or_default(),
            gtag: field("gtag").and_then(|g| g.dyn_into().ok()),
            on: field("on").and_then(|g| g.dyn_into().ok()),
            global: string_field(options, "global").filter(|g| g == "CrumbConsent").unwrap_or_else(|| "Crumb".to_owned()),
        }
    }
}

/// Entry point: runs the start-up once the DOM is parsed.
pub fn start(options: LoaderOptions) {
    let Some(doc) = document() else { return };
    if doc.ready_state() == "loading" {
        let mut options = Some(options);
        let once = Closure::<dyn FnMut()>::new(move || {
            if let Some(options) = options.take() {
                wasm_bindgen_futures::spawn_local(boot(options));
            }
        });
        let _ = doc.add_event_listener_with_callback("DOMContentLoaded", once.as_ref().unchecked_ref());
        once.forget();
    } else {
        wasm_bindgen_futures::spawn_local(boot(options));
    }
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let window = window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| js_text(&e))?;
    let response: web_sys::Response = response.dyn_into().map_err(|e| js_text(&e))?;
    if !response.ok() {
        return Err(format!("HTTP {} for {url}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|e| js_text(&e))?).await.map_err(|e| js_text(&e))?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

/// The config's JSON text: from `data-config` or the `#crumb-config` element.
async fn config_text(options: &LoaderOptions) -> Result<String, CrumbError> {
    if let Some(url) = &options.config_url {
        return fetch_text(url).await.map_err(|why| CrumbError::ConfigMissing(format!("could not load data-config: {why}")));
    }
    document()
        .and_then(|d| d.get_element_by_id("crumb-config"))
        .and_then(|e| e.text_content())
        .ok_or_else(|| CrumbError::ConfigMissing("add <script type=\"application/json\" id=\"crumb-config\"> or data-config".to_owned()))
}

pub fn read_config(text: &str) -> Result<Config, CrumbError> {
    let value = js_sys::JSON::parse(text).map_err(|e| CrumbError::ConfigMissing(format!("the config is not JSON: {}", js_text(&e))))?;
    let config = parse_config(serde_wasm_bindgen::Deserializer::from(value.clone())).map_err(|ConfigErrors(errors)| {
        // serde-wasm-bindgen's errors print as JS errors: drop their `Error: ` prefix.
        let errors = errors
            .into_iter()
            .map(|e| ConfigError { message: e.message.strip_prefix("Error: ").unwrap_or(&e.message).to_owned(), ..e })
            .collect();
        ConfigErrors(errors)
    })?;
    let mut errors = Vec::new();
    // serde-wasm-bindgen reads only the fields a struct declares, so `deny_unknown_fields` never
    // sees the others: compare the input with what the config reads back as.
    unknown_fields(&value, &platform::to_js(&config), "", &mut errors);
    // Cookie patterns are JavaScript regular expressions: only the browser can check them.
    for (c, category) in config.categories.iter().enumerate() {
        for (s, service) in category.services.iter().enumerate() {
            let cookie_patterns = service.cookies.iter().enumerate().map(|(k, p)| ("cookies", k, &p.pattern));
            let key_patterns = service.local_storage.iter().enumerate().map(|(k, p)| ("local_storage", k, &p.pattern));
            for (list, k, pattern) in cookie_patterns.chain(key_patterns) {
                if let Some(pattern) = pattern {
                    if cookies::compile(pattern).is_none() {
                        errors.push(ConfigError {
                            path: format!("categories[{c}].services[{s}].{list}[{k}].pattern"),
                            message: "is not a valid JavaScript regular expression".to_owned(),
                        });
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors).into())
    }
}

/// Every key of `input` that `known` (the parsed config, serialized back) lacks, by path.
fn unknown_fields(input: &JsValue, known: &JsValue, path: &str, errors: &mut Vec<ConfigError>) {
    if js_sys::Array::is_array(input) {
        let (input, known) = (js_sys::Array::from(input), js_sys::Array::from(known));
        for i in 0..input.length() {
            unknown_fields(&input.get(i), &known.get(i), &format!("{path}[{i}]"), errors);
        }
    } else if input.is_object() && known.is_object() && !js_sys::Array::is_array(known) {
        let known_object: &js_sys::Object = known.unchecked_ref();
        let input_object: &js_sys::Object = input.unchecked_ref();
        for key in js_sys::Object::keys(input_object).iter() {
            let Some(name) = key.as_string() else { continue };
            let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            if js_sys::Object::has_own(known_object, &key) {
                let value = |of: &JsValue| js_sys::Reflect::get(of, &key).unwrap_or(JsValue::UNDEFINED);
                unknown_fields(&value(input), &value(known), &here, errors);
            } else {
                errors.push(ConfigError { path: here, message: format!("unknown field `{name}`") });
            }
        }
    }
}

fn browser_languages() -> Vec<String> {
    let Some(window) = window() else { return Vec::new() };
    let navigator = window.navigator();
    let list: Vec<String> = navigator.languages().iter().filter_map(|l| l.as_string()).collect();
    if list.is_empty() {
        navigator.language().into_iter().collect()
    } else {
        list
    }
}

/// The page's own language, `<html lang="…">`, if it declares one.
fn page_language() -> Option<String> {
    let lang = document()?.document_element()?.get_attribute("lang")?;
    let lang = lang.trim();
    (!lang.is_empty()).then(|| lang.to_owned())
}

/// `navigator.globalPrivacyControl === true`.
pub fn gpc_signal() -> bool {
    window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("globalPrivacyControl")).ok())
        .is_some_and(|v| v.as_bool() == Some(true))
}

/// The texts of a language: its file under `<base>i18n/` (only the chosen language is ever
/// fetched), with the site's overrides.
pub async fn load_texts(base: &str, language: &str, config: &Config) -> Result<Texts, String> {
    let text = fetch_text(&format!("{base}i18n/{language}.json")).await?;
    let builtin: BTreeMap<String, String> = platform::from_json(&text)?;
    Ok(Texts::new(language, builtin, config))
}

async fn boot(options: LoaderOptions) {
    consent_mode::set_gtag(options.gtag.clone());
    let config = match config_text(&options).await.and_then(|text| read_config(&text)) {
        Ok(config) => config,
        Err(error) => {
            report(&error);
            crate::api::install_unconfigured(&options);
            platform::dispatch("ready", &JsValue::from_str("unconfigured"));
            crate::api::replay(&options);
            return;
        }
    };

    let html_lang = page_language();
    let language =
        negotiate_language(&config.language, html_lang.as_deref(), &browser_languages(), &config.offered_languages(), &config.fallback);
    let texts = match load_texts(&options.base, &language, &config).await {
        Ok(texts) => texts,
        Err(why) => {
            warn(&format!("could not load the `{language}` texts ({why}); using the built-in English"));
            let builtin = platform::from_json(BUILTIN_ENGLISH).unwrap_or_default();
            Texts::new("en", builtin, &config)
        }
    };

    let now = platform::now();
    storage::configure(&config);
    let stored = match storage::read_consent(&config, now) {
        Ok(stored) => stored,
        Err(error) => {
            report(&error.into());
            None
        }
    };
    let prompt = prompt_for(&config, stored.as_ref(), now);
    let gpc = gpc_signal() && config.honor_gpc;
    let endpoint = options.endpoint.clone().or_else(|| config.endpoint.clone());

    let Some(mount_point) = create_host(&options.base) else {
        report(&CrumbError::Browser("could not create the widget's host element".to_owned()));
        crate::api::install_unconfigured(&options);
        return;
    };
    let config = Arc::new(config);
    let (in_force, stale) = if prompt.shows_banner() { (None, stored) } else { (stored, None) };
    let view_now = if prompt.shows_banner() { View::Banner } else { View::Closed };
    let api_options = options.clone();
    let handle = leptos::mount::mount_to(mount_point, move || {
        let widget = Widget {
            config: StoredValue::new(config),
            texts: RwSignal::new(texts),
            view: RwSignal::new(view_now),
            consent: RwSignal::new(in_force),
            stale: StoredValue::new(stale),
            draft: RwSignal::new(BTreeMap::new()),
            gpc,
            base: StoredValue::new(api_options.base.clone()),
        };
        provide_context(widget);
        crate::api::install(widget, &api_options);
        view! { <App/> }
    });
    handle.forget();

    let Some(widget) = crate::api::widget() else { return };
    transport::init(endpoint);
    let in_force = widget.consent.get_untracked();
    if let Some(consent) = &in_force {
        widget.apply_stored(consent);
    }
    // Placeholders for blocked embeds, and gated content the page adds from now on.
    scripts::watch(in_force.as_ref());
    listen_for_preference_links(widget);
    platform::dispatch("ready", &JsValue::TRUE);
    crate::api::replay(&options);
}

/// `<div id="crumb-root">` first in `<body>` (first in tab order), with an open shadow root
/// holding the stylesheet and the mount point; hidden until the stylesheet has loaded.
fn create_host(base: &str) -> Option<web_sys::HtmlElement> {
    let doc = document()?;
    let body = doc.body()?;
    let host = doc.create_element("div").ok()?;
    host.set_id("crumb-root");
    let _ = host.set_attribute("data-crumb-root", "");
    let (root, mount) = platform::styled_shadow(&host, base)?;
    body.prepend_with_node_1(&host).ok()?;
    focus::set_root(root);
    Some(mount)
}

/// Any element with `data-crumb="preferences"` opens the preference center.
fn listen_for_preference_links(widget: Widget) {
    let Some(doc) = document() else { return };
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let opener = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-crumb=\"preferences\"]").ok().flatten());
        if opener.is_some() {
            event.prevent_default();
            crate::ui::preferences::open(widget);
        }
    });
    let _ = doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
}
