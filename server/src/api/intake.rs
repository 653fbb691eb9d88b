//! `POST /api/consent` (and its CORS preflight): receiving consent records. Rate limit per
//! client address, the `Origin` allow-list per site, content type, size and time limits, then the
//! record's own validation before it is kept.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crumb_core::time::to_rfc3339;
use crumb_core::ConsentRecord;
use serde_json::json;

use super::reply::{error, internal};
use crate::{now_ms, AppState};

/// Largest accepted request body: a record is a few hundred bytes, 16 KB leaves ample room.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// JSON, or `text/plain` as `navigator.sendBeacon` sends a string; parameters such as
/// `charset` are ignored.
fn is_accepted_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json") || essence.eq_ignore_ascii_case("text/plain")
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

/// Where a request comes from, as far as the declared sites are concerned.
enum Origin {
    /// An origin declared for the record's site (or, before the record is read, for some site):
    /// answers carry `Access-Control-Allow-Origin`.
    Allowed(HeaderValue),
    Refused(String),
}

fn origin_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).or_else(|| headers.get(header::ORIGIN).map(|_| "?"))
}

/// Checks `Origin` against the declared sites; `site` None asks "allowed for any site".
///
/// Browsers send `Origin` with every POST, same-origin ones too, so a request without it is not
/// a shopper's page: refused. The server's own origin is no exception (a request can name any
/// `Host`): a site served by crumb-server itself declares that origin like any other.
fn check_origin(state: &AppState, headers: &HeaderMap, site: Option<&str>) -> Origin {
    let Some(origin) = origin_of(headers) else {
        return Origin::Refused("records are taken from web pages only: the request has no `Origin` header".to_owned());
    };
    // The site owner's side of the browser's CORS error: rate-limited (refusals.rs).
    let log_refusal = |site: Option<&str>| {
        for line in state.refusals.note(site, origin, Instant::now()) {
            eprintln!("{line}");
        }
    };
    if let Some(site) = site.filter(|site| !state.settings.allowed_origins.iter().any(|allowed| allowed.site == *site)) {
        log_refusal(Some(site));
        return Origin::Refused(format!("site `{site}` is not declared on this server (see --allow-origin)"));
    }
    let listed =
        state.settings.allowed_origins.iter().any(|allowed| allowed.matches(origin) && site.is_none_or(|site| allowed.site == site));
    match (listed, HeaderValue::from_str(origin)) {
        (true, Ok(value)) => Origin::Allowed(value),
        _ => {
            log_refusal(site);
            Origin::Refused(match site {
                Some(site) => format!("origin `{origin}` may not post records for site `{site}` (see --allow-origin)"),
                None => format!("origin `{origin}` may not post records (see --allow-origin)"),
            })
        }
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

pub(super) async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match check_origin(&state, &headers, None) {
        Origin::Refused(message) => error(StatusCode::FORBIDDEN, message),
        origin @ Origin::Allowed(_) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let out = response.headers_mut();
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
            with_cors(response, &origin)
        }
    }
}

/// The sender's address: the peer, or behind a `--trusted-proxy` the address it forwarded.
pub(super) fn client_ip(state: &AppState, request: &Request) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())?;
    Some(crate::proxy::client_address(peer, request.headers(), &state.settings.trusted_proxies))
}

pub(super) async fn post_consent(State(state): State<AppState>, request: Request) -> Response {
    let client = client_ip(&state, &request);
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
    let mut record = match check_record(&body, now) {
        Ok(record) => record,
        Err(message) => return with_cors(error(StatusCode::BAD_REQUEST, message), &early),
    };
    let origin = check_origin(&state, &headers, Some(&record.site));
    if let Origin::Refused(message) = origin {
        return error(StatusCode::FORBIDDEN, message);
    }
    let received_at = to_rfc3339(now);
    let client_ip = state.settings.store_ip.apply(client);
    // The secret proves who sent the record (crumb_core::proof); it is never stored.
    let secret = record.secret.take();
    let stored = state
        .blocking(move |state| {
            if let Err(why) = state.database.check_proof(&record.consent_id, secret.as_deref(), &received_at)? {
                return Ok(Err(why));
            }
            state.database.insert(&record, &received_at, client_ip.as_deref()).map(Ok)
        })
        .await;
    let response = match stored {
        Ok(Ok(true)) => (StatusCode::CREATED, Json(json!({ "stored": true }))).into_response(),
        Ok(Ok(false)) => (StatusCode::OK, Json(json!({ "stored": false }))).into_response(),
        Ok(Err(why)) => error(StatusCode::FORBIDDEN, why),
        Err(err) => internal("storing a record failed", &err),
    };
    with_cors(response, &origin)
}
