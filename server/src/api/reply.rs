//! How every API route answers: JSON errors, a storage failure, the admin-token refusal, and
//! `Cache-Control: no-store` on what holds records.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
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

/// What a caller of the admin routes may do; each role may also do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(dead_code)]
pub(crate) enum Role {
    /// Reads records, rates, hosted configs and drafts.
    Viewer,
    /// Also saves drafts and imports configs.
    Editor,
    /// Also publishes and rolls back a site's config.
    Publisher,
}

/// Who is calling an admin route, as the version history names them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) struct Caller {
    /// The token's name (`admin` for `--admin-token`).
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

/// The caller, when the request's credentials allow `role` for `method`; else the answer that
/// refuses it (401 without valid credentials, 403 with a role too weak).
#[allow(dead_code)] // transitional: the hosted-config routes (issue 13) are its first callers
pub(crate) fn require(state: &AppState, _method: &Method, headers: &HeaderMap, role: Role) -> Result<Caller, Box<Response>> {
    if let Some(refusal) = refuse_without_token(state, headers) {
        return Err(Box::new(refusal));
    }
    let caller = Caller { name: "admin".to_owned(), role: Role::Publisher };
    if caller.role < role {
        return Err(Box::new(error(StatusCode::FORBIDDEN, "this token may not do that")));
    }
    Ok(caller)
}

/// `response` marked never to be cached (it holds records).
pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
