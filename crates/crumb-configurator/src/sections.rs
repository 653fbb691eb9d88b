//! The form's sections: general settings, languages, look (theme and layout), categories with
//! their services, cookies and storage keys, and texts per language with their completeness.

use crumb_core::json::{object, Value};
use crumb_core::texts::{BUILTIN_CATEGORIES, BUILTIN_LANGUAGES};
use crumb_core::Signal as ConsentSignal;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::editor::Editor;
use crate::fields::{checkbox, focus, input, input_with, localized, select, Kind};
use crate::model::{self, Path};

fn options(list: &[&str]) -> Vec<(String, String)> {
    list.iter().map(|v| ((*v).to_owned(), (*v).to_owned())).collect()
}

/// Site-wide settings.
pub fn general(ed: Editor) -> AnyView {
    let root = Path::root();
    view! {
        <section id="general" aria-labelledby="general-title">
            <h2 id="general-title">"General"</h2>
            <p class="note">
                {move || format!(
                    "Site {} · revision {} (set when publishing)",
                    ed.draft.with(|d| model::text(d, &Path::root().key("site"))),
                    ed.draft.with(|d| model::text(d, &Path::root().key("revision"))),
                )}
            </p>
            {input(ed, root.key("policy_url"), "Privacy policy URL".into(), Kind::Optional)}
            {input_with(ed, root.key("expiry_days"), "Days a consent holds (1-395)".into(), Kind::Number, Signal::derive(|| "182 (the default)".to_owned()), false)}
            {select(ed, root.key("site_kind"), "The texts call the site".into(), vec![("site".into(), "our website".into()), ("shop".into(), "our shop".into())], "site")}
            {checkbox(ed, root.key("honor_gpc"), "Honour Global Privacy Control".into(), true)}
        </section>
    }
    .into_any()
}

