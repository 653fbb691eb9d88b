//! A CSV export is safe to open in a spreadsheet, whatever anyone posted (issue 12): a cell that
//! would run as a formula is neutralised, and `;` (the separator of continental-European
//! spreadsheets) cannot split a cell.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_posted_formula_reaches_the_csv_as_text() {
    let s = server(Backend::Sqlite).await;
    // Site and consent ids may start with `-`; a path may hold `;`, `,` and `=`.
    let mut hostile = record("--------a1", "2026-11-20T10:00:00.000Z", "accept_all", true, false);
    hostile["site"] = json!("-2-3");
    hostile["url_path"] = json!("/cart;=HYPERLINK(\"http://x\"),x");
    let reply = post_json(&s.app, &hostile).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let csv = get_auth(&s.app, "/api/export?site=-2-3&from=2026-11-01&to=2026-11-30&format=csv", &bearer()).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
    let text = csv.text();
    let line = text.lines().nth(1).expect("one record line");
    assert!(line.starts_with("\"'--------a1\",\"'-2-3\","), "{line}");
    assert!(line.contains(r#","/cart;=HYPERLINK(""http://x""),x","#), "{line}");
}
