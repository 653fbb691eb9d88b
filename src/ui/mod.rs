//! The widget's components: the first layer, the preference center, the reopen button.

pub mod banner;
pub mod category;
pub mod focus;
pub mod language;
pub mod preferences;
pub mod reopen;

#[cfg(all(test, target_arch = "wasm32"))]
mod tests;

use crumb_core::TextKey;
use leptos::prelude::*;

use crate::widget::{use_widget, View, Widget};

/// A reactive text: follows `Crumb.setLanguage`.
pub fn text(widget: Widget, key: TextKey) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || widget.texts.with(|t| t.get(key).to_owned())
}

#[component]
pub fn App() -> impl IntoView {
    let Some(widget) = use_widget() else { return ().into_any() };
    let config = widget.config();
    let scheme = match config.theme.scheme {
        crumb_core::config::Scheme::Auto => "auto",
        crumb_core::config::Scheme::Light => "light",
        crumb_core::config::Scheme::Dark => "dark",
    };
    let position = match config.layout.position {
        crumb_core::config::Position::Bottom => "bottom",
        crumb_core::config::Position::Top => "top",
        crumb_core::config::Position::Center => "center",
    };
    view! {
        <div
            class="crumb"
            data-scheme=scheme
            data-position=position
            lang=move || widget.texts.with(|t| t.language.clone())
            dir=move || if widget.texts.with(|t| crumb_core::texts::is_rtl(&t.language)) { "rtl" } else { "ltr" }
        >
            {move || (widget.view.get() == View::Banner).then(|| view! { <banner::Banner/> })}
            {move || (widget.view.get() == View::Preferences).then(|| view! { <preferences::Preferences/> })}
            {move || (widget.view.get() == View::Closed).then(|| view! { <reopen::Reopen/> })}
        </div>
    }
    .into_any()
}
