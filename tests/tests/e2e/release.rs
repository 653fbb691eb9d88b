//! The release package as a site owner without Rust uses it: the npm tarball that
//! `scripts/release.sh` packs is installed offline into an empty folder, served by a plain static
//! server (no compression, no CORS, nothing of Crumb's), and the shop's page posts its records to
//! a crumb-server on another origin, listed with `--allow-origin`.
//!
//! Build first: `trunk build --release && scripts/release.sh --no-build --widget-only`, then
//! `cargo test -p crumb-e2e -- release::` (`CRUMB_NPM_PACKAGE` points at another tarball).

use std::path::{Path, PathBuf};

use crumb_core::consent::Action;
use crumb_e2e::plain::PlainServer;
use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, PAGE_SETTINGS_LINK, PREFS, PREFS_REJECT};
use crumb_e2e::server::{built_site, TestServer};
use crumb_e2e::{wait_for, BrowserOptions, Shopper};
use crumb_server::{AllowedOrigin, Settings};
use serde_json::Value;

const PACKAGE: &str = "crumb-consent";

/// The tarball `scripts/release.sh` writes, or a panic that says how to make it.
fn npm_package() -> PathBuf {
    let path = match std::env::var_os("CRUMB_NPM_PACKAGE") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../release/{PACKAGE}-{}.tgz", env!("CARGO_PKG_VERSION"))),
    };
    if !path.is_file() {
        panic!(
            "the npm package is missing: {} does not exist.\n\
             Pack it first, at the workspace root: `scripts/release.sh --no-build --widget-only` \
             (after `trunk build --release`), or point CRUMB_NPM_PACKAGE at a tarball.",
            path.display()
        );
    }
    path
}

