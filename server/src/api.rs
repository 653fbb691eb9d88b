//! The `/api/*` routes: receiving consent records (CORS, rate limit, limits, validation), reading
//! a consent id's history, exporting a site's records, health; and `/admin`.

use std::net::{IpAddr, SocketAddr};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use crumb_core::time::{parse_rfc3339, to_rfc3339, DAY_MS};
use crumb_core::{is_consent_id, ConsentRecord};
use serde::Deserialize;
use serde_json::json;

use crate::{auth, AppState, RangeQuery, StoredRecord};

/// Largest accepted request body: a record is a few hundred bytes, 16 KB leaves ample room.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The API routes (`/api/consent`, `/api/consent/{id}`, `/api/export`, `/api/health`) and `/admin`.
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/api/consent", post(post_consent).options(preflight).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/consent/{id}", get(consent_history))
        .route("/api/export", get(export))
        .route("/api/health", get(health))
        .route("/admin", get(crate::admin::page))
        .with_state(state)
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn internal(what: &str, err: &crate::ServerError) -> Response {
    eprintln!("crumb-server: {what}: {err}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "storage is unavailable")
}

/// A 401 answer unless the request carries the admin token.
pub(crate) fn refuse_without_token(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let refusal = auth::check(state.token.as_ref().as_ref(), headers).err()?;
    let mut response = error(StatusCode::UNAUTHORIZED, refusal.message());
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"crumb admin\", charset=\"UTF-8\""));
    Some(response)
}

/// JSON, or `text/plain` as `navigator.sendBeacon` sends a string; parameters such as
/// `charset` are ignored.
fn is_accepted_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json") || essence.eq_ignore_ascii_case("text/plain")
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Parses and validates a record body the way `POST /api/consent` does: known fields only,
/// types, sizes, ids, enums and dates (`now_ms` bounds them). The error names the field.
pub fn check_record(body: &[u8], now_ms: i64) -> Result<ConsentRecord, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let record: ConsentRecord = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        if path == "." {
            format!("invalid consent record: {}", err.inner())
        } else {
            format!("invalid consent record: `{path}`: {}", err.inner())
        }
    })?;
    deserializer.end().map_err(|err| format!("invalid consent record: {err}"))?;
    record.validate(now_ms).map_err(|err| err.to_string())?;
    Ok(record)
}

/// Where a request comes from, as far as CORS is concerned.
enum Origin {
    /// No `Origin` header (not a browser's cross-origin request), or the server's own origin.
    Own,
    /// Another origin, allowed for the record's site: answers carry `Access-Control-Allow-Origin`.
    Allowed(HeaderValue),
    Refused(String),
}

fn origin_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).or_else(|| headers.get(header::ORIGIN).map(|_| "?"))
}

/// Checks `Origin` against the host and the allow-list; `site` None asks "allowed for any site".
fn check_origin(state: &AppState, headers: &HeaderMap, site: Option<&str>) -> Origin {
    let Some(origin) = origin_of(headers) else { return Origin::Own };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let own = !host.is_empty()
        && origin.split_once("://").is_some_and(|(scheme, rest)| (scheme == "http" || scheme == "https") && rest == host);
    if own {
        return Origin::Own;
    }
    let listed = state
        .settings
        .allowed_origins
        .iter()
        .any(|allowed| allowed.origin == origin && site.is_none_or(|site| allowed.site == site));
    match (listed, HeaderValue::from_str(origin)) {
        (true, Ok(value)) => Origin::Allowed(value),
        _ => Origin::Refused(match site {
            Some(site) => format!("origin `{origin}` may not post records for site `{site}` (see --allow-origin)"),
            None => format!("origin `{origin}` may not post records (see --allow-origin)"),
        }),
    }
}

fn with_cors(mut response: Response, origin: &Origin) -> Response {
    if let Origin::Allowed(value) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value.clone());
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match check_origin(&state, &headers, None) {
        Origin::Refused(message) => error(StatusCode::FORBIDDEN, message),
        origin => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let out = response.headers_mut();
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
            with_cors(response, &origin)
        }
    }
}

fn client_ip(request: &Request) -> Option<IpAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

