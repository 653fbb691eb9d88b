//! Signing a browser in to the admin pages: `GET /admin/login` (a form, no script),
//! `POST /admin/login` (the token; a cookie holding a new session id in return) and
//! `POST /admin/logout`.
//!
//! Who could abuse it: anyone can post tokens to the form, so failed sign-ins are limited per
//! client address ([`FAILED_SIGN_INS_PER_MINUTE`]) and a wrong token gets one plain message,
//! whatever was wrong. A page on another site could post the form (to sign the browser in as
//! someone else) or sign it out: both must come from this server's own pages. `next` could send
//! the browser elsewhere after signing in: it stays under `/admin` (`auth::safe_next`). The
//! token and the session id appear in no URL and no log line, and the database keeps only their
//! SHA-256.

use std::time::Instant;

use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use crumb_core::time::to_rfc3339;
use serde::Deserialize;

use super::admin::{escape, html_page, page_head};
use super::reply::{internal, see_other, token_caller};
use crate::tokens::sha256_hex;
use crate::{auth, now_ms, AppState};

/// Failed sign-ins a client address may make per minute (a burst of as many, then one every
/// 6 seconds). A token has 256 random bits: this keeps scripts from hammering the form and the
/// database, not from a guess that cannot succeed anyway.
pub(crate) const FAILED_SIGN_INS_PER_MINUTE: u32 = 10;

/// The largest sign-in form body: a token and a path.
pub(super) const MAX_FORM_BYTES: usize = 4096;

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

/// The sign-in page, with `message` (an error) above the form.
fn sign_in_page(status: StatusCode, next: &str, message: Option<&str>) -> Response {
    let mut html = page_head("Sign in · Crumb consent log");
    html.push_str("<h1>Sign in</h1>");
    if let Some(message) = message {
        html.push_str(&format!("<p class=\"alert\" role=\"alert\">{}</p>", escape(message)));
    }
    html.push_str(&format!(
        "<form method=\"post\" action=\"/admin/login\"><label>Admin token\
         <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label>\
         <input type=\"hidden\" name=\"next\" value=\"{}\"><button type=\"submit\">Sign in</button></form>\
         <p class=\"muted\">The server's operator gives out tokens (<code>crumb-server token add NAME --role viewer</code>). \
         Signing in keeps you signed in on this browser for 12 hours.</p></body></html>",
        escape(next)
    ));
    html_page(status, html)
}

/// `GET /admin/login?next=/admin…`: the form.
pub(super) async fn page(uri: Uri) -> Response {
    let next = Query::<NextQuery>::try_from_uri(&uri).ok().and_then(|query| query.0.next);
    sign_in_page(StatusCode::OK, &auth::safe_next(next.as_deref()), None)
}

/// `POST /admin/login` (form fields `token`, `next`): 303 to `next` with the session cookie, or
/// the form again.
pub(super) async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    if !auth::from_own_pages(&headers) {
        return sign_in_page(StatusCode::FORBIDDEN, "/admin", Some("Sign in from this server's own sign-in page."));
    }
    let client = super::intake::client_ip(&state, &request);
    if let Err(seconds) = state.sign_ins.peek(client, Instant::now()) {
        let message = format!("Too many failed sign-ins from this address. Try again in {seconds} seconds.");
        let mut response = sign_in_page(StatusCode::TOO_MANY_REQUESTS, "/admin", Some(&message));
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let form = match tokio::time::timeout(state.settings.body_timeout, Form::<SignInForm>::from_request(request, &())).await {
        Ok(Ok(Form(form))) => form,
        Ok(Err(_)) | Err(_) => return sign_in_page(StatusCode::BAD_REQUEST, "/admin", Some("The sign-in form could not be read.")),
    };
    let next = auth::safe_next(form.next.as_deref());
    let token = form.token.trim().to_owned();
    let caller = if token.is_empty() { Ok(None) } else { state.blocking(move |state| token_caller(state, &token)).await };
    let caller = match caller {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            // Spends one of the address's failed attempts; the answer is the same either way.
            let _ = state.sign_ins.check(client, Instant::now());
            return sign_in_page(StatusCode::UNAUTHORIZED, &next, Some("That token is not valid."));
        }
        Err(err) => return internal("checking a sign-in failed", &err),
    };
    let id = match auth::new_session_id() {
        Ok(id) => id,
        Err(err) => return internal("making a session id failed", &err),
    };
    let now = now_ms();
    let (created, expires) = (to_rfc3339(now), to_rfc3339(now + auth::SESSION_SECONDS * 1000));
    let hash = sha256_hex(&id);
    let stored =
        state.blocking(move |state| state.database.add_admin_session(&hash, &caller.name, caller.role.as_str(), &created, &expires)).await;
    if let Err(err) = stored {
        return internal("storing a sign-in failed", &err);
    }
    let mut response = see_other(&next);
    let cookie = auth::session_cookie(&id, !auth::is_plain_http_to_loopback(&headers));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /admin/logout`: ends the session of the cookie and clears it; 303 to the sign-in.
pub(super) async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !auth::from_own_pages(&headers) {
        return sign_in_page(StatusCode::FORBIDDEN, "/admin", Some("Sign out from this server's own pages."));
    }
    let hashes: Vec<String> = auth::session_cookies(&headers).iter().map(|id| sha256_hex(id)).collect();
    if !hashes.is_empty() {
        let ended = state
            .blocking(move |state| {
                for hash in &hashes {
                    state.database.end_admin_session(hash)?;
                }
                Ok(())
            })
            .await;
        if let Err(err) = ended {
            return internal("ending a sign-in failed", &err);
        }
    }
    let mut response = see_other("/admin/login");
    if let Ok(value) = HeaderValue::from_str(&auth::cleared_cookie(!auth::is_plain_http_to_loopback(&headers))) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
