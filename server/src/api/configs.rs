//! Hosted configs (issue 13): a site's config kept in the database, versioned, and served to the
//! widget (`data-config="https://…/api/sites/<site>/config"`); drafts per caller, publish,
//! rollback, diff, import of an inline config and the inline snippet for static sites.
//!
//! - `GET /api/sites/{site}/config`: public. The latest version with `config_version` set; the
//!   bytes are computed once per version ([`ServedConfigs`]); `ETag`, 304, a minute of freshness
//!   then ten of stale-while-revalidate, `Vary: Origin`, and CORS only for the site's declared
//!   origins.
//! - `/api/admin/…`: JSON, every answer `Cache-Control: no-store`, roles through
//!   [`require`] (viewer reads, editor saves drafts and imports, publisher publishes and rolls
//!   back). A site that is not declared (`--allow-origin`) is 404.
//!
//! Whether a change asks every visitor again, the revision it gets and the differences between
//! two versions are crumb-core's (`crumb_core::config_change`): the same rules the configurator
//! runs in the browser.
//!
//! Who could abuse it, and what stops them: docs/security.md ("Hosted configs").

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use crumb_core::config::Config;
use crumb_core::json::{object, ToJson, Value};
use crumb_core::json_bounds::{check_json_bounds, MAX_DEPTH};
use crumb_core::typed_config;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::reply::{error, internal, no_store, require, Caller, Role};
use crate::database::{ConfigDraft, ConfigVersion, Published};
use crate::{now_ms, AppState, ServerError};

/// The largest draft (its config as JSON text): far above a real config, small enough that a
/// marketer's autosave cannot fill the database.
pub const MAX_DRAFT_BYTES: usize = 256 * 1024;
/// The largest request body of the admin config routes: an import may paste a whole page around
/// the config.
pub const MAX_ADMIN_BODY_BYTES: usize = 1024 * 1024;
/// The longest publish note, in characters.
const MAX_NOTE_CHARS: usize = 1000;

/// `Cache-Control` of a served config: `--config-max-age` seconds, stale ten times as long while
/// it revalidates; `no-cache` (revalidate every time, 304 while unchanged) at 0.
fn served_cache_control(max_age: u32) -> String {
    match max_age {
        0 => "public, no-cache".to_owned(),
        seconds => format!("public, max-age={seconds}, stale-while-revalidate={}", u64::from(seconds) * 10),
    }
}

/// How long the latest version number read for a site is trusted before the database is asked
/// again: a flood of requests costs at most one query per site this often. A publish on this server
/// forgets it at once; another server sharing the database sees it within this time (far within the
/// minute the answer may be cached anyway).
const RECHECK: Duration = Duration::from_secs(1);

/// What is served for each site: its latest version's bytes, computed once per version, and when
/// the database last said it is the latest. One entry per declared site at most.
#[derive(Default)]
pub(crate) struct ServedConfigs(Mutex<HashMap<String, Latest>>);

/// A site's latest version as last read (None: nothing published), and when.
struct Latest {
    served: Option<Arc<ServedConfig>>,
    checked: Instant,
}

/// A version's served body and its `ETag`.
pub(crate) struct ServedConfig {
    version: i64,
    body: Bytes,
    etag: HeaderValue,
}

impl ServedConfigs {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Latest>> {
        // Nothing is left half-done under the lock: a poisoned map is still a good one.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The site's latest as read less than [`RECHECK`] ago (`Some(None)`: nothing published).
    fn recent(&self, site: &str, now: Instant) -> Option<Option<Arc<ServedConfig>>> {
        let entries = self.entries();
        entries.get(site).filter(|latest| now.saturating_duration_since(latest.checked) < RECHECK).map(|latest| latest.served.clone())
    }

    /// Notes that `version` (0: none) is the site's latest as of `now`; the bytes when they are
    /// the ones kept.
    fn confirm(&self, site: &str, version: i64, now: Instant) -> Option<Option<Arc<ServedConfig>>> {
        let mut entries = self.entries();
        if version == 0 {
            entries.insert(site.to_owned(), Latest { served: None, checked: now });
            return Some(None);
        }
        let latest = entries.get_mut(site).filter(|latest| latest.served.as_ref().is_some_and(|s| s.version == version))?;
        latest.checked = now;
        Some(latest.served.clone())
    }

    fn keep(&self, site: &str, served: Arc<ServedConfig>, now: Instant) {
        let mut entries = self.entries();
        // Never step back to an older version (two requests racing a publish).
        let newer = entries.get(site).and_then(|latest| latest.served.as_ref()).is_none_or(|kept| kept.version <= served.version);
        if newer {
            entries.insert(site.to_owned(), Latest { served: Some(served), checked: now });
        }
    }

