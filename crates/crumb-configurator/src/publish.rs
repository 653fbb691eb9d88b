//! Publishing (what it means for visitors, then confirm), the refusal when someone else published
//! first (diff, rebase), the versions with rollback and a diff between any two, import, snippet.

use crumb_core::json::{object, Value};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, number, string};
use crate::editor::{Editor, SaveState};

/// The assessment's words: whether every visitor is asked again, and why.
pub fn assessment_words(assessment: Option<&Value>) -> (String, Vec<String>) {
    let Some(assessment) = assessment else {
        return ("Save the draft to see what publishing it means.".to_owned(), Vec::new());
    };
    let renew = matches!(assessment.get("renew"), Some(Value::Bool(true)));
    let changes: Vec<(bool, String)> = match assessment.get("changes") {
        Some(Value::Array(items)) => {
            items.iter().map(|c| (matches!(c.get("renew"), Some(Value::Bool(true))), string(c.get("what")))).collect()
        }
        _ => Vec::new(),
    };
    if renew {
        let why = changes.into_iter().filter(|(r, _)| *r).map(|(_, w)| w).collect();
        ("Every visitor will be asked again because:".to_owned(), why)
    } else {
        let what = changes.into_iter().map(|(_, w)| w).collect::<Vec<_>>();
        let head = if what.is_empty() { "No visitor is asked again. Nothing changed." } else { "No visitor is asked again. Changes:" };
        (head.to_owned(), what)
    }
}

/// A version's line in the list (`{version, published_at, published_by, note, renewal}`).
fn version_words(v: &Value) -> String {
    let by = string(v.get("published_by"));
    let at = string(v.get("published_at"));
    let note = string(v.get("note"));
    let renewal = if matches!(v.get("renewal"), Some(Value::Bool(true))) { " · everyone asked again" } else { "" };
    format!(
        "Version {} · revision {} · {at} by {by}{renewal}{}",
        string(v.get("version")),
        string(v.get("revision")),
        if note.is_empty() { String::new() } else { format!(" · “{note}”") }
    )
}

/// The versions list, shared by publishing, the conflict message, rollback and the diff.
#[derive(Clone, Copy)]
struct Versions(RwSignal<Vec<Value>>);

fn versions_state(ed: Editor) -> Versions {
    if let Some(v) = use_context::<Versions>() {
        return v;
    }
    let v = Versions(RwSignal::new(Vec::new()));
    provide_context(v);
    if ed.online {
        reload_versions(ed, v);
    }
    v
}

fn reload_versions(ed: Editor, versions: Versions) {
    let url = api::site_url(&ed.site.get_value(), "/versions");
    spawn_local(async move {
        let answer = api::call("GET", &url, None).await;
        if let (true, Value::Array(items)) = (answer.ok(), answer.body) {
            versions.0.set(items);
        }
    });
}

