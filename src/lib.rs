//! Crumb: a cookie-consent banner and preference center. This crate is the browser side: it
//! reads the site's config, asks crumb-core what to do, and carries it out in the page.
//!
//! Layers point one way (see `docs/architecture.md`): `crumb-core` decides ← [`platform`]
//! (browser effects behind traits) ← [`widget`] (state, and the only caller of the effects) ←
//! [`ui`] and [`api`] ← [`boot`] (the composition root). [`error`] is the reporter every layer
//! uses.

pub mod api;
pub mod boot;
pub mod error;
pub mod parts;
pub mod platform;
pub mod ui;
pub mod widget;

use wasm_bindgen::prelude::*;

/// Called by loader.js once the wasm is instantiated.
#[wasm_bindgen]
pub fn start(options: JsValue) {
    boot::start(platform::loader::LoaderOptions::from_js(&options));
}