/// `npm install <tarball>` into a fresh folder with no network and an empty cache: what a site
/// owner's machine does, proving the package needs nothing but itself.
async fn install(site: &Path, tarball: &Path) {
    std::fs::write(site.join("package.json"), r#"{ "name": "my-static-shop", "private": true }"#).expect("package.json");
    let output = tokio::process::Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--cache"])
        .arg(site.join(".npm-cache"))
        .arg(tarball)
        .current_dir(site)
        .output()
        .await
        .expect("run npm (Node.js must be installed)");
    assert!(
        output.status.success(),
        "npm install of {} failed:\n{}{}",
        tarball.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The shop's page: the README's quick start, with the loader from the installed package,
/// pinned by the integrity value the package ships, posting to `endpoint`.
fn shop_page(integrity: &str, endpoint: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A static shop</title>
<script type="application/json" id="crumb-config">
{{
  "site": "static-shop",
  "revision": 1,
  "policy_url": "/privacy.html",
  "categories": [
    {{ "id": "necessary", "required": true, "services": [
      {{ "id": "shop", "name": "A static shop", "cookies": [
        {{ "name": "crumb_consent", "purpose": "Remembers your cookie choice.", "duration": "182 days", "party": "first" }} ] }} ] }},
    {{ "id": "analytics", "services": [
      {{ "id": "stats", "name": "Our own statistics", "cookies": [
        {{ "name": "stats_id", "purpose": "Counts visits.", "duration": "1 year", "party": "first" }} ] }} ] }}
  ]
}}
</script>
<script src="/node_modules/{PACKAGE}/dist/loader.js" integrity="{integrity}" crossorigin="anonymous"
        data-endpoint="{endpoint}" async></script>
</head><body>
<h1>A static shop</h1>
<a href="/privacy.html" data-crumb="preferences">Cookie settings</a>
<script type="text/plain" data-category="analytics">document.documentElement.dataset.statsRan = "yes";</script>
</body></html>
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_npm_package_works_from_a_plain_static_server_posting_to_another_origin() {
    // Fails with its own message when the bundle was never built, before the package check.
    built_site();
    let tarball = npm_package();
    let site = tempfile::tempdir().expect("temp dir");
    install(site.path(), &tarball).await;

    let dist = site.path().join("node_modules").join(PACKAGE).join("dist");
    for file in ["loader.js", "crumb.js", "crumb_bg.wasm", "crumb.css", "i18n/en.json", "crumb.d.ts", "integrity.json"] {
        assert!(dist.join(file).is_file(), "the installed package lacks dist/{file}");
    }
    let integrity: Value = serde_json::from_str(&std::fs::read_to_string(dist.join("integrity.json")).expect("integrity.json"))
        .expect("integrity.json is JSON");
    let loader_integrity = integrity["loader.js"].as_str().expect("loader.js's integrity value").to_owned();
    assert!(loader_integrity.starts_with("sha384-"), "{loader_integrity}");

    let shop = PlainServer::start(site.path().to_path_buf()).await;
    // The consent log on an origin of its own, which lists the shop's origin for its site.
    let allowed = AllowedOrigin { site: "static-shop".to_owned(), origin: shop.base_url().to_owned() };
    let log = TestServer::start_with_settings(built_site(), Settings { allowed_origins: vec![allowed], ..Settings::default() }).await;
    let endpoint = log.url("/api/consent");
    std::fs::write(site.path().join("index.html"), shop_page(&loader_integrity, &endpoint)).expect("index.html");
    std::fs::write(site.path().join("privacy.html"), "<!doctype html><title>Privacy</title><h1>Privacy</h1>").expect("privacy.html");

    let shopper = Shopper::with_server(log, BrowserOptions::default()).await;
    if let Err(err) = shopper.client().goto(&shop.url("/")).await {
        panic!("could not open the static shop: {err}");
    }
    shopper.wait_widget_ready().await;
    shopper.wait_visible(BANNER).await;
    // Nothing optional ran before the choice.
    let ran: Option<String> = shopper.js("return document.documentElement.dataset.statsRan || null;", vec![]).await;
    assert_eq!(ran, None, "the gated script ran before any choice");

    shopper.click(BANNER_ACCEPT).await;
    let accepted = shopper.wait_stored_consent(0).await;
    wait_for!(
        shopper,
        "the gated analytics script to run",
        shopper.js::<Option<String>>("return document.documentElement.dataset.statsRan || null;", vec![]).await
    );
    // The record crossed origins: CORS allowed by crumb-server for the listed origin only.
    let records = shopper.wait_records(&accepted.id, 1).await;
    assert_eq!(records[0].site, "static-shop");
    assert_eq!(records[0].action, Action::AcceptAll);

    // A returning visit: no banner, the choice applied from the package's own files.
    shopper.reload_widget().await;
    assert!(!shopper.is_visible(BANNER).await, "the banner came back after a choice");
    wait_for!(
        shopper,
        "the gated script to run again on the returning visit",
        shopper.js::<Option<String>>("return document.documentElement.dataset.statsRan || null;", vec![]).await
    );

    // Withdrawal through the page's own link, then a refusal recorded the same way.
    shopper.click_page(PAGE_SETTINGS_LINK).await;
    shopper.wait_visible(PREFS).await;
    shopper.click(PREFS_REJECT).await;
    let rejected = shopper.wait_stored_consent(accepted.updated_at).await;
    let records = shopper.wait_records(&accepted.id, 2).await;
    // Refusing after a consent is a withdrawal (GDPR Art. 7(3)), recorded as such.
    assert_eq!(records[1].action, Action::Withdraw);
    assert_eq!(rejected.id, accepted.id);

    // Every file came from the package's folder on the shop's own server, none from crumb-server
    // or a fixed path; and the shop's server sent no compression and no CORS (a plain server).
    let served = shop.requests();
    assert!(served.iter().any(|p| p == &format!("/node_modules/{PACKAGE}/dist/crumb_bg.wasm")), "{served:?}");
    for path in &served {
        assert!(
            path == "/" || path == "/privacy.html" || path.starts_with(&format!("/node_modules/{PACKAGE}/dist/")) || path == "/favicon.ico",
            "the page fetched {path} from the shop, outside the package's folder: {served:?}"
        );
    }
    let from_log: Vec<String> = shopper.server.requests().into_iter().filter(|r| !r.contains("/api/consent")).collect();
    assert!(from_log.is_empty(), "widget files were fetched from the consent log's origin: {from_log:?}");
    shopper.assert_no_crash().await;
}

/// crumb-server serving the widget to a frame it does not share an origin with: a sandboxed
/// iframe without `allow-same-origin` (origin `null`) fetches the glue as a module and the wasm
/// with CORS, which crumb-server's widget files allow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_widget_served_by_crumb_server_runs_in_a_sandboxed_frame() {
    let shopper = Shopper::new().await;
    let outer = shopper.server.file(
        "/sandboxed.html",
        "text/html; charset=utf-8",
        &[],
        r#"<!doctype html><title>Embedding page</title><iframe sandbox="allow-scripts" src="/" width="900" height="700"></iframe>"#,
    );
    shopper.open(&outer).await;
    if let Err(err) = shopper.client().enter_frame(0).await {
        panic!("could not enter the sandboxed frame: {err}");
    }
    let origin: String = shopper.js("return String(self.origin);", vec![]).await;
    assert_eq!(origin, "null", "the frame is not sandboxed into an opaque origin");
    shopper.wait_widget_ready().await;
    shopper.wait_visible(BANNER).await;
    shopper.click(crumb_e2e::selectors::BANNER_REJECT).await;
    shopper.wait_hidden(BANNER).await;
    shopper.assert_no_crash().await;
}
