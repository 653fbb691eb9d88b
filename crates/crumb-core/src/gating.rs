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