/// Languages offered, the fallback and the language chosen.
pub fn languages(ed: Editor) -> AnyView {
    let root = Path::root();
    let offered = Memo::new(move |_| ed.draft.with(model::offered));
    let all = Memo::new(move |_| ed.draft.with(|d| model::get(d, &Path::root().key("languages")).is_none()));
    let (lang_errors, lang_error_view) = {
        let messages = Signal::derive(move || ed.errors.with(|e| model::errors_at(e, "languages", true)));
        (messages, move || {
            let list = messages.get();
            (!list.is_empty()).then(|| view! { <ul class="field-errors" id="languages-error">{list.into_iter().map(|m| view! { <li>"Error: " {m}</li> }).collect_view()}</ul> })
        })
    };
    let toggle = move |code: &'static str, on: bool| {
        ed.edit(|d| {
            let mut list = model::offered(d);
            if on && !list.iter().any(|l| l == code) {
                list.push(code.to_owned());
            } else if !on {
                list.retain(|l| l != code);
            }
            model::set(d, &Path::root().key("languages"), Some(Value::Array(list.into_iter().map(Value::String).collect())));
        })
    };
    let language_choices = Signal::derive(move || {
        let mut choices = vec![("auto".to_owned(), "auto (the page's, then the browser's)".to_owned())];
        choices.extend(offered.get().into_iter().map(|l| (l.clone(), l)));
        choices
    });
    let fallback_choices = Signal::derive(move || offered.get().into_iter().map(|l| (l.clone(), l)).collect::<Vec<_>>());
    view! {
        <section id="languages" aria-labelledby="languages-title">
            <h2 id="languages-title">"Languages"</h2>
            <fieldset
                class="languages"
                class:invalid=move || !lang_errors.with(Vec::is_empty)
                aria-describedby=move || (!lang_errors.with(Vec::is_empty)).then_some("languages-error")
            >
                <legend>"Languages offered"</legend>
                <div class="field check">
                    <input id="languages-all" type="checkbox" prop:checked=move || all.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            ed.edit(|d| {
                                let list = if on { None } else { Some(Value::Array(model::offered(d).into_iter().map(Value::String).collect())) };
                                model::set(d, &Path::root().key("languages"), list);
                            });
                        } />
                    <label for="languages-all">"Every built-in language"</label>
                </div>
                <div class="language-grid">
                    {BUILTIN_LANGUAGES
                        .iter()
                        .map(|code| {
                            let code: &'static str = code;
                            let id = format!("languages-{}", model::id_of(code));
                            view! {
                                <div class="field check">
                                    <input id=id.clone() type="checkbox"
                                        prop:checked=move || offered.with(|o| o.iter().any(|l| l == code))
                                        on:change=move |ev| toggle(code, event_target_checked(&ev)) />
                                    <label for=id lang=code>{format!("{} ({code})", crumb_core::native_name(code))}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
                {lang_error_view}
            </fieldset>
            {move || select(ed, root.key("fallback"), "Fallback language".into(), fallback_choices.get(), "en")}
            {move || select(ed, Path::root().key("language"), "Language shown".into(), language_choices.get(), "auto")}
        </section>
    }
    .into_any()
}

/// Theme, logo and layout.
pub fn look(ed: Editor) -> AnyView {
    let theme = Path::root().key("theme");
    let layout = Path::root().key("layout");
    view! {
        <section id="look" aria-labelledby="look-title">
            <h2 id="look-title">"Look"</h2>
            <fieldset>
                <legend>"Theme"</legend>
                {input(ed, theme.key("accent"), "Accent colour (#rgb or #rrggbb)".into(), Kind::Optional)}
                {select(ed, theme.key("scheme"), "Colour scheme".into(), options(&["auto", "light", "dark"]), "auto")}
                {input(ed, theme.key("logo").key("src"), "Logo URL".into(), Kind::Optional)}
                {input(ed, theme.key("logo").key("alt"), "Logo text alternative".into(), Kind::Text)}
            </fieldset>
            <fieldset>
                <legend>"Layout"</legend>
                {select(ed, layout.key("style"), "Banner shape".into(), options(&["box", "bar", "cloud", "popup"]), "box")}
                {select(ed, layout.key("position"), "Position".into(), options(&["bottom", "top", "center"]), "bottom")}
                {checkbox(ed, layout.key("reopen_button"), "Show the button that reopens the preferences".into(), true)}
            </fieldset>
        </section>
    }
    .into_any()
}

/// A list in the draft that the page grows: how many items it holds, and the handler of its "Add"
/// button, which appends `new_item(index)` and moves focus to the new item's `focus_key` field.
fn growing(
    ed: Editor,
    list: &Path,
    focus_key: &'static str,
    new_item: impl Fn(usize) -> Value + 'static,
) -> (Memo<usize>, impl FnMut(leptos::ev::MouseEvent) + 'static) {
    let n = Memo::new({
        let list = list.clone();
        move |_| ed.draft.with(|d| model::count(d, &list))
    });
    let list = list.clone();
    let add = move |_| {
        let next = n.get_untracked();
        ed.edit(|d| model::push(d, &list, new_item(next)));
        focus(&list.index(next).key(focus_key).id());
    };
    (n, add)
}

/// The categories, in order, each with its services.
pub fn categories(ed: Editor) -> AnyView {
    let list = Path::root().key("categories");
    let (n, add) = growing(ed, &list, "id", |next| {
        object(vec![("id", Value::String(format!("category{}", next + 1))), ("services", Value::Array(Vec::new()))])
    });
    view! {
        <section id="categories" aria-labelledby="categories-title">
            <h2 id="categories-title">"Categories"</h2>
            <p class="note">"In the order the preference center shows them."</p>
            {move || (0..n.get()).map(|i| category(ed, i, n)).collect_view()}
            <button type="button" id="categories-add" on:click=add>"Add a category"</button>
        </section>
    }
    .into_any()
}

fn category(ed: Editor, i: usize, n: Memo<usize>) -> AnyView {
    let list = Path::root().key("categories");
    let at = list.index(i);
    let id_path = at.key("id");
    let name = Memo::new({
        let id_path = id_path.clone();
        move |_| ed.draft.with(|d| model::text(d, &id_path))
    });
    let move_to = {
        let list = list.clone();
        move |to: usize, button: &'static str| {
            if to < n.get_untracked() {
                ed.edit(|d| model::swap(d, &list, i, to));
                focus(&format!("{}-{button}", list.index(to).id()));
            }
        }
    };
    let remove = {
        let list = list.clone();
        move |_| {
            ed.edit(|d| model::set(d, &list.index(i), None));
            focus("categories-add");
        }
    };
    let up = move_to.clone();
    let down = move_to;
    let services = at.key("services");
    let (ns, add_service) = growing(ed, &services, "id", |next| {
        object(vec![("id", Value::String(format!("service{}", next + 1))), ("name", Value::String(String::new()))])
    });
    let base = at.id();
    view! {
        <fieldset class="category" id=base.clone()>
            <legend>{move || format!("Category {}: {}", i + 1, name.get())}</legend>
            <div class="row-actions">
                <button type="button" id=format!("{base}-up") on:click=move |_| { if i > 0 { up(i - 1, "up") } }>
                    "Move up" <span class="visually-hidden">{move || format!(" category {}", name.get())}</span>
                </button>
                <button type="button" id=format!("{base}-down") on:click=move |_| down(i + 1, "down")>
                    "Move down" <span class="visually-hidden">{move || format!(" category {}", name.get())}</span>
                </button>
                <button type="button" id=format!("{base}-remove") class="danger" on:click=remove>
                    "Remove" <span class="visually-hidden">{move || format!(" category {}", name.get())}</span>
                </button>
            </div>
            {input(ed, id_path.clone(), "Id".into(), Kind::Text)}
            {checkbox(ed, at.key("required"), "Required (always on, never switchable)".into(), false)}
            {signals(ed, at.clone(), name)}
            <h3 class="sub">{move || format!("Services of {}", name.get())}</h3>
            {move || (0..ns.get()).map(|s| service(ed, services.clone(), s, ns)).collect_view()}
            <button type="button" id=format!("{base}-services-add") on:click=add_service>
                "Add a service" <span class="visually-hidden">{move || format!(" to {}", name.get())}</span>
            </button>
        </fieldset>
    }
    .into_any()
}

/// The seven Consent Mode v2 signals a category grants (the default mapping while none is set).
fn signals(ed: Editor, at: Path, name: Memo<String>) -> AnyView {
    let path = at.key("consent_mode");
    let explicit = Memo::new({
        let path = path.clone();
        move |_| ed.draft.with(|d| model::get(d, &path).is_some())
    });
    let granted = Memo::new({
        let path = path.clone();
        move |_| {
            ed.draft.with(|d| match model::get(d, &path) {
                Some(_) => model::strings(d, &path),
                None => ConsentSignal::default_for(&name.get()).iter().map(|s| s.as_str().to_owned()).collect(),
            })
        }
    });
    let error_id = format!("{}-error", path.id());
    let messages = Signal::derive({
        let text = path.text();
        move || ed.errors.with(|e| model::errors_at(e, &text, true))
    });
    let described = error_id.clone();
    view! {
        <fieldset class="signals"
            class:invalid=move || !messages.with(Vec::is_empty)
            aria-describedby=move || (!messages.with(Vec::is_empty)).then(|| described.clone())>
            <legend>"Consent Mode signals it grants"</legend>
            <p class="note">{move || if explicit.get() { "Set for this category.".to_owned() } else { format!("The default mapping for `{}`; a change sets them for this category.", name.get()) }}</p>
            {ConsentSignal::ALL
                .iter()
                .map(|signal| {
                    let signal = signal.as_str();
                    let id = format!("{}-{signal}", path.id());
                    let path = path.clone();
                    view! {
                        <div class="field check">
                            <input id=id.clone() type="checkbox"
                                prop:checked=move || granted.with(|g| g.iter().any(|s| s == signal))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let mut list = granted.get_untracked();
                                    list.retain(|s| s != signal);
                                    if on {
                                        list.push(signal.to_owned());
                                    }
                                    let order = |s: &String| ConsentSignal::ALL.iter().position(|a| a.as_str() == s);
                                    list.sort_by_key(order);
                                    ed.edit(|d| model::set(d, &path, Some(Value::Array(list.into_iter().map(Value::String).collect()))));
                                } />
                            <label for=id><code>{signal}</code></label>
                        </div>
                    }
                })
                .collect_view()}
            {move || {
                let list = messages.get();
                (!list.is_empty()).then(|| view! { <ul class="field-errors" id=error_id.clone()>{list.into_iter().map(|m| view! { <li>"Error: " {m}</li> }).collect_view()}</ul> })
            }}
        </fieldset>
    }
    .into_any()
}

