//! The editor's state (the draft, its errors by crumb-core's rules, the autosave) and the page:
//! a header with the save state, the error summary, then one section per part of the config,
//! the preview, publishing, import and the snippet.

use std::time::Duration;

use crumb_core::config::{typed_config, ConfigError};
use crumb_core::json::{object, Value};
use leptos::leptos_dom::helpers::{set_timeout_with_handle, TimeoutHandle};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Answer};
use crate::model;

/// Autosave waits this long after the last edit.
pub const SAVE_DELAY: Duration = Duration::from_millis(800);

/// Where the draft stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// As the server has it.
    Saved,
    /// Edited since the last save; a save is coming.
    Pending,
    /// A save is under way.
    Saving,
    /// The last save failed, with why.
    Failed(String),
    /// Not connected to a server (component tests).
    Offline,
}

impl SaveState {
    /// The words the page shows.
    pub fn words(&self) -> String {
        match self {
            SaveState::Saved => "Saved".to_owned(),
            SaveState::Pending => "Not saved yet (saving shortly)".to_owned(),
            SaveState::Saving => "Saving…".to_owned(),
            SaveState::Failed(why) => format!("Not saved: {why}"),
            SaveState::Offline => "Not saved (no server)".to_owned(),
        }
    }
}

/// The editor's state, shared by every part of the page (all of it `Copy`).
#[derive(Clone, Copy)]
pub struct Editor {
    /// The site being configured.
    pub site: StoredValue<String>,
    /// The draft config, as JSON (it may be invalid).
    pub draft: RwSignal<Value>,
    /// Every error crumb-core finds in the draft, each with its path.
    pub errors: Memo<Vec<ConfigError>>,
    /// The published version the draft is based on (0: nothing published).
    pub based_on: RwSignal<u32>,
    /// Where the draft stands with the server.
    pub save_state: RwSignal<SaveState>,
    /// The server's errors for the last saved draft.
    pub server_errors: RwSignal<Vec<ConfigError>>,
    /// The server's assessment of the last saved draft against the published config.
    pub assessment: RwSignal<Option<Value>>,
    /// Bumped by every edit (autosave and the preview follow it).
    pub edits: RwSignal<u64>,
    /// Whether the editor talks to a server (false in component tests).
    pub online: bool,
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl Editor {
    /// A new editor over `draft`.
    pub fn new(site: String, draft: Value, based_on: u32, online: bool) -> Editor {
        let draft = RwSignal::new(draft);
        let errors = Memo::new(move |_| typed_config(draft.get()).1);
        Editor {
            site: StoredValue::new(site),
            draft,
            errors,
            based_on: RwSignal::new(based_on),
            save_state: RwSignal::new(if online { SaveState::Saved } else { SaveState::Offline }),
            server_errors: RwSignal::new(Vec::new()),
            assessment: RwSignal::new(None),
            edits: RwSignal::new(0),
            online,
            timer: StoredValue::new(None),
        }
    }

    /// Changes the draft; autosave follows.
    pub fn edit(self, change: impl FnOnce(&mut Value)) {
        self.draft.update(change);
        self.edits.update(|n| *n += 1);
        if self.online {
            self.save_state.set(SaveState::Pending);
            self.schedule_save();
        }
    }

    /// Takes in a draft answer (`{config, based_on, errors, assessment}`) from the server.
    pub fn take_answer(self, body: &Value, replace_draft: bool) {
        if replace_draft {
            if let Some(config) = body.get("config") {
                self.draft.set(config.clone());
                self.edits.update(|n| *n += 1);
            }
        }
        if let Some(based_on) = api::number(body.get("based_on")) {
            self.based_on.set(based_on);
        }
        self.server_errors.set(api::errors_of(body));
        self.assessment.set(body.get("assessment").cloned().filter(|a| *a != Value::Null));
    }

    fn schedule_save(self) {
        if let Some(Some(handle)) = self.timer.try_get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                spawn_local(async move {
                    self.save().await;
                })
            },
            SAVE_DELAY,
        )
        .ok();
        self.timer.set_value(handle);
    }

    /// Saves the draft now (PUT); true when the server has it.
    pub async fn save(self) -> bool {
        if !self.online {
            return false;
        }
        if let Some(Some(handle)) = self.timer.try_get_value() {
            handle.clear();
        }
        let edits = self.edits.get_untracked();
        self.save_state.set(SaveState::Saving);
        let body =
            object(vec![("config", self.draft.get_untracked()), ("based_on", Value::Number(f64::from(self.based_on.get_untracked())))]);
        let answer = api::call("PUT", &api::site_url(&self.site.get_value(), "/draft"), Some(&body)).await;
        if answer.ok() {
            self.take_answer(&answer.body, false);
            // An edit made while saving is saved by the save it scheduled.
            self.save_state.set(if self.edits.get_untracked() == edits { SaveState::Saved } else { SaveState::Pending });
            true
        } else {
            self.save_state.set(SaveState::Failed(answer.error()));
            false
        }
    }

    /// The error list with the server's errors the browser did not find added.
    pub fn all_errors(self) -> Vec<ConfigError> {
        let mut all = self.errors.get();
        if self.save_state.get() == SaveState::Saved {
            for error in self.server_errors.get() {
                if !all.contains(&error) {
                    all.push(error);
                }
            }
        }
        all
    }
}

