//! `/admin`: consent rates for marketers, server-rendered HTML with an inline SVG chart. No
//! script at all, no external resource; a strict Content-Security-Policy says so to the browser.
//! A browser without credentials is sent to the sign-in (`login.rs`).

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use crumb_core::time::{to_rfc3339, DAY_MS};
use crumb_core::Action;
use sha2::{Digest, Sha256};

use super::range::{range_query, RangeParams};
use super::reply::{error, internal, require_page, Caller, Role};
use crate::{auth, now_ms, AppState, RangeQuery};

/// Decisions per kind: accept all, reject all, custom, withdraw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub accept_all: u64,
    pub reject_all: u64,
    pub custom: u64,
    pub withdraw: u64,
    /// Consents given on another subdomain and adopted here: not decisions, so not in the rates.
    pub adopted: u64,
}

impl Split {
    fn add(&mut self, action: Action, records: u64) {
        match action {
            Action::AcceptAll => self.accept_all += records,
            Action::RejectAll => self.reject_all += records,
            Action::Custom => self.custom += records,
            Action::Withdraw => self.withdraw += records,
            Action::Adopted => self.adopted += records,
        }
    }

    pub fn total(&self) -> u64 {
        self.accept_all + self.reject_all + self.custom + self.withdraw
    }
}

/// What `/admin` shows for one site and range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub split: Split,
    /// `YYYY-MM-DD` → decisions that day.
    pub days: BTreeMap<String, Split>,
    /// Category → (granted, decisions naming it).
    pub categories: BTreeMap<String, (u64, u64)>,
    /// Hosted config version (0: a config written by hand) → its decisions and its categories'
    /// (granted, decisions), over the version's whole life, not only the range.
    pub versions: BTreeMap<i64, VersionRates>,
}

/// What one config version's shoppers decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionRates {
    pub split: Split,
    /// Category → (granted, decisions naming it).
    pub categories: BTreeMap<String, (u64, u64)>,
}

/// How many categories the rate table shows: the ones most records name (a real config has a
/// handful; more are junk posted to the log).
pub const SHOWN_CATEGORIES: usize = 40;

/// The statistics of `query`, summed by the database from its rollups (a few rows per day, however
/// many records there are). Blocks.
pub fn stats(state: &AppState, query: &RangeQuery) -> Result<Stats, crate::ServerError> {
    let (days, categories) = state.database.day_stats(query)?;
    let mut stats = Stats::default();
    for (day, action, records) in days {
        let Some(action) = Action::ALL.into_iter().find(|a| a.as_str() == action) else { continue };
        let records = u64::try_from(records).unwrap_or(0);
        stats.split.add(action, records);
        stats.days.entry(day).or_default().add(action, records);
    }
    for (category, granted, seen) in categories {
        stats.categories.insert(category, (u64::try_from(granted).unwrap_or(0), u64::try_from(seen).unwrap_or(0)));
    }
    let (actions, categories) = state.database.version_stats(&query.site)?;
    for (version, action, records) in actions {
        let Some(action) = Action::ALL.into_iter().find(|a| a.as_str() == action) else { continue };
        stats.versions.entry(version).or_default().split.add(action, u64::try_from(records).unwrap_or(0));
    }
    for (version, category, granted, seen) in categories {
        let counts = (u64::try_from(granted).unwrap_or(0), u64::try_from(seen).unwrap_or(0));
        stats.versions.entry(version).or_default().categories.insert(category, counts);
    }
    Ok(stats)
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d1d1f}\
table{border-collapse:collapse;margin:1rem 0}td,th{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:right}\
th:first-child,td:first-child{text-align:left}form{display:flex;gap:1rem;align-items:end;flex-wrap:wrap}\
label{display:flex;flex-direction:column;font-size:.85rem}.muted{color:#666}svg{max-width:100%;height:auto}\
.who{justify-content:end;align-items:center}.alert{color:#b00020}";

const COLORS: [(&str, &str); 4] = [("accept all", "#2e7d32"), ("reject all", "#c62828"), ("custom", "#f9a825"), ("withdraw", "#6a1b9a")];

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

/// A stacked bar per day (accept all / reject all / custom / withdraw).
pub fn chart(stats: &Stats) -> String {
    let (width, height, left, bottom, top) = (760.0_f64, 260.0_f64, 40.0_f64, 30.0_f64, 10.0_f64);
    let max = stats.days.values().map(Split::total).max().unwrap_or(0).max(1);
    let count = stats.days.len().max(1) as f64;
    let slot = (width - left) / count;
    let bar = (slot * 0.8).max(1.0);
    let scale = (height - bottom - top) / max as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-label=\"Decisions per day\">"
    );
    let base = height - bottom;
    let _ = write!(svg, "<line x1=\"{left}\" y1=\"{base}\" x2=\"{width}\" y2=\"{base}\" stroke=\"#999\"/>");
    let _ = write!(svg, "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{max}</text>", left - 4.0, top + 10.0);
    let _ = write!(svg, "<text x=\"{}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\">0</text>", left - 4.0);
    for (i, (day, split)) in stats.days.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let mut y = base;
        for ((label, color), value) in COLORS.iter().zip([split.accept_all, split.reject_all, split.custom, split.withdraw]) {
            if value == 0 {
                continue;
            }
            let h = value as f64 * scale;
            y -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{color}\"><title>{} {label}: {value}</title></rect>",
                escape(day)
            );
        }
        let show_label = stats.days.len() <= 16 || i % (stats.days.len() / 8).max(1) == 0;
        if show_label {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                height - 12.0,
                escape(day.get(5..).unwrap_or(day))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The top of an admin page titled `title`: the document head with the one hashed style.
pub(super) fn page_head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    )
}

