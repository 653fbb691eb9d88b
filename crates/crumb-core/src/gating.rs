//! The gating rule: whether a gated `<script>`, `<iframe>` or `<img>` may run under the consent in
//! force, from its `data-category` expression and optional `data-service`.
//!
//! - `data-category="analytics"`: runs when the consent allows `analytics`. With
//!   `data-service="ga"`, the service's own answer wins when the consent has one (a service
//!   granted on its own through "Load content", or refused inside a granted category); see
//!   [`Consent::allows`].
//! - `data-category="!analytics"`: the fallback, runs exactly when the same element without the
//!   `!` would not: on a decision that refuses it. `data-service` is honoured the same way, so of
//!   `analytics`/`!analytics` with the same service exactly one runs.
//! - No decision yet: nothing runs, not even `!x`. A refusal has not been given yet, and nothing
//!   in the law asks for fallback content before the shopper decides; keeping everything off
//!   until a decision is the rule that can never run something too early.
//! - Whitespace around the name and the service is ignored. A blank name, `!` alone, or a name
//!   with whitespace or `!` inside (`!!x`, `a b`) is malformed markup: it never runs. A name the
//!   config does not know is simply never granted (so `!unknown` runs on any decision).
//!
//! Gating must not turn markup into code the page's Content-Security-Policy would refuse: the
//! widget re-creates a gated script as a script of its own, which a nonce + `'strict-dynamic'`
//! policy trusts. So a gated element's URL (an iframe's or image's `data-src`, a gated script's
//! `src`) must be `http(s)` or relative ([`loadable_url`]), and with the config's
//! `gating.require_nonce` only scripts carrying the page's nonce are revived ([`nonce_allows`]).

use crate::consent::Consent;

/// A parsed `data-category` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryExpr<'a> {
    /// `analytics`: runs when allowed.
    Granted(&'a str),
    /// `!analytics`: runs when refused (after a decision).
    Refused(&'a str),
}

impl<'a> CategoryExpr<'a> {
    /// Reads a `data-category` value; `None` when it is malformed (see the module doc).
    pub fn parse(text: &'a str) -> Option<CategoryExpr<'a>> {
        let text = text.trim();
        let (negated, name) = match text.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, text),
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '!') {
            return None;
        }
        Some(if negated { CategoryExpr::Refused(name) } else { CategoryExpr::Granted(name) })
    }
}

/// Whether an element marked `data-category=category_expr` (and `data-service=service`, when
/// present) may run under `consent` (`None`: no decision yet, so nothing runs).
pub fn allowed(consent: Option<&Consent>, category_expr: &str, service: Option<&str>) -> bool {
    let Some(consent) = consent else {
        return false;
    };
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    match CategoryExpr::parse(category_expr) {
        Some(CategoryExpr::Granted(category)) => consent.allows(category, service),
        Some(CategoryExpr::Refused(category)) => !consent.allows(category, service),
        None => false,
    }
}

/// Whether a blocked element with this expression gets a placeholder ("Load content"): only a
/// positive, well-formed expression does; a `!x` fallback is simply not shown.
pub fn wants_placeholder(category_expr: &str) -> bool {
    matches!(CategoryExpr::parse(category_expr), Some(CategoryExpr::Granted(_)))
}

