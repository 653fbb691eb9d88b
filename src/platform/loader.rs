//! What loader.js hands over to the wasm, read as own properties only.

use wasm_bindgen::{JsCast, JsValue};

use super::dom::own;

/// What loader.js hands over.
#[derive(Clone)]
pub struct LoaderOptions {
    /// The folder loader.js was served from, ending in `/`.
    pub base: String,
    /// `data-endpoint`: where records go; wins over the config's `endpoint`.
    pub endpoint: Option<String>,
    /// `data-config`: where to fetch the config from, instead of the inline element.
    pub config_url: Option<String>,
    /// Calls made to `window.Crumb` before the widget was ready: `[name, args]`.
    pub queue: js_sys::Array,
    /// loader.js's `gtag`, which pushes a real `arguments` object as gtag.js expects.
    pub gtag: Option<js_sys::Function>,
    /// loader.js's `on(event, fn)`, reused by the API.
    pub on: Option<js_sys::Function>,
    /// The global the API is published on: `Crumb`, or `CrumbConsent` when the page owns `Crumb`.
    pub global: String,
    /// The first layer loader.js painted, or is about to paint (`data-prepaint`).
    pub prepaint: Option<super::prepaint::Prepaint>,
    /// The apply part applied the stored consent by its plan before this module loaded
    /// (`crumb_core::plan`): Consent Mode already has its signals.
    pub planned: bool,
    /// `data-debug` on the script tag: show the debug panel on any origin (docs/configuration.md).
    pub debug: bool,
    /// The nonce of loader.js's own `<script>` (its `nonce` property; empty without one): with the
    /// config's `gating.require_nonce`, the nonce a gated script must carry to be revived.
    pub nonce: String,
}

fn string_field(options: &JsValue, name: &str) -> Option<String> {
    own(options, name)?.as_string().filter(|s| !s.is_empty())
}

impl LoaderOptions {
    /// Reads loader.js's options object; anything missing or of the wrong type takes its default.
    pub fn from_js(options: &JsValue) -> LoaderOptions {
        LoaderOptions {
            base: string_field(options, "base").unwrap_or_else(|| "/crumb/".to_owned()),
            endpoint: string_field(options, "endpoint"),
            config_url: string_field(options, "config"),
            queue: own(options, "queue").and_then(|q| q.dyn_into().ok()).unwrap_or_default(),
            gtag: own(options, "gtag").and_then(|g| g.dyn_into().ok()),
            on: own(options, "on").and_then(|g| g.dyn_into().ok()),
            global: string_field(options, "global").filter(|g| g == "CrumbConsent").unwrap_or_else(|| "Crumb".to_owned()),
            prepaint: own(options, "prepaint").and_then(super::prepaint::Prepaint::from_js),
            planned: own(options, "planned").is_some_and(|p| p.as_bool() == Some(true)),
            debug: own(options, "debug").is_some_and(|d| d.as_bool() == Some(true)),
            nonce: string_field(options, "nonce").unwrap_or_default(),
        }
    }
}