async fn post_consent(State(state): State<AppState>, request: Request) -> Response {
    let client = client_ip(&request);
    if let Err(seconds) = state.limiter.check(client, Instant::now()) {
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "too many records from this address; retry later");
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let early = check_origin(&state, request.headers(), None);
    if let Origin::Refused(message) = early {
        return error(StatusCode::FORBIDDEN, message);
    }
    if !is_accepted_content_type(request.headers()) {
        let response = error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json or text/plain");
        return with_cors(response, &early);
    }
    let headers = request.headers().clone();
    // Reads at most MAX_BODY_BYTES (the DefaultBodyLimit above): larger bodies are a 413. A
    // client that trickles its body is cut off after body_timeout.
    let body = match tokio::time::timeout(state.settings.body_timeout, Bytes::from_request(request, &())).await {
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) => {
            let mut response = error(rejection.status(), rejection.body_text());
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return with_cors(response, &early);
        }
        Err(_) => {
            let mut response = error(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time");
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    let now = now_ms();
    let record = match check_record(&body, now) {
        Ok(record) => record,
        Err(message) => return with_cors(error(StatusCode::BAD_REQUEST, message), &early),
    };
    let origin = check_origin(&state, &headers, Some(&record.site));
    if let Origin::Refused(message) = origin {
        return error(StatusCode::FORBIDDEN, message);
    }
    let received_at = to_rfc3339(now);
    let client_ip = state.settings.store_ip.apply(client);
    let response = match state.blocking(move |state| state.database.insert(&record, &received_at, client_ip.as_deref())).await {
        Ok(true) => (StatusCode::CREATED, Json(json!({ "stored": true }))).into_response(),
        Ok(false) => (StatusCode::OK, Json(json!({ "stored": false }))).into_response(),
        Err(err) => internal("storing a record failed", &err),
    };
    with_cors(response, &origin)
}

async fn consent_history(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(response) = refuse_without_token(&state, &headers) {
        return response;
    }
    if !is_consent_id(&id) {
        return error(StatusCode::BAD_REQUEST, "`consent_id` must be 8-64 letters, digits or `-`");
    }
    match state.blocking(move |state| state.database.history(&id)).await {
        Ok(records) if records.is_empty() => error(StatusCode::NOT_FOUND, "no records for this consent id"),
        Ok(records) => no_store(Json(records).into_response()),
        Err(err) => internal("reading a consent history failed", &err),
    }
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExportParams {
    pub(crate) site: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) format: Option<String>,
}

/// `YYYY-MM-DD` as epoch ms of that day's start (UTC).
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let ok =
        text.len() == 10 && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !ok {
        return None;
    }
    parse_rfc3339(&format!("{text}T00:00:00Z"))
}

/// `from`/`to` (inclusive days, `YYYY-MM-DD`) as a query; defaults: from 2020-01-01, to today.
pub(crate) fn range_query(site: String, from: Option<&str>, to: Option<&str>, now: i64) -> Result<RangeQuery, String> {
    let from_ms = match from {
        Some(text) => parse_day(text).ok_or_else(|| format!("`from` must be a date YYYY-MM-DD, not `{text}`"))?,
        None => crumb_core::time::EARLIEST_MS,
    };
    let to_ms = match to {
        Some(text) => parse_day(text).ok_or_else(|| format!("`to` must be a date YYYY-MM-DD, not `{text}`"))?,
        None => now - now.rem_euclid(DAY_MS) + DAY_MS,
    };
    if to_ms < from_ms {
        return Err("`to` is before `from`".to_owned());
    }
    Ok(RangeQuery { site, from: to_rfc3339(from_ms), to: to_rfc3339(to_ms + DAY_MS) })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

const CSV_HEADER: &str =
    "consent_id,site,revision,action,updated_at,given_at,received_at,language,gpc,url_path,categories,services,client_ip\n";

fn csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn flags(map: &std::collections::BTreeMap<String, bool>) -> String {
    map.iter().map(|(k, v)| format!("{k}={}", if *v { "yes" } else { "no" })).collect::<Vec<_>>().join(";")
}

fn csv_line(out: &mut String, stored: &StoredRecord) {
    let r = &stored.record;
    let fields = [
        r.consent_id.clone(),
        r.site.clone(),
        r.revision.to_string(),
        r.action.as_str().to_owned(),
        r.updated_at.clone(),
        r.given_at.clone(),
        stored.received_at.clone(),
        r.language.clone(),
        r.gpc.to_string(),
        r.url_path.clone(),
        flags(&r.categories),
        flags(&r.services),
        stored.client_ip.clone().unwrap_or_default(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field);
    }
    out.push('\n');
}

/// Streams a site's records: a blocking task reads rows and hands ~16 KB chunks through a small
/// channel, so memory stays flat whatever the range.
async fn export(State(state): State<AppState>, headers: HeaderMap, Query(params): Query<ExportParams>) -> Response {
    if let Some(response) = refuse_without_token(&state, &headers) {
        return response;
    }
    let Some(site) = params.site.filter(|s| crumb_core::is_site_id(s)) else {
        return error(StatusCode::BAD_REQUEST, "`site` is required (the records' site id)");
    };
    let format = match params.format.as_deref() {
        None | Some("jsonl") | Some("ndjson") => Format::JsonLines,
        Some("csv") => Format::Csv,
        Some(other) => return error(StatusCode::BAD_REQUEST, format!("`format` must be csv or jsonl, not `{other}`")),
    };
    let query = match range_query(site, params.from.as_deref(), params.to.as_deref(), now_ms()) {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let database = state.database.clone();
    tokio::task::spawn_blocking(move || {
        let mut chunk = String::with_capacity(20_000);
        if format == Format::Csv {
            chunk.push_str(CSV_HEADER);
        }
        let mut open = true;
        let result = database.export(&query, &mut |stored| {
            match format {
                Format::Csv => csv_line(&mut chunk, &stored),
                Format::JsonLines => {
                    if let Ok(line) = serde_json::to_string(&stored) {
                        chunk.push_str(&line);
                        chunk.push('\n');
                    }
                }
            }
            if chunk.len() >= 16_384 {
                open = sender.blocking_send(Ok(Bytes::from(std::mem::take(&mut chunk)))).is_ok();
            }
            open
        });
        match result {
            Ok(()) if open && !chunk.is_empty() => {
                let _ = sender.blocking_send(Ok(Bytes::from(chunk)));
            }
            Ok(()) => {}
            Err(err) => {
                eprintln!("crumb-server: export failed: {err}");
                // Breaks the response off, so the client sees an incomplete transfer.
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let stream =
        futures_util::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) });
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::JsonLines => "application/x-ndjson",
    };
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    no_store(response)
}

async fn health() -> &'static str {
    "ok"
}

pub(crate) fn today_ms() -> i64 {
    now_ms()
}
