//! The composition root: reads the loader's options and the config, builds the platform and the
//! widget under a Leptos `Owner`, mounts the components with the widget as context, installs
//! `window.Crumb`, and applies a consent in force. Any failure leaves the page working with
//! everything non-essential denied.

use std::rc::Rc;

use crumb_core::{negotiate_language, prompt_for, ConfigError, Texts};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::error::{report, CrumbError};
use crate::parts;
use crate::platform::config_input::{config_text, read_config};
use crate::platform::navigator::{resolve_on_page, warn_if_foreign_base, BrowserNavigator, NavigatorReads};
use crate::platform::{self, host::Host, loader::LoaderOptions, Platform};
use crate::ui::{debug, preferences};
use crate::widget::{Start, Widget};

/// Entry point: boots once the DOM is parsed.
pub fn start(options: LoaderOptions) {
    platform::dom::when_dom_ready(move || {
        wasm_bindgen_futures::spawn_local(async move {
            // Not in the task that instantiated the wasm: together they were one long task.
            platform::dom::yield_to_page().await;
            _ = boot(options).await;
        })
    });
}

/// Builds and starts the widget; `None` (after a console error) when it cannot run.
///
/// A returning visitor's consent is applied first (gated scripts start, Consent Mode is
/// updated) before anything the UI needs is fetched: the texts and the `ui` part follow.
pub async fn boot(options: LoaderOptions) -> Option<Widget> {
    // Leptos' effects need an executor, also when no component is ever mounted (a returning
    // visitor, or a UI part that could not be fetched). Already set up (by a test): fine.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    warn_if_foreign_base();
    // The tag's URLs follow the config's `endpoint` rule: a refused one is never requested.
    let refused = crumb_core::config::script_tag_errors(options.endpoint.as_deref(), options.config_url.as_deref());
    if !refused.is_empty() {
        return unconfigured(&options, &CrumbError::Config(crumb_core::ConfigErrors(refused)));
    }
    let config_url = options.config_url.as_deref().and_then(resolve_on_page);
    let (config, config_digest) = match config_text(config_url.as_deref()).await {
        Ok(text) => match read_config(&text).await {
            Ok(config) => (config, crumb_core::plan::digest(&text)),
            Err(error) => return unconfigured(&options, &error),
        },
        Err(error) => return unconfigured(&options, &error),
    };
    // Reading and checking the config is the biggest piece of start-up work: the rest goes in a
    // task of its own, so a slow phone sees no long task (bench/: total blocking time).
    platform::dom::yield_to_page().await;
    let browser = BrowserNavigator;
    let offered = config.offered_languages();
    let language =
        negotiate_language(&config.language, browser.page_language().as_deref(), &browser.languages(), &offered, &config.fallback);
    let Some(host) = Host::create(options.prepaint.as_ref()) else {
        return unconfigured(&options, &CrumbError::Browser("could not create the widget's host element".to_owned()));
    };
    let endpoint = options.endpoint.clone().or_else(|| config.endpoint.clone()).and_then(|e| resolve_on_page(&e));
    let platform = Platform::browser(&config, &options.base, endpoint, options.gtag.clone(), host.clone());
    platform.gate.require_nonce(config.gating.require_nonce.then(|| options.nonce.clone()));
    let now = platform::now();
    let stored = platform.consent_store.read(&config, now);
    let ask = prompt_for(&config, stored.consent.as_ref(), now).shows_banner();
    if ask {
        // A first visit needs the UI at once: its part downloads while the texts do.
        parts::preload_ui();
    } else {
        // loader.js painted a banner this page view does not show (it found nothing stored).
        host.discard_prepaint();
    }

    let owner = Owner::new();
    // The language is known now; its texts are fetched with the UI, when a page view needs it.
    let texts = Texts::new(&language, Default::default(), &config);
    let start = Start { config, config_digest, texts, stored: stored.consent, ask, shadow: host.shadow.clone() };
    let widget = owner.with(|| Widget::new(start, platform.clone()));
    let ui = parts::Ui::new(widget, owner.clone(), host.clone(), platform.gate.clone(), language);
    // Blocked embeds need placeholders, which are drawn by the UI: the first one asks for it.
    platform.gate.set_placeholders(Rc::new(ui.clone()));
    // The widget lives as long as the page: its owner is never dropped.
    std::mem::forget(owner);

    // Before anything is applied: a page's `crumb:consent` listener may ask `Crumb` at once.
    crate::api::install(widget, &options, preferences::open);
    if stored.adopted {
        // A newer consent from another subdomain: kept here under this browser's own id, and logged.
        widget.adopt(stored.replaced.as_ref());
    }
    let in_force = widget.consent.get_untracked();
    // What a newer consent from another subdomain revoked here goes first.
    widget.carry_out(in_force.as_ref(), stored.effects);
    if is_debug_origin(&options) {
        // The endpoint's problem on the page too, where the site owner is looking.
        let base = options.base.clone();
        platform.outbox.on_problem(Box::new(move |problem| {
            debug::show(&base, debug::Topic::Endpoint, vec![ConfigError { path: String::new(), message: problem.to_owned() }])
        }));
    }
    platform.outbox.start();
    if let Some(consent) = &in_force {
        // Already applied by the apply part (loader.js ran it, its plan held), or not.
        widget.apply_stored(consent, options.planned);
        // The next page view's apply part starts from this plan. A plan that held is already the
        // one this page would store: it was made for this very config text and stored text.
        if !options.planned {
            widget.store_plan(consent);
        }
    }
    // Gated content the page adds from now on.
    platform.gate.watch(in_force.as_ref());

    // The UI now if this page view shows something (the banner, the reopen button, an embed's
    // placeholder); otherwise when it first does (`Crumb.show()`, a preferences link, a blocked
    // embed the page adds later).
    if ask || widget.config().layout.reopen_button || ui.requested() {
        ui.load().await;
    }
    ui.load_when_shown();
    preferences::open_from_links(widget);
    platform::dispatch("ready", &JsValue::TRUE);
    crate::api::replay(&options);
    Some(widget)
}

/// The site owner's own machine, or a script tag with `data-debug`: the debug panel may show.
fn is_debug_origin(options: &LoaderOptions) -> bool {
    crumb_core::debug::is_debug_origin(&BrowserNavigator.host(), options.debug)
}

fn unconfigured(options: &LoaderOptions, error: &CrumbError) -> Option<Widget> {
    report(error);
    if is_debug_origin(options) {
        let problems = match error {
            CrumbError::Config(errors) => errors.0.clone(),
            other => vec![ConfigError { path: String::new(), message: other.to_string() }],
        };
        debug::show(&options.base, debug::Topic::Config, problems);
    }
    // A banner painted ahead of time would be inert: it goes, and a click made on it is dropped.
    if let Some(prepaint) = &options.prepaint {
        prepaint.discard();
    }
    crate::api::install_unconfigured(options);
    platform::dispatch("ready", &JsValue::from_str(crumb_core::contract::READY_UNCONFIGURED));
    crate::api::replay(options);
    None
}
