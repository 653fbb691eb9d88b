//! One log line when a page's origin is refused (`--allow-origin`), so a site owner who forgot or
//! mistyped the flag sees why records do not arrive: the browser only shows its generic CORS error.
//!
//! The `Origin` header is whatever a client sends, so anyone can make the server refuse: a line
//! per request would let them flood the log, and a line per new origin would let them grow a map
//! without end. So a site and origin pair is logged at most once a window, at most
//! [`MAX_LINES`] pairs are logged a window in all (then one line counts what was left out), and
//! the pairs remembered are bounded by [`MAX_PAIRS`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crumb_core::json_bounds::cap_message;

/// How long a site and origin pair stays quiet after its line.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);
/// Lines about refused origins a window, in all.
pub(crate) const MAX_LINES: u32 = 20;
/// Pairs remembered at most. Only logged pairs are remembered, at most [`MAX_LINES`] a window, so
/// forgetting those older than a window always makes room; the bound holds whatever happens.
pub(crate) const MAX_PAIRS: usize = 256;

struct State {
    /// When each (site, origin) pair was last logged. `None` site: a preflight or a request
    /// refused before its record was read (its origin is allowed for no site).
    logged: HashMap<(Option<String>, String), Instant>,
    window_start: Option<Instant>,
    lines: u32,
    left_out: u64,
}

/// Decides which refusals get a log line (see the module's text).
pub(crate) struct RefusalLog {
    state: Mutex<State>,
}

impl RefusalLog {
    pub(crate) fn new() -> RefusalLog {
        RefusalLog { state: Mutex::new(State { logged: HashMap::new(), window_start: None, lines: 0, left_out: 0 }) }
    }

    /// Notes a refused `origin` (for `site`, when the record was read) and returns the lines to
    /// log now: none, its own, or the count of the previous window's left-out refusals first.
    pub(crate) fn note(&self, site: Option<&str>, origin: &str, now: Instant) -> Vec<String> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut lines = Vec::new();
        if state.window_start.is_none_or(|start| now.saturating_duration_since(start) >= WINDOW) {
            if state.left_out > 0 {
                lines.push(format!("crumb-server: {} more refused origins were not logged in the last minute", state.left_out));
            }
            state.window_start = Some(now);
            state.lines = 0;
            state.left_out = 0;
        }
        // Both come from the request: capped, and printed escaped (no control characters).
        let origin = cap_message(origin, 100).escape_debug().to_string();
        let site = site.map(|site| cap_message(site, 100).escape_debug().to_string());
        let key = (site, origin);
        if state.logged.get(&key).is_some_and(|at| now.saturating_duration_since(*at) < WINDOW) {
            return lines;
        }
        if state.lines >= MAX_LINES {
            state.left_out += 1;
            return lines;
        }
        if state.logged.len() >= MAX_PAIRS {
            state.logged.retain(|_, at| now.saturating_duration_since(*at) < WINDOW);
            if state.logged.len() >= MAX_PAIRS {
                state.left_out += 1;
                return lines;
            }
        }
        lines.push(match &key {
            (Some(site), origin) => format!(
                "crumb-server: refused a record for site `{site}` from origin `{origin}`: not allowed \
                 (if that page is yours, start crumb-server with --allow-origin {site}={origin})"
            ),
            (None, origin) => format!(
                "crumb-server: refused a request from origin `{origin}`: it is allowed for no site \
                 (if that page is yours, start crumb-server with --allow-origin SITE={origin})"
            ),
        });
        state.logged.insert(key, now);
        state.lines += 1;
        lines
    }

    /// Pairs remembered now (for tests).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).logged.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_origin_is_logged_once_a_window() {
        let log = RefusalLog::new();
        let start = Instant::now();
        let first = log.note(Some("shop"), "https://shop.example", start);
        assert_eq!(first.len(), 1);
        assert!(first[0].contains("--allow-origin shop=https://shop.example"), "{first:?}");
        for s in 1..60 {
            assert!(log.note(Some("shop"), "https://shop.example", start + Duration::from_secs(s)).is_empty(), "at {s} s");
        }
        // Another site, or the same origin refused before its record was read, is its own pair.
        assert_eq!(log.note(Some("blog"), "https://shop.example", start).len(), 1);
        let preflight = log.note(None, "https://shop.example", start);
        assert!(preflight.len() == 1 && preflight[0].contains("--allow-origin SITE=https://shop.example"), "{preflight:?}");
        assert_eq!(log.note(Some("shop"), "https://shop.example", start + WINDOW).len(), 1, "again after a window");
    }

    /// Anyone can send any `Origin`: 200 000 different ones give at most MAX_LINES lines a
    /// window plus one count, and the pairs remembered stay bounded.
    #[test]
    fn an_attacker_cannot_flood_the_log_or_grow_memory() {
        let log = RefusalLog::new();
        let start = Instant::now();
        let mut lines = 0;
        for i in 0..200_000u32 {
            // Ten minutes, 20 000 new origins a minute, and a new site every time.
            let now = start + Duration::from_micros(u64::from(i) * 3_000);
            lines += log.note(Some(&format!("s{i}")), &format!("https://{i}.attacker.example"), now).len();
            assert!(log.remembered() <= MAX_PAIRS);
        }
        // 10 windows: MAX_LINES lines each, and a count of the rest after each but the last.
        assert!(lines <= 10 * (MAX_LINES as usize + 1), "{lines} lines");
        let count = log.note(None, "https://late.example", start + Duration::from_secs(601));
        assert!(count[0].contains("more refused origins were not logged"), "{count:?}");
    }

    #[test]
    fn what_the_client_sent_is_capped_and_escaped() {
        let log = RefusalLog::new();
        let long = "x".repeat(10_000);
        let lines = log.note(Some(&long), "https://a.example\n\u{1b}[31mfake line", Instant::now());
        assert!(lines[0].len() < 600, "{}", lines[0].len());
        assert!(!lines[0].contains('\n') && !lines[0].contains('\u{1b}'), "{lines:?}");
    }
}
