//! Keyboard focus inside the shadow root: where it was before a dialog opened, moving it in,
//! keeping Tab and Shift+Tab inside, and giving it back.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ShadowRoot};

use crate::platform::document;

thread_local! {
    static ROOT: RefCell<Option<ShadowRoot>> = const { RefCell::new(None) };
    static RETURN_TO: RefCell<Option<HtmlElement>> = const { RefCell::new(None) };
}

const FOCUSABLE: &str = "button:not([disabled]), a[href], summary, input:not([disabled]), select, [tabindex]:not([tabindex=\"-1\"])";

pub fn set_root(root: ShadowRoot) {
    ROOT.with(|r| *r.borrow_mut() = Some(root));
}

pub fn root() -> Option<ShadowRoot> {
    ROOT.with(|r| r.borrow().clone())
}

/// The focused element, looking inside the widget's shadow root.
pub fn active() -> Option<HtmlElement> {
    let doc_active = document()?.active_element()?;
    let inner = root().and_then(|r| r.active_element());
    match inner {
        Some(inner) if root().is_some_and(|r| r.host() == doc_active) => inner.dyn_into().ok(),
        _ => doc_active.dyn_into().ok(),
    }
}

/// Remembers where focus is, to give it back when the dialog closes.
pub fn remember() {
    let current = active();
    RETURN_TO.with(|r| *r.borrow_mut() = current);
}

/// Gives focus back where it was, or to `fallback` (a selector in the shadow root) when that
/// element is gone.
pub fn give_back(fallback: &str) {
    let target = RETURN_TO.with(|r| r.borrow_mut().take()).filter(|e| e.is_connected());
    let target = target.or_else(|| root()?.query_selector(fallback).ok()??.dyn_into().ok());
    if let Some(target) = target {
        let _ = target.focus();
    }
}

/// The focusable elements inside a container, in order; ones not rendered (inside a closed
/// `<details>`, hidden) have no layout box and are skipped.
pub fn focusables(container: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = container.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.get_client_rects().length() > 0)
        .collect()
}

/// Keeps Tab and Shift+Tab inside `container`; true when it moved focus itself.
pub fn trap_tab(container: &web_sys::Element, backwards: bool) -> bool {
    let items = focusables(container);
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return false };
    let current = active();
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
pub fn focus_first_in(selector: &'static str) {
    leptos::prelude::request_animation_frame(move || {
        let Some(container) = root().and_then(|r| r.query_selector(selector).ok().flatten()) else { return };
        if let Some(first) = focusables(&container).first() {
            let _ = first.focus();
        }
    });
}
