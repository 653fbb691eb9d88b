//! The first layer: title, text with the policy link, and Accept all / Reject all / Customize
//! as three buttons of the same size and weight.

use crumb_core::texts::split_placeholder;
use crumb_core::{Choice, TextKey};
use leptos::prelude::*;

use super::text;
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
    let body = move || {
        widget.texts.with(|t| {
            let (before, after) = split_placeholder(t.get(TextKey::BannerText), "{policy}");
            (before.to_owned(), after.map(str::to_owned), t.get(TextKey::PolicyLink).to_owned())
        })
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
    let gpc = widget.gpc.then(|| view! { <p class="crumb-gpc" data-crumb-part="gpc">{text(widget, TextKey::BannerGpc)}</p> });
    let customize = move |_| super::preferences::open(widget);
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
            <h2 id="crumb-banner-title" class="crumb-title">{text(widget, TextKey::BannerTitle)}</h2>
            <p id="crumb-banner-text" class="crumb-text">{move || body().0}{link}</p>
            {gpc}
            <div class="crumb-actions">
                <button type="button" class="crumb-btn" data-action="accept-all" on:click=move |_| decide(Choice::AcceptAll)>
                    {text(widget, TextKey::AcceptAll)}
                </button>
                <button type="button" class="crumb-btn" data-action="reject-all" on:click=move |_| decide(Choice::RejectAll)>
                    {text(widget, TextKey::RejectAll)}
                </button>
                <button type="button" class="crumb-btn" data-action="customize" on:click=customize>
                    {text(widget, TextKey::Customize)}
                </button>
            </div>
        </section>
    }
    .into_any()
}