fn render(caller: &Caller, sites: &[String], site: Option<&str>, from: &str, to: &str, stats: &Stats) -> String {
    let mut html = page_head("Crumb consent log");
    let _ = write!(
        html,
        "<form method=\"post\" action=\"/admin/logout\" class=\"who\"><span class=\"muted\">{} ({})</span>\
         <button type=\"submit\">Sign out</button></form>\
         <h1>Consent log</h1><form method=\"get\" action=\"/admin\"><label>Site<select name=\"site\">",
        escape(&caller.name),
        caller.role
    );
    for name in sites {
        let selected = if Some(name.as_str()) == site { " selected" } else { "" };
        let _ = write!(html, "<option value=\"{0}\"{selected}>{0}</option>", escape(name));
    }
    let _ = write!(
        html,
        "</select></label><label>From<input type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>To<input type=\"date\" name=\"to\" value=\"{}\"></label><button type=\"submit\">Show</button></form>",
        escape(from),
        escape(to)
    );
    let Some(site) = site else {
        html.push_str("<p>No records yet.</p></body></html>");
        return html;
    };
    let _ = write!(
        html,
        "<nav><a href=\"/admin/sites/{0}\">Edit the banner of {0}</a> · <a href=\"/admin/consents\">Proof of consent</a>{1}</nav>",
        escape(site),
        if stats.versions.keys().any(|v| *v > 0) { " · <a href=\"#by-version\">Rates by config version</a>" } else { "" }
    );
    let total = stats.split.total();
    let _ = write!(html, "<h2>{} decisions on {} from {} to {}</h2>", total, escape(site), escape(from), escape(to));
    html.push_str("<table><tr><th>Decision</th><th>Count</th><th>Share</th></tr>");
    let split = &stats.split;
    for ((label, color), value) in COLORS.iter().zip([split.accept_all, split.reject_all, split.custom, split.withdraw]) {
        let _ = write!(
            html,
            "<tr><td><svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"{color}\"/></svg> {label}</td><td>{value}</td><td>{}</td></tr>",
            percent(value, total)
        );
    }
    html.push_str("</table>");
    if split.adopted > 0 {
        let _ = write!(
            html,
            "<p class=\"muted\">{} consents given on another subdomain were adopted here (not counted above).</p>",
            split.adopted
        );
    }
    html.push_str("<h2>Decisions per day</h2>");
    html.push_str(&chart(stats));
    html.push_str("<h2>Consent rate per category</h2><table><tr><th>Category</th><th>Granted</th><th>Decisions</th><th>Rate</th></tr>");
    // The categories most records name: junk names posted to the log (any client can post a
    // record with 200 made-up categories) fall below them and are only counted.
    let mut rows: Vec<_> = stats.categories.iter().collect();
    rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then_with(|| a.0.cmp(b.0)));
    for (category, (granted, seen)) in rows.iter().take(SHOWN_CATEGORIES) {
        let _ =
            write!(html, "<tr><td>{}</td><td>{granted}</td><td>{seen}</td><td>{}</td></tr>", escape(category), percent(*granted, *seen));
    }
    html.push_str("</table>");
    let hidden = rows.len().saturating_sub(SHOWN_CATEGORIES);
    if hidden > 0 {
        let _ = write!(
            html,
            "<p class=\"muted\">{hidden} more category names, each in fewer records, are not shown: a config has far fewer, \
             so these are likely junk posted to the log (the export has every record).</p>"
        );
    }
    if stats.versions.keys().any(|v| *v > 0) {
        html.push_str(&version_table(stats));
    }
    let _ = write!(
        html,
        "<p class=\"muted\">Every record counts: a visitor who changes their mind is counted once per decision. \
         Export: <a href=\"/api/export?site={0}&amp;from={1}&amp;to={2}&amp;format=csv\">CSV</a>, \
         <a href=\"/api/export?site={0}&amp;from={1}&amp;to={2}&amp;format=jsonl\">JSON Lines</a>.</p></body></html>",
        escape(site),
        escape(from),
        escape(to)
    );
    html
}

