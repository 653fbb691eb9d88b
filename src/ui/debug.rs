//! The debug panel: what the site owner must fix (every config error with its path, or the
//! endpoint that does not take records), on the page itself, in a shadow root of its own styled by
//! crumb.css. Boot shows it only on a debug origin (`crumb_core::debug`: localhost, 127.0.0.1,
//! [::1], or `data-debug` on the script tag), never to a shopper on a production origin. It grants
//! nothing, takes no focus and leaves the page usable: a small box in a corner, closed with one
//! button.
//!
//! Plain DOM calls rather than Leptos: the panel is drawn once and never updates, and in a split
//! build it is the `debug` part of its own (fetched only when shown), which this way shares no
//! code with the UI parts, so no chunk of theirs changes.

use crate::error::{report, CrumbError};
use crate::platform::dom::{document, hidden_shadow, link_styles, listen};

/// What the panel is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// The config could not be used: Crumb shows no banner.
    Config,
    /// Consent records do not reach the endpoint.
    Endpoint,
}

/// Fetches the panel's part and shows `problems` (`(path, what is wrong)`; the path may be
/// empty). Each call adds a section to the one panel. Already reported in the console; a part
/// that cannot be fetched is reported too.
pub fn show(base: &str, topic: Topic, problems: Vec<(String, String)>) {
    let base = base.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = call_part!(draw_panel(base, topic, problems)) {
            report(&error);
        }
    });
}

/// Draws the panel (or adds a section to it); in a split build, the `debug` part.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(debug, fallible))]
fn draw_panel(base: String, topic: Topic, problems: Vec<(String, String)>) -> Result<(), CrumbError> {
    let browser = || CrumbError::Browser("could not draw the debug panel".to_owned());
    let doc = document().ok_or_else(browser)?;
    let mount = match doc.get_element_by_id("crumb-debug").and_then(|host| host.shadow_root()?.last_element_child()) {
        Some(mount) => mount,
        None => {
            let host = doc.create_element("div")?;
            host.set_id("crumb-debug");
            let (shadow, mount) = hidden_shadow(&host).ok_or_else(browser)?;
            link_styles(&shadow, &mount, &base).ok_or_else(browser)?;
            doc.body().ok_or_else(browser)?.append_child(&host)?;
            mount.into()
        }
    };
    // A child of `parent`, with a class and a text when they are not empty.
    let add = |parent: &web_sys::Element, tag: &str, class: &str, text: &str| -> Result<web_sys::Element, CrumbError> {
        let element = doc.create_element(tag)?;
        if !class.is_empty() {
            element.set_class_name(class);
        }
        if !text.is_empty() {
            element.set_text_content(Some(text));
        }
        parent.append_child(&element)?;
        Ok(element)
    };
    let count = problems.len();
    let (title, about) = match topic {
        Topic::Config => (
            format!("Crumb: {count} problem{} in the config", if count == 1 { "" } else { "s" }),
            "Until they are fixed, Crumb shows no banner and everything optional stays off.",
        ),
        Topic::Endpoint => (
            "Crumb: consent records are not delivered".to_owned(),
            "They wait in the shopper's outbox and are sent once the endpoint takes them.",
        ),
    };
    let panel = add(&mount, "section", "crumb crumb-debug", "")?;
    panel.set_attribute("data-crumb-part", "debug")?;
    panel.set_attribute("role", "alert")?;
    // Named by its heading's words (an `aria-labelledby` id would clash between two sections).
    panel.set_attribute("aria-label", &title)?;
    add(&panel, "h2", "", &title)?;
    add(&panel, "p", "", about)?;
    let list = add(&panel, "ol", "", "")?;
    for (path, message) in &problems {
        let item = add(&list, "li", "", "")?;
        if !path.is_empty() {
            add(&item, "code", "", path)?;
            item.append_with_str_1(" ")?;
        }
        item.append_with_str_1(message)?;
    }
    add(
        &panel,
        "p",
        "crumb-debug-note",
        "Shown on localhost, 127.0.0.1, [::1] or with data-debug on the script tag; shoppers never see it.",
    )?;
    let close = add(&panel, "button", "crumb-btn", "Close")?;
    close.set_attribute("type", "button")?;
    close.set_attribute("data-action", "close")?;
    let closed = panel.clone();
    listen(&close, "click", move |_| closed.remove());
    Ok(())
}
