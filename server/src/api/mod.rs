//! The `/api/*` routes and `/admin`, one module per concern: [`intake`] receives consent records
//! (CORS, rate limit, limits, validation), [`history`] reads a consent id's records, [`export`]
//! streams a site's records, [`admin`] renders the rates page, [`login`] signs browsers in to it,
//! [`consent_page`] is the proof view of one consent, [`configurator`] the configurator's shell
//! (`/admin/sites/{site}`) and [`configs`] the hosted configs it edits. [`reply`] is how they all
//! answer and who may call them; [`range`] is the site-and-days query export and admin share.

mod admin;
pub(crate) mod configs;
mod configurator;
mod consent_page;
mod export;
mod history;
mod intake;
mod login;
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
pub(crate) use login::FAILED_SIGN_INS_PER_MINUTE;
pub(crate) use range::range_query;
pub use reply::Role;

/// The API routes (`/api/consent`, `/api/consent/{id}`, `/api/export`, `/api/digest`,
/// `/api/health`), `/admin` and its sign-in (`/admin/login`, `/admin/logout`).
pub fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/api/consent", post(intake::post_consent).options(intake::preflight).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/api/consent/{id}", get(history::consent_history))
        .route("/api/export", get(export::export))
        .route("/api/digest", get(export::digest))
        .route("/api/health", get(health))
        .route("/admin", get(admin::page))
        .route("/admin/consents", get(consent_page::page))
        .route("/admin/login", get(login::page).post(login::sign_in).layer(DefaultBodyLimit::max(login::MAX_FORM_BYTES)))
        .route("/admin/logout", post(login::sign_out))
        .merge(hosted_config_routes())
        .route("/admin/sites/{site}", get(configurator::page))
        .with_state(state)
        .layer(middleware::map_response(nosniff))
}

/// Hosted configs ([`configs`]): the public config the widget loads, and the admin JSON API.
fn hosted_config_routes() -> Router<AppState> {
    let admin_body = DefaultBodyLimit::max(configs::MAX_ADMIN_BODY_BYTES);
    Router::new()
        .route("/api/sites/{site}/config", get(configs::served_config))
        .route("/api/admin/sites", get(configs::sites))
        .route("/api/admin/sites/{site}/versions", get(configs::versions))
        .route("/api/admin/sites/{site}/versions/{n}", get(configs::version))
        .route("/api/admin/sites/{site}/diff", get(configs::diff))
        .route("/api/admin/sites/{site}/draft", get(configs::get_draft).put(configs::put_draft).layer(admin_body))
        .route("/api/admin/sites/{site}/publish", post(configs::publish).layer(admin_body))
        .route("/api/admin/sites/{site}/rollback", post(configs::rollback).layer(admin_body))
        .route("/api/admin/sites/{site}/import", post(configs::import).layer(admin_body))
        .route("/api/admin/sites/{site}/snippet", get(configs::snippet))
        .route("/api/admin/preview/consent", post(configs::preview_consent).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
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
