//! The first layer: title, text with the policy link, and Accept all / Reject all / Customize
//! as three buttons of the same size and weight.

use crumb_core::texts::split_placeholder;
use crumb_core::{Choice, TextKey};
use leptos::prelude::*;

use crate::widget::use_widget;

#[component]
pub fn Banner() -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    // A `<base href>` on another origin would send the link there: it is resolved against the
    // page's own address then (and kept as the site wrote it otherwise).
    let policy_url = widget.config().policy_url.clone().map(|url| match crate::platform::navigator::foreign_base() {
        Some(_) => crate::platform::navigator::resolve_on_page(&url).unwrap_or(url),
        None => url,
    });
    let customize = move || super::preferences::open(widget);
    // A keyboard user who decides here lands on the reopen button, not on <body>.
    let decide = move |choice: Choice| {
        let had_focus = super::focus::is_inside(widget, "[data-crumb-part=banner]");
        widget.choose(choice);
        if had_focus {
            super::focus::after_decision(widget);
        }
    };
    let node = NodeRef::<leptos::html::Section>::new();
    super::raise(node);
    banner_view(move |key| super::text(widget, key), policy_url, widget.gpc, node, decide, customize).into_any()
}

/// The first layer's markup from plain data: `text` gives each text as a closure (reactive in the
/// widget, a fixed language when rendered ahead of time), `decide` and `customize` are the
/// buttons' actions. It touches no browser object while it renders, so the host can render it to
/// HTML with Leptos SSR (`crates/crumb-prerender`) and the page gets the markup the widget draws.
pub fn banner_view<T, R, D, C>(
    text: T,
    policy_url: Option<String>,
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
                Some(url) => view! { <a class="crumb-policy-link" href=url target="_blank" rel="noopener">{label}</a> }.into_any(),
                None => view! { <span>{label}</span> }.into_any(),
            };
            view! { {link}{after} }
        })
    };
    let gpc = gpc.then(|| view! { <p class="crumb-gpc" data-crumb-part="gpc">{text(TextKey::BannerGpc)}</p> });
    view! {
        <section
            node_ref=node
            popover="manual"
            class="crumb-banner"
            data-crumb-part="banner"
            role="dialog"
            aria-modal="false"
            aria-labelledby="crumb-banner-title"
            aria-describedby="crumb-banner-text"
        >
            <h2 id="crumb-banner-title" class="crumb-title">{text(TextKey::BannerTitle)}</h2>
            <p id="crumb-banner-text" class="crumb-text">{move || body().0}{link}</p>
            {gpc}
            <div class="crumb-actions">
                <button type="button" class="crumb-btn" data-action="accept-all" on:click=move |_| decide(Choice::AcceptAll)>
                    {text(TextKey::AcceptAll)}
                </button>
                <button type="button" class="crumb-btn" data-action="reject-all" on:click=move |_| decide(Choice::RejectAll)>
                    {text(TextKey::RejectAll)}
                </button>
                <button type="button" class="crumb-btn" data-action="customize" on:click=move |_| customize()>
                    {text(TextKey::Customize)}
                </button>
            </div>
        </section>
    }
}
