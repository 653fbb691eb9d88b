//! `GET /api/export`: a site's records over a range of days, streamed as CSV or JSON Lines to the
//! admin token's holder.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::range::{range_query, RangeParams};
use super::reply::{error, no_store, require, Role};
use crate::{now_ms, AppState, StoredRecord};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

const CSV_HEADER: &str =
    "consent_id,site,revision,action,updated_at,given_at,received_at,language,gpc,url_path,categories,services,client_ip,chain_seq,prev_hash,hash\n";

/// One CSV cell, safe to open in a spreadsheet. Who could abuse it: anyone can post a record, and
/// its `site`, `consent_id` and `url_path` end up in the cells an admin opens in Excel, LibreOffice
/// or Google Sheets. A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return) would
/// run as a formula (OWASP "CSV injection"): it gets a leading `'`, which spreadsheets show as text
/// and drop. A cell with `;` is quoted too, since continental-European spreadsheets split on it.
fn csv_field(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula || text.contains([',', ';', '"', '\n', '\r']) {
        out.push('"');
        if formula {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

fn flags(map: &crumb_core::Map<bool>) -> String {
    map.iter().map(|(k, v)| format!("{k}={}", if *v { "yes" } else { "no" })).collect::<Vec<_>>().join(";")
}

fn csv_line(out: &mut String, stored: &StoredRecord) {
    let r = &stored.record;
    let fields = [
        r.consent_id.clone(),
        r.site.clone(),
        r.revision.to_string(),
        r.action.as_str().to_owned(),
        r.updated_at.clone(),
        r.given_at.clone(),
        stored.received_at.clone(),
        r.language.clone(),
        r.gpc.to_string(),
        r.url_path.clone(),
        flags(&r.categories),
        flags(&r.services),
        stored.client_ip.clone().unwrap_or_default(),
        stored.chain.as_ref().map(|c| c.chain_seq.to_string()).unwrap_or_default(),
        stored.chain.as_ref().map(|c| c.prev_hash.clone()).unwrap_or_default(),
        stored.chain.as_ref().map(|c| c.hash.clone()).unwrap_or_default(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field);
    }
    out.push('\n');
}

/// Streams a site's records: a blocking task reads rows and hands ~16 KB chunks through a small
/// channel, so memory stays flat whatever the range.
pub(super) async fn export(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Query(params): Query<RangeParams>,
) -> Response {
    if let Err(response) = require(&state, &method, &headers, Role::Viewer) {
        return *response;
    }
    let Some(site) = params.site.filter(|s| crumb_core::is_site_id(s)) else {
        return error(StatusCode::BAD_REQUEST, "`site` is required (the records' site id)");
    };
    let format = match params.format.as_deref() {
        None | Some("jsonl") | Some("ndjson") => Format::JsonLines,
        Some("csv") => Format::Csv,
        Some(other) => return error(StatusCode::BAD_REQUEST, format!("`format` must be csv or jsonl, not `{other}`")),
    };
    let query = match range_query(site, params.from.as_deref(), params.to.as_deref(), now_ms()) {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let database = state.database.clone();
    tokio::task::spawn_blocking(move || {
        let mut chunk = String::with_capacity(20_000);
        if format == Format::Csv {
            chunk.push_str(CSV_HEADER);
        }
        let mut open = true;
        let result = database.export(&query, &mut |stored| {
            match format {
                Format::Csv => csv_line(&mut chunk, &stored),
                Format::JsonLines => {
                    if let Ok(line) = serde_json::to_string(&stored) {
                        chunk.push_str(&line);
                        chunk.push('\n');
                    }
                }
            }
            if chunk.len() >= 16_384 {
                open = sender.blocking_send(Ok(Bytes::from(std::mem::take(&mut chunk)))).is_ok();
            }
            open
        });
        match result {
            Ok(()) if open && !chunk.is_empty() => {
                let _ = sender.blocking_send(Ok(Bytes::from(chunk)));
            }
            Ok(()) => {}
            Err(err) => {
                eprintln!("crumb-server: export failed: {err}");
                // Breaks the response off, so the client sees an incomplete transfer.
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) });
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::JsonLines => "application/x-ndjson",
    };
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    no_store(response)
}

/// `GET /api/digest?site=…&from=YYYY-MM-DD&to=YYYY-MM-DD`: the chain head (seq and hash) at the
/// end of each UTC day (by `received_at`) the site received records, one JSON line per day, for
/// an auditor to keep elsewhere and check later with `crumb-server verify --digest FILE`.
pub(super) async fn digest(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Query(params): Query<RangeParams>,
) -> Response {
    if let Err(response) = require(&state, &method, &headers, Role::Viewer) {
        return *response;
    }
    let Some(site) = params.site.filter(|s| crumb_core::is_site_id(s)) else {
        return error(StatusCode::BAD_REQUEST, "`site` is required (the records' site id)");
    };
    let query = match range_query(site, params.from.as_deref(), params.to.as_deref(), now_ms()) {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match state.blocking(move |state| state.database().digest(&query.site, &query.from, &query.to)).await {
        Ok(entries) => {
            let mut body = String::new();
            for entry in &entries {
                if let Ok(line) = serde_json::to_string(entry) {
                    body.push_str(&line);
                    body.push('\n');
                }
            }
            let mut response = Response::new(Body::from(body));
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
            no_store(response)
        }
        Err(err) => super::reply::internal("reading the digest failed", &err),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    fn cell(text: &str) -> String {
        let mut out = String::new();
        csv_field(&mut out, text);
        out
    }

    #[test]
    fn formulas_are_neutralised_and_separators_quoted() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        for start in ["+1", "-A1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(start).starts_with("\"'"), "{start:?}: {}", cell(start));
        }
        assert_eq!(cell("/a;b"), "\"/a;b\"");
        assert_eq!(cell("/a,b"), "\"/a,b\"");
        assert_eq!(cell("/shop/cart"), "/shop/cart");
        assert_eq!(cell("2026-11-22T05:06:43.123Z"), "2026-11-22T05:06:43.123Z");
    }
}
