//! How every API route answers: JSON errors, a storage failure, who the caller is and what they
//! may do ([`require`], [`require_page`]), and `Cache-Control: no-store` on what holds records.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crumb_core::time::to_rfc3339;
use serde_json::json;

use crate::tokens::{sha256_hex, ADMIN_NAME};
use crate::{auth, now_ms, AppState, ServerError};

/// `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A 500 that tells the client only that storage failed; the log gets `what` and the error.
pub(crate) fn internal(what: &str, err: &ServerError) -> Response {
    eprintln!("crumb-server: {what}: {err}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "storage is unavailable")
}

/// What a caller of the admin routes may do; each role may also do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads records, rates, hosted configs and drafts.
    Viewer,
    /// Also saves drafts and imports configs.
    Editor,
    /// Also publishes and rolls back a site's config.
    Publisher,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Publisher];

    /// `viewer`, `editor` or `publisher`: as the command line takes it and the database keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Publisher => "publisher",
        }
    }

    /// The role named `text` (as [`Role::as_str`] writes it).
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is calling an admin route, as the version history names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    /// The token's name (`admin` for `--admin-token`).
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

/// Why [`check`] found no caller allowed.
enum Denied {
    /// No valid credentials: 401 (an HTML page sends the browser to the sign-in instead).
    Unauthenticated(auth::Refusal),
    /// Valid credentials that may not do this: 403 with the reason.
    Forbidden(String),
    /// Storage failed: the 500 to answer.
    Failed(Box<Response>),
}

/// The caller named by `token` (from `Authorization`, or typed into the sign-in form):
/// `--admin-token`, or a named token in force. Blocks (a database read).
pub(crate) fn token_caller(state: &AppState, token: &str) -> Result<Option<Caller>, ServerError> {
    if state.token.as_ref().as_ref().is_some_and(|admin| admin.matches(token)) {
        return Ok(Some(Caller { name: ADMIN_NAME.to_owned(), role: Role::Publisher }));
    }
    let found = state.database.admin_token_by_hash(&sha256_hex(token))?;
    Ok(found.and_then(|(name, role)| Role::parse(&role).map(|role| Caller { name, role })))
}

/// The caller signed in with session `id` (from the cookie), while the session lasts and its
/// token is in force. Blocks (a database read).
fn session_caller(state: &AppState, id: &str) -> Result<Option<Caller>, ServerError> {
    let admin = state.token.as_ref().as_ref().map(|_| ADMIN_NAME);
    let found = state.database.admin_session(&sha256_hex(id), &to_rfc3339(now_ms()), admin)?;
    Ok(found.and_then(|(name, role)| Role::parse(&role).map(|role| Caller { name, role })))
}

/// The request's caller, when its credentials are valid, allow `role`, and (for a request that
/// changes state) were not sent by a browser on another site's behalf.
fn check(state: &AppState, method: &Method, headers: &HeaderMap, role: Role) -> Result<Caller, Denied> {
    let changes = !matches!(*method, Method::GET | Method::HEAD);
    let allow = |caller: Caller| {
        if caller.role < role {
            return Err(Denied::Forbidden(format!("this needs the {role} role; `{}` has the {} role", caller.name, caller.role)));
        }
        Ok(caller)
    };
    let failed = |err: ServerError| Denied::Failed(Box::new(internal("checking admin credentials failed", &err)));
    let mut wrong = false;
    match auth::authorization(headers) {
        auth::Authorization::Token(scheme, token) => {
            if let Some(caller) = state.blocking_here(|state| token_caller(state, &token)).map_err(failed)? {
                if changes && scheme == auth::Scheme::Basic && !auth::not_from_elsewhere(headers) {
                    return Err(Denied::Forbidden(OTHER_SITE.to_owned()));
                }
                return allow(caller);
            }
            wrong = true;
        }
        auth::Authorization::Unreadable => wrong = true,
        auth::Authorization::None => {}
    }
    for id in auth::session_cookies(headers) {
        if let Some(caller) = state.blocking_here(|state| session_caller(state, &id)).map_err(failed)? {
            if changes && !auth::from_own_pages(headers) {
                return Err(Denied::Forbidden(OTHER_SITE.to_owned()));
            }
            return allow(caller);
        }
        wrong = true;
    }
    let configured = state.token.is_some() || state.blocking_here(|state| state.database.active_admin_tokens()).map_err(failed)? > 0;
    Err(Denied::Unauthenticated(match (configured, wrong) {
        (false, _) => auth::Refusal::NotConfigured,
        (true, true) => auth::Refusal::Wrong,
        (true, false) => auth::Refusal::Missing,
    }))
}

