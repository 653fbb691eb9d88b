//! What publishing a changed config means for the consents already given: whether every visitor
//! must be asked again ([`assess`], [`next_revision`]), and what changed, field by field ([`diff`]).
//! crumb-server decides a hosted config's `revision` with it when a marketer publishes, and the
//! configurator shows the same words before the marketer confirms.
//!
//! The rule: a consent covers the choices the shopper was offered and what each granted choice
//! lets the site do. A change asks everyone again when it changes the choices (an optional
//! category added or removed, a category made required or optional) or widens what a choice
//! covers (a service, cookie or storage key added to an optional category, a cookie kept longer
//! or handed to third parties, another provider, a Consent Mode signal added, Global Privacy
//! Control no longer honoured). Narrowing (a service, cookie or signal removed, a shorter
//! lifetime) and words (texts, names, purposes, descriptions, theme, layout, languages) do not:
//! a typo fix never re-prompts a shop's visitors.

use crate::config::{Category, Config, CookieDuration, DurationUnit, Party, Service};
use crate::json::{self, ToJson, Value};

/// One change between a published config and the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where, as a path into the new config (into the old one for what was removed).
    pub path: String,
    /// What changed, in plain words for a marketer (`category \`ads\` added`).
    pub what: String,
    /// Whether this change alone asks every visitor again.
    pub renew: bool,
}

/// What publishing a config over the published one means.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Whether every visitor must be asked again (the revision goes up).
    pub renew: bool,
    /// The changes that matter for consent, those that ask again first.
    pub changes: Vec<Change>,
}

impl Assessment {
    /// One sentence for the publish dialog.
    pub fn summary(&self) -> String {
        if self.renew {
            let reasons: Vec<&str> = self.changes.iter().filter(|c| c.renew).map(|c| c.what.as_str()).collect();
            format!("Every visitor will be asked again: {}.", reasons.join("; "))
        } else {
            "No visitor is asked again: their consent still covers everything this version does.".to_owned()
        }
    }
}

impl ToJson for Change {
    fn to_value(&self) -> Value {
        json::object(vec![("path", self.path.to_value()), ("what", self.what.to_value()), ("renew", self.renew.to_value())])
    }
}

impl ToJson for Assessment {
    fn to_value(&self) -> Value {
        json::object(vec![("renew", self.renew.to_value()), ("summary", self.summary().to_value()), ("changes", self.changes.to_value())])
    }
}

/// Compares the `published` config with the `draft` about to replace it.
pub fn assess(published: &Config, draft: &Config) -> Assessment {
    let mut changes = Vec::new();
    for (index, before) in published.categories.iter().enumerate() {
        if draft.category(&before.id).is_none() {
            changes.push(Change {
                path: format!("categories[{index}]"),
                what: format!("category `{}` removed", before.id),
                renew: !before.required,
            });
        }
    }
    for (index, after) in draft.categories.iter().enumerate() {
        let at = format!("categories[{index}]");
        match published.category(&after.id) {
            None => changes.push(Change { what: format!("category `{}` added", after.id), renew: !after.required, path: at }),
            Some(before) => compare_category(before, after, published.honor_gpc, &at, &mut changes),
        }
    }
    if published.gpc_applies() && !draft.honor_gpc {
        changes.push(Change { path: "honor_gpc".to_owned(), what: "Global Privacy Control no longer honoured".to_owned(), renew: true });
    }
    if draft.expiry_days != published.expiry_days {
        changes.push(Change {
            path: "expiry_days".to_owned(),
            what: format!("new consents last {} days instead of {}", draft.expiry_days, published.expiry_days),
            renew: false,
        });
    }
    changes.sort_by_key(|c| !c.renew);
    Assessment { renew: changes.iter().any(|c| c.renew), changes }
}

