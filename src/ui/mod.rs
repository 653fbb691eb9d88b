//! The widget's components: the first layer, the preference center, the reopen button.

pub mod banner;
pub mod category;
pub mod debug;
pub mod embed;
pub mod focus;
pub mod language;
pub mod preferences;
pub mod reopen;

#[cfg(all(test, target_arch = "wasm32"))]
mod tests;

use crumb_core::TextKey;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::CrumbError;
use crate::widget::{use_widget, View, Widget};

/// Puts a `popover="manual"` element of the widget into the browser's top layer, above every
/// z-index and outside any transformed or clipped ancestor the host page has. Browsers without
/// popovers ignore the attribute and show the element where it is.
pub fn raise<E>(node: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: JsCast + Clone + 'static,
    NodeRef<E>: Get<Value = Option<E::Output>>,
{
    Effect::new(move |_| {
        let Some(element) = node.get() else { return };
        let element: &web_sys::Element = element.unchecked_ref();
        if element.matches(":popover-open").unwrap_or(true) {
            return;
        }
        let show = js_sys::Reflect::get(element, &wasm_bindgen::JsValue::from_str("showPopover"));
        if let Ok(show) = show.and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = show.call0(element);
        }
    });
}

/// A reactive text: follows `Crumb.setLanguage`.
pub fn text(widget: Widget, key: TextKey) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || widget.texts.with(|t| t.get(key).to_owned())
}

/// A page's CSS `zoom` (`body { zoom: 2 }`) would scale the widget too and push the preference
/// center's buttons off screen: the widget cancels it, so it renders at the shopper's own browser
/// zoom. Percentages in whole numbers keep float formatting out of the wasm.
fn cancel_page_zoom(element: &web_sys::HtmlElement) {
    let style = element.style();
    let _ = style.remove_property("zoom");
    let zoom = js_sys::Reflect::get(element, &wasm_bindgen::JsValue::from_str("currentCSSZoom")).ok().and_then(|z| z.as_f64());
    if let Some(zoom) = zoom.filter(|z| z.is_finite() && *z > 0.0 && (*z - 1.0).abs() > 0.01) {
        let percent = (100.0 / zoom).round() as u32;
        let _ = style.set_property("zoom", &format!("{percent}%"));
    }
}

/// The widget's root component: the first layer, the preference center or the reopen button.
#[component]
pub fn App() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let config = widget.config();
    // The site's accent, set through the CSSOM (a `style` attribute would break a strict CSP):
    // the custom properties crumb-core derives from it, the same the prepaint sets.
    let root = NodeRef::<leptos::html::Div>::new();
    let accent = config.theme.accent.as_deref().and_then(crumb_core::theme::accent_use);
    let properties = accent.as_ref().map(|used| used.properties()).unwrap_or_default();
    let warning = accent.and_then(|used| used.warning(config.theme.scheme));
    Effect::new(move |told: Option<bool>| {
        if let (Some(warning), None) = (&warning, told) {
            crate::error::warn(warning);
        }
        let Some(element) = root.get() else { return true };
        set_properties(&element, &properties);
        // Redrawn views (after the page removed the host) measure again.
        widget.view.track();
        cancel_page_zoom(&element);
        true
    });
    let language = move || widget.texts.with(|t| t.language.clone());
    let children = view! {
        {move || (widget.view.get() == View::Banner).then(|| view! { <banner::Banner/> })}
        {preference_center(widget)}
        {move || (widget.view.get() == View::Closed).then(|| view! { <reopen::Reopen/> })}
    };
    shell_view(&config, language, root, children).into_any()
}

/// The widget's root element from plain data: the config's scheme and position, the language
/// (with its direction) and what goes inside. It touches no browser object while it renders, so
/// the host can render it ahead of time too (`crates/crumb-prerender`).
pub fn shell_view<L, C>(config: &crumb_core::Config, language: L, root: NodeRef<leptos::html::Div>, children: C) -> impl IntoView
where
    L: Fn() -> String + Copy + Send + Sync + 'static,
    C: IntoView + 'static,
{
    view! {
        <div
            class="crumb"
            node_ref=root
            data-scheme=config.theme.scheme.as_str()
            data-position=config.layout.position.as_str()
            data-layout=config.layout.style.as_str()
            lang=language
            dir=move || if crumb_core::texts::is_rtl(&language()) { "rtl" } else { "ltr" }
        >
            {children}
        </div>
    }
}

/// Sets custom properties on `element` through the CSSOM (a `style` attribute would break a
/// strict CSP): the site's accent as crumb-core decides it (`crumb_core::theme`).
fn set_properties(element: &web_sys::HtmlElement, properties: &[(&'static str, String)]) {
    let style = element.style();
    for (name, value) in properties {
        let _ = style.set_property(name, value);
    }
}

/// Draws the preference center.
type Draw = fn() -> AnyView;

/// Where the preference center's part stands.
#[derive(Debug, Clone, Copy)]
enum Part {
    Idle,
    Loading,
    Ready(Draw),
    Failed,
}

/// The preference center (with its category rows, cookie tables and language switcher), a part
/// of its own in a split build: fetched once the banner is up or when first opened. Opened while
/// it is on its way, it shows as soon as it arrives; if it cannot be fetched, the console says so
/// and the banner comes back, so Reject all stays one click away.
fn preference_center(widget: Widget) -> impl IntoView {
    let part = RwSignal::new(Part::Idle);
    let fetch = move || {
        if matches!(part.get_untracked(), Part::Loading | Part::Ready(_)) {
            return;
        }
        part.set(Part::Loading);
        wasm_bindgen_futures::spawn_local(async move {
            match call_part!(preference_center_part()) {
                Ok(draw) => {
                    part.set(Part::Ready(draw));
                    if widget.view.get_untracked() == View::Preferences {
                        focus::focus_first_in(widget, "[data-crumb-part=preferences]");
                    }
                }
                Err(error) => {
                    part.set(Part::Failed);
                    crate::error::report(&error);
                    if widget.view.get_untracked() == View::Preferences {
                        widget.close();
                    }
                }
            }
        });
    };
    Effect::new(move |_| match widget.view.get() {
        View::Preferences => fetch(),
        // The banner has been painted: the preference center comes next, before it is asked for.
        View::Banner if matches!(part.get_untracked(), Part::Idle) => {
            request_animation_frame(move || set_timeout(fetch, Default::default()))
        }
        _ => {}
    });
    move || match (widget.view.get(), part.get()) {
        (View::Preferences, Part::Ready(draw)) => Some(draw()),
        _ => None,
    }
}

/// The preference center's drawing function; in a split build, the `preferences` part.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(preferences, fallible))]
fn preference_center_part() -> Result<Draw, CrumbError> {
    Ok(|| view! { <preferences::Preferences/> }.into_any())
}
