//! The placeholder a blocked `<iframe|img data-src data-category>` shows until consent: a
//! `<crumb-embed>` element right before it, with its own open shadow root (the host page's CSS
//! does not reach in; styles come from `crumb.css` by `<link>`, so strict CSP holds), a translated
//! text and a "Load content" button that grants the embed's service (or its category).

use crumb_core::config::LocalizedText;
use crumb_core::{Choice, TextKey};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

use std::cell::RefCell;

use crate::platform::document;
use crate::platform::gating::Placeholders;
use crate::widget::Widget;

const TAG: &str = "crumb-embed";

/// The embed placeholders of one widget: each one's effect (its texts follow the language) lives
/// under its own child `Owner`, disposed when the embed loads and the placeholder goes.
pub struct EmbedPlaceholders {
    widget: Widget,
    owner: Owner,
    live: RefCell<Vec<(web_sys::Element, Owner)>>,
}

impl EmbedPlaceholders {
    /// Placeholders drawn for `widget`, their effects owned by a child of `owner`.
    pub fn new(widget: Widget, owner: Owner) -> EmbedPlaceholders {
        EmbedPlaceholders { widget, owner, live: RefCell::new(Vec::new()) }
    }
}

impl Placeholders for EmbedPlaceholders {
    fn show(&self, gated: &web_sys::Element) -> bool {
        let widget = self.widget;
        if placeholder_of(gated).is_some() {
            return true;
        }
        let Some(doc) = document() else { return false };
        if gated.parent_node().is_none() {
            return false;
        }
        let Some((host, mount)) = create_host(&doc, gated, &widget.base()) else {
            return false;
        };
        if gated.before_with_node_1(&host).is_err() {
            return false;
        }
        let category = gated.get_attribute("data-category").unwrap_or_default().trim().to_owned();
        let service = gated.get_attribute("data-service").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let source = gated.get_attribute("data-src").unwrap_or_default();
        let name = service_name(widget, service.as_deref(), gated.get_attribute("title"), &source);
        let owner = self.owner.child();
        let shown = owner.with(|| render(widget, &mount, category, service, name)).is_some();
        if shown {
            self.live.borrow_mut().push((host.into(), owner));
        } else {
            owner.cleanup();
            host.remove();
        }
        shown
    }

    fn remove(&self, gated: &web_sys::Element) {
        let Some(placeholder) = placeholder_of(gated) else {
            return;
        };
        placeholder.remove();
        let mut live = self.live.borrow_mut();
        if let Some(index) = live.iter().position(|(host, _)| *host == placeholder) {
            let (_, owner) = live.swap_remove(index);
            owner.cleanup();
        }
    }
}

fn placeholder_of(gated: &web_sys::Element) -> Option<web_sys::Element> {
    gated.previous_element_sibling().filter(|e| e.local_name() == TAG)
}

/// `<crumb-embed>` sized like the embed (its `width`/`height` attributes, through the CSSOM,
/// which CSP allows), with a shadow root holding the stylesheet and a mount point that shows once
/// the stylesheet has loaded.
fn create_host(doc: &web_sys::Document, gated: &web_sys::Element, base: &str) -> Option<(web_sys::HtmlElement, web_sys::HtmlElement)> {
    let host: web_sys::HtmlElement = doc.create_element(TAG).ok()?.dyn_into().ok()?;
    // A block box of the embed's size from the first frame, before crumb.css has loaded in its
    // shadow root: an unstyled custom element is inline and sizeless, and the page below would
    // jump up and back down (layout shift).
    let _ = host.style().set_property("display", "flex");
    let _ = host.style().set_property("flex-direction", "column");
    let _ = host.style().set_property("box-sizing", "border-box");
    let _ = host.style().set_property("max-width", "100%");
    for (attribute, property) in [("width", "width"), ("height", "min-height")] {
        if let Some(size) = gated.get_attribute(attribute).and_then(|v| css_size(&v)) {
            let _ = host.style().set_property(property, &size);
        }
    }
    let (_, mount) = crate::platform::dom::styled_shadow(&host, base)?;
    mount.set_class_name("crumb-embed-frame");
    Some((host, mount))
}

/// An HTML `width`/`height` attribute as CSS: `560` → `560px`, `100%` kept; anything else dropped.
/// Whole numbers only (what HTML allows), which also keeps float parsing and formatting out of
/// the wasm.
fn css_size(value: &str) -> Option<String> {
    let value = value.trim();
    let (number, unit) = match value.strip_suffix('%') {
        Some(n) => (n, "%"),
        None => (value.strip_suffix("px").unwrap_or(value), "px"),
    };
    let n: u32 = number.parse().ok()?;
    (1..=10_000).contains(&n).then(|| format!("{n}{unit}"))
}

/// `https://video.example.com/embed/1` → `video.example.com`: names the source when neither the
/// config nor the embed's `title` does (and the category's title when the source is on this site).
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("//")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    (!host.is_empty()).then(|| host.to_owned())
}

