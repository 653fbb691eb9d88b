//! The floating button that reopens the preference center at any time (GDPR Art. 7(3)).

use crumb_core::TextKey;
use leptos::prelude::*;

use super::text;
use crate::widget::use_widget;

#[component]
pub fn Reopen() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    if !widget.config().layout.reopen_button {
        return ().into_any();
    }
    let label = text(widget, TextKey::Reopen);
    let open = move |_| super::preferences::open(widget);
    let node = NodeRef::<leptos::html::Button>::new();
    super::raise(node);
    view! {
        <button type="button" node_ref=node popover="manual" class="crumb-reopen" part="reopen" data-action="reopen" aria-label=label title=label on:click=open>
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5zm-4.5 9a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm3 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm5 0a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zM9 6.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z"/>
            </svg>
        </button>
    }
    .into_any()
}
