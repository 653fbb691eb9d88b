//! The live preview: the real widget (`/crumb/loader.js`) in an `<iframe srcdoc>` holding the
//! draft inline, re-rendered ~400 ms after an edit, in the language, width (desktop or phone, by
//! class) and view (first layer or preference center) chosen. The frame is same-origin, so the
//! configurator clears Crumb's stored consent before each render (else the widget would show no
//! banner to a "returning visitor") and records go to `/api/admin/preview/consent`, which stores
//! nothing.

use std::time::Duration;

use crumb_core::json::Value;
use leptos::leptos_dom::helpers::{set_timeout_with_handle, TimeoutHandle};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::editor::Editor;
use crate::model::{self, Path};

/// The preview follows the last edit after this long.
pub const PREVIEW_DELAY: Duration = Duration::from_millis(400);

/// The preview page for `config` in `language`: the config inline (with `<` written as `\u003c`,
/// so no `</script>` in a text can end it early) and the loader, as a site owner's page has them.
/// The URLs are absolute (`origin` is the configurator's): a `srcdoc` page's own address is
/// `about:srcdoc`, against which the widget could not resolve a path.
pub fn srcdoc(config: &Value, language: &str, origin: &str) -> String {
    let mut config = config.clone();
    model::set(&mut config, &Path::root().key("language"), Some(Value::String(language.to_owned())));
    let json = config.to_json().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let lang: String = language.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Banner preview</title>\
         <link rel=\"stylesheet\" href=\"{origin}/configurator/preview.css\"></head><body><main><h1>Your page</h1>\
         <p>The banner shows over your page as a shopper sees it.</p></main>\
         <script type=\"application/json\" id=\"crumb-config\">{json}</script>\
         <script src=\"{origin}/crumb/loader.js\" data-endpoint=\"{origin}/api/admin/preview/consent\"></script></body></html>"
    )
}

/// Forgets any consent the preview stored (same origin as the configurator): localStorage's
/// `crumb` and `crumb_*` keys and the `crumb_consent` cookie.
pub fn clear_stored_consent() {
    let Some(window) = web_sys::window() else { return };
    if let Ok(Some(storage)) = window.local_storage() {
        let keys: Vec<String> = (0..storage.length().unwrap_or(0)).filter_map(|i| storage.key(i).ok().flatten()).collect();
        for key in keys {
            if key == "crumb" || key.starts_with("crumb_") {
                let _ = storage.remove_item(&key);
            }
        }
    }
    if let Some(document) = window.document().and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok()) {
        let _ = document.set_cookie("crumb_consent=; Max-Age=0; Path=/");
    }
}

/// Calls `Crumb.<method>()` in the frame's window.
fn call_in_frame(frame: &web_sys::Window, method: &str) {
    let Ok(crumb) = js_sys::Reflect::get(frame, &JsValue::from_str("Crumb")) else { return };
    if let Ok(function) = js_sys::Reflect::get(&crumb, &JsValue::from_str(method)) {
        if let Some(function) = function.dyn_ref::<js_sys::Function>() {
            let _ = function.call0(&crumb);
        }
    }
}

