//! Admin credentials as a request carries them: `Authorization: Bearer <token>`, HTTP Basic with
//! the token as password (any user name), or the sign-in cookie `crumb_admin`; and the checks
//! around them that need no database: where a state-changing request comes from, where a
//! sign-in may send the browser next, whether the sign-in cookie must be `Secure`. What a token or
//! session may do is decided in `api::reply::require`.
//!
//! Who could abuse it: anyone who can reach the server can send any header. A token is only ever
//! compared as its SHA-256 (in constant time for `--admin-token`, by lookup of the hash for named
//! tokens), so timing tells nothing of its bytes; a session id is looked up the same way. A page
//! on another site can make a signed-in browser send its cookie (and a password it remembers for
//! Basic), so state-changing requests carrying those must show they come from this server's own
//! pages (`from_own_pages`, `not_from_elsewhere`).

use std::net::IpAddr;

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The sign-in cookie's name.
pub(crate) const SESSION_COOKIE: &str = "crumb_admin";

/// How long a sign-in lasts: 12 hours.
pub(crate) const SESSION_SECONDS: i64 = 12 * 3600;

/// SHA-256 of the configured `--admin-token`. Comparing digests in constant time hides both the
/// token's bytes and its length from timing.
pub(crate) struct TokenDigest([u8; 32]);

impl TokenDigest {
    pub(crate) fn new(token: &str) -> TokenDigest {
        TokenDigest(Sha256::digest(token.as_bytes()).into())
    }

    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        bool::from(self.0.ct_eq(&digest))
    }
}

/// Why a request has no caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The server has neither `--admin-token` nor a named token in force: nobody can read.
    NotConfigured,
    /// No credentials in the request.
    Missing,
    /// Credentials that are wrong, revoked or expired.
    Wrong,
}

impl Refusal {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Refusal::NotConfigured => {
                "no admin token is set up: add one with `crumb-server token add NAME --role viewer`, or start crumb-server \
                 with --admin-token (or CRUMB_ADMIN_TOKEN)"
            }
            Refusal::Missing => {
                "this needs an admin token (Authorization: Bearer <token>, or Basic with the token as password), or a \
                 sign-in at /admin/login"
            }
            Refusal::Wrong => "the admin token or sign-in is not valid (unknown, revoked or expired)",
        }
    }
}

/// How a request's `Authorization` header presents a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `Bearer`: set by a script, never by a browser on its own.
    Bearer,
    /// `Basic`: a browser remembers it and sends it with every request to this server, also
    /// ones a page on another site starts, like a cookie.
    Basic,
}

/// The request's `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Authorization {
    None,
    Token(Scheme, String),
    /// A header that holds no token (another scheme, bad base64, no password).
    Unreadable,
}

/// Reads the token from `Authorization`, if any.
pub(crate) fn authorization(headers: &HeaderMap) -> Authorization {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Authorization::None };
    let Ok(value) = value.to_str() else { return Authorization::Unreadable };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        Authorization::Token(Scheme::Bearer, rest.trim().to_owned())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let password = base64_decode(rest.trim())
            .and_then(|decoded| String::from_utf8(decoded).ok())
            .and_then(|text| text.split_once(':').map(|(_, password)| password.to_owned()));
        match password {
            Some(password) => Authorization::Token(Scheme::Basic, password),
            None => Authorization::Unreadable,
        }
    } else {
        Authorization::Unreadable
    }
}

/// Whether `text` can be a session id: 64 lowercase hex digits (256 bits), as [`new_session_id`]
/// makes them.
fn is_session_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The session ids in the request's `crumb_admin` cookies, in the order sent (a cookie tossed
/// onto the parent domain by a sibling host can come with the server's own), at most four.
pub(crate) fn session_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == SESSION_COOKIE && is_session_id(value))
        .map(|(_, value)| value.to_owned())
        .take(4)
        .collect()
}

/// A new session id: 256 random bits from the operating system, in hex.
pub(crate) fn new_session_id() -> Result<String, crate::ServerError> {
    crate::tokens::random_hex(32)
}

