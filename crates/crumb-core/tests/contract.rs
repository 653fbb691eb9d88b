//! The JavaScript side's contract, kept true against Rust.
//!
//! - `www/crumb.d.ts`: the methods and properties of `CrumbApi` are `contract::API_METHODS` and
//!   `contract::API_PROPERTIES`, its events are `contract::EVENTS`, and the properties of
//!   `CrumbConsent` and `CrumbDiff` are the JSON keys of the Rust `Consent` and `Diff`.
//! - `www/loader.js`: its Consent Mode defaults are the seven `Signal`s, its stub's actions and
//!   questions are the contract's.
//! - `www/crumb-config.schema.json`: every config in the repository is valid against it and
//!   accepted by `parse_config`; its properties at every level are exactly the fields the Rust
//!   types have; its defaults are Rust's; a wrong type, a missing required field or an unknown
//!   field is refused by both.
//! - The widget's sources (`src/`) spell every name of the contract, and README.md or `docs/`
//!   document every method and event.
//!
//! The TypeScript and JavaScript are read with plain string handling (they are small and written
//! to be read so); the schema with the small JSON Schema validator at the end of this file, which
//! knows exactly the keywords the schema uses and refuses any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crumb_core::contract::{
    consent_mode_signal_names, short_event_name, API_ACTIONS, API_GLOBALS, API_METHODS, API_PROPERTIES, API_QUESTIONS, API_SUBSCRIBE,
    EVENTS, EVENT_PREFIX, READY_UNCONFIGURED,
};
use crumb_core::ids::DATALAYER_EVENT;
use crumb_core::texts::{TextKey, BUILTIN_LANGUAGES};
use crumb_core::{is_id, is_site_id, parse_config, Action, Consent, Diff};
use serde_json::{json, Value};

const DTS: &str = include_str!("../../../www/crumb.d.ts");
const LOADER: &str = include_str!("../../../www/loader.js");
const SCHEMA: &str = include_str!("../../../www/crumb-config.schema.json");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

// ---------------------------------------------------------------------------------------------
// crumb.d.ts

/// The text with `/* … */` and `// …` comments removed (string literals kept whole).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        out.extend(chars.next());
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
                out.push(' ');
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// What is between the braces that follow `header` (which must occur once).
fn block_after<'a>(text: &'a str, header: &str) -> &'a str {
    assert_eq!(text.matches(header).count(), 1, "`{header}` should occur exactly once");
    let start = text.find(header).unwrap() + header.len();
    let open = start + text[start..].find('{').unwrap();
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("`{header}` has no closing brace")
}