/// Whether `url` names a scheme and it is `http` or `https` (`None`: no scheme, a relative URL),
/// as a browser's URL parser reads it: leading C0 controls and spaces are skipped, and tabs and
/// line breaks anywhere, so `" \tJava\nScript:x"` has the scheme `javascript`. On bytes, without
/// allocating: this runs in the apply part too.
fn http_scheme(url: &str) -> Option<bool> {
    // The scheme, lowercase, as far as it could be `https`; `len` counts all of it. A plain loop
    // over bytes: iterator adapters cost the apply part bytes.
    let mut name = [0u8; 5];
    let mut len = 0;
    for &b in url.as_bytes() {
        if (len == 0 && b <= b' ') || matches!(b, b'\t' | b'\n' | b'\r') {
            continue;
        }
        if b == b':' && len > 0 {
            return Some(matches!(name.get(..len), Some(b"http" | b"https")));
        }
        if !(b.is_ascii_alphabetic() || (len > 0 && (b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')))) {
            return None;
        }
        if let Some(slot) = name.get_mut(len) {
            // Lowercase for letters; digits, `+`, `-` and `.` have the bit already.
            *slot = b | 0x20;
        }
        len += 1;
    }
    None
}

/// Whether a gated element may be given `url` (an iframe's or image's `data-src`, a gated
/// script's `src`): an `http:` or `https:` URL, or a relative one, which resolves against
/// `base` (the document's base URL) and so must have an `http(s)` base too. `javascript:`,
/// `data:`, `vbscript:`, `blob:`, `file:` and every other scheme are refused, however they are
/// cased or padded with whitespace and control characters. A refused element stays inert.
pub fn loadable_url(url: &str, base: &str) -> bool {
    http_scheme(url).or_else(|| http_scheme(base)).unwrap_or(false)
}

/// Whether a gated script whose nonce is `nonce` may be revived: always when `required` is
/// `None` (the config's `gating.require_nonce` is off); with it on, `required` is the page's
/// nonce (loader.js's own), and only a script carrying exactly that nonce is revived. A page
/// without a nonce then revives none.
pub fn nonce_allows(required: Option<&str>, nonce: &str) -> bool {
    match required {
        None => true,
        Some(page) => !page.is_empty() && page == nonce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://shop.example/products/page.html";

    #[test]
    fn http_and_https_urls_load() {
        for url in [
            "https://cdn.example/x.js",
            "http://cdn.example/x.js",
            "HTTPS://cdn.example/x.js",
            " https://x.example/",
            "\thT\ntPs://x.example/",
        ] {
            assert!(loadable_url(url, BASE), "{url:?}");
        }
    }

    #[test]
    fn relative_urls_load_against_an_http_base_only() {
        for url in [
            "/x.js",
            "x.js",
            "./x.js",
            "../x.js",
            "//cdn.example/x.js",
            "?q=1",
            "#top",
            "",
            "x.js?a=b:c",
            "\u{a0}javascript:x",
            "java script:x",
            "1javascript:x",
            ":x",
        ] {
            assert!(loadable_url(url, BASE), "{url:?}");
            assert!(!loadable_url(url, "about:srcdoc"), "{url:?} against about:srcdoc");
            assert!(!loadable_url(url, "data:text/html,x"), "{url:?} against a data: base");
        }
    }

    #[test]
    fn other_schemes_are_refused_however_disguised() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "  javascript:alert(1)",
            "\u{1}\u{1f}javascript:alert(1)",
            "\tjava\nscr\ript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/javascript,alert(1)",
            "DATA:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "blob:https://shop.example/0f8fad5b",
            "file:///etc/passwd",
            "ftp://files.example/x.js",
            "c:/x.js",
            "about:blank",
            "filesystem:https://shop.example/temporary/x",
            "httpsx://shop.example/x.js",
            "htt:x",
            "HTTP+S://x",
        ] {
            assert!(!loadable_url(url, BASE), "{url:?}");
        }
    }

    #[test]
    fn a_required_nonce_must_be_carried_exactly() {
        assert!(nonce_allows(None, ""), "switch off: every script");
        assert!(nonce_allows(None, "abc"));
        assert!(nonce_allows(Some("r4nd0m"), "r4nd0m"));
        for carried in ["", "R4ND0M", "r4nd0m ", "other"] {
            assert!(!nonce_allows(Some("r4nd0m"), carried), "{carried:?}");
        }
        assert!(!nonce_allows(Some(""), ""), "a page without a nonce revives nothing when the switch is on");
    }
}
