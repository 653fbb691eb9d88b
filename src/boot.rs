//! The composition root: reads the loader's options and the config, builds the platform and the
//! widget under a Leptos `Owner`, mounts the components with the widget as context, installs
//! `window.Crumb`, and applies a consent in force. Any failure leaves the page working with
//! everything non-essential denied.

use std::rc::Rc;

use crumb_core::{negotiate_language, prompt_for, Texts};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::error::{report, warn, CrumbError};
use crate::platform::config_input::{config_text, load_texts, read_config};
use crate::platform::navigator::{foreign_base, resolve_on_page, BrowserNavigator, NavigatorReads};
use crate::platform::{self, consent_mode, cookies, gating, host::Host, loader::LoaderOptions, storage, transport, Platform};
use crate::ui::{embed::EmbedPlaceholders, preferences, App};
use crate::widget::{Start, Widget};

/// English texts compiled in, used only when the language file cannot be fetched.
const BUILTIN_ENGLISH: &str = include_str!("../www/i18n/en.json");

/// Entry point: boots once the DOM is parsed.
pub fn start(options: LoaderOptions) {
    let Some(doc) = platform::document() else {
        return;
    };
    if doc.ready_state() == "loading" {
        let mut options = Some(options);
        platform::dom::listen(&doc, "DOMContentLoaded", move |_| {
            if let Some(options) = options.take() {
                wasm_bindgen_futures::spawn_local(async move { _ = boot(options).await });
            }
        });
    } else {
        wasm_bindgen_futures::spawn_local(async move { _ = boot(options).await });
    }
}

/// Builds and starts the widget; `None` (after a console error) when it cannot run.
pub async fn boot(options: LoaderOptions) -> Option<Widget> {
    if let Some(origin) = foreign_base() {
        warn(&format!("the page's <base href> points to {origin}; Crumb resolves its own relative URLs (endpoint, data-config, policy_url) against the page's address, not the <base>"));
    }
    let config_url = options.config_url.as_deref().and_then(resolve_on_page);
    let config = match config_text(config_url.as_deref()).await.and_then(|text| read_config(&text)) {
        Ok(config) => config,
        Err(error) => return unconfigured(&options, &error),
    };
    let navigator: Rc<dyn NavigatorReads> = Rc::new(BrowserNavigator);
    let offered = config.offered_languages();
    let language =
        negotiate_language(&config.language, navigator.page_language().as_deref(), &navigator.languages(), &offered, &config.fallback);
    let texts = load_texts(&options.base, &language, &config).await.unwrap_or_else(|why| {
        warn(&format!("could not load the `{language}` texts ({why}); using the built-in English"));
        Texts::new("en", platform::from_json(BUILTIN_ENGLISH, usize::MAX).unwrap_or_default(), &config)
    });
    let Some(host) = Host::create(&options.base) else {
        return unconfigured(&options, &CrumbError::Browser("could not create the widget's host element".to_owned()));
    };
    let kv: Rc<dyn storage::KeyValueStore> = Rc::new(storage::BrowserStorage::open());
    let jar: Rc<dyn cookies::CookieJar> = Rc::new(cookies::DocumentCookies);
    let endpoint = options.endpoint.clone().or_else(|| config.endpoint.clone()).and_then(|e| resolve_on_page(&e));
    let consent_store = storage::ConsentStore::new(kv.clone(), jar.clone(), &config, &navigator.host(), navigator.secure());
    let now = platform::now();
    let stored = consent_store.read(&config, now);
    let ask = prompt_for(&config, stored.consent.as_ref(), now).shows_banner();
    let outbox = transport::Outbox::new(kv.clone(), Rc::new(transport::FetchTransport), endpoint);
    let tags = Box::new(consent_mode::GtagSink { gtag: options.gtag.clone() });
    let platform = Rc::new(Platform {
        consent_store,
        outbox,
        gate: gating::Gate::new(),
        tags,
        cookies: jar,
        storage: kv,
        navigator,
        host: host.clone(),
        base: options.base.clone(),
    });

    let owner = Owner::new();
    let start = Start { config, texts, stored: stored.consent, ask, shadow: host.shadow.clone() };
    let widget = owner.with(|| Widget::new(start, platform.clone()));
    let mounted = owner.with(|| {
        leptos::mount::mount_to(host.mount.clone(), move || {
            provide_context(widget);
            view! { <App/> }
        })
    });
    mounted.forget();
    platform.gate.set_placeholders(Rc::new(EmbedPlaceholders::new(widget, owner.clone())));
    // The widget lives as long as the page: its owner is never dropped.
    std::mem::forget(owner);
    host.keep_attached(move || widget.redraw());
    api_and_effects(widget, &options, &platform, stored.effects);
    Some(widget)
}

fn api_and_effects(widget: Widget, options: &LoaderOptions, platform: &Rc<Platform>, reconciled: Vec<crumb_core::Effect>) {
    crate::api::install(widget, options, preferences::open);
    let in_force = widget.consent.get_untracked();
    widget.carry_out(in_force.as_ref(), reconciled);
    platform.outbox.start();
    if let Some(consent) = &in_force {
        widget.apply_stored(consent);
    }
    // Placeholders for blocked embeds, and gated content the page adds from now on.
    platform.gate.watch(in_force.as_ref());
    preferences::open_from_links(widget);
    platform::dispatch("ready", &JsValue::TRUE);
    crate::api::replay(options);
}

fn unconfigured(options: &LoaderOptions, error: &CrumbError) -> Option<Widget> {
    report(error);
    crate::api::install_unconfigured(options);
    platform::dispatch("ready", &JsValue::from_str(crumb_core::contract::READY_UNCONFIGURED));
    crate::api::replay(options);
    None
}
