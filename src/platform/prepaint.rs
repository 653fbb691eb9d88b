//! The first layer that loader.js (with prepaint.js) painted before the wasm arrived
//! (`data-prepaint`, rendered ahead of time by `crumb-prerender`): the widget takes over its host
//! element and shadow root, then replaces the painted banner with its own in one task (the page
//! never shows two banners, nor none in between), and learns which button the shopper pressed
//! meanwhile, if any, and where keyboard focus was. This module only reads and removes what
//! loader.js made; what a recorded click means is decided by the components
//! (`ui::banner::take_over`).

use wasm_bindgen::{JsCast, JsValue};

use super::dom::own;

/// loader.js's prepaint state object (`{ host, shadow, mount, link, styled, language, action,
/// taken }`), read as own properties only.
#[derive(Clone)]
pub struct Prepaint {
    state: JsValue,
}

/// What the painted banner showed and what the shopper did with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handoff {
    /// The `data-action` of the first button pressed (`accept-all`, `reject-all`, `customize`).
    pub action: Option<String>,
    /// The `data-action` of the button that had keyboard focus when the widget took over.
    pub focused: Option<String>,
    /// The language loader.js chose.
    pub language: Option<String>,
    /// The painted banner's text, to compare with the widget's (a stale prepaint says otherwise).
    pub text: String,
}

/// The painted part of the shadow root the widget adopts.
pub struct Painted {
    pub host: web_sys::Element,
    pub shadow: web_sys::ShadowRoot,
    /// Holds the painted first layer.
    pub mount: web_sys::HtmlElement,
    /// The stylesheet link loader.js added to the shadow root.
    pub link: Option<web_sys::HtmlLinkElement>,
}

impl Prepaint {
    /// loader.js's state object, if it passed one.
    pub fn from_js(state: JsValue) -> Option<Prepaint> {
        state.is_object().then_some(Prepaint { state })
    }

    fn set(&self, name: &str, value: &JsValue) {
        let _ = js_sys::Reflect::set(&self.state, &JsValue::from_str(name), value);
    }

    /// From now on loader.js paints nothing (its file may still be on its way); gives what it
    /// painted already, when that is still in the page and whole.
    pub fn claim(&self) -> Option<Painted> {
        self.set("taken", &JsValue::TRUE);
        let host: web_sys::Element = own(&self.state, "host")?.dyn_into().ok()?;
        let shadow = host.shadow_root()?;
        let mount: web_sys::HtmlElement = own(&self.state, "mount")?.dyn_into().ok()?;
        if !host.is_connected() || mount.parent_node().as_ref() != Some(shadow.unchecked_ref()) {
            host.remove();
            return None;
        }
        let link = own(&self.state, "link").and_then(|l| l.dyn_into().ok());
        Some(Painted { host, shadow, mount, link })
    }

    /// Whether the painted stylesheet has loaded (or failed, which shows the mount all the same).
    pub fn styled(&self) -> bool {
        own(&self.state, "styled").is_some_and(|s| s.as_bool() == Some(true))
    }

    /// Takes everything loader.js painted out of the page (the widget does not run, or shows no
    /// banner on this page view). A click made on it is dropped: it never grants anything.
    pub fn discard(&self) {
        self.set("taken", &JsValue::TRUE);
        if let Some(host) = own(&self.state, "host").and_then(|h| h.dyn_into::<web_sys::Element>().ok()) {
            host.remove();
        }
    }

    /// Removes the painted first layer once the widget's own has been mounted (in the same task,
    /// so no frame shows both or neither), and tells what the shopper did with it.
    pub fn retire(&self, painted: Painted) -> Handoff {
        let handoff = self.handoff(&painted);
        painted.mount.remove();
        handoff
    }

    /// What the shopper did with the painted banner, read just before it is removed.
    fn handoff(&self, painted: &Painted) -> Handoff {
        let string = |name| own(&self.state, name).and_then(|v| v.as_string());
        let banner = painted.mount.query_selector("[data-crumb-part=banner]").ok().flatten();
        let focused = painted
            .shadow
            .active_element()
            .filter(|active| painted.mount.contains(Some(active)))
            .and_then(|active| active.get_attribute("data-action"));
        Handoff {
            action: string("action"),
            focused,
            language: string("language"),
            text: banner.and_then(|b| b.text_content()).unwrap_or_default(),
        }
    }
}