fn service(ed: Editor, list: Path, s: usize, ns: Memo<usize>) -> AnyView {
    let at = list.index(s);
    let name = Memo::new({
        let at = at.clone();
        move |_| ed.draft.with(|d| model::text(d, &at.key("id")))
    });
    let remove = {
        let list = list.clone();
        move |_| {
            ed.edit(|d| model::set(d, &list.index(s), None));
            let _ = ns;
        }
    };
    let base = at.id();
    view! {
        <fieldset class="service" id=base.clone()>
            <legend>{move || format!("Service {}: {}", s + 1, name.get())}</legend>
            {input(ed, at.key("id"), "Id".into(), Kind::Text)}
            {localized(ed, at.key("name"), "Name".into(), Kind::Text)}
            {input(ed, at.key("provider"), "Provider".into(), Kind::Optional)}
            {localized(ed, at.key("description"), "Description".into(), Kind::Optional)}
            {cookies(ed, at.key("cookies"), name)}
            {storage_keys(ed, at.key("local_storage"), name)}
            <button type="button" id=format!("{base}-remove") class="danger" on:click=remove>
                "Remove" <span class="visually-hidden">{move || format!(" service {}", name.get())}</span>
            </button>
        </fieldset>
    }
    .into_any()
}

/// Name-or-pattern: which of the two members a cookie or storage key uses, and its input.
fn match_field(ed: Editor, at: Path, what: &'static str) -> AnyView {
    let by = Memo::new({
        let at = at.clone();
        move |_| ed.draft.with(|d| if model::get(d, &at.key("pattern")).is_some() { "pattern" } else { "name" })
    });
    let select_id = format!("{}-match", at.id());
    let switch = {
        let at = at.clone();
        move |ev: leptos::ev::Event| {
            let to = event_target_value(&ev);
            let from = if to == "pattern" { "name" } else { "pattern" };
            ed.edit(|d| {
                let text = model::get(d, &at.key(from)).cloned().unwrap_or(Value::String(String::new()));
                model::set(d, &at.key(from), None);
                model::set(d, &at.key(&to), Some(text));
            });
        }
    };
    let row_errors = Signal::derive({
        let text = at.text();
        move || ed.errors.with(|e| model::errors_at(e, &text, false))
    });
    view! {
        <div class="field">
            <label for=select_id.clone()>{format!("{what} matched by")}</label>
            <select id=select_id on:change=switch>
                <option value="name" selected=move || by.get() == "name">"exact name"</option>
                <option value="pattern" selected=move || by.get() == "pattern">"pattern (regular expression)"</option>
            </select>
        </div>
        {move || input(ed, at.key(by.get()), format!("{what} {}", if by.get() == "name" { "name" } else { "pattern" }), Kind::Text)}
        {move || {
            let list = row_errors.get();
            (!list.is_empty()).then(|| view! { <ul class="field-errors">{list.into_iter().map(|m| view! { <li>"Error: " {m}</li> }).collect_view()}</ul> })
        }}
    }
    .into_any()
}