/// The `revision` a publish gets: the published one, one higher when [`assess`] says every visitor
/// must be asked again or the marketer asks for it (`ask_again`); the draft's own (at least 1)
/// for a site's first version. Revisions never go down, so a rollback asks again when it needs to.
pub fn next_revision(published: Option<&Config>, draft: &Config, ask_again: bool) -> u32 {
    match published {
        None => draft.revision.max(1),
        Some(published) if ask_again || assess(published, draft).renew => published.revision.saturating_add(1),
        Some(published) => published.revision,
    }
}

fn compare_category(before: &Category, after: &Category, honor_gpc: bool, at: &str, changes: &mut Vec<Change>) {
    let id = &after.id;
    if before.required != after.required {
        let what = if after.required { format!("category `{id}` is now always on") } else { format!("category `{id}` now needs consent") };
        changes.push(Change { path: format!("{at}.required"), what, renew: true });
    }
    // What a required category covers needs no consent: its changes are for the record only.
    let optional = !after.required && !before.required;
    let signals_before = before.consent_mode.clone().unwrap_or_else(|| crate::Signal::default_for(&before.id).to_vec());
    let signals_after = after.consent_mode.clone().unwrap_or_else(|| crate::Signal::default_for(&after.id).to_vec());
    for signal in signals_after.iter().filter(|s| !signals_before.contains(s)) {
        changes.push(Change {
            path: format!("{at}.consent_mode"),
            what: format!("category `{id}` now grants Consent Mode `{}`", signal.as_str()),
            renew: optional,
        });
    }
    for signal in signals_before.iter().filter(|s| !signals_after.contains(s)) {
        changes.push(Change {
            path: format!("{at}.consent_mode"),
            what: format!("category `{id}` no longer grants Consent Mode `{}`", signal.as_str()),
            renew: false,
        });
    }
    if honor_gpc && before.is_sale_or_share() && !after.is_sale_or_share() {
        changes.push(Change {
            path: format!("{at}.sale_or_share"),
            what: format!("Global Privacy Control no longer denies category `{id}`"),
            renew: optional,
        });
    }
    for (index, service) in before.services.iter().enumerate() {
        if !after.services.iter().any(|s| s.id == service.id) {
            changes.push(Change {
                path: format!("{at}.services[{index}]"),
                what: format!("service `{}` removed from `{id}`", service.id),
                renew: false,
            });
        }
    }
    for (index, service) in after.services.iter().enumerate() {
        let path = format!("{at}.services[{index}]");
        match before.services.iter().find(|s| s.id == service.id) {
            None => changes.push(Change { path, what: format!("service `{}` added to `{id}`", service.id), renew: optional }),
            Some(old) => compare_service(old, service, optional, &path, changes),
        }
    }
}

fn compare_service(before: &Service, after: &Service, optional: bool, at: &str, changes: &mut Vec<Change>) {
    let id = &after.id;
    if before.provider != after.provider {
        changes.push(Change {
            path: format!("{at}.provider"),
            what: format!("service `{id}` is now run by {}", after.provider.as_deref().unwrap_or("the site")),
            renew: optional && after.provider.is_some(),
        });
    }
    for (index, cookie) in after.cookies.iter().enumerate() {
        let path = format!("{at}.cookies[{index}]");
        let Some(old) = before.cookies.iter().find(|c| c.name == cookie.name && c.pattern == cookie.pattern) else {
            changes.push(Change { path, what: format!("cookie `{}` added to `{id}`", cookie.label()), renew: optional });
            continue;
        };
        if cookie.duration != old.duration {
            changes.push(Change {
                path: format!("{path}.duration"),
                what: format!("cookie `{}` now lasts {} instead of {}", cookie.label(), cookie.duration, old.duration),
                renew: optional && lifetime_seconds(cookie.duration) > lifetime_seconds(old.duration),
            });
        }
        if old.party == Party::First && cookie.party == Party::Third {
            changes.push(Change {
                path: format!("{path}.party"),
                what: format!("cookie `{}` is now read by a third party", cookie.label()),
                renew: optional,
            });
        }
        if cookie.provider.is_some() && cookie.provider != old.provider {
            changes.push(Change {
                path: format!("{path}.provider"),
                what: format!("cookie `{}` is now set by {}", cookie.label(), cookie.provider.as_deref().unwrap_or("")),
                renew: optional,
            });
        }
    }
    for (index, cookie) in before.cookies.iter().enumerate() {
        if !after.cookies.iter().any(|c| c.name == cookie.name && c.pattern == cookie.pattern) {
            changes.push(Change {
                path: format!("{at}.cookies[{index}]"),
                what: format!("cookie `{}` removed from `{id}`", cookie.label()),
                renew: false,
            });
        }
    }
    for (index, key) in after.local_storage.iter().enumerate() {
        if !before.local_storage.contains(key) {
            let label = key.name.as_deref().or(key.pattern.as_deref()).unwrap_or("");
            changes.push(Change {
                path: format!("{at}.local_storage[{index}]"),
                what: format!("storage key `{label}` added to `{id}`"),
                renew: optional,
            });
        }
    }
}