/// Splits at `separator` where no (), [] or {} is open.
fn split_top(text: &str, separator: char) -> Vec<&str> {
    let (mut parts, mut depth, mut from) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[from..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// A TypeScript interface member or object-literal entry: its name (quotes removed) and whether
/// it is a method (`name(…)`, `name<…>(…)`) rather than a property (`name: …`).
fn member(text: &str) -> (String, bool) {
    let text = text.trim().strip_prefix("readonly ").unwrap_or(text.trim());
    if let Some(quoted) = text.strip_prefix('"') {
        let end = quoted.find('"').unwrap();
        return (quoted[..end].to_owned(), false);
    }
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(text.len());
    let rest = text[end..].trim_start().trim_start_matches('?').trim_start();
    (text[..end].to_owned(), rest.starts_with('(') || rest.starts_with('<'))
}

/// The members of `interface <name>` in crumb.d.ts: name → is a method.
fn interface(name: &str) -> BTreeMap<String, bool> {
    let dts = strip_comments(DTS);
    let header = format!("interface {name} ");
    split_top(block_after(&dts, &header), ';').into_iter().map(member).collect()
}

/// The members of an interface as `name: type` text.
fn interface_types(name: &str) -> BTreeMap<String, String> {
    let dts = strip_comments(DTS);
    split_top(block_after(&dts, &format!("interface {name} ")), ';')
        .into_iter()
        .map(|m| {
            // The colon after the name (a quoted name may hold one: `"crumb:ready"`).
            let from = m.strip_prefix('"').map_or(0, |quoted| quoted.find('"').unwrap() + 2);
            let colon = from + m[from..].find(':').unwrap();
            (member(&m[..colon]).0, m[colon + 1..].trim().to_owned())
        })
        .collect()
}

/// The members of `type <name> = a | b | …;`, quotes removed.
fn union(name: &str) -> BTreeSet<String> {
    let dts = strip_comments(DTS);
    let header = format!("type {name} = ");
    assert_eq!(dts.matches(&header).count(), 1, "`{header}`");
    let start = dts.find(&header).unwrap() + header.len();
    let end = start + dts[start..].find(';').unwrap();
    dts[start..end].split('|').map(|t| t.trim().trim_matches('"').to_owned()).collect()
}

#[test]
fn the_declared_api_is_the_contract() {
    let api = interface("CrumbApi");
    let methods: BTreeSet<String> = api.iter().filter(|m| *m.1).map(|m| m.0.clone()).collect();
    let properties: BTreeSet<String> = api.iter().filter(|m| !*m.1).map(|m| m.0.clone()).collect();
    assert_eq!(methods, set(API_METHODS.iter().copied()), "crumb.d.ts `CrumbApi` methods vs contract::API_METHODS");
    assert_eq!(properties, set(API_PROPERTIES.iter().copied()), "crumb.d.ts `CrumbApi` properties vs contract::API_PROPERTIES");
    let window = interface("Window");
    for global in API_GLOBALS {
        assert!(window.contains_key(*global), "crumb.d.ts declares no window.{global}");
    }
}

#[test]
fn the_declared_events_are_the_contract() {
    let declared: BTreeSet<String> = interface("CrumbEventMap").into_keys().collect();
    assert_eq!(declared, set(EVENTS.iter().copied()), "CrumbEventMap");
    let short = set(EVENTS.iter().map(|e| short_event_name(e)));
    assert_eq!(union("CrumbEventName"), short, "CrumbEventName");
    let details: BTreeSet<String> = interface("CrumbEventDetail").into_keys().collect();
    assert_eq!(details, short, "CrumbEventDetail");
    assert_eq!(union("CrumbReadyDetail"), set(["true", READY_UNCONFIGURED]), "crumb:ready's detail");
    let types = interface_types("CrumbEventMap");
    assert_eq!(types["crumb:consent"], "CustomEvent<CrumbConsent>");
    assert_eq!(types["crumb:change"], "CustomEvent<CrumbDiff>");
    assert_eq!(types["crumb:ready"], "CustomEvent<CrumbReadyDetail>");
}

fn sample_consent() -> Consent {
    Consent {
        v: crumb_core::consent::STORED_VERSION,
        id: "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
        categories: [("analytics".to_owned(), true)].into(),
        services: [("ga4".to_owned(), true)].into(),
        revision: 3,
        given_at: 1_795_324_003_123,
        updated_at: 1_795_324_003_123,
        expires_at: 1_811_048_803_123,
        language: "en".into(),
    }
}

#[test]
fn the_declared_consent_and_diff_are_the_rust_json() {
    let consent = serde_json::to_value(sample_consent()).unwrap();
    let declared: BTreeSet<String> = interface("CrumbConsent").into_keys().collect();
    assert_eq!(declared, keys(&consent), "CrumbConsent vs Consent's JSON");
    assert_eq!(
        interface_types("CrumbConsent")["v"],
        crumb_core::consent::STORED_VERSION.to_string(),
        "CrumbConsent.v is the stored version"
    );
    let diff = serde_json::to_value(Diff::default()).unwrap();
    let declared: BTreeSet<String> = interface("CrumbDiff").into_keys().collect();
    assert_eq!(declared, keys(&diff), "CrumbDiff vs Diff's JSON");

    let actions = [Action::AcceptAll, Action::RejectAll, Action::Custom, Action::Withdraw];
    let rust: BTreeSet<String> = actions.iter().map(|a| serde_json::to_value(a).unwrap().as_str().unwrap().to_owned()).collect();
    assert_eq!(union("CrumbAction"), rust, "CrumbAction vs Action");
    assert_eq!(interface_types("CrumbDataLayerEvent")["event"], format!("\"{DATALAYER_EVENT}\""), "the dataLayer event name");
}

#[test]
fn the_declaration_reader_reads_typescript() {
    let (name, method) = member("on<E extends X>(event: E): () => void");
    assert_eq!((name.as_str(), method), ("on", true));
    assert_eq!(member("readonly version?: string"), ("version".into(), false));
    assert_eq!(member("\"crumb:ready\": CustomEvent<true>"), ("crumb:ready".into(), false));
    assert_eq!(strip_comments("a /* b */ c // d\ne \"//\""), "a   c \ne \"//\"");
    assert_eq!(split_top("a(b; c); d", ';'), ["a(b; c)", "d"]);
}

// ---------------------------------------------------------------------------------------------
// loader.js

/// The string literals of the array literal after `header` (`var actions = [`).
fn array_literal(js: &str, header: &str) -> Vec<String> {
    let start = js.find(header).unwrap_or_else(|| panic!("loader.js has no `{header}`: update tests/contract.rs")) + header.len();
    let end = start + js[start..].find(']').unwrap();
    js[start..end].split(',').map(|s| s.trim().trim_matches('"').to_owned()).filter(|s| !s.is_empty()).collect()
}

/// The entries of the object literal after `header` (`var defaults =`): key → value text.
fn object_literal(js: &str, header: &str) -> BTreeMap<String, String> {
    assert!(js.contains(header), "loader.js has no `{header}`: update tests/contract.rs");
    split_top(block_after(js, header), ',')
        .into_iter()
        .map(|entry| {
            let (key, value) = entry.split_once(':').unwrap();
            (member(key).0, value.trim().to_owned())
        })
        .collect()
}

#[test]
fn the_loader_denies_exactly_the_seven_signals() {
    let js = strip_comments(LOADER);
    let defaults = object_literal(&js, "var defaults =");
    let denied: BTreeSet<String> =
        defaults.iter().filter(|(_, value)| value.as_str() == "\"denied\"").map(|(key, _)| key.clone()).collect();
    assert_eq!(denied, set(consent_mode_signal_names()), "loader.js Consent Mode defaults vs Signal::ALL");
    let others: BTreeSet<&str> = defaults.keys().map(String::as_str).filter(|k| !denied.contains(*k)).collect();
    assert_eq!(others, BTreeSet::from(["wait_for_update"]), "loader.js defaults has a key that is no signal");
}

#[test]
fn the_loader_stub_has_the_api_methods() {
    let js = strip_comments(LOADER);
    let actions = array_literal(&js, "var actions = [");
    assert_eq!(actions, API_ACTIONS, "loader.js queued actions vs contract::API_ACTIONS");
    assert!(
        js.contains("stub[actions[a]] = queued(actions[a])"),
        "loader.js no longer installs the queued actions on its stub as the test expects"
    );
    let stub = object_literal(&js, "var stub =");
    let literal = |v: &str| matches!(v, "true" | "false" | "null") || v.starts_with('"');
    let properties: BTreeSet<&str> = stub.iter().filter(|(_, v)| literal(v)).map(|(k, _)| k.as_str()).collect();
    let functions: BTreeSet<&str> = stub.iter().filter(|(_, v)| !literal(v)).map(|(k, _)| k.as_str()).collect();
    let mut questions = set(API_QUESTIONS.iter().copied());
    questions.insert(API_SUBSCRIBE.to_owned());
    assert_eq!(set(functions.iter().copied()), questions, "loader.js stub's answering methods vs contract::API_QUESTIONS + on");
    assert_eq!(stub["ready"], "false", "the stub says it is not ready");
    let all: BTreeSet<String> = functions.iter().copied().chain(actions.iter().map(String::as_str)).map(str::to_owned).collect();
    assert_eq!(all, set(API_METHODS.iter().copied()), "loader.js stub's methods vs contract::API_METHODS");
    assert!(properties.iter().all(|p| API_PROPERTIES.contains(p)), "{properties:?}");
    assert!(js.contains(&format!("\"{EVENT_PREFIX}\" + name")), "loader.js's `on` listens to `{EVENT_PREFIX}<name>`");
    for global in API_GLOBALS {
        assert!(js.contains(&format!("\"{global}\"")), "loader.js never names {global}");
    }
}

// ---------------------------------------------------------------------------------------------
// The widget and the docs

/// The text of every file under `dir` (relative to the repository) whose name ends in `suffix`.
fn texts_under(dir: &str, suffix: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, suffix: &str, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                walk(&path, suffix, out);
            } else if path.to_string_lossy().ends_with(suffix) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join(dir), suffix, &mut out);
    out
}