/// What a list of rows (a service's cookies, its storage keys) is called on the page.
struct RowWords {
    /// `Cookies of` + the service's id.
    legend: &'static str,
    class: &'static str,
    row_class: &'static str,
    /// `Remove cookie` + the row's number.
    remove: &'static str,
    /// `Add a cookie` (+ ` to ` the service's id, for screen readers).
    add: &'static str,
}

/// A list of rows in the draft at `list`: each row's fields (`fields`) and its remove button,
/// then an add button that appends `new_row()` and moves focus to the new row's name.
fn row_list(
    ed: Editor,
    list: Path,
    service: Memo<String>,
    words: RowWords,
    new_row: fn() -> Value,
    fields: fn(Editor, Path, usize) -> AnyView,
) -> AnyView {
    let (n, add) = growing(ed, &list, "name", move |_| new_row());
    let base = list.id();
    let RowWords { legend, class, row_class, remove: remove_words, add: add_words } = words;
    view! {
        <fieldset class=class>
            <legend>{move || format!("{legend} {}", service.get())}</legend>
            {move || {
                (0..n.get())
                    .map(|k| {
                        let at = list.index(k);
                        let remove = {
                            let list = list.clone();
                            move |_| ed.edit(|d| model::set(d, &list.index(k), None))
                        };
                        view! {
                            <div class=row_class id=at.id()>
                                {fields(ed, at.clone(), k)}
                                <button type="button" class="danger" id=format!("{}-remove", at.id()) on:click=remove>
                                    {format!("{remove_words} {}", k + 1)}
                                </button>
                            </div>
                        }
                    })
                    .collect_view()
            }}
            <button type="button" id=format!("{base}-add") on:click=add>
                {add_words} <span class="visually-hidden">{move || format!(" to {}", service.get())}</span>
            </button>
        </fieldset>
    }
    .into_any()
}

