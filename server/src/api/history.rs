//! `GET /api/consent/{id}`: every record of one consent id, for the admin token's holder.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crumb_core::is_consent_id;

use super::reply::{error, internal, no_store, refuse_without_token};
use crate::AppState;

pub(super) async fn consent_history(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
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
