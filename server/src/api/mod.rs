//! The `/api/*` routes and `/admin`, one module per concern: [`intake`] receives consent records
//! (CORS, rate limit, limits, validation), [`history`] reads a consent id's records, [`export`]
//! streams a site's records, [`admin`] renders the rates page, [`configurator`] the configurator's
//! shell (`/admin/sites/{site}`). [`reply`] is how they all answer; [`range`] is the site-and-days
//! query export and admin share.

mod admin;
mod configurator;
mod export;
mod history;
mod intake;
mod range;
mod reply;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::AppState;
pub use intake::{check_record, MAX_BODY_BYTES};
pub(crate) use range::range_query;

/// The API routes (`/api/consent`, `/api/consent/{id}`, `/api/export`, `/api/digest`,
/// `/api/health`) and `/admin`.
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/api/consent", post(intake::post_consent).options(intake::preflight).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/consent/{id}", get(history::consent_history))
        .route("/api/export", get(export::export))
        .route("/api/digest", get(export::digest))
        .route("/api/health", get(health))
        .route("/admin", get(admin::page))
        .route("/admin/sites/{site}", get(configurator::page))
        .with_state(state)
        .layer(middleware::map_response(nosniff))
}

/// Every answer is what its `Content-Type` says: a browser never sniffs a JSON error or an export
/// into a script or a page.
async fn nosniff(mut response: Response) -> Response {
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn health() -> &'static str {
    "ok"
}
