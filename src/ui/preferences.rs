//! The preference center: a modal dialog with one switch per category, their services and
//! cookie tables, and Reject all / Accept all / Save choices. Focus moves in, stays in, and
//! goes back where it was; Escape closes it.

use crumb_core::{Choice, TextKey};
use leptos::html;
use leptos::prelude::*;

use super::category::CategoryRow;
use super::language::LanguageSwitcher;
use super::{focus, text};
use crate::widget::{use_widget, Widget};

/// Opens the preference center, remembering where focus was and moving it into the dialog.
pub fn open(widget: Widget) {
    focus::remember(widget);
    widget.show_preferences();
    focus::focus_first_in(widget, "[data-crumb-part=preferences]");
}

/// Leaves the dialog (by a decision or by closing) and gives focus back.
fn leave(widget: Widget, decide: Option<Choice>) {
    match decide {
        Some(choice) => widget.choose(choice),
        None => widget.close(),
    }
    leptos::prelude::request_animation_frame(move || focus::give_back(widget, "[data-action=reopen], [data-action=customize]"));
}

#[component]
pub fn Preferences() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let dialog = NodeRef::<html::Div>::new();
    let on_keydown = move |event: web_sys::KeyboardEvent| match event.key().as_str() {
        "Escape" => {
            event.prevent_default();
            leave(widget, None);
        }
        "Tab" => {
            if let Some(container) = dialog.get_untracked() {
                if focus::trap_tab(widget, &container, event.shift_key()) {
                    event.prevent_default();
                }
            }
        }
        _ => {}
    };
    let categories = widget.config().categories.clone();
    let save = move |_| leave(widget, Some(widget.draft_choice()));
    let overlay = NodeRef::<html::Div>::new();
    super::raise(overlay);
    view! {
        <div class="crumb-overlay" node_ref=overlay popover="manual">
            <div
                class="crumb-dialog"
                part="dialog"
                node_ref=dialog
                data-crumb-part="preferences"
                role="dialog"
                aria-modal="true"
                aria-labelledby="crumb-prefs-title"
                aria-describedby="crumb-prefs-text"
                on:keydown=on_keydown
            >
                <div class="crumb-dialog-header">
                    <h2 id="crumb-prefs-title" class="crumb-title">{text(widget, TextKey::PrefsTitle)}</h2>
                    <button type="button" class="crumb-close" data-action="close" aria-label=text(widget, TextKey::Close) on:click=move |_| leave(widget, None)>
                        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                            <path fill="currentColor" d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"/>
                        </svg>
                    </button>
                </div>
                <div class="crumb-dialog-body">
                    <p id="crumb-prefs-text" class="crumb-text">{text(widget, TextKey::PrefsText)}</p>
                    <LanguageSwitcher/>
                    {categories.into_iter().map(|category| view! { <CategoryRow category=category/> }).collect_view()}
                </div>
                <div class="crumb-actions crumb-dialog-footer">
                    <button type="button" class="crumb-btn" part="button" data-action="reject-all" on:click=move |_| leave(widget, Some(Choice::RejectAll))>
                        {text(widget, TextKey::RejectAll)}
                    </button>
                    <button type="button" class="crumb-btn" part="button" data-action="accept-all" on:click=move |_| leave(widget, Some(Choice::AcceptAll))>
                        {text(widget, TextKey::AcceptAll)}
                    </button>
                    <button type="button" class="crumb-btn" part="button" data-action="save" on:click=save>
                        {text(widget, TextKey::Save)}
                    </button>
                </div>
            </div>
        </div>
    }
    .into_any()
}

/// Any element of the page with `data-crumb="preferences"` opens the preference center.
pub fn open_from_links(widget: Widget) {
    let Some(doc) = crate::platform::document() else {
        return;
    };
    crate::platform::dom::listen(&doc, "click", move |event| {
        let opener = event
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|e| e.closest("[data-crumb=\"preferences\"]").ok().flatten());
        if opener.is_some() {
            event.prevent_default();
            open(widget);
        }
    });
}
