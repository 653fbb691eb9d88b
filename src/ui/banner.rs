//! The first layer: title, text with the policy link, and Accept all / Reject all / Customize
//! as three buttons of the same size and weight.

use crumb_core::texts::split_placeholder;
use crumb_core::{Choice, TextKey};
use leptos::prelude::*;

use crate::platform::prepaint::{Painted, Prepaint};
use crate::widget::{use_widget, Widget};
use wasm_bindgen::JsCast;

#[component]
pub fn Banner() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    // A `<base href>` on another origin would send the link there: it is resolved against the
    // page's own address then (and kept as the site wrote it otherwise).
    let on_page = |url: String| match crate::platform::navigator::foreign_base() {
        Some(_) => crate::platform::navigator::resolve_on_page(&url).unwrap_or(url),
        None => url,
    };
    let policy_url = widget.config().policy_url.clone().map(on_page);
    // The logo's URL the same way.
    let logo = widget.config().theme.logo.clone().map(|logo| crumb_core::config::Logo { src: on_page(logo.src), ..logo });
    let customize = move || super::preferences::open(widget);
    let decide = move |choice: Choice| decide(widget, choice, super::focus::is_inside(widget, "[data-crumb-part=banner]"));
    let node = NodeRef::<leptos::html::Section>::new();
    super::raise(node);
    banner_view(move |key| super::text(widget, key), policy_url, logo, widget.gpc, node, decide, customize).into_any()
}

/// Accept all or Reject all on the first layer. A keyboard user who decides there (`had_focus`)
/// lands on the reopen button, not on `<body>`.
fn decide(widget: Widget, choice: Choice, had_focus: bool) {
    widget.choose(choice);
    if had_focus {
        super::focus::after_decision(widget);
    }
}

/// This banner has just replaced the one loader.js painted before the wasm arrived: a button
/// pressed there is pressed here, and keyboard focus moves to the same button. A painted banner
/// that says something else than this one (a prepaint older than the config, or another language)
/// is named in the console, so the site owner renders it again.
pub fn take_over(widget: Widget, prepaint: &Prepaint, painted: Painted) {
    let handoff = prepaint.retire(painted);
    let shadow = widget.shadow.get_value();
    let drawn = shadow.query_selector("[data-crumb-part=banner]").ok().flatten().and_then(|b| b.text_content()).unwrap_or_default();
    if drawn.trim() != handoff.text.trim() {
        let language = widget.texts.with_untracked(|t| t.language.clone());
        let painted = handoff.language.as_deref().unwrap_or("?");
        crate::error::warn(&format!(
            "the banner painted ahead of time (data-prepaint, language {painted}) says something else than the widget's              (language {language}); it was replaced. Run crumb-prerender again whenever the config or Crumb changes"
        ));
    }
    let had_focus = handoff.focused.is_some();
    match handoff.action.as_deref() {
        Some("accept-all") => decide(widget, Choice::AcceptAll, had_focus),
        Some("reject-all") => decide(widget, Choice::RejectAll, had_focus),
        Some("customize") => super::preferences::open(widget),
        // Once the banner has been raised into the top layer (a closed popover takes no focus),
        // before the frame is painted.
        _ => {
            let Some(action) = handoff.focused.clone() else { return };
            request_animation_frame(move || {
                let selector = format!("[data-crumb-part=banner] [data-action=\"{}\"]", action.replace(['"', '\\'], ""));
                let same = shadow.query_selector(&selector).ok().flatten().and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(button) = same {
                    let _ = button.focus();
                }
            });
        }
    }
}

/// The first layer's markup from plain data: `text` gives each text as a closure (reactive in the
/// widget, a fixed language when rendered ahead of time), `decide` and `customize` are the
/// buttons' actions. It touches no browser object while it renders, so the host can render it to
/// HTML with Leptos SSR (`crates/crumb-prerender`) and the page gets the markup the widget draws.
pub fn banner_view<T, R, D, C>(
    text: T,
    policy_url: Option<String>,
    logo: Option<crumb_core::config::Logo>,
    gpc: bool,
    node: NodeRef<leptos::html::Section>,
    decide: D,
    customize: C,
) -> impl IntoView
where
    T: Fn(TextKey) -> R + Copy + Send + Sync + 'static,
    R: Fn() -> String + Copy + Send + Sync + 'static,
    D: Fn(Choice) + Copy + 'static,
    C: Fn() + 'static,
{
    let body = move || {
        let all = text(TextKey::BannerText)();
        let (before, after) = split_placeholder(&all, "{policy}");
        (before.to_owned(), after.map(str::to_owned), text(TextKey::PolicyLink)())
    };
    let link = move || {
        let (_, after, label) = body();
        after.map(|after| {
            let link = match policy_url.clone() {
                Some(url) => {
                    view! { <a class="crumb-policy-link" part="link" href=url target="_blank" rel="noopener">{label}</a> }.into_any()
                }
                None => view! { <span>{label}</span> }.into_any(),
            };
            view! { {link}{after} }
        })
    };
    let gpc = gpc.then(|| view! { <p class="crumb-gpc" data-crumb-part="gpc">{text(TextKey::BannerGpc)}</p> });
    // A logo before the title; its alternative text says what it shows (empty: decorative).
    let logo = logo.map(|logo| view! { <img class="crumb-logo" part="logo" src=logo.src alt=logo.alt/> });
    view! {
        <section
            node_ref=node
            popover="manual"
            class="crumb-banner"
            part="banner"
            data-crumb-part="banner"
            role="dialog"
            aria-modal="false"
            aria-labelledby="crumb-banner-title"
            aria-describedby="crumb-banner-text"
        >
            {logo}
            <h2 id="crumb-banner-title" class="crumb-title" part="title">{text(TextKey::BannerTitle)}</h2>
            <p id="crumb-banner-text" class="crumb-text" part="text">{move || body().0}{link}</p>
            {gpc}
            <div class="crumb-actions">
                <button type="button" class="crumb-btn" part="button" data-action="accept-all" on:click=move |_| decide(Choice::AcceptAll)>
                    {text(TextKey::AcceptAll)}
                </button>
                <button type="button" class="crumb-btn" part="button" data-action="reject-all" on:click=move |_| decide(Choice::RejectAll)>
                    {text(TextKey::RejectAll)}
                </button>
                <button type="button" class="crumb-btn" part="button" data-action="customize" on:click=move |_| customize()>
                    {text(TextKey::Customize)}
                </button>
            </div>
        </section>
    }
}
