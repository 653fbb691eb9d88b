//! Keyboard focus inside the widget's shadow root: where it was before a dialog opened, moving
//! it in, keeping Tab and Shift+Tab inside, giving it back, and where it goes after a decision.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::platform::document;
use crate::widget::Widget;

const FOCUSABLE: &str = "button:not([disabled]), a[href], summary, input:not([disabled]), select, [tabindex]:not([tabindex=\"-1\"])";

/// The focused element, looking inside the widget's shadow root.
pub fn active(widget: Widget) -> Option<HtmlElement> {
    let doc_active = document()?.active_element()?;
    let root = widget.shadow.get_value();
    match root.active_element() {
        Some(inner) if root.host() == doc_active => inner.dyn_into().ok(),
        _ => doc_active.dyn_into().ok(),
    }
}

/// Whether focus is inside the element of the widget matching `selector`.
pub fn is_inside(widget: Widget, selector: &str) -> bool {
    active(widget).is_some_and(|a| a.closest(selector).ok().flatten().is_some())
}

/// Remembers where focus is, to give it back when the dialog closes.
pub fn remember(widget: Widget) {
    widget.return_focus.set_value(active(widget));
}

/// Gives focus back where it was, or to `fallback` (a selector in the shadow root) when that
/// element is gone.
pub fn give_back(widget: Widget, fallback: &str) {
    let target = widget.return_focus.try_update_value(|r| r.take()).flatten().filter(|e| e.is_connected());
    let target = target.or_else(|| widget.shadow.get_value().query_selector(fallback).ok()??.dyn_into().ok());
    if let Some(target) = target {
        let _ = target.focus();
    }
}

/// After a decision taken on the first layer by keyboard (focus was in it): focus goes to the
/// reopen button, the control that brings the choice back, once it has rendered. A site without
/// the button gets focus at the start of the page (the widget's host is first in `<body>`).
pub fn after_decision(widget: Widget) {
    leptos::prelude::request_animation_frame(move || {
        let reopen = widget.shadow.get_value().query_selector("[data-action=reopen]").ok().flatten();
        match reopen.and_then(|r| r.dyn_into::<HtmlElement>().ok()) {
            Some(button) => {
                let _ = button.focus();
            }
            None => {
                if let Some(active) = document().and_then(|d| d.active_element()).and_then(|a| a.dyn_into::<HtmlElement>().ok()) {
                    let _ = active.blur();
                }
            }
        }
    });
}

/// The focusable elements inside a container, in order; ones not rendered (inside a closed
/// `<details>`, hidden) have no layout box and are skipped.
pub fn focusables(container: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = container.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok()).filter(|e| e.get_client_rects().length() > 0).collect()
}

/// Keeps Tab and Shift+Tab inside `container`; true when it moved focus itself.
pub fn trap_tab(widget: Widget, container: &web_sys::Element, backwards: bool) -> bool {
    let items = focusables(container);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return false;
    };
    let current = active(widget);
    let inside = current.as_ref().is_some_and(|c| items.contains(c));
    let target = match (backwards, inside) {
        (true, true) if current.as_ref() == Some(first) => last,
        (false, true) if current.as_ref() == Some(last) => first,
        (_, true) => return false,
        (true, false) => last,
        (false, false) => first,
    };
    let _ = target.focus();
    true
}

/// Moves focus to the first focusable element of a container (after it has rendered).
pub fn focus_first_in(widget: Widget, selector: &'static str) {
    leptos::prelude::request_animation_frame(move || {
        let Some(container) = widget.shadow.get_value().query_selector(selector).ok().flatten() else {
            return;
        };
        if let Some(first) = focusables(&container).first() {
            let _ = first.focus();
        }
    });
}
