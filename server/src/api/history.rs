//! `GET /api/consent/{id}`: a consent id's records, for the admin token's holder, in the order the
//! server received them, a page at a time: `?limit=N` (1-1000, default 100) and `?after=CURSOR`.
//! The body is the page's records (a JSON array, as before paging); when there are more, a
//! `Link: <…?after=CURSOR&limit=N>; rel="next"` header names the next page and `X-Next-Cursor`
//! holds the cursor.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crumb_core::is_consent_id;
use serde::Deserialize;

use super::reply::{error, internal, no_store, require, Role};
use crate::database::{HistoryCursor, HISTORY_PAGE_MAX};
use crate::AppState;

/// Records per page unless `?limit=` says otherwise.
pub(crate) const DEFAULT_PAGE: u32 = 100;

#[derive(Debug, Deserialize)]
pub(super) struct PageParams {
    after: Option<String>,
    limit: Option<String>,
}

pub(super) async fn consent_history(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    if let Err(response) = require(&state, &method, &headers, Role::Viewer) {
        return *response;
    }
    if !is_consent_id(&id) {
        return error(StatusCode::BAD_REQUEST, "`consent_id` must be 8-64 letters, digits or `-`");
    }
    let limit = match params.limit.as_deref().map(str::parse::<u32>) {
        None => DEFAULT_PAGE,
        Some(Ok(limit @ 1..=HISTORY_PAGE_MAX)) => limit,
        Some(_) => return error(StatusCode::BAD_REQUEST, format!("`limit` must be 1 to {HISTORY_PAGE_MAX}")),
    };
    let after = match params.after.as_deref().map(HistoryCursor::parse) {
        None => None,
        Some(Some(cursor)) => Some(cursor),
        Some(None) => return error(StatusCode::BAD_REQUEST, "`after` must be a cursor from a previous page's `X-Next-Cursor`"),
    };
    let first_page = after.is_none();
    let lookup = id.clone();
    match state.blocking(move |state| state.database.history_page(&lookup, after.as_ref(), limit)).await {
        Ok((records, _)) if records.is_empty() && first_page => error(StatusCode::NOT_FOUND, "no records for this consent id"),
        Ok((records, next)) => {
            let mut response = no_store(Json(records).into_response());
            if let Some(cursor) = next {
                let cursor = cursor.to_text();
                let link = format!("</api/consent/{id}?after={cursor}&limit={limit}>; rel=\"next\"");
                if let (Ok(link), Ok(cursor)) = (HeaderValue::from_str(&link), HeaderValue::from_str(&cursor)) {
                    response.headers_mut().insert(header::LINK, link);
                    response.headers_mut().insert("x-next-cursor", cursor);
                }
            }
            response
        }
        Err(err) => internal("reading a consent history failed", &err),
    }
}