/// Whether the request names a loopback host (`127.0.0.1`, `::1`, `localhost`) in `Host` and no
/// trusted proxy in front says it came over HTTPS: plain http on this machine, where a browser
/// would drop a `Secure` cookie.
pub(crate) fn is_plain_http_to_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let loopback = name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    loopback && !https
}

/// The `Set-Cookie` value that signs a browser in with `session_id`.
pub(crate) fn session_cookie(session_id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={session_id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}")
}

/// The `Set-Cookie` value that signs a browser out.
pub(crate) fn cleared_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

/// Whether the request's own origin (`http(s)://` + `Host`) is `origin`.
fn is_own_origin(headers: &HeaderMap, origin: &str) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|rest| !host.is_empty() && rest.eq_ignore_ascii_case(host))
}

/// Whether a browser says the request comes from one of this server's own pages:
/// `Sec-Fetch-Site: same-origin`, or, from a browser that does not send that header, an `Origin`
/// equal to the request's own. What a state-changing request authenticated by the sign-in cookie
/// must show. Behind a reverse proxy, the proxy must pass `Host` on as the browser sent it.
pub(crate) fn from_own_pages(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).is_some_and(|origin| is_own_origin(headers, origin))
}

/// Whether nothing in the request says it comes from another site's page: a script (curl, CI)
/// sends neither `Sec-Fetch-Site` nor `Origin`; a browser sends them, and then they must name
/// this server. What a state-changing request with Basic credentials must show, since a
/// browser sends a remembered Basic password with requests other sites start.
pub(crate) fn not_from_elsewhere(headers: &HeaderMap) -> bool {
    let site_ok = headers.get("sec-fetch-site").is_none_or(|site| matches!(site.as_bytes(), b"same-origin" | b"none"));
    let origin_ok = headers.get(header::ORIGIN).is_none_or(|origin| origin.to_str().is_ok_and(|origin| is_own_origin(headers, origin)));
    site_ok && origin_ok
}

/// Where a sign-in may send the browser: `next` when it is a path on this server under `/admin`
/// (`/admin`, `/admin/…`, `/admin?…`), printable ASCII, without `//`, `\`, `#`, `.` or `..`
/// segments or encoded dots and slashes; else `/admin`. Never another host, never outside
/// `/admin`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.filter(|next| is_admin_path(next)).map_or_else(|| "/admin".to_owned(), str::to_owned)
}

fn is_admin_path(next: &str) -> bool {
    let path = next.split('?').next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    next.len() <= 2000
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'#')
        && (path == "/admin" || path.starts_with("/admin/"))
        && !path.contains("//")
        && !["%2e", "%2f", "%5c", "%25"].iter().any(|encoded| lower.contains(encoded))
        && path.split('/').all(|segment| segment != "." && segment != "..")
}

