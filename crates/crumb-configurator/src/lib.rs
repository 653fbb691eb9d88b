//! Crumb's configurator: the page at `/admin/sites/{site}` where a marketer edits a site's hosted
//! config (categories, services and their cookies, texts per language, languages, look), sees
//! the real widget render the draft, and publishes it as a new version.
//!
//! **Client-side rendering (Leptos CSR), not server rendering with hydration**: the configurator
//! is an admin tool behind sign-in, so there is no search engine to serve and no first paint to
//! race (a marketer opens it and works in it for minutes). One wasm module holds the whole page;
//! crumb-server only serves a small HTML shell ([`start`] mounts into it) and stays a JSON API,
//! with no Leptos in the server and no rendering code to keep in step on both sides.
//!
//! Every field is checked in the browser by crumb-core's own rules
//! (`crumb_core::config::typed_config`, what the widget runs), on every edit; each error is shown
//! at the field its path names ([`model`]) and in a summary list, and publishing is off while
//! there are any. The draft is the config's JSON itself, so a draft may be invalid and is still
//! saved (autosave, ~800 ms after the last edit).
//!
//! A site's own texts (a service's name and description, a cookie's purpose) are one string for
//! every language or one per language: a button switches between the two, and a per-language
//! text gets an input for each offered language.

pub mod api;
pub mod editor;
pub mod fields;
pub mod model;
pub mod preview;
pub mod publish;
pub mod sections;

#[cfg(all(test, target_arch = "wasm32"))]
mod tests;

use wasm_bindgen::prelude::*;

/// Mounts the configurator into `#configurator`, for the site in its `data-site` attribute
/// (called by `/configurator/start.js` once the module is instantiated).
#[wasm_bindgen]
pub fn start() {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("configurator")) else {
        return;
    };
    let site = root.get_attribute("data-site").unwrap_or_default();
    root.set_inner_html("");
    let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() else { return };
    leptos::mount::mount_to(root, move || leptos::prelude::view! { <editor::App site=site.clone() /> }).forget();
}
