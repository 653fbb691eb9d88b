//! How every API route answers: JSON errors, a storage failure, the admin-token refusal, and
//! `Cache-Control: no-store` on what holds records.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::{auth, AppState, ServerError};

/// `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A 500 that tells the client only that storage failed; the log gets `what` and the error.
pub(crate) fn internal(what: &str, err: &ServerError) -> Response {
    eprintln!("crumb-server: {what}: {err}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "storage is unavailable")
}

/// A 401 answer unless the request carries the admin token.
pub(crate) fn refuse_without_token(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let refusal = auth::check(state.token.as_ref().as_ref(), headers).err()?;
    let mut response = error(StatusCode::UNAUTHORIZED, refusal.message());
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"crumb admin\", charset=\"UTF-8\""));
    Some(response)
}

/// `response` marked never to be cached (it holds records).
pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
