//! The widget's host element: `<div id="crumb-root">` first in `<body>` (first in tab order),
//! with an open shadow root holding the stylesheet and the mount point. A page that removes it
//! (a single-page app replacing the body's content, a framework that removes unknown children of
//! `<body>`) gets it back at once, so the banner, the reopen button and the API keep working and
//! consent can always be withdrawn.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::{closure::Closure, JsCast};

use super::dom::{document, hidden_mount, hidden_shadow, link_styles, reveal_after};
use super::prepaint::{Painted, Prepaint};
use crate::error::{error, warn};

/// Put back this many times before the console warns that the page keeps removing it.
const WARN_AFTER: u32 = 3;
/// Put back at most this many times: a page script that removes it again each time would
/// otherwise play ping-pong with the widget forever.
const GIVE_UP_AFTER: u32 = 100;

/// The host element and its shadow root.
pub struct Host {
    /// `<div id="crumb-root">`.
    pub element: web_sys::Element,
    /// Its open shadow root.
    pub shadow: web_sys::ShadowRoot,
    /// Where the components are mounted (hidden until the stylesheet has loaded).
    pub mount: web_sys::HtmlElement,
    put_back: Cell<u32>,
    observer: RefCell<Option<web_sys::MutationObserver>>,
    /// The first layer loader.js painted, until the widget's own replaces it.
    painted: RefCell<Option<(Prepaint, Painted)>>,
    /// loader.js's stylesheet link, when the host was adopted from a prepaint.
    adopted_link: Option<(Prepaint, web_sys::HtmlLinkElement)>,
}

impl Host {
    /// Creates the host element first in `<body>`, with its shadow root; the stylesheet is
    /// linked by [`Host::style`] when there is something to show.
    /// When loader.js has painted the first layer already (`prepaint`), its host element and shadow
    /// root are adopted instead (a second shadow root cannot be attached), with a mount point of
    /// the widget's own beside the painted one.
    pub fn create(prepaint: Option<&Prepaint>) -> Option<Rc<Host>> {
        if let Some(prepaint) = prepaint {
            if let Some(painted) = prepaint.claim() {
                if let Some(mount) = hidden_mount(&painted.shadow) {
                    let (element, shadow) = (painted.host.clone(), painted.shadow.clone());
                    return Some(Host::new(element, shadow, mount, Some((prepaint.clone(), painted))));
                }
                prepaint.discard();
            }
        }
        let doc = document()?;
        let body = doc.body()?;
        let element = doc.create_element("div").ok()?;
        element.set_id("crumb-root");
        let _ = element.set_attribute("data-crumb-root", "");
        let (shadow, mount) = hidden_shadow(&element)?;
        body.prepend_with_node_1(&element).ok()?;
        Some(Host::new(element, shadow, mount, None))
    }

    fn new(
        element: web_sys::Element,
        shadow: web_sys::ShadowRoot,
        mount: web_sys::HtmlElement,
        painted: Option<(Prepaint, Painted)>,
    ) -> Rc<Host> {
        let adopted_link = painted.as_ref().and_then(|(prepaint, painted)| Some((prepaint.clone(), painted.link.clone()?)));
        Rc::new(Host {
            element,
            shadow,
            mount,
            put_back: Cell::new(0),
            observer: RefCell::new(None),
            painted: RefCell::new(painted),
            adopted_link,
        })
    }

    /// Links the stylesheet from `base`; the mount point shows once it has loaded (or failed).
    /// An adopted host has loader.js's link already.
    pub fn style(&self, base: &str) {
        match &self.adopted_link {
            Some((prepaint, link)) => reveal_after(link, prepaint.styled(), &self.mount),
            None => {
                let _ = link_styles(&self.shadow, &self.mount, base);
            }
        }
    }

    /// The painted first layer, for the components to replace once theirs is mounted
    /// ([`Prepaint::retire`]).
    pub fn take_painted(&self) -> Option<(Prepaint, Painted)> {
        self.painted.borrow_mut().take()
    }

    /// Removes the painted first layer without taking anything from it (no banner on this page
    /// view, or the widget's components could not be fetched).
    pub fn discard_prepaint(&self) {
        if let Some((_, painted)) = self.painted.borrow_mut().take() {
            painted.mount.remove();
        }
    }

    /// Puts the host back whenever the page removes it or replaces `<body>`, then calls
    /// `put_back` (so the widget can show its popovers again: removal closes them).
    pub fn keep_attached(self: &Rc<Self>, put_back: impl Fn() + 'static) {
        let Some(root) = document().and_then(|d| d.document_element()) else {
            return;
        };
        let host = self.clone();
        let on_change = Closure::<dyn Fn(js_sys::Array, web_sys::MutationObserver)>::new(
            move |_: js_sys::Array, observer: web_sys::MutationObserver| {
                if host.element.is_connected() {
                    return;
                }
                let Some(body) = document().and_then(|d| d.body()) else {
                    return;
                };
                let times = host.put_back.get() + 1;
                host.put_back.set(times);
                if times > GIVE_UP_AFTER {
                    error("the page keeps removing the widget (#crumb-root); it is no longer put back, so the banner and the reopen button are gone");
                    observer.disconnect();
                    return;
                }
                if times == WARN_AFTER {
                    warn("the page keeps removing the widget (#crumb-root); it is put back each time. Leave it in <body>");
                }
                if body.prepend_with_node_1(&host.element).is_ok() {
                    // A new <body> has to be watched too.
                    observe(&observer, &body);
                    put_back();
                }
            },
        );
        let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) else {
            return;
        };
        on_change.forget();
        observe(&observer, &root);
        if let Some(body) = document().and_then(|d| d.body()) {
            observe(&observer, &body);
        }
        *self.observer.borrow_mut() = Some(observer);
    }

    /// Stops watching and takes the host out of the page (a widget that is taken down).
    pub fn remove(&self) {
        if let Some(observer) = self.observer.borrow_mut().take() {
            observer.disconnect();
        }
        self.element.remove();
    }
}

/// Watches a node's own children (not the whole subtree: cheap on busy pages).
fn observe(observer: &web_sys::MutationObserver, node: &web_sys::Element) {
    let init = web_sys::MutationObserverInit::new();
    init.set_child_list(true);
    let _ = observer.observe_with_options(node, &init);
}
