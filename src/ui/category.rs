//! One category in the preference center: its switch (locked on when required), description,
//! and its services with their cookie tables (name, provider, purpose, duration, party). A
//! service's description and a cookie's purpose follow the current language (else the config's
//! fallback) when the site gives them per language; so does a service's name.

use crumb_core::config::{CookieSpec, LocalizedText, Party, Service};
use crumb_core::{Category, TextKey};
use leptos::prelude::*;

use super::text;
use crate::widget::{use_widget, Widget};

#[component]
pub fn CategoryRow(category: Category) -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let id = category.id.clone();
    let title_id = format!("crumb-cat-{id}-title");
    let text_id = format!("crumb-cat-{id}-text");
    let required = category.required;
    // A locked switch shows "Always on" beside it: its name says so too (WCAG 2.5.3, label in name).
    let always_id = format!("crumb-cat-{id}-always");
    let labelled_by = if required { format!("{title_id} {always_id}") } else { title_id.clone() };
    let section_id = id.clone();
    let checked = {
        let id = id.clone();
        move || widget.draft.with(|d| required || d.get(&id).copied().unwrap_or(false)).to_string()
    };
    let toggle = {
        let id = id.clone();
        move |_| widget.toggle(&id)
    };
    let title = {
        let id = id.clone();
        move || widget.texts.with(|t| t.category_title(&id).to_owned())
    };
    let description = {
        let id = id.clone();
        move || widget.texts.with(|t| t.category_description(&id).to_owned())
    };
    let count = category.services.iter().map(|s| s.cookies.len()).sum::<usize>().to_string();
    let services = (!category.services.is_empty()).then(|| {
        let summary = move || widget.texts.with(|t| t.fill(TextKey::Services, "{count}", &count));
        view! {
            <details class="crumb-services">
                <summary>{summary}</summary>
                {category.services.into_iter().map(|service| view! { <ServiceBlock service=service/> }).collect_view()}
            </details>
        }
    });
    view! {
        <section class="crumb-category" data-category=section_id>
            <div class="crumb-category-head">
                <h3 id=title_id.clone() class="crumb-category-title">{title}</h3>
                <button
                    type="button"
                    role="switch"
                    part="switch"
                    class="crumb-switch"
                    data-category=id
                    aria-checked=checked
                    aria-labelledby=labelled_by
                    aria-describedby=text_id.clone()
                    disabled=required
                    aria-disabled=required.then_some("true")
                    on:click=toggle
                >
                    <span class="crumb-switch-track" aria-hidden="true"><span class="crumb-switch-thumb"></span></span>
                    {required.then(|| view! { <span id=always_id class="crumb-always-on">{text(widget, TextKey::AlwaysOn)}</span> })}
                </button>
            </div>
            <p id=text_id class="crumb-category-text">{description}</p>
            {services}
        </section>
    }
    .into_any()
}

#[component]
fn ServiceBlock(service: Service) -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let provider = service.provider.clone();
    let by = provider.clone().map(|p| {
        let line = move || widget.texts.with(|t| t.fill(TextKey::ServiceProvider, "{provider}", &p));
        view! { <p class="crumb-service-provider">{line}</p> }
    });
    let description = service.description.clone().map(|d| view! { <p class="crumb-service-text">{localized(widget, d)}</p> });
    // A service that sets no cookie on the site (a payment page on the provider's own domain)
    // shows its name and description only, not an empty table.
    let table = (!service.cookies.is_empty()).then(|| {
        let rows =
            service.cookies.into_iter().map(|cookie| view! { <CookieRow cookie=cookie service_provider=provider.clone()/> }).collect_view();
        view! {
            <div class="crumb-table-wrap">
                <table class="crumb-cookies">
                    <thead>
                        <tr>
                            <th scope="col">{text(widget, TextKey::CookieName)}</th>
                            <th scope="col">{text(widget, TextKey::CookieProvider)}</th>
                            <th scope="col">{text(widget, TextKey::CookiePurpose)}</th>
                            <th scope="col">{text(widget, TextKey::CookieDuration)}</th>
                            <th scope="col">{text(widget, TextKey::CookieParty)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <div class="crumb-service" data-service=service.id>
            <h4 class="crumb-service-name">{localized(widget, service.name)}</h4>
            {by}
            {description}
            {table}
        </div>
    }
    .into_any()
}

/// A site's own text in the widget's current language, else the config's fallback language.
fn localized(widget: Widget, text: LocalizedText) -> impl Fn() -> String + Send + Sync + 'static {
    let fallback = widget.config().fallback.clone();
    move || widget.texts.with(|t| text.get(&t.language, &fallback).to_owned())
}

#[component]
fn CookieRow(cookie: CookieSpec, service_provider: Option<String>) -> impl IntoView {
    let Some(widget) = use_widget() else {
        return ().into_any();
    };
    let label = cookie.label().to_owned();
    let row_label = label.clone();
    let provider = cookie.provider.clone().or(service_provider).unwrap_or_else(|| "—".to_owned());
    let duration = cookie.duration;
    let party = match cookie.party {
        Party::First => TextKey::FirstParty,
        Party::Third => TextKey::ThirdParty,
    };
    view! {
        <tr data-cookie=row_label>
            <td><code>{label}</code></td>
            <td>{provider}</td>
            <td>{localized(widget, cookie.purpose)}</td>
            <td>{move || widget.texts.with(|t| t.duration(duration))}</td>
            <td>{text(widget, party)}</td>
        </tr>
    }
    .into_any()
}