/// Consent rates per hosted config version, newest first: what each publish did. The categories
/// are the ones the newest version's records name (at most [`SHOWN_CATEGORIES`]).
fn version_table(stats: &Stats) -> String {
    let mut columns: Vec<(&String, u64)> = Vec::new();
    if let Some(newest) = stats.versions.values().next_back() {
        columns = newest.categories.iter().map(|(name, (_, seen))| (name, *seen)).collect();
        columns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        columns.truncate(SHOWN_CATEGORIES);
    }
    let mut html = String::from(
        "<h2 id=\"by-version\">Consent rates by config version</h2><table><caption class=\"muted\">Over each version's whole life; \
         version 0 is a config written into the page by hand</caption><tr><th>Version</th><th>Decisions</th><th>Accept all</th><th>Reject all</th><th>Custom</th>",
    );
    for (name, _) in &columns {
        let _ = write!(html, "<th>{} granted</th>", escape(name));
    }
    html.push_str("</tr>");
    for (version, rates) in stats.versions.iter().rev() {
        let split = &rates.split;
        let total = split.total();
        let _ = write!(
            html,
            "<tr><td>{version}</td><td>{total}</td><td>{}</td><td>{}</td><td>{}</td>",
            percent(split.accept_all, total),
            percent(split.reject_all, total),
            percent(split.custom, total)
        );
        for (name, _) in &columns {
            let cell = rates.categories.get(*name).map_or_else(|| "–".to_owned(), |(granted, seen)| percent(*granted, *seen));
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

/// The page's Content-Security-Policy: nothing may load or run but the one inline style block.
pub fn content_security_policy() -> String {
    let hash = auth::base64_encode(&Sha256::digest(STYLE.as_bytes()));
    format!("default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
}

fn day_of(ms: i64) -> String {
    let text = to_rfc3339(ms);
    text.get(..10).unwrap_or(&text).to_owned()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<RangeParams>,
) -> Response {
    let caller = match require_page(&state, &method, &uri, &headers, Role::Viewer) {
        Ok(caller) => caller,
        Err(response) => return *response,
    };
    let now = now_ms();
    let today = now - now.rem_euclid(DAY_MS);
    let from = params.from.clone().unwrap_or_else(|| day_of(today - 29 * DAY_MS));
    let to = params.to.clone().unwrap_or_else(|| day_of(today));
    if let Some(site) = params.site.as_deref().filter(|s| !crumb_core::is_site_id(s)) {
        return error(StatusCode::BAD_REQUEST, format!("`site` is not a site id: `{site}`"));
    }
    let wanted = params.site.clone();
    let result = state
        .blocking(move |state| {
            // The declared sites first, in the operator's order (the first is shown by default);
            // then sites that only have records from before they were undeclared. Traffic
            // cannot add one: records for undeclared sites are refused.
            let mut sites = state.settings.sites();
            for site in state.database.sites()? {
                if !sites.contains(&site) {
                    sites.push(site);
                }
            }
            let site = wanted.or_else(|| sites.first().cloned());
            let stats = match &site {
                Some(site) => match range_query(site.clone(), Some(&from), Some(&to), now) {
                    Ok(query) => stats(state, &query)?,
                    Err(message) => return Ok(Err(message)),
                },
                None => Stats::default(),
            };
            Ok(Ok(render(&caller, &sites, site.as_deref(), &from, &to, &stats)))
        })
        .await;
    match result {
        Ok(Ok(html)) => html_page(StatusCode::OK, html),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(err) => internal("the admin page failed", &err),
    }
}

/// `html` as a page of this server's admin (`/admin`, the sign-in): the strict CSP, never cached,
/// never framed, no referrer.
pub(super) fn html_page(status: StatusCode, html: String) -> Response {
    html_page_under(status, html, &content_security_policy())
}

/// `html` as an admin page under the Content-Security-Policy `csp` (the configurator's allows its
/// own scripts), never cached, never framed, no referrer.
pub(super) fn html_page_under(status: StatusCode, html: String, csp: &str) -> Response {
    let mut response = (status, html).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(csp) = HeaderValue::from_str(csp) {
        out.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
