//! The form's building blocks: an input, a select and a checkbox bound to a path of the draft,
//! each with a real `<label>`, and its errors (crumb-core's, by path) shown under it, linked with
//! `aria-describedby` and flagged with `aria-invalid` (and the word "Error", never colour alone).

use crumb_core::json::Value;
use leptos::prelude::*;

use crate::editor::Editor;
use crate::model::{self, Path};

/// How an input's text is written into the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string; an empty one is written as `""`.
    Text,
    /// A string; an empty one removes the member (an optional field).
    Optional,
    /// A whole number (text that is not one is written as a string, for the rules to name).
    Number,
}

/// The errors shown under a field, and the attributes that link them to it.
fn error_list(ed: Editor, path: String, id: String, below: bool) -> (Signal<Vec<String>>, impl IntoView) {
    let messages = Signal::derive(move || ed.errors.with(|errors| model::errors_at(errors, &path, below)));
    let view = move || {
        let list = messages.get();
        (!list.is_empty()).then(|| {
            view! {
                <ul class="field-errors" id=format!("{id}-error")>
                    {list.into_iter().map(|m| view! { <li>"Error: " {m}</li> }).collect_view()}
                </ul>
            }
        })
    };
    (messages, view)
}

/// A text input at `path`.
pub fn input(ed: Editor, path: Path, label: String, kind: Kind) -> AnyView {
    input_with(ed, path, label, kind, Signal::derive(String::new), false)
}

/// A text input at `path`, with a placeholder (the built-in text an override replaces) and,
/// with `below`, also the errors inside its path.
pub fn input_with(ed: Editor, path: Path, label: String, kind: Kind, placeholder: Signal<String>, below: bool) -> AnyView {
    let id = path.id();
    let (messages, errors) = error_list(ed, path.text(), id.clone(), below);
    let read = path.clone();
    let value = move || ed.draft.with(|d| model::text(d, &read));
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let new = match kind {
            Kind::Optional if text.is_empty() => None,
            Kind::Number => Some(match text.trim().parse::<u32>() {
                Ok(n) => Value::Number(f64::from(n)),
                Err(_) => Value::String(text),
            }),
            _ => Some(Value::String(text)),
        };
        ed.edit(|d| model::set(d, &path, new));
    };
    let described = id.clone();
    view! {
        <div class="field" class:invalid=move || !messages.with(Vec::is_empty)>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                type="text"
                inputmode=(kind == Kind::Number).then_some("numeric")
                placeholder=move || { let p = placeholder.get(); (!p.is_empty()).then_some(p) }
                prop:value=value
                on:input=on_input
                aria-invalid=move || (!messages.with(Vec::is_empty)).then_some("true")
                aria-describedby=move || (!messages.with(Vec::is_empty)).then(|| format!("{described}-error"))
            />
            {errors}
        </div>
    }
    .into_any()
}

/// A select at `path` among `options` (value, words); `default` is shown when the draft has none.
pub fn select(ed: Editor, path: Path, label: String, options: Vec<(String, String)>, default: &'static str) -> AnyView {
    let id = path.id();
    let (messages, errors) = error_list(ed, path.text(), id.clone(), false);
    let read = path.clone();
    let current = Memo::new(move |_| {
        let text = ed.draft.with(|d| model::text(d, &read));
        if text.is_empty() {
            default.to_owned()
        } else {
            text
        }
    });
    let on_change = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        ed.edit(|d| model::set(d, &path, Some(Value::String(text))));
    };
    let described = id.clone();
    view! {
        <div class="field" class:invalid=move || !messages.with(Vec::is_empty)>
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                on:change=on_change
                aria-invalid=move || (!messages.with(Vec::is_empty)).then_some("true")
                aria-describedby=move || (!messages.with(Vec::is_empty)).then(|| format!("{described}-error"))
            >
                {options
                    .into_iter()
                    .map(|(value, words)| {
                        let v = value.clone();
                        view! { <option value=value selected=move || current.get() == v>{words}</option> }
                    })
                    .collect_view()}
            </select>
            {errors}
        </div>
    }
    .into_any()
}