#[test]
fn the_widget_installs_every_name_of_the_contract() {
    // The widget's API is built by name (`Reflect::set(&api, "show", …)`): each name must be
    // spelled, quoted, somewhere in the widget's sources.
    let sources = texts_under("src", ".rs");
    assert!(!sources.is_empty(), "no widget sources found");
    for name in API_METHODS.iter().chain(API_PROPERTIES) {
        let quoted = format!("\"{name}\"");
        assert!(sources.iter().any(|(_, text)| text.contains(&quoted)), "the widget (src/) never installs `{name}`");
    }
    for event in EVENTS {
        let quoted = format!("\"{}\"", short_event_name(event));
        assert!(sources.iter().any(|(_, text)| text.contains(&quoted)), "the widget (src/) never sends `{event}`");
    }
}

#[test]
fn the_docs_name_every_method_and_event() {
    let mut docs = texts_under("docs", ".md");
    docs.push(("README.md".into(), std::fs::read_to_string(repo().join("README.md")).unwrap()));
    let documented = |needle: &str| docs.iter().any(|(_, text)| text.contains(needle));
    for name in API_METHODS {
        assert!(documented(&format!("{name}(")), "neither README.md nor docs/ documents `Crumb.{name}(…)`");
    }
    for name in API_PROPERTIES.iter().chain(EVENTS) {
        assert!(documented(name), "neither README.md nor docs/ names `{name}`");
    }
}

// ---------------------------------------------------------------------------------------------
// crumb-config.schema.json

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("the schema is JSON")
}

/// Every config in the repository: the inline `#crumb-config` of each HTML page (the demo shop
/// and `www/demo/**`), and every `.json` under `www/` (but `www/i18n/`) and `tests/`.
fn repo_configs() -> Vec<(String, Value)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = repo();
    let mut files = vec![root.join("index.html")];
    walk(&root.join("www"), &mut files);
    walk(&root.join("tests"), &mut files);
    walk(&root.join("crates/crumb-core/tests"), &mut files);
    let mut configs = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let text = || std::fs::read_to_string(&file).unwrap();
        match file.extension().and_then(|e| e.to_str()) {
            Some("html") => {
                let html = text();
                let marker = r#"id="crumb-config">"#;
                if let Some(at) = html.find(marker) {
                    let start = at + marker.len();
                    let end = start + html[start..].find("</script>").unwrap();
                    let value = serde_json::from_str(&html[start..end]).unwrap_or_else(|e| panic!("{name}: {e}"));
                    configs.push((name, value));
                }
            }
            Some("json") if !name.starts_with("www/i18n/") => {
                let value: Value = serde_json::from_str(&text()).unwrap_or_else(|e| panic!("{name}: {e}"));
                // A config is an object with `site` and `categories`; other JSON is not one.
                if value.get("site").is_some() && value.get("categories").is_some() {
                    configs.push((name, value));
                }
            }
            _ => {}
        }
    }
    configs
}