fn cookies(ed: Editor, list: Path, service: Memo<String>) -> AnyView {
    let words = RowWords { legend: "Cookies of", class: "cookies", row_class: "cookie", remove: "Remove cookie", add: "Add a cookie" };
    let new_row = || {
        object(vec![
            ("name", Value::String(String::new())),
            ("purpose", Value::String(String::new())),
            ("duration", Value::String("session".into())),
            ("party", Value::String("first".into())),
        ])
    };
    let fields = |ed: Editor, at: Path, k: usize| {
        view! {
            <p class="row-title">{format!("Cookie {}", k + 1)}</p>
            {match_field(ed, at.clone(), "Cookie")}
            {input(ed, at.key("provider"), "Set by (when not the service's provider)".into(), Kind::Optional)}
            {localized(ed, at.key("purpose"), "Purpose".into(), Kind::Text)}
            {input(ed, at.key("duration"), "Duration (session, or like 13 months)".into(), Kind::Text)}
            {select(ed, at.key("party"), "Party".into(), vec![("first".into(), "first party".into()), ("third".into(), "third party".into())], "first")}
        }
        .into_any()
    };
    row_list(ed, list, service, words, new_row, fields)
}

fn storage_keys(ed: Editor, list: Path, service: Memo<String>) -> AnyView {
    let words = RowWords {
        legend: "localStorage keys of",
        class: "storage-keys",
        row_class: "storage-key",
        remove: "Remove key",
        add: "Add a localStorage key",
    };
    let new_row = || object(vec![("name", Value::String(String::new()))]);
    let fields = |ed: Editor, at: Path, _: usize| match_field(ed, at, "Key");
    row_list(ed, list, service, words, new_row, fields)
}

/// The built-in texts of a language: `/crumb/i18n/<lang>.json`, key to text, in file order.
async fn builtin_texts(language: &str) -> Vec<(String, String)> {
    let answer = crate::api::call("GET", &format!("/crumb/i18n/{language}.json"), None).await;
    match answer.body {
        Value::Object(members) if answer.ok() => {
            members.into_iter().filter_map(|(k, v)| if let Value::String(s) = v { Some((k, s)) } else { None }).collect()
        }
        _ => Vec::new(),
    }
}

