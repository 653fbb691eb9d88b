//! `window.Crumb`: the JS API (names follow the most used open-source banner, so migrating is
//! easy), installed over loader.js's queue stub, which it then replays.

use std::cell::RefCell;

use crumb_core::Choice;
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::boot::LoaderOptions;
use crate::error::warn;
use crate::platform::{self, window};
use crate::widget::Widget;

thread_local! {
    static WIDGET: RefCell<Option<Widget>> = const { RefCell::new(None) };
}

pub fn widget() -> Option<Widget> {
    WIDGET.with(|w| *w.borrow())
}

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
        None => js_sys::Array::from(argument).iter().filter_map(|v| v.as_string()).collect(),
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

/// Installs the API for a widget that is running.
pub fn install(widget: Widget, options: &LoaderOptions) {
    WIDGET.with(|w| *w.borrow_mut() = Some(widget));
    let api = base_object(options);
    let _ = js_sys::Reflect::set(&api, &"ready".into(), &JsValue::TRUE);
    method0(&api, "show", move || {
        widget.show_banner();
        JsValue::UNDEFINED
    });
    method0(&api, "hide", move || {
        // Hidden is not consent: nothing is granted, and the reopen button stays.
        widget.view.set(crate::widget::View::Closed);
        JsValue::UNDEFINED
    });
    method0(&api, "showPreferences", move || {
        crate::ui::preferences::open(widget);
        JsValue::UNDEFINED
    });
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
        wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_bool(set_language(widget, &code).await)) }).into()
    });
    method0(&api, "reset", move || {
        widget.reset();
        JsValue::UNDEFINED
    });
    publish(&api, options);
}

thread_local! {
    /// Counts language switches, so a slow file that arrives after a later switch is dropped.
    static LANGUAGE_SWITCHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Switches the widget to one of the site's languages (`pt-br`, `nl-BE` match as negotiation
/// does): fetches only that language's file, then every text re-renders. An unknown code is a
/// console error and changes nothing. Used by `Crumb.setLanguage` and the language switcher.
pub async fn set_language(widget: Widget, requested: &str) -> bool {
    let config = widget.config();
    let offered = config.offered_languages();
    let Some(code) = crumb_core::match_language(requested, &offered) else {
        crate::error::error(&format!("setLanguage: `{requested}` is not one of the site's languages ({})", offered.join(", ")));
        return false;
    };
    let switch = LANGUAGE_SWITCHES.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    if widget.texts.with_untracked(|t| t.language == code) {
        return true;
    }
    match crate::boot::load_texts(&widget.base.get_value(), &code, &config).await {
        Ok(texts) if LANGUAGE_SWITCHES.with(|n| n.get()) == switch => {
            widget.texts.set(texts);
            true
        }
        // A later switch was asked for while this file loaded: that one wins.
        Ok(_) => false,
        Err(why) => {
            crate::error::error(&format!("setLanguage: could not load `{code}`: {why}"));
            false
        }
    }
}

/// The API when the config is broken: every question answers "denied", every action warns.
pub fn install_unconfigured(options: &LoaderOptions) {
    let api = base_object(options);
    let _ = js_sys::Reflect::set(&api, &"ready".into(), &JsValue::FALSE);
    for name in ["show", "hide", "showPreferences", "acceptCategory", "setLanguage", "reset"] {
        method0(&api, name, move || {
            warn(&format!("{name}() ignored: the widget has no valid config"));
            JsValue::UNDEFINED
        });
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
    let Ok(api) = js_sys::Reflect::get(&window, &JsValue::from_str(&options.global)) else { return };
    let queue = &options.queue;
    for call in queue.iter() {
        let call = js_sys::Array::from(&call);
        let Some(name) = call.get(0).as_string() else { continue };
        let args = js_sys::Array::from(&call.get(1));
        match js_sys::Reflect::get(&api, &JsValue::from_str(&name)).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            Some(function) => {
                let _ = function.apply(&api, &args);
            }
            None => warn(&format!("Crumb.{name} is not a function")),
        }
    }
}