/// The whole page for `site`: loads the caller's draft, then shows the editor.
#[component]
pub fn App(site: String) -> impl IntoView {
    let loaded: RwSignal<Option<Result<Answer, String>>> = RwSignal::new(None);
    let url = api::site_url(&site, "/draft");
    spawn_local(async move {
        let answer = api::call("GET", &url, None).await;
        loaded.set(Some(if answer.ok() { Ok(answer) } else { Err(answer.error()) }));
    });
    move || match loaded.get() {
        None => view! { <p class="loading" role="status">"Loading the draft…"</p> }.into_any(),
        Some(Err(why)) => view! { <p class="problem" role="alert">{format!("The draft could not be loaded: {why}")}</p> }.into_any(),
        Some(Ok(answer)) => {
            let config = answer.body.get("config").cloned().unwrap_or(Value::Object(Vec::new()));
            let based_on = api::number(answer.body.get("based_on")).unwrap_or(0);
            let ed = Editor::new(site.clone(), config, based_on, true);
            ed.take_answer(&answer.body, false);
            page(ed).into_any()
        }
    }
}

/// The editor's page.
pub fn page(ed: Editor) -> impl IntoView {
    let site = ed.site.get_value();
    view! {
        <header class="top">
            <h1>{format!("Configure {site}")}</h1>
            <p id="save-state" class="save-state" role="status" aria-live="polite">
                {move || ed.save_state.get().words()}
            </p>
        </header>
        {summary(ed)}
        <div class="layout">
            <div class="form">
                {crate::sections::general(ed)}
                {crate::sections::languages(ed)}
                {crate::sections::look(ed)}
                {crate::sections::categories(ed)}
                {crate::sections::texts(ed)}
            </div>
            <div class="side">
                {crate::preview::preview(ed)}
                {crate::publish::publish(ed)}
            </div>
        </div>
        {crate::publish::versions(ed)}
        {crate::publish::import(ed)}
        {crate::publish::snippet(ed)}
    }
}

/// The list of every error, each a link to its field.
fn summary(ed: Editor) -> impl IntoView {
    let errors = Memo::new(move |_| ed.all_errors());
    view! {
        <section id="errors" class="summary" aria-labelledby="errors-title">
            <h2 id="errors-title">
                {move || match errors.with(Vec::len) {
                    0 => "No errors: the draft can be published".to_owned(),
                    1 => "1 error to fix before publishing".to_owned(),
                    n => format!("{n} errors to fix before publishing"),
                }}
            </h2>
            <ul id="error-list">
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|e| {
                            let id = model::id_of(&e.path);
                            view! { <li><a href=format!("#{id}")>{format!("{}: {}", e.path, e.message)}</a></li> }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
