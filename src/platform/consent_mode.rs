//! Google Consent Mode v2 and tag managers behind [`TagSink`]: `gtag('consent', 'update', …)`
//! for all seven signals, and a `dataLayer` event `crumb_consent`. The `denied` defaults are set
//! by loader.js before any other script can run.

use crumb_core::Signal;
use wasm_bindgen::{JsCast, JsValue};

use super::dom::window;

/// Where Consent Mode updates and tag-manager events go.
pub trait TagSink {
    /// `gtag('consent', 'update', {signal: 'granted' | 'denied', …})`.
    fn update(&self, signals: &[(Signal, bool)]);
    /// `dataLayer.push({event: 'crumb_consent', crumb_categories, crumb_action})`.
    fn push_event(&self, categories: &JsValue, action: Option<&str>);
}

/// The page's `gtag` (loader.js's, which pushes a real `arguments` object as gtag.js and GTM
/// expect; else the page's own `window.gtag`) and `window.dataLayer`.
pub struct GtagSink {
    /// loader.js's `gtag`.
    pub gtag: Option<js_sys::Function>,
}

impl GtagSink {
    fn gtag(&self) -> Option<js_sys::Function> {
        self.gtag.clone().or_else(|| js_sys::Reflect::get(&JsValue::from(window()?), &JsValue::from_str("gtag")).ok()?.dyn_into().ok())
    }
}

fn signal_object(signals: &[(Signal, bool)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (signal, granted) in signals {
        let value = if *granted { "granted" } else { "denied" };
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(signal.as_str()), &JsValue::from_str(value));
    }
    object
}

impl TagSink for GtagSink {
    fn update(&self, signals: &[(Signal, bool)]) {
        let Some(gtag) = self.gtag() else { return };
        let _ = gtag.call3(&JsValue::NULL, &"consent".into(), &"update".into(), &signal_object(signals));
    }

    fn push_event(&self, categories: &JsValue, action: Option<&str>) {
        let Some(window) = window() else { return };
        let key = JsValue::from_str("dataLayer");
        let layer = match js_sys::Reflect::get(&window, &key).ok().and_then(|l| l.dyn_into::<js_sys::Array>().ok()) {
            Some(layer) => layer,
            None => {
                let layer = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&window, &key, &layer);
                layer
            }
        };
        let event = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&event, &"event".into(), &crumb_core::ids::DATALAYER_EVENT.into());
        let _ = js_sys::Reflect::set(&event, &"crumb_categories".into(), categories);
        if let Some(action) = action {
            let _ = js_sys::Reflect::set(&event, &"crumb_action".into(), &action.into());
        }
        // `push` may be GTM's wrapper: call it as a method, not Array.prototype.push.
        if let Ok(push) = js_sys::Reflect::get(&layer, &"push".into()).and_then(|p| p.dyn_into::<js_sys::Function>()) {
            let _ = push.call1(&layer, &event);
        }
    }
}