#[test]
fn every_config_in_the_repository_is_valid_for_the_schema_and_for_rust() {
    let schema = schema();
    let configs = repo_configs();
    assert!(configs.len() >= 7, "found only {:?}", configs.iter().map(|c| &c.0).collect::<Vec<_>>());
    for (name, config) in &configs {
        let errors = validate(&schema, config);
        assert!(errors.is_empty(), "{name} against the schema: {errors:#?}");
        if let Err(e) = parse_config(config.clone()) {
            panic!("{name}: {e}");
        }
    }
}

/// A config that sets every field the schema has (each optional one to a value, not `null`),
/// valid for both.
fn full_config() -> Value {
    json!({
        "site": "shop.example.com",
        "revision": 4,
        "policy_url": "/privacy",
        "endpoint": "https://consent.example.com/api/consent",
        "expiry_days": 180,
        "language": "auto",
        "fallback": "en",
        "languages": ["en", "de"],
        "categories": [
            { "id": "necessary", "required": true, "services": [], "consent_mode": ["security_storage"], "sale_or_share": false },
            {
                "id": "analytics",
                "required": false,
                "consent_mode": ["analytics_storage"],
                "sale_or_share": false,
                "services": [{
                    "id": "ga4",
                    "name": { "en": "Google Analytics", "de": "Google Analytics" },
                    "provider": "Google",
                    "description": "Counts visits.",
                    "cookies": [
                        { "name": "_ga", "pattern": null, "provider": "Google", "purpose": "Tells visitors apart.", "duration": "13 months", "party": "first" },
                        { "pattern": "^_ga_", "purpose": { "en": "Session state.", "de": "Sitzung." }, "duration": "session", "party": "third" }
                    ],
                    "local_storage": [{ "name": "ga_state" }, { "pattern": "^ga_" }]
                }]
            }
        ],
        "texts": { "de": { "banner.title": "Cookies", "duration.day.few": "{n} Tage", "category.analytics.title": "Statistik" } },
        "honor_gpc": true,
        "theme": { "scheme": "dark", "accent": "#1a73e8", "logo": { "src": "/img/logo.svg", "alt": "Example Shop" } },
        "layout": { "position": "center", "reopen_button": false, "style": "cloud" },
        "cookie_domain": "example.com",
        "google_consent_mode": { "region": ["DE", "US-CA"], "ads_data_redaction": true, "url_passthrough": true, "wait_for_update": 800 },
        "comment": "Reviewed by legal.",
        "site_kind": "shop",
        "gating": { "require_nonce": true },
        "config_version": 12
    })
}

/// `#/$defs/x` → the schema it names; any other schema as it is.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/$defs/").unwrap_or_else(|| panic!("only local $refs: {reference}"));
            resolve(root, &root["$defs"][name])
        }
        None => schema,
    }
}