/// Why a signed-in browser's change is refused when another site's page may have started it.
const OTHER_SITE: &str = "a change signed in by cookie or a remembered password must come from this server's own pages \
                          (Sec-Fetch-Site: same-origin, or an Origin equal to this server's)";

/// The caller, when the request's credentials allow `role` for `method`; else the answer that
/// refuses it (401 without valid credentials, 403 with a role too weak or a change another
/// site's page may have started). For the JSON API; HTML pages use [`require_page`].
pub(crate) fn require(state: &AppState, method: &Method, headers: &HeaderMap, role: Role) -> Result<Caller, Box<Response>> {
    check(state, method, headers, role).map_err(|denied| {
        Box::new(match denied {
            Denied::Unauthenticated(refusal) => {
                let mut response = error(StatusCode::UNAUTHORIZED, refusal.message());
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"crumb admin\", charset=\"UTF-8\""));
                response
            }
            Denied::Forbidden(message) => error(StatusCode::FORBIDDEN, message),
            Denied::Failed(response) => *response,
        })
    })
}

/// As [`require`], for an HTML page under `/admin` that a person opens in a browser: without
/// valid credentials the browser is sent to the sign-in (303 to `/admin/login?next=<this page>`)
/// instead of a 401.
pub(crate) fn require_page(state: &AppState, method: &Method, uri: &Uri, headers: &HeaderMap, role: Role) -> Result<Caller, Box<Response>> {
    check(state, method, headers, role).map_err(|denied| {
        Box::new(match denied {
            Denied::Unauthenticated(_) => {
                let here = uri.path_and_query().map_or("/admin", |p| p.as_str());
                let location = format!("/admin/login?next={}", auth::percent_encode(&auth::safe_next(Some(here))));
                see_other(&location)
            }
            Denied::Forbidden(message) => {
                let mut response = (StatusCode::FORBIDDEN, message).into_response();
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Denied::Failed(response) => *response,
        })
    })
}

/// 303 to `location` (a path on this server), never cached.
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `response` marked never to be cached (it holds records).
pub(crate) fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::HeaderName;

    use super::*;
    use crate::tokens::{run, TokenCommand};
    use crate::{Database, Settings};

    const ADMIN_TOKEN: &str = "the-admin-token-0123456789";

    fn state(dir: &tempfile::TempDir) -> AppState {
        let database = Database::open_sqlite(&dir.path().join("consent.sqlite3")).unwrap();
        let settings = Settings { admin_token: Some(ADMIN_TOKEN.to_owned()), ..Settings::default() };
        AppState::with_settings(Arc::new(database), dir.path(), settings)
    }

    fn add(state: &AppState, name: &str, role: Role) -> String {
        let output = run(&state.database, &TokenCommand::Add { name: name.into(), role }, now_ms()).unwrap();
        output.stdout.trim().to_owned()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("crumb.example"));
        for (name, value) in pairs {
            headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn status(result: &Result<Caller, Box<Response>>) -> StatusCode {
        match result {
            Ok(_) => StatusCode::OK,
            Err(response) => response.status(),
        }
    }

    #[test]
    fn each_role_may_do_its_own_and_weaker_things_only() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir);
        for role in Role::ALL {
            let bearer = format!("Bearer {}", add(&state, role.as_str(), role));
            for needed in Role::ALL {
                let result = require(&state, &Method::GET, &headers(&[("authorization", &bearer)]), needed);
                if role >= needed {
                    assert_eq!(result.unwrap(), Caller { name: role.as_str().to_owned(), role });
                } else {
                    let response = result.unwrap_err();
                    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} asking for {needed}");
                    assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
                }
            }
        }
        let admin = format!("Bearer {ADMIN_TOKEN}");
        let caller = require(&state, &Method::POST, &headers(&[("authorization", &admin)]), Role::Publisher).unwrap();
        assert_eq!(caller, Caller { name: "admin".into(), role: Role::Publisher });
        let missing = require(&state, &Method::GET, &headers(&[]), Role::Viewer).unwrap_err();
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert!(missing.headers().get(header::WWW_AUTHENTICATE).is_some());
    }

    #[test]
    fn the_forbidden_answer_names_the_role_needed() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir);
        let bearer = format!("Bearer {}", add(&state, "vera", Role::Viewer));
        let response = require(&state, &Method::PUT, &headers(&[("authorization", &bearer)]), Role::Editor).unwrap_err();
        let body = futures_util::FutureExt::now_or_never(axum::body::to_bytes(response.into_body(), 10_000)).unwrap().unwrap();
        let message: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(message["error"], "this needs the editor role; `vera` has the viewer role");
    }

    #[test]
    fn a_cookie_or_basic_change_must_come_from_this_servers_pages_a_bearer_one_need_not() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir);
        let token = add(&state, "ed", Role::Editor);
        let id = crate::auth::new_session_id().unwrap();
        let now = now_ms();
        state.database.add_admin_session(&sha256_hex(&id), "ed", "editor", &to_rfc3339(now), &to_rfc3339(now + 60_000)).unwrap();
        let cookie = format!("crumb_admin={id}");
        let basic = format!("Basic {}", auth::base64_encode(format!("ed:{token}").as_bytes()));
        let bearer = format!("Bearer {token}");
        let cross_site = [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")];
        let same_site_sibling = [("sec-fetch-site", "same-site"), ("origin", "https://blog.crumb.example")];
        type Case<'a> = (&'a [(&'a str, &'a str)], Method, StatusCode);
        let cases: [Case<'_>; 12] = [
            (&[("cookie", &cookie)], Method::GET, StatusCode::OK),
            (&[("cookie", &cookie), cross_site[0]], Method::GET, StatusCode::OK),
            (&[("cookie", &cookie)], Method::POST, StatusCode::FORBIDDEN),
            (&[("cookie", &cookie), cross_site[0], cross_site[1]], Method::POST, StatusCode::FORBIDDEN),
            (&[("cookie", &cookie), same_site_sibling[0], same_site_sibling[1]], Method::PUT, StatusCode::FORBIDDEN),
            (&[("cookie", &cookie), ("origin", "https://evil.example")], Method::DELETE, StatusCode::FORBIDDEN),
            (&[("cookie", &cookie), ("sec-fetch-site", "same-origin")], Method::POST, StatusCode::OK),
            (&[("cookie", &cookie), ("origin", "https://crumb.example")], Method::PUT, StatusCode::OK),
            (&[("authorization", &basic), cross_site[0], cross_site[1]], Method::POST, StatusCode::FORBIDDEN),
            (&[("authorization", &basic)], Method::POST, StatusCode::OK),
            (&[("authorization", &bearer), cross_site[0], cross_site[1]], Method::POST, StatusCode::OK),
            (&[("authorization", &bearer)], Method::PUT, StatusCode::OK),
        ];
        for (pairs, method, expected) in cases {
            assert_eq!(status(&require(&state, &method, &headers(pairs), Role::Editor)), expected, "{method} {pairs:?}");
        }
    }

    #[test]
    fn pages_send_browsers_without_credentials_to_the_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir);
        let uri: Uri = "/admin/sites/shop?tab=texts&x=%20".parse().unwrap();
        let response = require_page(&state, &Method::GET, &uri, &headers(&[]), Role::Viewer).unwrap_err();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/admin/login?next=/admin/sites/shop%3Ftab%3Dtexts%26x%3D%2520");
        let odd: Uri = "/admin/../api/export".parse().unwrap();
        let response = require_page(&state, &Method::GET, &odd, &headers(&[]), Role::Viewer).unwrap_err();
        assert_eq!(response.headers()[header::LOCATION], "/admin/login?next=/admin");
    }
}
