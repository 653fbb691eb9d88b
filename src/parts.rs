//! The `ui` part: the components (banner, preference center, reopen button, embed placeholders)
//! and the texts they show, loaded once, when a page view first needs them. In a split build
//! (`--features split`, `scripts/build-widget.sh`) the components are a wasm module of their own,
//! so a returning visitor's consent is applied (and often the whole page view served) without it.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::error::{report, CrumbError};
use crate::platform::config_input::load_texts_or_english;
use crate::platform::gating::{Gate, Placeholders};
use crate::platform::host::Host;
use crate::ui::{banner, embed::EmbedPlaceholders, focus, App};
use crate::widget::{View, Widget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nobody needed the UI yet.
    Idle,
    /// Something needed it (a blocked embed) before boot decided.
    Requested,
    Loading,
    Mounted,
    /// The part could not be fetched (reported once); the widget runs without a UI.
    Failed,
}

/// Loads the UI once, on demand. Cloning shares the one state.
#[derive(Clone)]
pub struct Ui {
    widget: Widget,
    owner: Owner,
    host: Rc<Host>,
    gate: Rc<Gate>,
    language: Rc<str>,
    state: Rc<Cell<State>>,
}

impl Ui {
    /// The UI of `widget`, mounted into `host` when loaded; `language` is the negotiated one.
    pub fn new(widget: Widget, owner: Owner, host: Rc<Host>, gate: Rc<Gate>, language: String) -> Ui {
        Ui { widget, owner, host, gate, language: language.into(), state: Rc::new(Cell::new(State::Idle)) }
    }

    /// True when something asked for the UI before boot got to decide.
    pub fn requested(&self) -> bool {
        self.state.get() == State::Requested
    }

    /// Fetches the texts and the components, and mounts them (once; later calls wait for nothing).
    pub async fn load(&self) {
        if matches!(self.state.get(), State::Loading | State::Mounted | State::Failed) {
            return;
        }
        self.state.set(State::Loading);
        let widget = self.widget;
        let base = widget.base();
        self.host.style(&base);
        let texts = load_texts_or_english(&base, &self.language, &widget.config()).await;
        widget.texts.set(texts);
        // The part is instantiated in one task and the components mounted in the next: together
        // they were the slow phone's longest task (bench/: total blocking time).
        #[cfg(feature = "split")]
        if preload_ui_part().await.is_ok() {
            crate::platform::dom::yield_to_page().await;
        }
        match call_part!(mount_components(widget, self.owner.clone(), self.host.clone(), self.gate.clone())) {
            Ok(()) => {
                self.state.set(State::Mounted);
                self.host.keep_attached(move || widget.redraw());
                // Opened before its part arrived (a preferences link, `Crumb.showPreferences()`):
                // focus moves in now, as it would have.
                if widget.view.get_untracked() == View::Preferences {
                    focus::focus_first_in(widget, "[data-crumb-part=preferences]");
                }
            }
            Err(error) => {
                self.state.set(State::Failed);
                self.host.discard_prepaint();
                // Without its UI the widget still answers the API and keeps what is in force;
                // nothing optional is granted by default.
                report(&error);
            }
        }
    }

    /// From now on, showing the banner or the preference center loads the UI if needed.
    pub fn load_when_shown(&self) {
        let ui = self.clone();
        self.owner.with(|| {
            Effect::new(move |_| {
                if ui.widget.view.get() != View::Closed && !matches!(ui.state.get(), State::Mounted | State::Failed) {
                    let ui = ui.clone();
                    wasm_bindgen_futures::spawn_local(async move { ui.load().await });
                }
            });
        });
    }
}

/// Until the UI is mounted, a blocked embed asks for it; the components draw every blocked
/// embed's placeholder once they are there (`Gate::set_placeholders`).
impl Placeholders for Ui {
    fn show(&self, _gated: &web_sys::Element) -> bool {
        match self.state.get() {
            State::Idle => self.state.set(State::Requested),
            State::Requested => {}
            _ => {
                let ui = self.clone();
                wasm_bindgen_futures::spawn_local(async move { ui.load().await });
            }
        }
        false
    }

    fn remove(&self, _gated: &web_sys::Element) {}
}

/// Mounts the components into the widget's host and hands the embed placeholders to the gate.
/// In a split build this is the `ui` part.
#[cfg_attr(feature = "split", wasm_split_helpers::wasm_split(ui, fallible, preload(preload_ui_part)))]
fn mount_components(widget: Widget, owner: Owner, host: Rc<Host>, gate: Rc<Gate>) -> Result<(), CrumbError> {
    let mounted = owner.with(|| {
        leptos::mount::mount_to(host.mount.clone(), move || {
            provide_context(widget);
            view! { <App/> }
        })
    });
    mounted.forget();
    gate.set_placeholders(Rc::new(EmbedPlaceholders::new(widget, owner)));
    // The banner loader.js painted gives way to the one just mounted, in this task, and a click
    // made on it meanwhile is carried out now.
    if let Some((prepaint, painted)) = host.take_painted() {
        banner::take_over(widget, &prepaint, painted);
    }
    Ok(())
}

/// Starts downloading the `ui` part without waiting for it (nothing to do in an unsplit build).
pub fn preload_ui() {
    #[cfg(feature = "split")]
    wasm_bindgen_futures::spawn_local(async {
        // A failure is reported when the part is needed.
        let _ = preload_ui_part().await;
    });
}
