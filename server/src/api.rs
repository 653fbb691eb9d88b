//! The `/api/*` routes: receiving consent records, reading a consent id's history, health.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use crumb_core::time::to_rfc3339;
use crumb_core::{is_consent_id, ConsentRecord};
use serde_json::json;

use crate::AppState;

/// Largest accepted request body: a record is a few hundred bytes, 16 KB leaves ample room.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The API routes alone (`/api/consent`, `/api/consent/{id}`, `/api/health`).
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/api/consent", post(post_consent).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/consent/{id}", get(consent_history))
        .route("/api/health", get(health))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn internal(what: &str, err: &crate::ServerError) -> Response {
    eprintln!("crumb-server: {what}: {err}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "storage is unavailable")
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
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Parses a record, naming the field at fault (`action: unknown variant ...`).
fn parse_record(body: &[u8]) -> Result<ConsentRecord, String> {
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
    Ok(record)
}

async fn post_consent(State(state): State<AppState>, request: Request) -> Response {
    if !is_accepted_content_type(request.headers()) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json or text/plain");
    }
    // Reads at most MAX_BODY_BYTES (the DefaultBodyLimit above): larger bodies are a 413.
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    let record = match parse_record(&body) {
        Ok(record) => record,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let now = now_ms();
    if let Err(err) = record.validate(now) {
        return error(StatusCode::BAD_REQUEST, err.to_string());
    }
    let received_at = to_rfc3339(now);
    match state.blocking(move |state| state.store_record(&record, &received_at)).await {
        Ok(true) => (StatusCode::CREATED, Json(json!({ "stored": true }))).into_response(),
        Ok(false) => (StatusCode::OK, Json(json!({ "stored": false }))).into_response(),
        Err(err) => internal("storing a record failed", &err),
    }
}

async fn consent_history(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !is_consent_id(&id) {
        return error(StatusCode::BAD_REQUEST, "`consent_id` must be 8-64 letters, digits or `-`");
    }
    match state.blocking(move |state| state.records_for(&id)).await {
        Ok(records) if records.is_empty() => error(StatusCode::NOT_FOUND, "no records for this consent id"),
        Ok(records) => Json(records).into_response(),
        Err(err) => internal("reading a consent history failed", &err),
    }
}

async fn health() -> &'static str {
    "ok"
}
