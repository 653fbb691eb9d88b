//! `/admin/sites/{site}`: the configurator's HTML shell. The page itself is the Leptos app in
//! `crates/crumb-configurator`, rendered in the browser (`/configurator/start.js` loads its wasm);
//! the server only names the site, in `data-site`, and says what the page may load: its own
//! scripts and styles, wasm, its own API, and the same-origin preview frame.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::admin::html_page_under;
use super::reply::{error, require_page, Role};
use crate::AppState;

/// The page's Content-Security-Policy (the contract of issue 13): no inline script or style.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data: https:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The shell for `site`: the app mounts into `#configurator`.
pub fn shell(site: &str) -> String {
    let site = escape(site);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Configure {site} · Crumb</title><link rel=\"icon\" href=\"data:,\">\
<link rel=\"stylesheet\" href=\"/configurator/configurator.css\">\
<script type=\"module\" src=\"/configurator/start.js\"></script></head>\
<body><main id=\"configurator\" data-site=\"{site}\"><h1>Configure {site}</h1>\
<p class=\"loading\" role=\"status\">Loading the configurator…</p>\
<noscript><p>The configurator needs JavaScript and WebAssembly.</p></noscript></main></body></html>\n"
    )
}

pub(crate) async fn page(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(site): Path<String>,
) -> Response {
    if let Err(refusal) = require_page(&state, &method, &uri, &headers, Role::Viewer) {
        return *refusal;
    }
    if !super::configs::is_declared(&state, &site) {
        return error(StatusCode::NOT_FOUND, format!("no such site: `{}`", site.chars().take(100).collect::<String>()));
    }
    html_page_under(StatusCode::OK, shell(&site), CONTENT_SECURITY_POLICY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_is_escaped_in_the_shell() {
        let html = shell("a\"><script>x</script>");
        assert!(html.contains("data-site=\"a&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""), "{html}");
        assert!(!html.contains("<script>x"));
        assert!(!html.contains("style="), "no inline style under the page's CSP");
    }
}