/// Walks the schema and a value together through every object schema that has `properties`,
/// calling `visit(path, object schema, value)`; arrays visit each item.
fn walk_objects(root: &Value, schema: &Value, value: &Value, path: &str, visit: &mut dyn FnMut(&str, &Value, &Value)) {
    let schema = resolve(root, schema);
    match value {
        Value::Object(object) if schema.get("properties").is_some() => {
            visit(path, schema, value);
            for (key, property) in schema["properties"].as_object().unwrap() {
                if let Some(inner) = object.get(key) {
                    let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk_objects(root, property, inner, &at, visit);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk_objects(root, item_schema, item, &format!("{path}[{i}]"), visit);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_has_exactly_the_fields_of_the_rust_types() {
    let schema = schema();
    let full = full_config();
    assert_eq!(validate(&schema, &full), Vec::<String>::new());
    let config = parse_config(full.clone()).unwrap_or_else(|e| panic!("{e}"));
    // Serializing the parsed config writes every field the Rust types have (absent options as
    // null, defaults filled in): each object's keys must be the schema's properties there.
    let rust = serde_json::to_value(&config).unwrap();
    let mut visited = Vec::new();
    walk_objects(&schema, &schema, &rust, "", &mut |path, object, value| {
        let declared = keys(&object["properties"]);
        assert_eq!(keys(value), declared, "at `{path}`: the Rust fields (left) vs the schema's properties (right)");
        assert_eq!(object["additionalProperties"], json!(false), "at `{path}`: the schema must refuse unknown fields, as Rust does");
        visited.push(path.to_owned());
    });
    for level in OBJECT_LEVELS {
        assert!(visited.iter().any(|v| v == level), "`{level}` was not compared: {visited:?}");
    }
    // And the full config really sets each of them, so nothing was compared against a default.
    walk_objects(&schema, &schema, &full, "", &mut |path, object, value| {
        let missing: Vec<String> = keys(&object["properties"]).difference(&keys(value)).cloned().collect();
        let optional_alternative = path.contains("cookies[1]") || path.contains("local_storage[");
        assert!(missing.is_empty() || optional_alternative, "full_config() lacks {missing:?} at `{path}`");
    });
}

/// Every level of the config that is an object with fields of its own, as a path into
/// `full_config()`.
const OBJECT_LEVELS: [&str; 9] = [
    "",
    "categories[1]",
    "categories[1].services[0]",
    "categories[1].services[0].cookies[0]",
    "categories[1].services[0].local_storage[0]",
    "theme",
    "layout",
    "google_consent_mode",
    "gating",
];

/// `value` with `edit` applied to the object at `path` (`categories[1].services[0]`).
fn edited(value: &Value, path: &str, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut value = value.clone();
    let mut at = &mut value;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, index) = match part.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (part, None),
        };
        at = &mut at[key];
        if let Some(i) = index {
            at = &mut at[i];
        }
    }
    edit(at.as_object_mut().unwrap());
    value
}

#[test]
fn an_unknown_field_is_refused_by_both_at_every_level() {
    let schema = schema();
    let full = full_config();
    for path in OBJECT_LEVELS {
        let config = edited(&full, path, |o| {
            o.insert("colour".into(), json!("red"));
        });
        assert!(!validate(&schema, &config).is_empty(), "the schema accepts an unknown field at `{path}`");
        let error = parse_config(config).expect_err(path).to_string();
        assert!(error.contains("colour"), "{path}: {error}");
    }
}

/// A value of the wrong type for a property schema: a number where text is wanted, text where
/// a number, a boolean, an array or an object is wanted.
fn wrong_value(root: &Value, property: &Value) -> Value {
    let property = resolve(root, property);
    let types: Vec<&str> = match &property["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => panic!("a top-level property without a type: {property}"),
    };
    match types[0] {
        "string" => json!(42),
        "integer" | "number" | "boolean" | "array" | "object" => json!("text"),
        other => panic!("type {other}"),
    }
}

#[test]
fn a_wrong_type_or_a_missing_required_field_is_refused_by_both() {
    let schema = schema();
    let full = full_config();
    for (name, property) in schema["properties"].as_object().unwrap() {
        let config = edited(&full, "", |o| {
            o.insert(name.clone(), wrong_value(&schema, property));
        });
        assert!(!validate(&schema, &config).is_empty(), "the schema accepts a wrong type for `{name}`");
        assert!(parse_config(config).is_err(), "parse_config accepts a wrong type for `{name}`");
    }
    // Numbers out of their Rust type's range.
    for (name, bad) in [("revision", json!(-1)), ("expiry_days", json!(0)), ("expiry_days", json!(396))] {
        let config = edited(&full, "", |o| {
            o.insert(name.into(), bad.clone());
        });
        assert!(!validate(&schema, &config).is_empty(), "{name} = {bad}");
        assert!(parse_config(config).is_err(), "{name} = {bad}");
    }
    let required: BTreeSet<&str> = schema["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for name in keys(&schema["properties"]) {
        let config = edited(&full, "", |o| {
            o.remove(&name);
        });
        let schema_ok = validate(&schema, &config).is_empty();
        let rust_ok = parse_config(config).is_ok();
        assert_eq!(
            (schema_ok, rust_ok),
            (!required.contains(name.as_str()), !required.contains(name.as_str())),
            "leaving out `{name}`: (schema accepts, Rust accepts)"
        );
    }
}

/// The value at `path` (`categories[1].services[0]`), if there is one.
fn value_at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = value;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, index) = match part.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        at = at.get(key)?;
        if let Some(i) = index {
            at = at.get(i)?;
        }
    }
    Some(at)
}

#[test]
fn the_schema_defaults_are_rust_defaults() {
    let schema = schema();
    let minimal = json!({
        "site": "s",
        "revision": 0,
        "categories": [
            {
                "id": "analytics",
                "services": [
                    {
                        "id": "ga4",
                        "name": "GA",
                        "cookies": [{ "name": "_ga", "purpose": "p", "duration": "1 year", "party": "first" }],
                        "local_storage": [{ "name": "k" }]
                    },
                    { "id": "fb", "name": "FB" }
                ]
            },
            { "id": "marketing" }
        ]
    });
    assert_eq!(validate(&schema, &minimal), Vec::<String>::new());
    let config = parse_config(minimal.clone()).unwrap_or_else(|e| panic!("{e}"));
    let rust = serde_json::to_value(&config).unwrap();
    let mut checked = Vec::new();
    walk_objects(&schema, &schema, &rust, "", &mut |path, object, value| {
        let given = value_at(&minimal, path).and_then(Value::as_object);
        for (key, property) in object["properties"].as_object().unwrap() {
            // A default next to a $ref (theme, layout) sits on the property, not the target.
            let Some(default) = property.get("default") else {
                continue;
            };
            if given.is_some_and(|g| g.contains_key(key)) {
                continue;
            }
            assert_eq!(&value[key], default, "default of `{path}.{key}`");
            checked.push(format!("{path}.{key}"));
        }
    });
    for field in [
        ".expiry_days",
        ".theme",
        "theme.scheme",
        "categories[1].required",
        "categories[1].services",
        "categories[0].services[1].cookies",
        "categories[0].services[1].local_storage",
        "google_consent_mode.wait_for_update",
    ] {
        assert!(checked.iter().any(|c| c == field), "`{field}` not checked: {checked:?}");
    }
}

