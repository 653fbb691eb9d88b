//! The language switcher in the preference center: a labelled `<select>` listing the site's
//! languages, each in its own name. Choosing one fetches only that language's file.

use crumb_core::{native_name, TextKey};
use leptos::html;
use leptos::prelude::*;

use super::text;
use crate::widget::use_widget;

#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let offered = widget.config().offered_languages();
    if offered.len() < 2 {
        return ().into_any();
    }
    let select = NodeRef::<html::Select>::new();
    // Follows `Crumb.setLanguage` while the preference center is open (runs after mount, when
    // the options exist).
    Effect::new(move |_| {
        let language = widget.texts.with(|t| t.language.clone());
        if let Some(select) = select.get() {
            select.set_value(&language);
        }
    });
    let on_change = move |_| {
        let Some(code) = select.get_untracked().map(|s| s.value()) else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            widget.set_language(&code).await;
        });
    };
    let options = offered
        .into_iter()
        .map(|code| {
            let name = native_name(&code).to_owned();
            view! { <option value=code.clone() lang=code>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="crumb-language">
            <label class="crumb-language-label" for="crumb-language-select">{text(widget, TextKey::LanguageLabel)}</label>
            <select id="crumb-language-select" class="crumb-select" data-crumb-part="language" node_ref=select on:change=on_change>
                {options}
            </select>
        </div>
    }
    .into_any()
}