    /// Forgets what was read for `site` (this server just published a version of it).
    fn forget(&self, site: &str) {
        self.entries().remove(site);
    }
}

/// Whether `site` is declared (`--allow-origin`): only declared sites have hosted configs.
pub(super) fn is_declared(state: &AppState, site: &str) -> bool {
    state.settings().allowed_origins.iter().any(|allowed| allowed.site == site)
}

/// JSON text of `value`, keeping its members' order. Numbers as serde_json writes them (a draft
/// may hold fractions). With `for_html`, every `<` is written `\u003c`, so the text can sit inside
/// a `<script>` element: no `</script>` or `<!--` can end or bend it.
pub(crate) fn json_text(value: &Value, for_html: bool) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    if for_html {
        // `<` occurs only inside strings in JSON text, where `\u003c` means the same.
        out = out.replace('<', "\\u003c");
    }
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => out.push_str(&(*n as i64).to_string()),
        Value::Number(n) => out.push_str(&serde_json::Number::from_f64(*n).map_or_else(|| "null".to_owned(), |n| n.to_string())),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_owned()));
                out.push(':');
                write_json(value, out);
            }
            out.push('}');
        }
    }
}

/// Reads JSON text (as stored or sent) into a value that keeps its members' order.
fn parse_value(text: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(text).map_err(|e| crumb_core::json_bounds::cap_message(&e.to_string(), 200))
}

/// Sets member `key` of the object `value` (replacing it where it is, else appending), or after
/// member `after` when it is new and `after` is there.
fn set_member(value: &mut Value, key: &str, new: Value, after: Option<&str>) {
    if let Value::Object(members) = value {
        if let Some(slot) = members.iter_mut().find(|(k, _)| k == key) {
            slot.1 = new;
            members.retain({
                let mut seen = false;
                move |(k, _)| {
                    if k != key {
                        return true;
                    }
                    let keep = !seen;
                    seen = true;
                    keep
                }
            });
            return;
        }
        let at = after.and_then(|after| members.iter().position(|(k, _)| k == after)).map_or(members.len(), |i| i + 1);
        members.insert(at, (key.to_owned(), new));
    }
}

fn remove_member(value: &mut Value, key: &str) {
    if let Value::Object(members) = value {
        members.retain(|(k, _)| k != key);
    }
}

/// The config as it would be published for `site`: `site` forced, no `config_version` (the
/// server sets that when it serves it).
fn as_published(mut config: Value, site: &str) -> Value {
    if matches!(config, Value::Object(_)) {
        set_member(&mut config, "site", Value::String(site.to_owned()), None);
        remove_member(&mut config, "config_version");
    }
    config
}

/// A JSON answer with `status`, marked never to be cached.
fn reply(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, json_text(value, false)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    no_store(response)
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    no_store(error(status, message))
}

fn not_declared(site: &str) -> Response {
    refuse(StatusCode::NOT_FOUND, format!("site `{}` is not declared on this server (see --allow-origin)", cap(site)))
}

fn cap(text: &str) -> String {
    crumb_core::json_bounds::cap_message(text, 100)
}

fn storage_failed(what: &str, err: &ServerError) -> Response {
    no_store(internal(what, err))
}

/// The caller allowed `role` on a declared `site`, or the answer that refuses them (401/403 before
/// 404, so a stranger learns nothing about which sites exist).
fn admit(state: &AppState, method: &Method, headers: &HeaderMap, role: Role, site: &str) -> Result<Caller, Box<Response>> {
    let caller = require(state, method, headers, role).map_err(|refusal| Box::new(no_store(*refusal)))?;
    if !is_declared(state, site) {
        return Err(Box::new(not_declared(site)));
    }
    Ok(caller)
}

/// A JSON request body (`Content-Type: application/json`), read as `T`. A form cannot send that
/// type across sites without a CORS preflight, so no cross-site page can post one.
fn body_of<T: for<'de> Deserialize<'de>>(headers: &HeaderMap, body: &[u8]) -> Result<T, Box<Response>> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Box::new(refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {}", crumb_core::json_bounds::cap_message(&e.to_string(), 200)),
        ))
    })
}

/// Runs blocking database work; a failure is the 500 answer.
async fn stored<T: Send + 'static>(
    state: &AppState,
    what: &'static str,
    work: impl FnOnce(&AppState) -> Result<T, ServerError> + Send + 'static,
) -> Result<T, Box<Response>> {
    state.blocking(work).await.map_err(|err| Box::new(storage_failed(what, &err)))
}

macro_rules! attempt {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return *response,
        }
    };
}