/// Strings that probe a pattern's edges.
fn probes() -> Vec<String> {
    let mut probes: Vec<String> = [
        "",
        "a",
        "z",
        "A",
        "0",
        "4ga",
        "-x",
        "_x",
        "x-",
        "x_",
        "ga4",
        "meta-pixel",
        "a b",
        "a.b",
        "a/b",
        "ä",
        "é",
        "a\n",
        "\na",
        "my-shop",
        "shop.example.com",
        "Shop_1",
        "a\u{0}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for n in [39, 40, 41, 99, 100, 101] {
        probes.push("a".repeat(n));
        probes.push(format!("a{}", "-".repeat(n - 1)));
    }
    probes
}

#[test]
fn the_schema_id_and_site_patterns_are_the_rust_rules() {
    let schema = schema();
    let id = regex::Regex::new(schema["$defs"]["id"]["pattern"].as_str().unwrap()).unwrap();
    assert_eq!(schema["$defs"]["id"]["pattern"], "^[a-z][a-z0-9_-]{0,39}$");
    let site = regex::Regex::new(schema["properties"]["site"]["pattern"].as_str().unwrap()).unwrap();
    for probe in probes() {
        assert_eq!(id.is_match(&probe), is_id(&probe), "id {probe:?}");
        assert_eq!(site.is_match(&probe), is_site_id(&probe), "site {probe:?}");
    }
}

#[test]
fn the_schema_enums_are_the_rust_lists() {
    let schema = schema();
    let strings = |value: &Value| -> Vec<String> { value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect() };
    let defs = &schema["$defs"];
    assert_eq!(strings(&defs["language"]["enum"]), BUILTIN_LANGUAGES);
    let mut language = vec!["auto".to_owned()];
    language.extend(BUILTIN_LANGUAGES.iter().map(|l| (*l).to_owned()));
    assert_eq!(strings(&schema["properties"]["language"]["enum"]), language);
    assert_eq!(strings(&defs["signal"]["enum"]), consent_mode_signal_names());
    let text_keys: Vec<&str> = TextKey::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(strings(&defs["texts"]["propertyNames"]["anyOf"][0]["enum"]), text_keys);
    // Each enum value is accepted by Rust, and a value just outside is refused.
    let full = full_config();
    for (path, field, values) in [
        ("theme", "scheme", strings(&defs["theme"]["properties"]["scheme"]["enum"])),
        ("layout", "position", strings(&defs["layout"]["properties"]["position"]["enum"])),
        ("layout", "style", strings(&defs["layout"]["properties"]["style"]["enum"])),
        ("", "site_kind", strings(&schema["properties"]["site_kind"]["enum"])),
        ("categories[1].services[0].cookies[0]", "party", strings(&defs["cookie"]["properties"]["party"]["enum"])),
    ] {
        for value in values.iter().map(String::as_str).chain(["other"]) {
            let config = edited(&full, path, |o| {
                o.insert(field.into(), json!(value));
            });
            assert_eq!(parse_config(config.clone()).is_ok(), value != "other", "{path}.{field} = {value}");
            assert_eq!(validate(&schema, &config).is_empty(), value != "other");
        }
    }
}

