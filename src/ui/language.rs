//! The language switcher in the preference center: a labelled `<select>` listing the site's
//! languages, each in its own name. Choosing one fetches only that language's file.

use crumb_core::{native_name, TextKey};
use leptos::prelude::*;

use super::text;
use crate::widget::use_widget;

#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let Some(widget) = use_widget() else { return ().into_any() };
    let offered = widget.config().offered_languages();
    if offered.len() < 2 {
        return ().into_any();
    }
    let on_change = move |event: web_sys::Event| {
        let code = event_target_value(&event);
        wasm_bindgen_futures::spawn_local(async move {
            crate::api::set_language(widget, &code).await;
        });
    };
    let options = offered
        .into_iter()
        .map(|code| {
            let name = native_name(&code).to_owned();
            let selected = {
                let code = code.clone();
                move || widget.texts.with(|t| t.language == code)
            };
            view! { <option value=code.clone() lang=code prop:selected=selected>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="crumb-language">
            <label class="crumb-language-label" for="crumb-language-select">{text(widget, TextKey::LanguageLabel)}</label>
            <select id="crumb-language-select" class="crumb-select" data-crumb-part="language" on:change=on_change>
                {options}
            </select>
        </div>
    }
    .into_any()
}