fn number(n: i64) -> Value {
    Value::Number(n as f64)
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// A version's metadata as the API writes it.
fn version_meta(version: &ConfigVersion) -> Vec<(&'static str, Value)> {
    vec![
        ("version", number(version.version)),
        ("revision", number(version.revision)),
        ("published_at", text(&version.published_at)),
        ("published_by", text(&version.published_by)),
        ("note", text(&version.note)),
        ("based_on", number(version.based_on)),
        ("renewal", Value::Bool(version.renewal)),
    ]
}

/// A stored config's JSON (it was written by this server, so it reads; `null` if it does not).
fn stored_config(version: &ConfigVersion) -> Value {
    parse_value(&version.config).unwrap_or(Value::Null)
}

/// A stored config, typed (None when it no longer passes the rules).
fn typed(value: &Value) -> Option<Config> {
    match typed_config(value.clone()) {
        (Some(config), errors) if errors.is_empty() => Some(config),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Serving, for the widget.

/// `GET /api/sites/{site}/config`.
pub(super) async fn served_config(State(state): State<AppState>, Path(site): Path<String>, headers: HeaderMap) -> Response {
    let allowed = cors_origin(&state, &site, &headers);
    let served = if is_declared(&state, &site) { served_latest(&state, &site).await } else { Err(Box::new(not_declared(&site))) };
    let mut response = match served {
        Ok(served) => {
            let fresh =
                headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|tags| etag_matches(tags, &served.etag));
            let mut response =
                if fresh { StatusCode::NOT_MODIFIED.into_response() } else { Response::new(Body::from(served.body.clone())) };
            let out = response.headers_mut();
            out.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            out.insert(header::ETAG, served.etag.clone());
            if let Ok(value) = HeaderValue::from_str(&served_cache_control(state.settings().config_max_age)) {
                out.insert(header::CACHE_CONTROL, value);
            }
            response
        }
        Err(response) => *response,
    };
    // Every answer depends on `Origin` (whether it carries Access-Control-Allow-Origin): a shared
    // cache must key on it, or it could hand one origin's answer to another.
    let out = response.headers_mut();
    out.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = allowed {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// The request's `Origin`, when it is declared for `site` (exactly, or by a `*.` pattern).
fn cors_origin(state: &AppState, site: &str, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    state.settings().allowed_origins.iter().any(|allowed| allowed.site == site && allowed.matches(text)).then(|| origin.clone())
}

/// Whether `If-None-Match` (a list of tags, maybe weak, or `*`) names `etag`.
fn etag_matches(tags: &str, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or("");
    tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// The site's latest version as served: from memory when this version was served before (and
/// the number itself when read less than [`RECHECK`] ago).
async fn served_latest(state: &AppState, site: &str) -> Result<Arc<ServedConfig>, Box<Response>> {
    let nothing = || Box::new(refuse(StatusCode::NOT_FOUND, format!("no config is published for site `{}`", cap(site))));
    let now = Instant::now();
    if let Some(recent) = state.served_configs.recent(site, now) {
        return recent.ok_or_else(nothing);
    }
    let lookup = site.to_owned();
    let latest = stored(state, "reading a hosted config failed", move |state| state.database().latest_config_number(&lookup)).await?;
    if let Some(known) = state.served_configs.confirm(site, latest, now) {
        return known.ok_or_else(nothing);
    }
    let lookup = site.to_owned();
    let version = stored(state, "reading a hosted config failed", move |state| state.database().config_version(&lookup, latest)).await?;
    let served = Arc::new(serve_version(&version.ok_or_else(nothing)?));
    state.served_configs.keep(site, served.clone(), now);
    Ok(served)
}

/// The served text of a version: its config with `config_version` set (after `revision`).
fn served_value(version: &ConfigVersion) -> Value {
    let mut config = stored_config(version);
    set_member(&mut config, "config_version", number(version.version), Some("revision"));
    config
}

fn serve_version(version: &ConfigVersion) -> ServedConfig {
    let body = json_text(&served_value(version), false);
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let etag = HeaderValue::from_str(&format!("\"{}-{hex}\"", version.version)).unwrap_or(HeaderValue::from_static("\"0\""));
    ServedConfig { version: version.version, body: Bytes::from(body), etag }
}

// ---------------------------------------------------------------------------------------------
// Admin: sites, versions, diff.

/// `GET /api/admin/sites` [viewer].
pub(super) async fn sites(State(state): State<AppState>, method: Method, headers: HeaderMap) -> Response {
    if let Err(refusal) = require(&state, &method, &headers, Role::Viewer) {
        return no_store(*refusal);
    }
    let latest = attempt!(stored(&state, "listing hosted configs failed", |state| state.database().latest_configs()).await);
    let list = state
        .settings()
        .sites()
        .into_iter()
        .map(|site| {
            let found = latest.iter().find(|(s, _, _)| *s == site);
            object(vec![
                ("site", text(&site)),
                ("version", found.map_or(Value::Null, |(_, version, _)| number(*version))),
                ("published_at", found.map_or(Value::Null, |(_, _, at)| text(at))),
            ])
        })
        .collect();
    reply(StatusCode::OK, &Value::Array(list))
}

/// `GET /api/admin/sites/{site}/versions` [viewer]: newest first.
pub(super) async fn versions(State(state): State<AppState>, Path(site): Path<String>, method: Method, headers: HeaderMap) -> Response {
    attempt!(admit(&state, &method, &headers, Role::Viewer, &site));
    let versions = attempt!(stored(&state, "listing config versions failed", move |state| state.database().config_versions(&site)).await);
    reply(StatusCode::OK, &Value::Array(versions.iter().map(|v| object(version_meta(v))).collect()))
}

/// `GET /api/admin/sites/{site}/versions/{n}` [viewer].
pub(super) async fn version(
    State(state): State<AppState>,
    Path((site, n)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    attempt!(admit(&state, &method, &headers, Role::Viewer, &site));
    let version = attempt!(load_version(&state, &site, &n).await);
    let mut members = version_meta(&version);
    members.push(("config", stored_config(&version)));
    reply(StatusCode::OK, &object(members))
}

/// Version `n` (text from the URL) of `site`: 400 when `n` is not a number, 404 when absent.
async fn load_version(state: &AppState, site: &str, n: &str) -> Result<ConfigVersion, Box<Response>> {
    let Some(n) = n.parse::<i64>().ok().filter(|n| *n >= 1) else {
        return Err(Box::new(refuse(StatusCode::BAD_REQUEST, format!("`{}` is not a version number (1, 2, …)", cap(n)))));
    };
    let lookup = site.to_owned();
    let found = stored(state, "reading a config version failed", move |state| state.database().config_version(&lookup, n)).await?;
    found.ok_or_else(|| Box::new(refuse(StatusCode::NOT_FOUND, format!("site `{}` has no version {n}", cap(site)))))
}

#[derive(Debug, Deserialize)]
pub(super) struct DiffParams {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/admin/sites/{site}/diff?from=A&to=B` [viewer]: the differences path by path, and
/// whether going from A to B asks every visitor again.
pub(super) async fn diff(
    State(state): State<AppState>,
    Path(site): Path<String>,
    Query(params): Query<DiffParams>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    attempt!(admit(&state, &method, &headers, Role::Viewer, &site));
    let (Some(from), Some(to)) = (params.from, params.to) else {
        return refuse(StatusCode::BAD_REQUEST, "give both `from` and `to` (version numbers)");
    };
    let before = attempt!(load_version(&state, &site, &from).await);
    let after = attempt!(load_version(&state, &site, &to).await);
    let (before_value, after_value) = (stored_config(&before), stored_config(&after));
    let assessment = match (typed(&before_value), typed(&after_value)) {
        (Some(published), Some(draft)) => change::assessment(&published, &draft),
        _ => Value::Null,
    };
    reply(
        StatusCode::OK,
        &object(vec![
            ("from", number(before.version)),
            ("to", number(after.version)),
            ("assessment", assessment),
            ("changes", change::differences(&before_value, &after_value)),
        ]),
    )
}

// ---------------------------------------------------------------------------------------------
// Admin: drafts and import.

/// What the draft routes answer.
struct DraftView {
    config: Value,
    based_on: i64,
    updated_at: Option<String>,
}

/// A new site's first draft: the three usual categories, revision 1.
fn starter_config(site: &str) -> Value {
    let category = |id: &str, required: bool| {
        let mut members = vec![("id", text(id))];
        if required {
            members.push(("required", Value::Bool(true)));
        }
        members.push(("services", Value::Array(Vec::new())));
        object(members)
    };
    object(vec![
        ("site", text(site)),
        ("revision", number(1)),
        ("categories", Value::Array(vec![category("necessary", true), category("analytics", false), category("marketing", false)])),
    ])
}

/// The draft answer: `{config, based_on, updated_at, errors, assessment}`. `errors` are the
/// config's as it would be published (site forced); `assessment` compares it with the latest
/// version (null when nothing is published or the draft cannot be typed).
fn draft_answer(status: StatusCode, site: &str, view: DraftView, latest: Option<&ConfigVersion>) -> Response {
    let (typed_draft, errors) = typed_config(as_published(view.config.clone(), site));
    let errors = errors.iter().map(|e| object(vec![("path", text(&e.path)), ("message", text(&e.message))])).collect::<Vec<_>>();
    let published = latest.and_then(|latest| typed(&stored_config(latest)));
    let assessment = match (published, typed_draft) {
        (Some(published), Some(draft)) => change::assessment(&published, &draft),
        _ => Value::Null,
    };
    reply(
        status,
        &object(vec![
            ("config", view.config),
            ("based_on", number(view.based_on)),
            ("updated_at", view.updated_at.as_deref().map_or(Value::Null, text)),
            ("errors", Value::Array(errors)),
            ("assessment", assessment),
        ]),
    )
}

/// The caller's draft and the latest version, read together.
async fn draft_and_latest(
    state: &AppState,
    site: &str,
    author: &str,
) -> Result<(Option<ConfigDraft>, Option<ConfigVersion>), Box<Response>> {
    let (site, author) = (site.to_owned(), author.to_owned());
    stored(state, "reading a draft failed", move |state| {
        let draft = state.database().config_draft(&site, &author)?;
        let latest = state.database().latest_config(&site)?;
        Ok((draft, latest))
    })
    .await
}

/// `GET /api/admin/sites/{site}/draft` [viewer]: the caller's draft; without one, the latest
/// version as a new draft (not stored until saved), or a starter config when nothing is published.
pub(super) async fn get_draft(State(state): State<AppState>, Path(site): Path<String>, method: Method, headers: HeaderMap) -> Response {
    let caller = attempt!(admit(&state, &method, &headers, Role::Viewer, &site));
    let (draft, latest) = attempt!(draft_and_latest(&state, &site, &caller.name).await);
    let view = match (draft, &latest) {
        (Some(draft), _) => DraftView {
            config: parse_value(&draft.config).unwrap_or(Value::Null),
            based_on: draft.based_on,
            updated_at: Some(draft.updated_at),
        },
        (None, Some(latest)) => DraftView { config: stored_config(latest), based_on: latest.version, updated_at: None },
        (None, None) => DraftView { config: starter_config(&site), based_on: 0, updated_at: None },
    };
    draft_answer(StatusCode::OK, &site, view, latest.as_ref())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DraftBody {
    config: Value,
    based_on: i64,
}

/// `PUT /api/admin/sites/{site}/draft` [editor]: saves the caller's draft (any JSON, at most
/// [`MAX_DRAFT_BYTES`]) and answers as GET does.
pub(super) async fn put_draft(
    State(state): State<AppState>,
    Path(site): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = attempt!(admit(&state, &method, &headers, Role::Editor, &site));
    let body: DraftBody = attempt!(body_of(&headers, &body));
    attempt!(save_draft(&state, &site, &caller, body.config, body.based_on).await)
}

/// Saves `config` as the caller's draft of `site` and answers with it.
async fn save_draft(state: &AppState, site: &str, caller: &Caller, config: Value, based_on: i64) -> Result<Response, Box<Response>> {
    let config_text = json_text(&config, false);
    if config_text.len() > MAX_DRAFT_BYTES {
        return Err(Box::new(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the draft is {} bytes; the limit is {MAX_DRAFT_BYTES} bytes", config_text.len()),
        )));
    }
    if based_on < 0 {
        return Err(Box::new(refuse(StatusCode::BAD_REQUEST, "`based_on` must be a version number, or 0 for none")));
    }
    let draft = ConfigDraft {
        site: site.to_owned(),
        author: caller.name.clone(),
        config: config_text,
        based_on,
        updated_at: crumb_core::time::to_rfc3339(now_ms()),
    };
    let saving = draft.clone();
    let latest = stored(state, "saving a draft failed", move |state| {
        state.database().save_config_draft(&saving)?;
        state.database().latest_config(&saving.site)
    })
    .await?;
    let view = DraftView { config, based_on: draft.based_on, updated_at: Some(draft.updated_at) };
    Ok(draft_answer(StatusCode::OK, site, view, latest.as_ref()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportBody {
    text: String,
}

/// `POST /api/admin/sites/{site}/import` [editor]: a JSON config, or a page holding
/// `<script type="application/json" id="crumb-config">`, saved as the caller's draft (site forced
/// to `{site}`, based on the latest version) and answered as GET draft does, with its errors.
pub(super) async fn import(
    State(state): State<AppState>,
    Path(site): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = attempt!(admit(&state, &method, &headers, Role::Editor, &site));
    let body: ImportBody = attempt!(body_of(&headers, &body));
    let config_text = match imported_text(&body.text) {
        Ok(text) => text,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message),
    };
    if let Err(why) = check_json_bounds(&config_text, MAX_DRAFT_BYTES, MAX_DEPTH) {
        let status = match why {
            crumb_core::json_bounds::BoundsError::TooLong(..) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return refuse(status, format!("the imported config {why}"));
    }
    let config = match parse_value(&config_text) {
        Ok(config @ Value::Object(_)) => config,
        Ok(_) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, "the imported text is JSON but not a config: a config is a JSON object `{…}`")
        }
        Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, format!("the imported config is not JSON: {why}")),
    };
    let lookup = site.clone();
    let latest =
        attempt!(stored(&state, "reading a hosted config failed", move |state| state.database().latest_config_number(&lookup)).await);
    attempt!(save_draft(&state, &site, &caller, as_published(config, &site), latest).await)
}

/// The config text of an import: the text itself when it is JSON (starts with `{`), else the
/// content of the page's `<script … id="crumb-config">` element with `<\/` read as `</`.
pub(crate) fn imported_text(pasted: &str) -> Result<String, String> {
    let trimmed = pasted.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(
            "nothing to import: paste a config (JSON) or a page holding <script type=\"application/json\" id=\"crumb-config\">".to_owned()
        );
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') || !trimmed.contains('<') {
        return Ok(trimmed.to_owned());
    }
    match config_element(trimmed) {
        Some(content) => Ok(content.replace("<\\/", "</").trim().to_owned()),
        None => Err(
            "no config found: the text is neither JSON nor a page holding <script type=\"application/json\" id=\"crumb-config\">…</script>"
                .to_owned(),
        ),
    }
}

/// The text of the first `<script>` element whose `id` is `crumb-config` (attributes in any order,
/// quoted with `"` or `'` or not at all, tag and attribute names in any case).
fn config_element(html: &str) -> Option<&str> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(start) = lower.get(from..)?.find("<script").map(|i| i + from) {
        let after_name = start + "<script".len();
        // `<scripts>` or `<script-x>` is another element.
        if lower.as_bytes().get(after_name).is_some_and(|b| !(b.is_ascii_whitespace() || *b == b'>' || *b == b'/')) {
            from = after_name;
            continue;
        }
        let tag_end = tag_end(&lower, after_name)?;
        let close = lower.get(tag_end + 1..)?.find("</script").map(|i| i + tag_end + 1)?;
        if attribute(&html[after_name..tag_end], "id").is_some_and(|id| id == "crumb-config") {
            return html.get(tag_end + 1..close);
        }
        from = close;
    }
    None
}

/// Where the tag starting before `from` ends (its `>`), skipping `>` inside quoted values.
fn tag_end(html: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html.get(from..)?.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in a tag's attribute text.
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_end = rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
        let (attr, after) = rest.split_at(name_end);
        let after = after.trim_start();
        let (value, remaining) = match after.strip_prefix('=') {
            Some(v) => {
                let v = v.trim_start();
                match v.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &v[1..];
                        let end = body.find(q).unwrap_or(body.len());
                        (&body[..end], body.get(end + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = v.find(|c: char| c.is_ascii_whitespace()).unwrap_or(v.len());
                        (&v[..end], &v[end..])
                    }
                }
            }
            None => ("", after),
        };
        if attr.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        rest = remaining;
    }
}

// ---------------------------------------------------------------------------------------------
// Admin: publish and rollback.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishBody {
    based_on: i64,
    #[serde(default)]
    note: String,
    #[serde(default)]
    ask_again: bool,
}

fn check_note(note: &str) -> Result<(), Box<Response>> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Box::new(refuse(StatusCode::BAD_REQUEST, format!("`note` must be at most {MAX_NOTE_CHARS} characters"))));
    }
    Ok(())
}

/// The 409 of a publish from a base that is not the latest version.
fn stale(based_on: i64, latest: i64) -> Response {
    let message = if latest == 0 {
        "nothing is published yet: publish with `based_on` 0".to_owned()
    } else {
        format!(
            "version {latest} was published after version {based_on} you started from: your draft is kept; \
             look at version {latest}, then publish again based on it"
        )
    };
    reply(StatusCode::CONFLICT, &object(vec![("error", text(&message)), ("latest", number(latest))]))
}

/// `POST /api/admin/sites/{site}/publish` [publisher]: publishes the caller's saved draft.
pub(super) async fn publish(
    State(state): State<AppState>,
    Path(site): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = attempt!(admit(&state, &method, &headers, Role::Publisher, &site));
    let body: PublishBody = attempt!(body_of(&headers, &body));
    attempt!(check_note(&body.note));
    let (draft, latest) = attempt!(draft_and_latest(&state, &site, &caller.name).await);
    let latest_number = latest.as_ref().map_or(0, |l| l.version);
    if body.based_on != latest_number {
        return stale(body.based_on, latest_number);
    }
    let Some(draft) = draft else {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &object(vec![
                ("error", text("you have no saved draft of this site: save one, then publish")),
                ("errors", Value::Array(Vec::new())),
            ]),
        );
    };
    let config = as_published(parse_value(&draft.config).unwrap_or(Value::Null), &site);
    let prepared = attempt!(prepare(&state, config, latest.as_ref(), body.ask_again));
    let new = new_version(&site, &caller, latest_number, prepared, body.note);
    attempt!(commit(&state, new, Some((caller.name, draft.config))).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RollbackBody {
    version: i64,
    based_on: i64,
    #[serde(default)]
    note: String,
}

/// `POST /api/admin/sites/{site}/rollback` [publisher]: a new version holding version `version`'s
/// config; its revision again from the latest, so revisions never go down.
pub(super) async fn rollback(
    State(state): State<AppState>,
    Path(site): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = attempt!(admit(&state, &method, &headers, Role::Publisher, &site));
    let body: RollbackBody = attempt!(body_of(&headers, &body));
    attempt!(check_note(&body.note));
    let target = attempt!(load_version(&state, &site, &body.version.to_string()).await);
    let lookup = site.clone();
    let latest = attempt!(stored(&state, "reading a hosted config failed", move |state| state.database().latest_config(&lookup)).await);
    let latest_number = latest.as_ref().map_or(0, |l| l.version);
    if body.based_on != latest_number {
        return stale(body.based_on, latest_number);
    }
    let prepared = attempt!(prepare(&state, as_published(stored_config(&target), &site), latest.as_ref(), false));
    let note = if body.note.trim().is_empty() { format!("Rollback to version {}", target.version) } else { body.note };
    let new = new_version(&site, &caller, latest_number, prepared, note);
    attempt!(commit(&state, new, None).await)
}

/// A config ready to publish: its JSON with the new revision, and whether visitors are asked again.
struct Prepared {
    config: Value,
    revision: u32,
    renewal: bool,
    /// What its banner says in each offered language ([`crate::shown::snapshot`]).
    shown: String,
}

/// Validates `config` (422 with every error at its path) and gives it its revision against the
/// latest published version (`crumb_core::config_change::next_revision`).
fn prepare(state: &AppState, mut config: Value, latest: Option<&ConfigVersion>, ask_again: bool) -> Result<Prepared, Box<Response>> {
    let draft = match typed_config(config.clone()) {
        (Some(draft), errors) if errors.is_empty() => draft,
        (_, errors) => {
            let errors = errors.iter().map(|e| object(vec![("path", text(&e.path)), ("message", text(&e.message))])).collect();
            let answer = object(vec![("error", text("the config has errors: fix them, then publish")), ("errors", Value::Array(errors))]);
            return Err(Box::new(reply(StatusCode::UNPROCESSABLE_ENTITY, &answer)));
        }
    };
    let published = latest.and_then(|latest| typed(&stored_config(latest)));
    let before = latest.map(|l| u32::try_from(l.revision).unwrap_or(u32::MAX));
    // Revisions never go down, even when the latest version no longer passes today's rules.
    let revision = change::revision(published.as_ref(), &draft, ask_again).max(before.unwrap_or(0));
    set_member(&mut config, "revision", Value::Number(f64::from(revision)), Some("site"));
    let renewal = before.is_some_and(|before| revision > before);
    let shown = crate::shown::snapshot(&draft, state.site_dir());
    Ok(Prepared { config, revision, renewal, shown })
}

fn new_version(site: &str, caller: &Caller, latest: i64, prepared: Prepared, note: String) -> ConfigVersion {
    ConfigVersion {
        site: site.to_owned(),
        version: latest + 1,
        config: json_text(&prepared.config, false),
        revision: i64::from(prepared.revision),
        published_at: crumb_core::time::to_rfc3339(now_ms()),
        published_by: caller.name.clone(),
        note: note.trim().to_owned(),
        based_on: latest,
        renewal: prepared.renewal,
        shown: prepared.shown,
    }
}

/// Stores `version` (and deletes the published draft, given as its author and saved text): 201
/// with its metadata, or 409 when another publish got there first.
async fn commit(state: &AppState, version: ConfigVersion, draft: Option<(String, String)>) -> Result<Response, Box<Response>> {
    let (based_on, site) = (version.based_on, version.site.clone());
    let outcome = stored(state, "publishing a config failed", move |state| {
        state.database().publish_config(&version, draft.as_ref().map(|(author, text)| (author.as_str(), text.as_str())))
    })
    .await?;
    Ok(match outcome {
        Published::Stored(version) => {
            state.served_configs.forget(&site);
            reply(StatusCode::CREATED, &object(version_meta(&version)))
        }
        Published::Stale { latest } => stale(based_on, latest),
    })
}

// ---------------------------------------------------------------------------------------------
// Admin: the snippet for static sites, and the preview's sink.

#[derive(Debug, Deserialize)]
pub(super) struct SnippetParams {
    version: Option<String>,
}

/// `GET /api/admin/sites/{site}/snippet?version=N` [viewer]: the two tags a static site pastes
/// into its pages: the config inline (as served, `config_version` included, every `<` escaped so
/// nothing in a text can end the element) and loader.js from this server, posting here.
pub(super) async fn snippet(
    State(state): State<AppState>,
    Path(site): Path<String>,
    Query(params): Query<SnippetParams>,
    request: Request,
) -> Response {
    let (method, headers) = (request.method().clone(), request.headers().clone());
    attempt!(admit(&state, &method, &headers, Role::Viewer, &site));
    let version = match params.version {
        Some(n) => attempt!(load_version(&state, &site, &n).await),
        None => {
            let lookup = site.clone();
            let latest =
                attempt!(stored(&state, "reading a hosted config failed", move |state| state.database().latest_config(&lookup)).await);
            match latest {
                Some(latest) => latest,
                None => return refuse(StatusCode::NOT_FOUND, format!("no config is published for site `{}`", cap(&site))),
            }
        }
    };
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
    let origin = public_origin(&state, &headers, peer);
    let snippet = format!(
        "<script type=\"application/json\" id=\"crumb-config\">{config}</script>\n\
         <script src=\"{origin}/crumb/loader.js\" data-endpoint=\"{origin}/api/consent\" async></script>\n",
        config = json_text(&served_value(&version), true),
    );
    let mut response = snippet.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    no_store(response)
}

/// This server's origin as the public reaches it: `--public-origin` when set; else the request's
/// `Host` over `http`, or over `https` when a `--trusted-proxy` says so in `X-Forwarded-Proto`.
/// Empty (paths relative to the page) when the `Host` is not a plain host name.
fn public_origin(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if let Some(origin) = &state.settings().public_origin {
        return origin.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let plain = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if !plain {
        return String::new();
    }
    let from_proxy = peer.is_some_and(|peer| state.settings().trusted_proxies.iter().any(|proxy| proxy.contains(peer.ip())));
    let forwarded_https = from_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    format!("{}://{host}", if forwarded_https { "https" } else { "http" })
}

/// `POST /api/admin/preview/consent`: where the configurator's preview posts its records; answers
/// 204 and keeps nothing (a preview's clicks are not anyone's consent).
pub(super) async fn preview_consent() -> Response {
    no_store(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------

/// Where crumb-core's rules on config changes are called: whether a change asks every visitor
/// again, the revision it gets, and the differences between two configs, in the wire shape the
/// configurator shares.
mod change {
    use super::*;

    /// `assess(published, draft)` as JSON: `{renew, changes: [{path, what, renew}]}`.
    pub(super) fn assessment(published: &Config, draft: &Config) -> Value {
        crumb_core::config_change::assess(published, draft).to_value()
    }

    /// `next_revision(published, draft, ask_again)`.
    pub(super) fn revision(published: Option<&Config>, draft: &Config, ask_again: bool) -> u32 {
        crumb_core::config_change::next_revision(published, draft, ask_again)
    }

    /// `diff(before, after)` as JSON: `[{path, before, after}]`.
    pub(super) fn differences(before: &Value, after: &Value) -> Value {
        Value::Array(crumb_core::config_change::diff(before, after).iter().map(ToJson::to_value).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_config_element_is_found_however_its_tag_is_written() {
        let config = r#"{"site":"x"}"#;
        for page in [
            format!(r#"<script type="application/json" id="crumb-config">{config}</script>"#),
            format!(r#"<script id='crumb-config' type='application/json'>{config}</script>"#),
            format!(r#"<SCRIPT ID=crumb-config TYPE=application/json>{config}</SCRIPT>"#),
            format!(r#"<script data-note="a > b" id = "crumb-config">{config}</script >"#),
            format!(r#"<script src="x.js"></script><scripts id="crumb-config"></scripts><script id="crumb-config">{config}</script>"#),
        ] {
            assert_eq!(imported_text(&page).as_deref(), Ok(config), "{page}");
        }
        assert_eq!(imported_text(r#"<script id="crumb-config">{"a":"<\/script>"}</script>"#).as_deref(), Ok(r#"{"a":"</script>"}"#));
        for refused in ["", "   ", "<p>hi</p>", r#"<script id="crumb-configs">{}</script>"#, r#"<script id="crumb-config">{}"#] {
            assert!(imported_text(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn json_text_keeps_order_and_escapes_for_html() {
        let value: Value = serde_json::from_str(r#"{"b":1,"a":[2.5,-3,"</script>\u2028"],"c":null}"#).unwrap();
        assert_eq!(json_text(&value, false), "{\"b\":1,\"a\":[2.5,-3,\"</script>\u{2028}\"],\"c\":null}");
        let html = json_text(&value, true);
        assert!(!html.contains('<'));
        let back: Value = serde_json::from_str(&html).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn set_member_replaces_in_place_or_inserts_after() {
        let mut value: Value = serde_json::from_str(r#"{"site":"a","revision":1,"x":0}"#).unwrap();
        set_member(&mut value, "config_version", Value::Number(3.0), Some("revision"));
        set_member(&mut value, "site", Value::String("b".into()), None);
        assert_eq!(json_text(&value, false), r#"{"site":"b","revision":1,"config_version":3,"x":0}"#);
        let mut repeated: Value = serde_json::from_str(r#"{"site":"a","site":"b"}"#).unwrap();
        set_member(&mut repeated, "site", Value::String("c".into()), None);
        assert_eq!(json_text(&repeated, false), r#"{"site":"c"}"#);
    }

    proptest! {
        /// Whatever is pasted, the import answers (a text or a reason), never a panic.
        #[test]
        fn any_pasted_text_is_answered(text in ".{0,200}", wrap in prop_oneof![
            Just(("", "")),
            Just(("<script id=\"crumb-config\">", "</script>")),
            Just(("<script id='crumb-config", "")),
            Just(("<script x=\"", "\" id=crumb-config>")),
        ]) {
            let _ = imported_text(&format!("{}{text}{}", wrap.0, wrap.1));
            let _ = config_element(&text);
        }
    }
}
