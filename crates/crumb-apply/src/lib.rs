//! The apply part: a small wasm module of its own (`apply.js` + `apply_bg.wasm`) that loader.js
//! runs on a returning visitor's page view, before the widget's main part, so the consented
//! scripts start without waiting for the config to be read and checked.
//!
//! It applies the stored consent only when its plan holds (`crumb_core::plan`): the plan was
//! stored by the main part together with the consent, for the exact config text and stored text
//! it checked; the consent has not expired; and no `crumb_consent` cookie says otherwise (a
//! consent given on another subdomain is for the main part to reconcile). It then updates Google
//! Consent Mode with the plan's signals and runs the gated content the consent allows
//! (crumb-gate, which marks what it ran, so the main part never runs it again). In every other
//! case it does nothing at all, and the main part decides as it always does: it can only ever
//! start earlier what the main part would start, never grant anything of its own.

use crumb_core::ids::{CONSENT_COOKIE, STORAGE_KEY};
use crumb_core::{Consent, Plan, PLAN_KEY};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Applies the stored consent when its plan holds for `config_text` (the page's inline config,
/// as its `textContent`); `gtag` is loader.js's. Resolves to true when it applied it, once every
/// gated script it started has run (loaded or failed), so loader.js fetches the main part after
/// them.
///
/// loader.js may run this before the parser has reached the page's gated content (an async
/// loader in the head, a body still arriving): what is parsed by then starts at once, the rest
/// once `parsed` (loader.js's promise of `DOMContentLoaded`, resolved already when the document
/// is parsed) resolves, in document order either way.
///
/// `nonce` is loader.js's own: with the config's `gating.require_nonce`, only gated scripts
/// carrying it are revived, as the main part does.
#[wasm_bindgen]
pub async fn apply(config_text: String, gtag: js_sys::Function, parsed: js_sys::Promise, nonce: String) -> bool {
    let Some(consent) = planned_consent(&config_text, &gtag) else { return false };
    let gate = crumb_gate::Gate::new();
    gate.require_nonce(requires_nonce(&config_text).then_some(nonce));
    gate.run_allowed_to_end(Some(&consent)).await;
    let _ = wasm_bindgen_futures::JsFuture::from(parsed).await;
    gate.run_allowed_to_end(Some(&consent)).await;
    true
}

/// The stored consent, when its plan holds; Consent Mode is then updated with the plan's signals.
fn planned_consent(config_text: &str, gtag: &js_sys::Function) -> Option<Consent> {
    let window = web_sys::window()?;
    let storage = window.local_storage().ok().flatten()?;
    let read = |key: &str| storage.get_item(key).ok().flatten();
    let (consent_text, plan_text) = (read(STORAGE_KEY)?, read(PLAN_KEY)?);
    let (plan, consent) = (Plan::decode(&plan_text)?, consent_from_json(&consent_text)?);
    if !plan.holds(config_text, &consent_text, &consent, js_sys::Date::now() as i64) || !cookies_agree(&window, &consent_text) {
        return None;
    }
    let update = js_sys::Object::new();
    for (signal, granted) in plan.signals() {
        let value = if granted { "granted" } else { "denied" };
        let _ = js_sys::Reflect::set(&update, &JsValue::from_str(signal.as_str()), &JsValue::from_str(value));
    }
    let _ = gtag.call3(&JsValue::NULL, &"consent".into(), &"update".into(), &update);
    Some(consent)
}

/// The config's `gating.require_nonce` (own properties only). The plan held, so the main part
/// checked this very text: only the switch is read here. Unreadable: on, the safe side.
fn requires_nonce(config_text: &str) -> bool {
    let own = |object: &JsValue, name: &str| {
        let object: &js_sys::Object = object.dyn_ref()?;
        let key = JsValue::from_str(name);
        js_sys::Object::has_own(object, &key).then(|| js_sys::Reflect::get(object, &key).ok()).flatten()
    };
    let Ok(config) = js_sys::JSON::parse(config_text) else { return true };
    own(&config, "gating").and_then(|g| own(&g, "require_nonce")).is_some_and(|on| on.as_bool() == Some(true))
}

/// Every `crumb_consent` cookie this page sees, if any, holds exactly the stored text.
fn cookies_agree(window: &web_sys::Window, consent_text: &str) -> bool {
    let Some(cookies) = window.document().and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok()).and_then(|d| d.cookie().ok()) else {
        return false;
    };
    crumb_core::cookie_pairs(&cookies)
        .into_iter()
        .filter(|(name, value)| name == CONSENT_COOKIE && !value.is_empty())
        .all(|(_, value)| js_sys::decode_uri_component(&value).ok().and_then(|v| v.as_string()).is_some_and(|v| v == consent_text))
}

/// The stored consent, read field by field from `JSON.parse` (no serde in this module: it is
/// what keeps it small). The text is the one the plan's digest names, which the main part wrote
/// and checked, so only its shape is checked here.
fn consent_from_json(text: &str) -> Option<Consent> {
    let value = js_sys::JSON::parse(text).ok()?;
    let field = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined());
    let number = |name: &str| field(name)?.as_f64().filter(|n| n.fract() == 0.0);
    Some(Consent {
        v: number("v")? as u32,
        id: field("id")?.as_string()?,
        categories: flags(&field("categories")?)?,
        services: match field("services") {
            Some(services) => flags(&services)?,
            None => Default::default(),
        },
        revision: number("revision")? as u32,
        given_at: number("given_at")? as i64,
        updated_at: number("updated_at")? as i64,
        expires_at: number("expires_at")? as i64,
        language: field("language")?.as_string()?,
    })
}

/// `{ id: true | false, ... }`.
fn flags(value: &JsValue) -> Option<crumb_core::Map<bool>> {
    let object: &js_sys::Object = value.dyn_ref()?;
    js_sys::Object::entries(object)
        .iter()
        .map(|entry| {
            let pair: js_sys::Array = entry.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_bool()?))
        })
        .collect()
}

/// Talc rather than the standard library's dlmalloc: 1.7 KB less brotli for this part, which a
/// returning visitor fetches before the consented scripts start. (The main part keeps dlmalloc:
/// `std::thread` allocates with `System` directly, so dlmalloc stays in it whatever the global
/// allocator, and talc there only added 0.3 KB.)
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
