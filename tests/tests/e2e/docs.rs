//! What the docs tell a site owner to paste works as pasted: the Google tag's inline half from
//! docs/integration.md is the one the demo shop runs, and it reaches `dataLayer` only after consent.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- docs::`.

use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT};
use crumb_e2e::{wait_for, Shopper};
use serde_json::Value;

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The body of the first `<script …opening…>` … `</script>` after `opening` in `text`.
fn script_body<'a>(text: &'a str, opening: &str) -> &'a str {
    let start = text.find(opening).unwrap_or_else(|| panic!("no `{opening}` found")) + opening.len();
    let end = text[start..].find("</script>").expect("the script's end") + start;
    text[start..end].trim()
}

#[test]
fn docs_the_demo_runs_the_google_tag_snippet_the_docs_give() {
    let (docs, index) = (read("docs/integration.md"), read("index.html"));
    let documented = script_body(&docs, r#"<script type="text/plain" data-category="analytics" data-service="ga4">"#);
    let demo = script_body(&index, r#"<script type="text/plain" data-category="analytics" data-service="demo-analytics">"#);
    let normalise = |s: &str| s.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    assert!(documented.contains("function gtag()"), "the documented snippet must define gtag: {documented}");
    assert_eq!(normalise(documented).replace("G-XXXX", "G-DEMO0000"), normalise(demo), "docs/integration.md and index.html differ");
}

fn has_config(entries: &[Value]) -> bool {
    entries.iter().any(|e| e.get(0).and_then(Value::as_str) == Some("config") && e.get(1).and_then(Value::as_str) == Some("G-DEMO0000"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_google_tag_snippet_runs_after_consent_without_errors() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;
    // Positive marker: the page has run its tasks and reached the server once more.
    shop.page_caught_up().await;
    assert!(!has_config(&shop.data_layer().await), "gtag('config') ran before consent");

    shop.click(BANNER_ACCEPT).await;
    wait_for!(shop, "gtag('config', 'G-DEMO0000') in dataLayer", has_config(&shop.data_layer().await).then_some(()));
    let entries = shop.data_layer().await;
    assert!(entries.iter().any(|e| e.get(0).and_then(Value::as_str) == Some("js")), "gtag('js', …) missing: {entries:?}");
    let console = shop.browser.console_text().await;
    assert!(!console.contains("gtag is not defined"), "{console}");
    shop.assert_no_crash().await;
}