#[test]
fn schema_and_rust_agree_on_values_at_the_edges() {
    let schema = schema();
    let full = full_config();
    let cookie = "categories[1].services[0].cookies[0]";
    let service = "categories[1].services[0]";
    // (path, field, value, both accept)
    let cases: &[(&str, &str, Value, bool)] = &[
        ("", "site", json!("a b"), false),
        ("", "policy_url", json!("javascript:alert(1)"), false),
        ("", "policy_url", json!("//evil.example"), false),
        ("", "policy_url", json!("HTTPS://example.com/p"), true),
        ("", "policy_url", json!("/"), true),
        ("", "policy_url", json!(null), true),
        ("", "endpoint", json!("/api/consent path"), false),
        ("", "cookie_domain", json!("https://example.com"), false),
        ("", "cookie_domain", json!(".example.co.uk"), true),
        ("", "cookie_domain", json!("localhost"), false),
        ("", "languages", json!([]), false),
        ("", "languages", json!(["en", "xx"]), false),
        ("", "language", json!("xx"), false),
        ("theme", "accent", json!("#12345"), false),
        ("theme", "accent", json!("#ABC"), true),
        ("google_consent_mode", "region", json!(["de"]), false),
        ("google_consent_mode", "region", json!(["US-CALI"]), false),
        ("google_consent_mode", "region", json!(["US-CA1"]), true),
        ("google_consent_mode", "wait_for_update", json!(10_001), false),
        (cookie, "duration", json!("30 dayz"), false),
        (cookie, "duration", json!("0 days"), false),
        (cookie, "duration", json!("1 day"), true),
        (cookie, "name", json!("a=b"), false),
        (cookie, "name", json!(""), false),
        (cookie, "name", json!("a\u{1}b"), false),
        (cookie, "name", json!("a\u{85}b"), false),
        ("", "policy_url", json!("/a\tb"), false),
        ("", "policy_url", json!("/\u{7f}"), false),
        (cookie, "pattern", json!("^_ga"), false),
        (cookie, "purpose", json!(" "), false),
        (cookie, "purpose", json!(7), false),
        (service, "id", json!("GA4"), false),
        (service, "name", json!({}), false),
        (service, "description", json!(null), true),
        (service, "local_storage", json!([{ "name": "crumb" }]), false),
        (service, "local_storage", json!([{ "name": "crumb_outbox" }]), false),
        (service, "local_storage", json!([{ "name": "crumbs" }]), true),
        (service, "local_storage", json!([{}]), false),
        ("categories[1]", "consent_mode", json!(["ad_storage", "ad_storage"]), false),
        ("categories[1]", "consent_mode", json!(["ad_store"]), false),
    ];
    for (path, field, value, accepted) in cases {
        let config = edited(&full, path, |o| {
            o.insert((*field).into(), value.clone());
        });
        let errors = validate(&schema, &config);
        assert_eq!(errors.is_empty(), *accepted, "schema, {path}.{field} = {value}: {errors:?}");
        assert_eq!(parse_config(config).is_ok(), *accepted, "parse_config, {path}.{field} = {value}");
    }
}

// ---------------------------------------------------------------------------------------------
// A JSON Schema (2020-12) validator for the keywords crumb-config.schema.json uses, and no more:
// an unknown keyword is a test failure, so the schema cannot rely on one nothing checks.

const ANNOTATIONS: &[&str] = &["$schema", "$defs", "title", "description", "default", "examples"];

/// Every problem of `value` against the root `schema`, by path (empty: valid).
fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, schema, value, "$", &mut errors);
    errors
}

