//! Crumb: a cookie-consent banner and preference center. This crate is the browser side: it
//! reads the site's config, asks crumb-core what to do, and carries it out in the page.
//!
//! Layers point one way (see `docs/architecture.md`): `crumb-core` decides ← [`platform`]
//! (browser effects behind traits) ← [`widget`] (state, and the only caller of the effects) ←
//! [`ui`] and [`api`] ← [`boot`] (the composition root). [`error`] is the reporter every layer
//! uses.

/// Calls a split point (a function marked `#[wasm_split]` under the `split` feature): in a split
/// build the call is awaited, since its part may have to be fetched first; otherwise the function
/// is called directly. Use it inside an `async` function.
macro_rules! call_part {
    ($call:expr) => {{
        #[cfg(feature = "split")]
        let result = $call.await;
        #[cfg(not(feature = "split"))]
        let result = $call;
        result
    }};
}

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
