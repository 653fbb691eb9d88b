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

use crumb_core::ConfigError;

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

/// Fetches the panel's part and shows `problems` (each a path, which may be empty, and what is
/// wrong there). Each call adds a section to the one panel. Already reported in the console; a part
/// that cannot be fetched is reported too.
pub fn show(base: &str, topic: Topic, problems: Vec<ConfigError>) {
    let base = base.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = call_part!(draw_panel(base, topic, problems)) {
            report(&error);
        }
    });
}

/// The id of the panel's host element, appended to `<body>` (beside the widget's `#crumb-root`).
const DEBUG_HOST_ID: &str = "crumb-debug";

/// Draws the panel (or adds a section to it); in a split build, the `debug` part.
///
/// Tag and attribute names are written in capitals (the DOM lowercases them in an HTML document)
/// and the values are the panel's own: a string literal the UI parts use too would be shared
/// data, which the splitter puts in a chunk that a shopper's first visit fetches with the banner.
/// Likewise it makes only calls the main part makes too (`set_attribute`, not `set_class_name`;
/// `append_with_str_1` is this part's own), and its closure holds nothing.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(debug, fallible))]
fn draw_panel(base: String, topic: Topic, problems: Vec<ConfigError>) -> Result<(), CrumbError> {
    let browser = || CrumbError::Browser("could not draw the debug panel".to_owned());
    let doc = document().ok_or_else(browser)?;
    let mount = match doc.get_element_by_id(DEBUG_HOST_ID).and_then(|host| host.shadow_root()?.last_element_child()) {
        Some(mount) => mount,
        None => {
            let host = doc.create_element("DIV")?;
            host.set_id(DEBUG_HOST_ID);
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
            element.set_attribute("CLASS", class)?;
        }
        if !text.is_empty() {
            element.append_with_str_1(text)?;
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
    let panel = add(&mount, "SECTION", "crumb crumb-debug", "")?;
    panel.set_attribute("DATA-CRUMB-PART", "debug")?;
    panel.set_attribute("ROLE", "alert")?;
    // Named by its heading's words (an `aria-labelledby` id would clash between two sections).
    panel.set_attribute("ARIA-LABEL", &title)?;
    add(&panel, "H2", "", &title)?;
    add(&panel, "P", "", about)?;
    let list = add(&panel, "OL", "", "")?;
    for problem in &problems {
        let item = add(&list, "LI", "", "")?;
        if !problem.path.is_empty() {
            add(&item, "CODE", "", &problem.path)?;
            item.append_with_str_1(" ")?;
        }
        item.append_with_str_1(&problem.message)?;
    }
    add(&panel, "P", "", "Shown on localhost, 127.0.0.1, [::1] or with data-debug on the script tag; shoppers never see it.")?;
    let close = add(&panel, "BUTTON", "", "Close the debug panel")?;
    close.set_attribute("DATA-ACTION", "dismiss-debug")?;
    listen(&close, "click", |_| {
        if let Some(host) = document().and_then(|doc| doc.get_element_by_id(DEBUG_HOST_ID)) {
            host.remove();
        }
    });
    Ok(())
}