/// Whether `text` matches the schema pattern (compiled once per pattern). The schema's patterns
/// keep to the syntax ECMA-262 and Rust's `regex` read alike: classes, `\uXXXX`, `(?:…)`, no
/// lookaround or backreferences.
fn pattern_matches(pattern: &str, text: &str) -> bool {
    thread_local! {
        static COMPILED: std::cell::RefCell<BTreeMap<String, regex::Regex>> = Default::default();
    }
    COMPILED.with(|compiled| {
        compiled
            .borrow_mut()
            .entry(pattern.to_owned())
            .or_insert_with(|| regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")))
            .is_match(text)
    })
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        other => panic!("unknown type `{other}`"),
    }
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return errors.push(format!("{at}: not allowed")),
            _ => panic!("a schema must be an object or a boolean: {schema}"),
        }
    };
    let mut fail = |message: String| errors.push(format!("{at}: {message}"));
    let mut nested = Vec::new();
    for (keyword, argument) in schema {
        match keyword.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$ref" => check(root, resolve(root, &json!({ "$ref": argument })), value, at, &mut nested),
            "type" => {
                let ok = match argument {
                    Value::String(t) => type_matches(t, value),
                    Value::Array(ts) => ts.iter().any(|t| type_matches(t.as_str().unwrap(), value)),
                    _ => panic!("type: {argument}"),
                };
                if !ok {
                    fail(format!("is not of type {argument}"));
                }
            }
            "enum" => {
                if !argument.as_array().unwrap().contains(value) {
                    fail(format!("{value} is not one of the enum"));
                }
            }
            "const" => {
                if argument != value {
                    fail(format!("is not {argument}"));
                }
            }
            "pattern" => {
                if let Some(text) = value.as_str() {
                    let pattern = argument.as_str().unwrap();
                    if !pattern_matches(pattern, text) {
                        fail(format!("{text:?} does not match {pattern}"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let Some(text) = value.as_str() {
                    let length = text.chars().count() as u64;
                    let bound = argument.as_u64().unwrap();
                    if (keyword == "minLength" && length < bound) || (keyword == "maxLength" && length > bound) {
                        fail(format!("length {length} breaks {keyword} {bound}"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let Some(number) = value.as_f64() {
                    let bound = argument.as_f64().unwrap();
                    if (keyword == "minimum" && number < bound) || (keyword == "maximum" && number > bound) {
                        fail(format!("{number} breaks {keyword} {bound}"));
                    }
                }
            }
            "minItems" => {
                if value.as_array().is_some_and(|a| (a.len() as u64) < argument.as_u64().unwrap()) {
                    fail(format!("has fewer than {argument} items"));
                }
            }
            "uniqueItems" => {
                if let (Some(items), Some(true)) = (value.as_array(), argument.as_bool()) {
                    if items.iter().enumerate().any(|(i, a)| items[..i].contains(a)) {
                        fail("has an item twice".into());
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        check(root, argument, item, &format!("{at}[{i}]"), &mut nested);
                    }
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in argument.as_array().unwrap() {
                        if !object.contains_key(name.as_str().unwrap()) {
                            fail(format!("lacks required {name}"));
                        }
                    }
                }
            }
            "minProperties" => {
                if value.as_object().is_some_and(|o| (o.len() as u64) < argument.as_u64().unwrap()) {
                    fail(format!("has fewer than {argument} properties"));
                }
            }
            "properties" | "additionalProperties" | "propertyNames" => {
                let Some(object) = value.as_object() else {
                    continue;
                };
                let declared = schema.get("properties").and_then(Value::as_object);
                for (name, inner) in object {
                    let here = format!("{at}.{name}");
                    match keyword.as_str() {
                        "properties" => {
                            if let Some(property) = declared.and_then(|d| d.get(name)) {
                                check(root, property, inner, &here, &mut nested);
                            }
                        }
                        "additionalProperties" => {
                            if !declared.is_some_and(|d| d.contains_key(name)) {
                                check(root, argument, inner, &here, &mut nested);
                            }
                        }
                        _ => check(root, argument, &json!(name), &format!("{here} (name)"), &mut nested),
                    }
                }
            }
            "oneOf" | "anyOf" | "not" => {
                let branches: Vec<&Value> = match argument {
                    Value::Array(list) => list.iter().collect(),
                    single => vec![single],
                };
                let passing = branches
                    .iter()
                    .filter(|branch| {
                        let mut scratch = Vec::new();
                        check(root, branch, value, at, &mut scratch);
                        scratch.is_empty()
                    })
                    .count();
                let ok = match keyword.as_str() {
                    "oneOf" => passing == 1,
                    "anyOf" => passing >= 1,
                    _ => passing == 0,
                };
                if !ok {
                    fail(format!("{keyword} fails ({passing} of {} branches pass)", branches.len()));
                }
            }
            other => panic!("the test's validator does not know the keyword `{other}`"),
        }
    }
    errors.append(&mut nested);
}

#[test]
fn the_validator_checks_what_it_claims() {
    let schema = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["a"],
        "properties": {
            "a": { "type": "integer", "minimum": 1, "maximum": 3 },
            "b": { "type": ["string", "null"], "pattern": "^x+$", "minLength": 2 },
            "c": { "type": "array", "items": { "enum": ["p", "q"] }, "uniqueItems": true, "minItems": 1 },
            "d": { "oneOf": [{ "type": "string" }, { "type": "object", "minProperties": 1 }] },
            "e": { "$ref": "#/$defs/e" },
            "f": { "type": "object", "propertyNames": { "anyOf": [{ "const": "k" }, { "pattern": "^z" }] } },
            "g": { "type": "string", "not": { "pattern": "^crumb" } }
        },
        "$defs": { "e": { "type": "boolean" } }
    });
    let ok = json!({ "a": 2, "b": null, "c": ["p", "q"], "d": { "x": 1 }, "e": true, "f": { "k": 1, "zz": 2 }, "g": "cookie" });
    assert_eq!(validate(&schema, &ok), Vec::<String>::new());
    for bad in [
        json!({}),
        json!({ "a": 0 }),
        json!({ "a": 4 }),
        json!({ "a": 1.5 }),
        json!({ "a": 1, "z": 1 }),
        json!({ "a": 1, "b": "xy" }),
        json!({ "a": 1, "b": "x" }),
        json!({ "a": 1, "c": [] }),
        json!({ "a": 1, "c": ["p", "p"] }),
        json!({ "a": 1, "c": ["r"] }),
        json!({ "a": 1, "d": {} }),
        json!({ "a": 1, "d": 5 }),
        json!({ "a": 1, "e": "yes" }),
        json!({ "a": 1, "f": { "y": 1 } }),
        json!({ "a": 1, "g": "crumb_x" }),
    ] {
        assert!(!validate(&schema, &bad).is_empty(), "{bad}");
    }
    let unknown = std::panic::catch_unwind(|| validate(&json!({ "format": "email" }), &json!("x")));
    assert!(unknown.is_err(), "an unknown keyword must fail the test");
}

#[test]
fn the_loader_looks_for_a_stored_consent_under_the_cores_names() {
    let js = strip_comments(LOADER);
    let header = "var storageKey = ";
    let start = js.find(header).expect("loader.js has no `var storageKey = `: update tests/contract.rs") + header.len();
    let end = start + js[start..].find(';').unwrap();
    let names: Vec<String> =
        split_top(&js[start..end], ',').iter().map(|entry| entry.rsplit('=').next().unwrap().trim().trim_matches('"').to_owned()).collect();
    assert_eq!(
        names,
        [crumb_core::ids::STORAGE_KEY, crumb_core::ids::CONSENT_COOKIE, crumb_core::PLAN_KEY],
        "loader.js's first-visit and plan checks vs crumb_core::ids and crumb_core::plan"
    );
}