/// A cookie's lifetime in seconds, for comparing two (a month as 31 days, a year as 366: the
/// longest each can be).
fn lifetime_seconds(duration: CookieDuration) -> u64 {
    match duration {
        CookieDuration::Session => 0,
        CookieDuration::Span(count, unit) => {
            let seconds: u64 = match unit {
                DurationUnit::Second => 1,
                DurationUnit::Minute => 60,
                DurationUnit::Hour => 3_600,
                DurationUnit::Day => 86_400,
                DurationUnit::Week => 604_800,
                DurationUnit::Month => 31 * 86_400,
                DurationUnit::Year => 366 * 86_400,
            };
            u64::from(count) * seconds
        }
    }
}

/// One difference between two JSON values.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where (`categories[1].services[0].name`); into `after`, or into `before` for what was removed.
    pub path: String,
    /// The old value; `None` when it was added.
    pub before: Option<Value>,
    /// The new value; `None` when it was removed.
    pub after: Option<Value>,
}

impl ToJson for Difference {
    fn to_value(&self) -> Value {
        json::object(vec![("path", self.path.to_value()), ("before", self.before.to_value()), ("after", self.after.to_value())])
    }
}

/// Every difference between two configs (or any JSON values), leaf by leaf. Objects are compared
/// member by member; arrays of objects that all have a string `id` (categories, services) are
/// matched by id, so moving a category shows as one change of the order, not as every category
/// changed; other arrays are compared item by item.
pub fn diff(before: &Value, after: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_at(String::new(), before, after, &mut out);
    out
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn ids(items: &[Value]) -> Option<Vec<&str>> {
    items
        .iter()
        .map(|item| match item.get("id") {
            Some(Value::String(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

fn diff_at(at: String, before: &Value, after: &Value, out: &mut Vec<Difference>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, value) in old {
                match new.iter().find(|(k, _)| k == key) {
                    Some((_, other)) => diff_at(join(&at, key), value, other, out),
                    None => out.push(Difference { path: join(&at, key), before: Some(value.clone()), after: None }),
                }
            }
            for (key, value) in new.iter().filter(|(k, _)| !old.iter().any(|(o, _)| o == k)) {
                out.push(Difference { path: join(&at, key), before: None, after: Some(value.clone()) });
            }
        }
        (Value::Array(old), Value::Array(new)) => match (ids(old), ids(new)) {
            (Some(old_ids), Some(new_ids)) => {
                for (index, item) in old.iter().enumerate() {
                    if !new_ids.contains(&old_ids[index]) {
                        out.push(Difference { path: format!("{at}[{index}]"), before: Some(item.clone()), after: None });
                    }
                }
                for (index, item) in new.iter().enumerate() {
                    let path = format!("{at}[{index}]");
                    match old_ids.iter().position(|id| *id == new_ids[index]) {
                        Some(position) => diff_at(path, &old[position], item, out),
                        None => out.push(Difference { path, before: None, after: Some(item.clone()) }),
                    }
                }
                let kept_old: Vec<&str> = old_ids.iter().copied().filter(|id| new_ids.contains(id)).collect();
                let kept_new: Vec<&str> = new_ids.iter().copied().filter(|id| old_ids.contains(id)).collect();
                if kept_old != kept_new {
                    let order = |ids: Vec<&str>| Value::Array(ids.into_iter().map(|id| Value::String(id.to_owned())).collect());
                    out.push(Difference { path: format!("{at} (order)"), before: Some(order(kept_old)), after: Some(order(kept_new)) });
                }
            }
            _ => {
                for index in 0..old.len().max(new.len()) {
                    let path = format!("{at}[{index}]");
                    match (old.get(index), new.get(index)) {
                        (Some(a), Some(b)) => diff_at(path, a, b, out),
                        (Some(a), None) => out.push(Difference { path, before: Some(a.clone()), after: None }),
                        (None, Some(b)) => out.push(Difference { path, before: None, after: Some(b.clone()) }),
                        (None, None) => {}
                    }
                }
            }
        },
        (a, b) if a == b => {}
        (a, b) => {
            out.push(Difference { path: if at.is_empty() { ".".to_owned() } else { at }, before: Some(a.clone()), after: Some(b.clone()) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::config_from_value;

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn config(text: &str) -> Config {
        config_from_value(value(text)).unwrap()
    }

    const SHOP: &str = r#"{
        "site": "shop", "revision": 3,
        "categories": [
            {"id": "necessary", "required": true, "services": [
                {"id": "session", "name": "Session", "cookies": [{"name": "sid", "purpose": "Keeps the cart", "duration": "session", "party": "first"}]}
            ]},
            {"id": "analytics", "services": [
                {"id": "ga4", "name": "Google Analytics", "provider": "Google", "cookies": [
                    {"pattern": "^_ga", "purpose": "Counts visits", "duration": "13 months", "party": "first"}
                ]}
            ]},
            {"id": "marketing", "services": [
                {"id": "ads", "name": "Ads", "provider": "Google", "cookies": [{"name": "IDE", "purpose": "Ads", "duration": "1 year", "party": "third"}]}
            ]}
        ]
    }"#;

    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Config {
        let mut json: serde_json::Value = serde_json::from_str(SHOP).unwrap();
        edit(&mut json);
        config(&json.to_string())
    }

    fn renews(edit: impl FnOnce(&mut serde_json::Value)) -> Assessment {
        assess(&config(SHOP), &edited(edit))
    }

    #[test]
    fn words_never_ask_again() {
        let assessment = renews(|c| {
            c["categories"][1]["services"][0]["name"] = "Google Analytics 4".into();
            c["categories"][1]["services"][0]["cookies"][0]["purpose"] = "Counts visits (fixed a typo)".into();
            c["texts"] = serde_json::json!({"en": {"banner.title": "Cookies?"}});
            c["theme"] = serde_json::json!({"accent": "#005500"});
        });
        assert!(!assessment.renew, "{assessment:?}");
        assert!(assessment.summary().starts_with("No visitor is asked again"));
        assert_eq!(next_revision(Some(&config(SHOP)), &edited(|_| {}), false), 3);
    }

    #[test]
    fn an_optional_category_added_or_removed_asks_again() {
        let added = renews(|c| c["categories"].as_array_mut().unwrap().push(serde_json::json!({"id": "preferences"})));
        assert!(added.renew);
        assert_eq!(added.changes[0].what, "category `preferences` added");
        assert_eq!(added.changes[0].path, "categories[3]");
        let removed = renews(|c| {
            c["categories"].as_array_mut().unwrap().remove(2);
        });
        assert!(removed.renew);
        assert_eq!(removed.changes[0].what, "category `marketing` removed");
        assert_eq!(removed.summary(), "Every visitor will be asked again: category `marketing` removed.");
        assert_eq!(next_revision(Some(&config(SHOP)), &edited(|_| {}), true), 4, "ask_again forces it");
    }

    #[test]
    fn widening_a_granted_choice_asks_again_narrowing_does_not() {
        let widened = [
            renews(|c| c["categories"][0]["required"] = false.into()),
            renews(|c| c["categories"][1]["required"] = true.into()),
            renews(|c| c["categories"][1]["services"].as_array_mut().unwrap().push(serde_json::json!({"id": "hotjar", "name": "Hotjar"}))),
            renews(|c| {
                c["categories"][1]["services"][0]["cookies"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({"name": "_gid", "purpose": "Counts", "duration": "1 day", "party": "first"}))
            }),
            renews(|c| c["categories"][1]["services"][0]["cookies"][0]["duration"] = "2 years".into()),
            renews(|c| c["categories"][1]["services"][0]["cookies"][0]["party"] = "third".into()),
            renews(|c| c["categories"][1]["services"][0]["provider"] = "Someone Else".into()),
            renews(|c| c["categories"][1]["consent_mode"] = serde_json::json!(["analytics_storage", "ad_storage"])),
            renews(|c| c["categories"][2]["sale_or_share"] = false.into()),
            renews(|c| c["honor_gpc"] = false.into()),
            renews(|c| c["categories"][1]["services"][0]["local_storage"] = serde_json::json!([{"name": "ga_cache"}])),
        ];
        for (index, assessment) in widened.iter().enumerate() {
            assert!(assessment.renew, "case {index}: {assessment:?}");
        }
        let narrowed = [
            renews(|c| {
                c["categories"][1]["services"].as_array_mut().unwrap().clear();
            }),
            renews(|c| {
                c["categories"][2]["services"][0]["cookies"].as_array_mut().unwrap().clear();
            }),
            renews(|c| c["categories"][1]["services"][0]["cookies"][0]["duration"] = "1 month".into()),
            renews(|c| c["categories"][1]["consent_mode"] = serde_json::json!([])),
            renews(|c| {
                c["categories"][0]["services"][0]["cookies"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({"name": "csrf", "purpose": "Security", "duration": "session", "party": "first"}))
            }),
            renews(|c| c["expiry_days"] = 365.into()),
        ];
        for (index, assessment) in narrowed.iter().enumerate() {
            assert!(!assessment.renew, "case {index}: {assessment:?}");
            assert!(!assessment.changes.is_empty(), "case {index}: still listed");
        }
    }

    #[test]
    fn revisions_never_go_down() {
        let first = edited(|c| c["revision"] = 7.into());
        assert_eq!(next_revision(None, &first, false), 7);
        assert_eq!(next_revision(None, &edited(|c| c["revision"] = 0.into()), false), 1);
        // A rollback to an older version that had a category the latest removed asks again.
        let latest = edited(|c| {
            c["categories"].as_array_mut().unwrap().remove(2);
            c["revision"] = 4.into();
        });
        assert_eq!(next_revision(Some(&latest), &config(SHOP), false), 5);
    }

    #[test]
    fn diff_matches_by_id_and_names_paths() {
        let before = value(SHOP);
        let mut moved: serde_json::Value = serde_json::from_str(SHOP).unwrap();
        let categories = moved["categories"].as_array_mut().unwrap();
        categories.swap(1, 2);
        moved["categories"][2]["services"][0]["name"] = "GA".into();
        moved["policy_url"] = "/privacy".into();
        let after: Value = serde_json::from_str(&moved.to_string()).unwrap();
        let differences = diff(&before, &after);
        let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["categories[2].services[0].name", "categories (order)", "policy_url"]);
        assert_eq!(differences[0].before, Some(Value::String("Google Analytics".into())));
        assert_eq!(differences[2].before, None);
        assert!(diff(&before, &before).is_empty());
        let text = differences[2].to_value().to_json();
        assert_eq!(text, r#"{"path":"policy_url","before":null,"after":"/privacy"}"#);
    }
}