/// The preview panel.
pub fn preview(ed: Editor) -> AnyView {
    let offered = Memo::new(move |_| ed.draft.with(model::offered));
    let language = RwSignal::new(ed.draft.with_untracked(model::fallback));
    let phone = RwSignal::new(false);
    let preferences = RwSignal::new(false);
    let ready = RwSignal::new(false);
    let doc = RwSignal::new(String::new());
    let shown_invalid = RwSignal::new(false);
    let last_valid: RwSignal<Option<Value>> = RwSignal::new(None);
    let timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    Effect::new(move |_| {
        if ed.errors.with(Vec::is_empty) {
            last_valid.set(Some(ed.draft.get()));
            shown_invalid.set(false);
        } else {
            shown_invalid.set(true);
        }
    });
    Effect::new(move |first: Option<()>| {
        let config = last_valid.get();
        let language = language.get();
        preferences.track();
        if !ed.online {
            return;
        }
        if let Some(Some(handle)) = timer.try_get_value() {
            handle.clear();
        }
        let render = move || {
            if let Some(config) = config {
                clear_stored_consent();
                ready.set(false);
                // A new string each time, so the same draft renders again.
                let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                let origin: String = origin.chars().filter(|c| !matches!(c, '"' | '<' | '>' | '&')).collect();
                let page = srcdoc(&config, &language, &origin);
                doc.set(if doc.get_untracked() == page { format!("{page}\n") } else { page });
            }
        };
        match first {
            None => render(),
            Some(()) => timer.set_value(set_timeout_with_handle(render, crate::preview::PREVIEW_DELAY).ok()),
        }
    });
    let frame_ref = NodeRef::<leptos::html::Iframe>::new();
    let stalled = RwSignal::new(false);
    let on_load = move |_| {
        let Some(frame) = frame_ref.get_untracked().and_then(|f| f.content_window()) else { return };
        stalled.set(false);
        let rendered = doc.get_untracked();
        // A widget that never says it is ready (a broken draft only a browser finds, a missing
        // /crumb/ folder) is named, rather than "loading" for ever.
        set_timeout(
            move || {
                if ready.try_get_untracked() == Some(false) && doc.try_get_untracked().as_ref() == Some(&rendered) {
                    let _ = stalled.try_set(true);
                }
            },
            Duration::from_secs(10),
        );
        let open = preferences.get_untracked();
        let already = js_sys::Reflect::get(&frame, &JsValue::from_str("Crumb"))
            .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("ready")))
            .map(|r| r.is_truthy())
            .unwrap_or(false);
        if already {
            ready.set(true);
            if open {
                call_in_frame(&frame, "showPreferences");
            }
            return;
        }
        let window = frame.clone();
        let listener = Closure::once_into_js(move || {
            ready.set(true);
            if open {
                call_in_frame(&window, "showPreferences");
            }
        });
        let _ = frame.add_event_listener_with_callback("crumb:ready", listener.unchecked_ref());
    };
    view! {
        <section id="preview" aria-labelledby="preview-title">
            <h2 id="preview-title">"Preview"</h2>
            <div class="preview-controls">
                <div class="field">
                    <label for="preview-language">"Language"</label>
                    <select id="preview-language" on:change=move |ev| language.set(event_target_value(&ev))>
                        {move || offered.get().into_iter().map(|l| {
                            let (v, value) = (l.clone(), l.clone());
                            view! { <option value=value selected=move || language.get() == v>{l}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="choice">
                    <legend>"Width"</legend>
                    <input type="radio" id="preview-desktop" name="preview-width" prop:checked=move || !phone.get() on:change=move |_| phone.set(false) />
                    <label for="preview-desktop">"Desktop (1024 px, shown at 55 %)"</label>
                    <input type="radio" id="preview-phone" name="preview-width" prop:checked=move || phone.get() on:change=move |_| phone.set(true) />
                    <label for="preview-phone">"Phone (375 px)"</label>
                </fieldset>
                <fieldset class="choice">
                    <legend>"View"</legend>
                    <input type="radio" id="preview-first-layer" name="preview-view" prop:checked=move || !preferences.get() on:change=move |_| preferences.set(false) />
                    <label for="preview-first-layer">"First layer (banner)"</label>
                    <input type="radio" id="preview-preferences" name="preview-view" prop:checked=move || preferences.get() on:change=move |_| preferences.set(true) />
                    <label for="preview-preferences">"Preference center"</label>
                </fieldset>
            </div>
            <p id="preview-state" class="note" role="status">
                {move || if shown_invalid.get() {
                    "The draft has errors: the preview shows the last draft without errors."
                } else if stalled.get() && !ready.get() {
                    "The preview did not start: the browser console says why."
                } else if ready.get() {
                    "The preview shows the draft."
                } else {
                    "Loading the preview…"
                }}
            </p>
            <div class="preview-frame" role="region" aria-label="Preview frame (scrolls when wider than the panel)" tabindex="0">
                <iframe
                    id="preview-frame"
                    node_ref=frame_ref
                    title="Preview of the banner with the draft"
                    class=move || if phone.get() { "preview-phone" } else { "preview-desktop" }
                    data-ready=move || if ready.get() { "true" } else { "false" }
                    srcdoc=move || doc.get()
                    on:load=on_load
                ></iframe>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draft_is_inline_and_a_script_end_tag_in_a_text_cannot_end_it() {
        let config = crumb_core::json::object(vec![
            ("site", Value::String("shop".into())),
            ("comment", Value::String("</script><script>alert(1)</script>".into())),
        ]);
        let page = srcdoc(&config, "nl", "https://admin.example");
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(page.contains(r#"<html lang="nl">"#));
        assert!(page.contains(r#""language":"nl""#), "the chosen language is the one shown: {page}");
        assert!(page.contains(
            r#"<script src="https://admin.example/crumb/loader.js" data-endpoint="https://admin.example/api/admin/preview/consent">"#
        ));
        assert!(!page.contains("style="));
    }
}