/// Texts per language: each built-in key with the built-in text as placeholder and an override,
/// the texts the site's own categories need, and the completeness of every offered language.
pub fn texts(ed: Editor) -> AnyView {
    let offered = Memo::new(move |_| ed.draft.with(model::offered));
    let chosen = RwSignal::new(ed.draft.with_untracked(model::fallback));
    let builtin: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let loaded_for = RwSignal::new(String::new());
    Effect::new(move |_| {
        let language = chosen.get();
        if !ed.online || loaded_for.get_untracked() == language {
            return;
        }
        loaded_for.set(language.clone());
        spawn_local(async move {
            let texts = builtin_texts(&language).await;
            if chosen.get_untracked() == language {
                builtin.set(texts);
            }
        });
    });
    // The site's own categories need their titles (and may have descriptions) in texts.
    let own_keys = Memo::new(move |_| {
        let list = Path::root().key("categories");
        ed.draft.with(|d| {
            (0..model::count(d, &list))
                .map(|c| model::text(d, &list.index(c).key("id")))
                .filter(|id| !id.is_empty() && !BUILTIN_CATEGORIES.contains(&id.as_str()))
                .flat_map(|id| [format!("category.{id}.title"), format!("category.{id}.description")])
                .collect::<Vec<_>>()
        })
    });
    let rows = move || {
        let language = chosen.get();
        let texts = Path::root().key("texts").key(&language);
        let mut keys: Vec<(String, String)> = own_keys.get().into_iter().map(|k| (k, String::new())).collect();
        keys.extend(builtin.get());
        keys.into_iter()
            .map(|(key, placeholder)| {
                let path = texts.key(&key);
                let label = if placeholder.is_empty() { format!("{key} (this site's own text)") } else { key.clone() };
                let cleanup = texts.clone();
                view! {
                    <div class="text-row" on:focusout=move |_| {
                        // An emptied language leaves no `texts.<lang>: {}` behind.
                        if ed.draft.with_untracked(|d| matches!(model::get(d, &cleanup), Some(Value::Object(m)) if m.is_empty())) {
                            ed.edit(|d| model::set(d, &cleanup, None));
                        }
                    }>
                        {input_with(ed, path, label, Kind::Optional, Signal::derive(move || placeholder.clone()), false)}
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section id="texts" aria-labelledby="texts-title">
            <h2 id="texts-title">"Texts"</h2>
            <div class="field">
                <label for="texts-language">"Language to edit"</label>
                <select id="texts-language" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {move || offered.get().into_iter().map(|l| {
                        let v = l.clone();
                        view! { <option value=l.clone() selected=move || chosen.get() == v>{format!("{} ({l})", crumb_core::native_name(&l))}</option> }
                    }).collect_view()}
                </select>
            </div>
            {completeness(ed)}
            <p class="note">"Leave a text empty to keep the built-in text shown as its placeholder."</p>
            <div class="texts-list">{rows}</div>
        </section>
    }
    .into_any()
}

/// Per offered language: the overrides it has and how many of the site's own texts are written in it.
pub fn completeness(ed: Editor) -> AnyView {
    let rows = Memo::new(move |_| ed.draft.with(model::completeness));
    view! {
        <table id="completeness" class="completeness">
            <caption>"Completeness per language"</caption>
            <thead>
                <tr>
                    <th scope="col">"Language"</th>
                    <th scope="col">"Built-in texts overridden"</th>
                    <th scope="col">"Site texts in this language"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>
                {move || rows.get().into_iter().map(|(language, overridden, written, total)| {
                    let missing = total - written;
                    let row_id = format!("completeness-{}", model::id_of(&language));
                    view! {
                        <tr id=row_id>
                            <th scope="row">{language}</th>
                            <td class="overridden">{overridden}</td>
                            <td class="site-texts">{format!("{written} of {total}")}</td>
                            <td class="status">{if missing == 0 { "Complete".to_owned() } else { format!("Missing {missing}") }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