/// `text` percent-encoded for a query value (all but letters, digits, `-._~` and `/`).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == byte)?;
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn bearer_and_basic() {
        let token = |value: &str| authorization(&headers(&[("authorization", value)]));
        assert_eq!(token("Bearer s3cret"), Authorization::Token(Scheme::Bearer, "s3cret".into()));
        let basic = format!("Basic {}", base64_encode(b"admin:s3cret"));
        assert_eq!(token(&basic), Authorization::Token(Scheme::Basic, "s3cret".into()));
        assert_eq!(token("Basic !!!"), Authorization::Unreadable);
        assert_eq!(token(&format!("Basic {}", base64_encode(b"no-colon"))), Authorization::Unreadable);
        assert_eq!(token("Digest x"), Authorization::Unreadable);
        assert_eq!(authorization(&HeaderMap::new()), Authorization::None);
        let digest = TokenDigest::new("s3cret");
        assert!(digest.matches("s3cret"));
        assert!(!digest.matches("s3cres") && !digest.matches("s3cret-and-more"));
    }

    #[test]
    fn session_cookies_are_64_hex_digits() {
        let id = "0123456789abcdef".repeat(4);
        let sent = headers(&[("cookie", &format!("a=b; crumb_admin={id}; c=d")), ("cookie", "crumb_admin=short; crumb_admin=ZZ")]);
        assert_eq!(session_cookies(&sent), vec![id.clone()]);
        assert!(session_cookies(&headers(&[("cookie", &format!("crumb_admin={}", id.to_uppercase()))])).is_empty());
        assert!(session_cookies(&headers(&[("cookie", &format!("xcrumb_admin={id}"))])).is_empty());
        let fresh = new_session_id().unwrap();
        assert!(is_session_id(&fresh) && fresh != new_session_id().unwrap());
    }

    #[test]
    fn own_pages_and_elsewhere() {
        let host = ("host", "crumb.example");
        assert!(from_own_pages(&headers(&[host, ("sec-fetch-site", "same-origin")])));
        assert!(from_own_pages(&headers(&[host, ("origin", "https://crumb.example")])));
        assert!(from_own_pages(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])));
        for refused in [
            vec![host],
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host, ("sec-fetch-site", "cross-site"), ("origin", "https://crumb.example")],
            vec![host, ("origin", "https://evil.example")],
            vec![host, ("origin", "https://crumb.example.evil.example")],
            vec![host, ("origin", "null")],
            vec![("origin", "https://crumb.example")],
        ] {
            assert!(!from_own_pages(&headers(&refused)), "{refused:?}");
        }
        assert!(not_from_elsewhere(&headers(&[host])), "a script sends neither header");
        assert!(not_from_elsewhere(&headers(&[host, ("origin", "https://crumb.example"), ("sec-fetch-site", "same-origin")])));
        assert!(!not_from_elsewhere(&headers(&[host, ("sec-fetch-site", "cross-site")])));
        assert!(!not_from_elsewhere(&headers(&[host, ("origin", "https://evil.example")])));
    }

    #[test]
    fn loopback_over_plain_http_only() {
        for host in ["127.0.0.1", "127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "[::1]"] {
            assert!(is_plain_http_to_loopback(&headers(&[("host", host)])), "{host}");
        }
        for host in ["crumb.example", "crumb.example:8080", "10.0.0.1:8080", "localhost.evil.example", "[2001:db8::1]:80"] {
            assert!(!is_plain_http_to_loopback(&headers(&[("host", host)])), "{host}");
        }
        assert!(!is_plain_http_to_loopback(&headers(&[("host", "localhost"), ("x-forwarded-proto", "https")])));
        assert!(!is_plain_http_to_loopback(&HeaderMap::new()));
        assert!(session_cookie("x", true).ends_with("Max-Age=43200; Secure"));
        assert!(!session_cookie("x", false).contains("Secure"));
    }

    #[test]
    fn next_stays_under_admin_on_this_server() {
        for kept in ["/admin", "/admin/", "/admin/sites/shop", "/admin?site=shop&from=2026-11-01", "/admin/sites/a.b-c"] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for refused in [
            "//evil.example",
            "https://evil.example",
            "/admin/../x",
            "/admin/./x",
            "/admin/%2e%2e/x",
            "/admin/%2E%2E/x",
            "/admin%2f..%2fx",
            "/admin//evil.example",
            "/admin\\..\\x",
            "/\\evil.example",
            "/administrator",
            "/admin.evil",
            "admin",
            "/api/export",
            "/admin/x y",
            "/admin/\u{e9}",
            "/admin#x",
            "",
        ] {
            assert_eq!(safe_next(Some(refused)), "/admin", "{refused:?}");
        }
        assert_eq!(safe_next(None), "/admin");
        assert_eq!(percent_encode("/admin?site=a&b=c d"), "/admin%3Fsite%3Da%26b%3Dc%20d");
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "admin:token with spaces"] {
            assert_eq!(base64_decode(&base64_encode(text.as_bytes())).unwrap(), text.as_bytes());
        }
        assert_eq!(base64_encode(b"admin:s3cret"), "YWRtaW46czNjcmV0");
    }
}
