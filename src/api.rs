//! `window.Crumb`: the JS API (names follow the most used open-source banner, so migrating is
//! easy; typed by `www/crumb.d.ts`), installed over loader.js's queue stub, which it then
//! replays. Every method closes over the widget it drives: there is no global registry.

use crumb_core::Choice;
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::error::warn;
use crate::platform::loader::LoaderOptions;
use crate::platform::{self, window};
use crate::widget::Widget;

fn set_method(object: &js_sys::Object, name: &str, function: JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(name), &function);
}

fn method0(object: &js_sys::Object, name: &str, f: impl Fn() -> JsValue + 'static) {
    set_method(object, name, Closure::<dyn Fn() -> JsValue>::new(f).into_js_value());
}

fn method1(object: &js_sys::Object, name: &str, f: impl Fn(JsValue) -> JsValue + 'static) {
    set_method(object, name, Closure::<dyn Fn(JsValue) -> JsValue>::new(f).into_js_value());
}

/// The categories an `acceptCategory` argument names: `"all"` or nothing → all, a name, or a list.
fn choice_from(argument: &JsValue) -> Choice {
    if argument.is_undefined() || argument.as_string().as_deref() == Some("all") {
        return Choice::AcceptAll;
    }
    let names: Vec<String> = match argument.as_string() {
        Some(name) => vec![name],
        None if js_sys::Array::is_array(argument) => {
            let list: &js_sys::Array = argument.unchecked_ref();
            (0..list.length().min(200)).filter_map(|i| list.get(i).as_string()).collect()
        }
        None => Vec::new(),
    };
    if names.is_empty() {
        return Choice::RejectAll;
    }
    Choice::Custom { categories: names.into_iter().map(|n| (n, true)).collect(), services: Default::default() }
}

fn base_object(options: &LoaderOptions) -> js_sys::Object {
    let api = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&api, &"version".into(), &env!("CARGO_PKG_VERSION").into());
    if let Some(on) = &options.on {
        set_method(&api, "on", on.clone().into());
    }
    api
}

fn publish(api: &js_sys::Object, options: &LoaderOptions) {
    if let Some(window) = window() {
        let _ = js_sys::Reflect::set(&window, &JsValue::from_str(&options.global), api);
    }
}

fn action(api: &js_sys::Object, name: &str, f: impl Fn() + 'static) {
    method0(api, name, move || {
        f();
        JsValue::UNDEFINED
    });
}

/// Installs the API for a widget that is running. `open_preferences` opens the preference
/// center the way the components do (focus remembered and moved in).
pub fn install(widget: Widget, options: &LoaderOptions, open_preferences: fn(Widget)) {
    let api = base_object(options);
    let _ = js_sys::Reflect::set(&api, &"ready".into(), &JsValue::TRUE);
    action(&api, "show", move || widget.show_banner());
    // Hidden is not consent: nothing is granted, and the reopen button stays.
    action(&api, "hide", move || widget.hide());
    action(&api, "showPreferences", move || open_preferences(widget));
    method1(&api, "acceptCategory", move |argument| {
        widget.choose(choice_from(&argument));
        JsValue::UNDEFINED
    });
    method1(&api, "acceptedCategory", move |name| {
        let name = name.as_string().unwrap_or_default();
        JsValue::from_bool(widget.consent.with_untracked(|c| c.as_ref().is_some_and(|c| c.granted(&name))))
    });
    method1(&api, "acceptedService", move |name| {
        let name = name.as_string().unwrap_or_default();
        JsValue::from_bool(widget.consent.with_untracked(|c| c.as_ref().is_some_and(|c| c.service_granted(&name))))
    });
    method0(&api, "getConsent", move || widget.consent.with_untracked(|c| c.as_ref().map_or(JsValue::NULL, platform::to_js)));
    method1(&api, "setLanguage", move |code| {
        let code = code.as_string().unwrap_or_default();
        wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_bool(widget.set_language(&code).await)) }).into()
    });
    action(&api, "reset", move || widget.reset());
    publish(&api, options);
}

/// The API when the config is broken: every question answers "denied", every action warns.
pub fn install_unconfigured(options: &LoaderOptions) {
    let api = base_object(options);
    let _ = js_sys::Reflect::set(&api, &"ready".into(), &JsValue::FALSE);
    for name in crumb_core::contract::API_ACTIONS {
        action(&api, name, move || warn(&format!("{name}() ignored: the widget has no valid config")));
    }
    method1(&api, "acceptedCategory", |_| JsValue::FALSE);
    method1(&api, "acceptedService", |_| JsValue::FALSE);
    method0(&api, "getConsent", || JsValue::NULL);
    publish(&api, options);
}

/// Runs the calls made before the widget was ready, in order, on the published API (once the
/// widget is fully started and `crumb:ready` has been sent).
pub fn replay(options: &LoaderOptions) {
    let Some(window) = window() else { return };
    let Ok(api) = js_sys::Reflect::get(&window, &JsValue::from_str(&options.global)) else {
        return;
    };
    for call in options.queue.iter() {
        let Some(name) = js_sys::Reflect::get(&call, &JsValue::from_f64(0.0)).ok().and_then(|n| n.as_string()) else {
            continue;
        };
        let args = js_sys::Reflect::get(&call, &JsValue::from_f64(1.0))
            .ok()
            .filter(js_sys::Array::is_array)
            .unwrap_or_else(|| js_sys::Array::new().into());
        match platform::dom::own(&api, &name).and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            Some(function) => {
                let _ = function.apply(&api, args.unchecked_ref());
            }
            None => warn(&format!("Crumb.{} is not a function", crumb_core::json_bounds::cap_message(&name, 40))),
        }
    }
}