/// The publish panel.
pub fn publish(ed: Editor) -> AnyView {
    let versions = versions_state(ed);
    let note = RwSignal::new(String::new());
    let ask_again = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let result: RwSignal<Option<String>> = RwSignal::new(None);
    let conflict: RwSignal<Option<(u32, String)>> = RwSignal::new(None);
    let diff: RwSignal<Option<Value>> = RwSignal::new(None);
    let blocked = Memo::new(move |_| !ed.errors.with(Vec::is_empty) || busy.get() || !ed.online);
    let words = Memo::new(move |_| {
        if ed.based_on.get() == 0 && ed.assessment.with(Option::is_none) {
            ("Nothing is published yet: the first version is shown to every visitor.".to_owned(), Vec::new())
        } else {
            ed.assessment.with(|a| assessment_words(a.as_ref()))
        }
    });
    let do_publish = move |_| {
        busy.set(true);
        spawn_local(async move {
            if ed.save().await {
                let body = object(vec![
                    ("based_on", Value::Number(f64::from(ed.based_on.get_untracked()))),
                    ("note", Value::String(note.get_untracked())),
                    ("ask_again", Value::Bool(ask_again.get_untracked())),
                ]);
                let answer = api::call("POST", &api::site_url(&ed.site.get_value(), "/publish"), Some(&body)).await;
                match answer.status {
                    200 | 201 => {
                        let version = number(answer.body.get("version")).unwrap_or(0);
                        ed.based_on.set(version);
                        let renewal = matches!(answer.body.get("renewal"), Some(Value::Bool(true)));
                        result.set(Some(format!(
                            "Published version {version} (revision {}). {}",
                            string(answer.body.get("revision")),
                            if renewal { "Every visitor will be asked again." } else { "No visitor is asked again." }
                        )));
                        note.set(String::new());
                        ask_again.set(false);
                        conflict.set(None);
                        reload_versions(ed, versions);
                        // The server deleted the draft: the next save starts a new one from this version.
                        ed.save_state.set(SaveState::Saved);
                        ed.assessment.set(None);
                    }
                    409 => {
                        let latest = number(answer.body.get("latest")).unwrap_or(0);
                        let list = api::call("GET", &api::site_url(&ed.site.get_value(), "/versions"), None).await;
                        let by = match &list.body {
                            Value::Array(items) => items
                                .iter()
                                .find(|v| number(v.get("version")) == Some(latest))
                                .map(|v| string(v.get("published_by")))
                                .unwrap_or_default(),
                            _ => String::new(),
                        };
                        if let Value::Array(items) = list.body {
                            versions.0.set(items);
                        }
                        result.set(None);
                        conflict.set(Some((latest, if by.is_empty() { "someone else".to_owned() } else { by })));
                    }
                    422 => {
                        ed.server_errors.set(api::errors_of(&answer.body));
                        result.set(Some(format!("Not published: {}", answer.error())));
                    }
                    _ => result.set(Some(format!("Not published: {}", answer.error()))),
                }
            } else {
                result.set(Some(format!("Not published: the draft could not be saved ({})", ed.save_state.get_untracked().words())));
            }
            busy.set(false);
            confirming.set(false);
        });
    };
    let show_diff = move |_| {
        let Some((latest, _)) = conflict.get_untracked() else { return };
        let url = api::site_url(&ed.site.get_value(), &format!("/diff?from={}&to={latest}", ed.based_on.get_untracked()));
        spawn_local(async move {
            let answer = api::call("GET", &url, None).await;
            diff.set(Some(if answer.ok() { answer.body } else { Value::String(answer.error()) }));
        });
    };
    let rebase = move |_| {
        let Some((latest, _)) = conflict.get_untracked() else { return };
        ed.based_on.set(latest);
        spawn_local(async move {
            if ed.save().await {
                conflict.set(None);
                diff.set(None);
                result.set(Some(format!("Your draft is now based on version {latest}; check the preview, then publish.")));
            }
        });
    };
    view! {
        <section id="publish" aria-labelledby="publish-title">
            <h2 id="publish-title">"Publish"</h2>
            <div id="assessment" class="assessment">
                <p id="assessment-words">{move || words.get().0}</p>
                <ul>{move || words.get().1.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            </div>
            <div class="field">
                <label for="publish-note">"Note for the version history"</label>
                <input id="publish-note" type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
            </div>
            <div class="field check">
                <input id="publish-ask-again" type="checkbox" prop:checked=move || ask_again.get() on:change=move |ev| ask_again.set(event_target_checked(&ev)) />
                <label for="publish-ask-again">"Ask everyone again, even if the change does not need it"</label>
            </div>
            <p id="publish-blocked" class="note">
                {move || if !ed.errors.with(Vec::is_empty) { "Publishing is off until the errors above are fixed." } else { "" }}
            </p>
            <button type="button" id="publish-button" class="primary"
                disabled=move || blocked.get() || confirming.get()
                aria-describedby="publish-blocked"
                on:click=move |_| {
                    confirming.set(true);
                    crate::fields::focus("publish-confirm");
                }>"Publish…"</button>
            {move || confirming.get().then(|| view! {
                <div id="publish-confirm-panel" class="confirm" role="group" aria-labelledby="publish-confirm-words">
                    <p id="publish-confirm-words">
                        {move || {
                            let (head, list) = words.get();
                            let extra = if ask_again.get() { " You chose to ask everyone again." } else { "" };
                            format!("{head} {}{extra} Publish now?", list.join("; "))
                        }}
                    </p>
                    <button type="button" id="publish-confirm" class="primary" disabled=move || blocked.get() on:click=do_publish>"Publish now"</button>
                    <button type="button" id="publish-cancel" on:click=move |_| {
                        confirming.set(false);
                        crate::fields::focus("publish-button");
                    }>"Cancel"</button>
                </div>
            })}
            <p id="publish-result" role="status">{move || result.get()}</p>
            {move || conflict.get().map(|(latest, by)| view! {
                <div id="conflict" class="conflict" role="alert">
                    <p>{format!("Version {latest} was published by {by} since you started; your draft is kept.")}</p>
                    <button type="button" id="conflict-diff" on:click=show_diff>{format!("View what version {latest} changed")}</button>
                    <button type="button" id="conflict-rebase" on:click=rebase>{format!("Base my draft on version {latest}")}</button>
                </div>
            })}
            {move || diff.get().map(|d| diff_view(&d))}
        </section>
    }
    .into_any()
}

/// A diff answer (`{from, to, assessment, changes: [{path, before, after}]}`) as a table.
fn diff_view(answer: &Value) -> AnyView {
    if let Value::String(why) = answer {
        return view! { <p class="problem">{format!("No diff: {why}")}</p> }.into_any();
    }
    let (head, why) = assessment_words(answer.get("assessment"));
    let rows: Vec<(String, String, String)> = match answer.get("changes") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| {
                let show = |v: Option<&Value>| match v {
                    None | Some(Value::Null) => "—".to_owned(),
                    Some(v) => v.to_json(),
                };
                (string(c.get("path")), show(c.get("before")), show(c.get("after")))
            })
            .collect(),
        _ => Vec::new(),
    };
    view! {
        <div class="diff" id="diff">
            <p>{head} " " {why.join("; ")}</p>
            <table>
                <caption>{format!("Changes from version {} to version {}", string(answer.get("from")), string(answer.get("to")))}</caption>
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(path, before, after)| view! {
                        <tr><th scope="row"><code>{path}</code></th><td><code>{before}</code></td><td><code>{after}</code></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The versions, newest first, with rollback and a diff between any two.
pub fn versions(ed: Editor) -> AnyView {
    let versions = versions_state(ed);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let diff: RwSignal<Option<Value>> = RwSignal::new(None);
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let numbers = Memo::new(move |_| versions.0.with(|list| list.iter().map(|v| string(v.get("version"))).collect::<Vec<_>>()));
    let rollback = move |version: String| {
        let latest = versions.0.with_untracked(|l| l.first().and_then(|v| number(v.get("version")))).unwrap_or(0);
        let body = object(vec![
            ("version", Value::Number(version.parse::<f64>().unwrap_or(0.0))),
            ("based_on", Value::Number(f64::from(latest))),
            ("note", Value::String(format!("Rollback to version {version}"))),
        ]);
        spawn_local(async move {
            let answer = api::call("POST", &api::site_url(&ed.site.get_value(), "/rollback"), Some(&body)).await;
            message.set(Some(if answer.ok() {
                format!("Rolled back: version {} has the config of version {version}.", string(answer.body.get("version")))
            } else {
                format!("Not rolled back: {}", answer.error())
            }));
            reload_versions(ed, versions);
        });
    };
    let show = move |_| {
        let url = api::site_url(&ed.site.get_value(), &format!("/diff?from={}&to={}", from.get_untracked(), to.get_untracked()));
        spawn_local(async move {
            let answer = api::call("GET", &url, None).await;
            diff.set(Some(if answer.ok() { answer.body } else { Value::String(answer.error()) }));
        });
    };
    let choices = move |chosen: RwSignal<String>| {
        move || {
            numbers
                .get()
                .into_iter()
                .map(|n| {
                    let v = n.clone();
                    view! { <option value=n.clone() selected=move || chosen.get() == v>{format!("Version {n}")}</option> }
                })
                .collect_view()
        }
    };
    view! {
        <section id="versions" aria-labelledby="versions-title">
            <h2 id="versions-title">"Versions"</h2>
            <p id="versions-result" role="status">{move || message.get()}</p>
            {move || if versions.0.with(Vec::is_empty) {
                view! { <p>"Nothing published yet."</p> }.into_any()
            } else {
                view! {
                    <ol id="versions-list" class="versions">
                        {versions.0.get().into_iter().enumerate().map(|(i, v)| {
                            let n = string(v.get("version"));
                            let again = n.clone();
                            view! {
                                <li>
                                    {version_words(&v)}
                                    {(i > 0).then(|| view! {
                                        " "
                                        <button type="button" id=format!("rollback-{n}") on:click=move |_| rollback(again.clone())>
                                            {format!("Roll back to version {n}")}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <fieldset class="diff-choice">
                <legend>"Compare two versions"</legend>
                <div class="field">
                    <label for="diff-from">"From"</label>
                    <select id="diff-from" on:change=move |ev| from.set(event_target_value(&ev))>
                        <option value="">"choose"</option>
                        {choices(from)}
                    </select>
                </div>
                <div class="field">
                    <label for="diff-to">"To"</label>
                    <select id="diff-to" on:change=move |ev| to.set(event_target_value(&ev))>
                        <option value="">"choose"</option>
                        {choices(to)}
                    </select>
                </div>
                <button type="button" id="diff-show" on:click=show disabled=move || from.get().is_empty() || to.get().is_empty()>"Show the changes"</button>
            </fieldset>
            {move || diff.get().map(|d| diff_view(&d))}
        </section>
    }
    .into_any()
}

/// Paste an existing inline config (or the HTML holding it) to start the draft from it.
pub fn import(ed: Editor) -> AnyView {
    let text = RwSignal::new(String::new());
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |_| {
        let body = object(vec![("text", Value::String(text.get_untracked()))]);
        spawn_local(async move {
            let answer = api::call("POST", &api::site_url(&ed.site.get_value(), "/import"), Some(&body)).await;
            if answer.ok() {
                ed.take_answer(&answer.body, true);
                ed.save_state.set(SaveState::Saved);
                let errors = api::errors_of(&answer.body).len();
                message.set(Some(match errors {
                    0 => "Imported: the draft now holds the pasted config.".to_owned(),
                    n => format!("Imported with {n} errors to fix: see the list at the top."),
                }));
                text.set(String::new());
            } else {
                message.set(Some(format!("Not imported: {}", answer.error())));
            }
        });
    };
    view! {
        <section id="import" aria-labelledby="import-title">
            <h2 id="import-title">"Import"</h2>
            <div class="field">
                <label for="import-text">"An inline config, or the HTML page holding it (replaces the draft)"</label>
                <textarea id="import-text" rows="8" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" id="import-submit" disabled=move || text.with(String::is_empty) || !ed.online on:click=submit>"Import into the draft"</button>
            <p id="import-result" role="status">{move || message.get()}</p>
        </section>
    }
    .into_any()
}

/// The copy-paste snippet for a static site (the latest published config inline + the loader).
pub fn snippet(ed: Editor) -> AnyView {
    let versions = versions_state(ed);
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        let latest = versions.0.with(|l| l.first().map(|v| string(v.get("version"))));
        let Some(latest) = latest else { return };
        let url = api::site_url(&ed.site.get_value(), &format!("/snippet?version={latest}"));
        spawn_local(async move {
            let answer = api::call("GET", &url, None).await;
            text.set(match answer.body {
                Value::String(s) if answer.ok() => s,
                _ if answer.ok() => answer.body.to_json(),
                _ => format!("No snippet: {}", answer.error()),
            });
        });
    });
    view! {
        <section id="snippet-section" aria-labelledby="snippet-title">
            <h2 id="snippet-title">"Snippet for a static site"</h2>
            <div class="field">
                <label for="snippet">"Paste this into every page (the latest published version, inline)"</label>
                <textarea id="snippet" rows="8" readonly
                    prop:value=move || if text.with(String::is_empty) { "Publish a version to get its snippet.".to_owned() } else { text.get() }></textarea>
            </div>
        </section>
    }
    .into_any()
}