/// A checkbox at `path` (`default` when the draft has none).
pub fn checkbox(ed: Editor, path: Path, label: String, default: bool) -> AnyView {
    let id = path.id();
    let (messages, errors) = error_list(ed, path.text(), id.clone(), false);
    let read = path.clone();
    let checked = move || ed.draft.with(|d| model::flag(d, &read, default));
    let on_change = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ed.edit(|d| model::set(d, &path, Some(Value::Bool(on))));
    };
    let described = id.clone();
    view! {
        <div class="field check" class:invalid=move || !messages.with(Vec::is_empty)>
            <input
                id=id.clone()
                type="checkbox"
                prop:checked=checked
                on:change=on_change
                aria-invalid=move || (!messages.with(Vec::is_empty)).then_some("true")
                aria-describedby=move || (!messages.with(Vec::is_empty)).then(|| format!("{described}-error"))
            />
            <label for=id.clone()>{label}</label>
            {errors}
        </div>
    }
    .into_any()
}

/// A site text that is one string or one per language (`{"en": …, "nl": …}`): one input for a
/// string, with a button to write it per language; an input per offered language (and per
/// language it has that is not offered, for the error) for a per-language text, with a button
/// back to one text.
pub fn localized(ed: Editor, path: Path, label: String, kind: Kind) -> AnyView {
    let read = path.clone();
    let languages = Memo::new(move |_| {
        ed.draft.with(|d| match model::get(d, &read) {
            Some(Value::Object(_)) => {
                let mut all = model::offered(d);
                for language in model::keys(d, &read) {
                    if !all.contains(&language) {
                        all.push(language);
                    }
                }
                Some(all)
            }
            _ => None,
        })
    });
    (move || {
        let id = path.id();
        match languages.get() {
            None => {
                let to_object = {
                    let path = path.clone();
                    move |_| {
                        ed.edit(|d| {
                            let text = model::text(d, &path);
                            let fallback = model::fallback(d);
                            model::set(d, &path, Some(Value::Object(vec![(fallback, Value::String(text))])));
                        });
                        focus(&path.id());
                    }
                };
                view! {
                    <div class="localized-one">
                        {input(ed, path.clone(), label.clone(), kind)}
                        <button type="button" id=format!("{id}-per-language") on:click=to_object>
                            {format!("Write the {} per language", label.to_lowercase())}
                        </button>
                    </div>
                }
                .into_any()
            }
            Some(languages) => {
                let (_, errors) = error_list(ed, path.text(), id.clone(), false);
                let to_string = {
                    let path = path.clone();
                    move |_| {
                        ed.edit(|d| {
                            let fallback = model::fallback(d);
                            let mut text = model::text(d, &path.key(&fallback));
                            if text.is_empty() {
                                text = model::keys(d, &path).first().map(|l| model::text(d, &path.key(l))).unwrap_or_default();
                            }
                            model::set(d, &path, Some(Value::String(text)));
                        });
                        focus(&path.id());
                    }
                };
                view! {
                    <fieldset class="localized" id=id.clone() tabindex="-1">
                        <legend>{format!("{label}, per language")}</legend>
                        {languages
                            .into_iter()
                            .map(|language| {
                                input(ed, path.key(&language), format!("{label} ({language})"), Kind::Optional)
                            })
                            .collect_view()}
                        {errors}
                        <button type="button" id=format!("{id}-one-text") on:click=to_string>
                            {format!("One {} for every language", label.to_lowercase())}
                        </button>
                    </fieldset>
                }
                .into_any()
            }
        }
    })
    .into_any()
}

/// Moves focus to the element with `id`, once the page has drawn the change that made it.
pub fn focus(id: &str) {
    let id = id.to_owned();
    leptos::prelude::set_timeout(
        move || {
            use wasm_bindgen::JsCast;
            if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
                if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                    let _ = element.focus();
                }
            }
        },
        std::time::Duration::ZERO,
    );
}