/// What `{service}` says: the service's name from the config, else the embed's `title`, else
/// the host of its source; `None`: the category's title (the source is on this site).
fn service_name(widget: Widget, service: Option<&str>, title: Option<String>, source: &str) -> Option<LocalizedText> {
    let config = widget.config();
    let configured =
        service.and_then(|id| config.categories.iter().flat_map(|c| c.services.iter()).find(|s| s.id == id)).map(|s| s.name.clone());
    configured.or_else(|| {
        title.filter(|t| !t.trim().is_empty()).or_else(|| service.map(str::to_owned)).or_else(|| host_of(source)).map(LocalizedText::Same)
    })
}

/// Builds the placeholder's content with plain DOM calls (cheaper in bytes than a second Leptos
/// view); an effect keeps its texts in the widget's language.
fn render(
    widget: Widget,
    mount: &web_sys::HtmlElement,
    category: String,
    service: Option<String>,
    name: Option<LocalizedText>,
) -> Option<()> {
    let doc = document()?;
    let config = widget.config();
    let scheme = config.theme.scheme.as_str();
    let id = format!("crumb-embed-{}", crate::platform::random_id());
    let group = doc.create_element("div").ok()?;
    group.set_class_name("crumb crumb-embed");
    // The site's accent on the "Load content" button too, as on the banner's.
    if let Some(group) = group.dyn_ref::<web_sys::HtmlElement>() {
        super::set_properties(group, &crumb_core::theme::accent_properties(config.theme.accent.as_deref()));
    }
    let _ = group.set_attribute("data-scheme", scheme);
    let _ = group.set_attribute("role", "group");
    let _ = group.set_attribute("aria-labelledby", &id);
    let text = doc.create_element("p").ok()?;
    text.set_class_name("crumb-embed-text");
    text.set_id(&id);
    let button = doc.create_element("button").ok()?;
    button.set_class_name("crumb-btn crumb-embed-load");
    let _ = button.set_attribute("type", "button");
    let _ = button.set_attribute("data-action", "load-content");
    let _ = button.set_attribute("aria-describedby", &id);
    group.append_child(&text).ok()?;
    group.append_child(&button).ok()?;
    mount.append_child(&group).ok()?;

    let category_id = category.clone();
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        // The embed this placeholder stands for: the next sibling of the shadow root's host.
        let gated = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .and_then(|button| button.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok())
            .and_then(|root| root.host().next_element_sibling());
        widget.choose(Choice::Embed { category: category.clone(), service: service.clone() });
        // Keyboard and screen-reader users land on the content they asked for, not on <body>.
        if let Some(frame) = gated.filter(|g| g.local_name() == "iframe" && g.has_attribute("src")) {
            if let Ok(frame) = frame.dyn_into::<web_sys::HtmlElement>() {
                let _ = frame.focus();
            }
        }
    });
    button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref()).ok()?;
    on_click.forget();

    let fallback = widget.config().fallback.clone();
    let texts = move || {
        widget.texts.with(|t| {
            let title = t.category_title(&category_id);
            let service = name.as_ref().map_or(title, |n| n.get(&t.language, &fallback));
            let message = t.get(TextKey::EmbedText).replace("{service}", service).replace("{category}", title);
            (message, t.get(TextKey::EmbedLoad).to_owned(), t.language.clone())
        })
    };
    Effect::new(move |_| {
        let (message, load, language) = texts();
        text.set_text_content(Some(&message));
        button.set_text_content(Some(&load));
        let _ = group.set_attribute("lang", &language);
        // Arabic and Hebrew read right to left here too, as in the banner.
        let _ = group.set_attribute("dir", if crumb_core::texts::is_rtl(&language) { "rtl" } else { "ltr" });
    });
    Some(())
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn sizes_from_attributes() {
        assert_eq!(css_size("560").as_deref(), Some("560px"));
        assert_eq!(css_size(" 315px ").as_deref(), Some("315px"));
        assert_eq!(css_size("100%").as_deref(), Some("100%"));
        for bad in ["", "auto", "-5", "0", "1e9", "NaN", "10em", "12.5", "20000"] {
            assert_eq!(css_size(bad), None, "{bad}");
        }
    }

    /// The placeholder holds the embed's box from the moment it is inserted, before crumb.css has
    /// loaded in its shadow root, so the page does not shift (the benchmark saw CLS 0.11 without).
    #[wasm_bindgen_test]
    fn placeholder_has_the_embed_size_before_its_stylesheet_loads() {
        let doc = document().unwrap();
        let frame = doc.create_element("iframe").unwrap();
        frame.set_attribute("width", "400").unwrap();
        frame.set_attribute("height", "220").unwrap();
        let (host, _mount) = create_host(&doc, &frame, "/no-such-base/").unwrap();
        doc.body().unwrap().append_child(&host).unwrap();
        let rect = host.get_bounding_client_rect();
        host.remove();
        assert_eq!((rect.width(), rect.height()), (400.0, 220.0));
    }

    #[wasm_bindgen_test]
    fn source_host_names_the_embed() {
        assert_eq!(host_of("https://www.youtube-nocookie.com/embed/x?a=1").as_deref(), Some("www.youtube-nocookie.com"));
        assert_eq!(host_of("//player.example.com").as_deref(), Some("player.example.com"));
        assert_eq!(host_of("https://user@cdn.example.com/v").as_deref(), Some("cdn.example.com"));
        assert_eq!(host_of("/demo/video.html"), None);
    }
}
