//! The crumb-server under test, in process on `127.0.0.1:0` with a fresh SQLite file, serving the
//! built bundle, plus what only tests need in front of it: page variants with an edited config
//! (`GET /t/{name}`), an "endpoint down" switch for `POST /api/consent` (all posts, or only the
//! widget's `fetch` posts so that only `sendBeacon` gets through), a log of requests, and files of
//! the bundle held back (answered only when the test lets them go) or answered 404.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use crumb_core::ConsentRecord;
use crumb_server::{api_router, static_router, AllowedOrigin, AppState, ServerConfig, Settings};
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;

/// The folder of the built site: `CRUMB_DIST`, or `dist/` at the workspace root (Trunk's output).
pub fn dist_dir() -> PathBuf {
    match std::env::var_os("CRUMB_DIST") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"),
    }
}

/// The built site, or a panic that says how to build it.
pub fn built_site() -> PathBuf {
    let dir = dist_dir();
    let wasm = dir.join("crumb/crumb_bg.wasm");
    let index = dir.join("index.html");
    if !wasm.is_file() || !index.is_file() {
        panic!(
            "the built widget is missing: {} or {} does not exist.\n\
             Build it first, at the workspace root: `trunk build --release` \
             (or point CRUMB_DIST at a Trunk output folder).",
            wasm.display(),
            index.display()
        );
    }
    dir
}

/// Where the test server also serves the widget's folder (`dist/crumb`).
pub const CDN_PATH: &str = "/cdn/assets/crumb-v7";

/// Every `site` the pages of the end-to-end tests name (the demo, its shops, the test pages):
/// the test server declares each (crumb-server refuses records for any other).
pub const E2E_SITES: &[&str] = &[
    "crumb-demo",
    "crumb-demo-csp",
    "121time",
    "contrado",
    "onto-object",
    "swedish-b2b",
    "timelux",
    "smoke",
    "static-shop",
    "privacy-test",
    "gating-test",
    "my-site",
];

/// The test server's `--admin-token` when it holds hosted configs ([`TestServer::start_hosted`]):
/// the caller `admin`, a publisher.
pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789abcdef";

/// What the test-only middleware shares.
#[derive(Clone, Default)]
struct Controls {
    endpoint_up: Arc<AtomicBool>,
    /// While set, only `sendBeacon` posts (`text/plain`) get through; `fetch` posts get 503.
    beacons_only: Arc<AtomicBool>,
    refused_posts: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    variants: Arc<Mutex<HashMap<String, String>>>,
    files: Arc<Mutex<HashMap<String, TestFile>>>,
    /// Paths answered 404 (a part of the widget that cannot be fetched).
    missing: Arc<Mutex<Vec<String>>>,
    /// Paths whose answer waits until the test opens the gate.
    held: Arc<Mutex<HashMap<String, tokio::sync::watch::Receiver<bool>>>>,
}

/// A file held back by [`TestServer::hold`]: answered once [`Held::release`] is called (or the
/// handle dropped).
pub struct Held(tokio::sync::watch::Sender<bool>);

impl Held {
    /// Lets every waiting and later request for the file through.
    pub fn release(&self) {
        let _ = self.0.send(true);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.release();
    }
}

/// A test-only file served at `/p/{path}`: any body, content type and extra headers.
#[derive(Clone, Debug)]
pub struct TestFile {
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A running server; stops when dropped.
pub struct TestServer {
    base_url: String,
    state: AppState,
    site_dir: PathBuf,
    controls: Controls,
    task: JoinHandle<()>,
    _data: TempDir,
}

impl TestServer {
    /// Serves the built bundle (see [`built_site`]).
    pub async fn start() -> TestServer {
        TestServer::start_with_site(built_site()).await
    }

    /// Serves the built bundle with hosted configs on: the admin token [`ADMIN_TOKEN`], and a served
    /// config revalidated on every page view (`--config-max-age 0`), so a publish shows on the
    /// shopper's next page view.
    pub async fn start_hosted() -> TestServer {
        let settings = Settings { admin_token: Some(ADMIN_TOKEN.to_owned()), config_max_age: 0, ..Settings::default() };
        TestServer::start_with_settings(built_site(), settings).await
    }

    /// A named admin token with `role` (`viewer`, `editor`, `publisher`), as `crumb-server token
    /// add` makes one; returns the token.
    pub async fn add_token(&self, name: &str, role: &str) -> String {
        let role = crumb_server::Role::parse(role).unwrap_or_else(|| panic!("no role `{role}`"));
        let database = self.state.database().clone();
        let command = crumb_server::tokens::TokenCommand::Add { name: name.to_owned(), role };
        let output = tokio::task::spawn_blocking(move || crumb_server::tokens::run(&database, &command, crumb_server::now_ms()))
            .await
            .expect("token task")
            .unwrap_or_else(|e| panic!("token add {name}: {e}"));
        output.stdout.trim().to_owned()
    }

    /// Registers `GET /t/{name}`: the demo page loading its config from crumb-server's hosted
    /// config of `site` (`data-config="/api/sites/<site>/config"`), with no inline config and no
    /// prepaint (rendered from the inline one). Returns the path.
    pub fn hosted_variant(&self, name: &str, site: &str) -> String {
        let site = site.to_owned();
        self.variant_html(name, move |html| {
            let range = config_range(html).unwrap_or_else(|e| panic!("{e}"));
            let tag_start = html[..range.start].rfind("<script").unwrap_or(range.start);
            let tag_end = range.end + "</script>".len();
            let html = format!("{}{}", &html[..tag_start], &html[tag_end..]);
            html.lines()
                .filter(|line| !(line.contains("<link") && line.contains("prepaint")))
                .map(|line| match (line.contains("<script") && line.contains("/crumb/loader.js"), line.find("data-prepaint=\"")) {
                    (true, Some(at)) => {
                        let value_end = line[at + 15..].find('"').map_or(line.len(), |end| at + 15 + end + 1);
                        format!("{}data-config=\"/api/sites/{site}/config\"{}", &line[..at], &line[value_end..])
                    }
                    _ => line.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// Serves any folder (the harness's own smoke test uses a tiny one).
    pub async fn start_with_site(site_dir: PathBuf) -> TestServer {
        TestServer::start_with_settings(site_dir, Settings::default()).await
    }

    /// Serves any folder, with the server's settings (`--allow-origin` for a site served
    /// elsewhere, say).
    pub async fn start_with_settings(site_dir: PathBuf, mut settings: Settings) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        // A site exists only when declared with its origins: every site the tests' pages name,
        // on the origins they open pages on (this address, and the `*.crumb.test` names mapped to it;
        // `shop.test` stays undeclared: a production origin the server refuses).
        for origin in
            [format!("http://{addr}"), format!("http://localhost:{}", addr.port()), format!("http://*.crumb.test:{}", addr.port())]
        {
            for site in E2E_SITES {
                settings.allowed_origins.push(AllowedOrigin { site: (*site).to_owned(), origin: origin.clone() });
            }
        }
        let data = tempfile::tempdir().expect("temp dir for the database");
        let config = ServerConfig { database: data.path().join("consent.sqlite3"), site_dir: site_dir.clone() };
        let state = AppState::open_with(&config, settings).expect("open the test database");
        let controls = Controls::default();
        controls.endpoint_up.store(true, Ordering::SeqCst);

        let api = api_router(state.clone()).layer(middleware::from_fn_with_state(controls.clone(), endpoint_switch));
        let pages = Router::new().route("/t/{name}", get(variant_page)).route("/p/{*path}", get(test_file)).with_state(controls.clone());
        // The widget's folder again under a CDN-like versioned path: loader.js must fetch the wasm,
        // glue, styles and texts next to itself, wherever that is.
        let cdn = Router::new().nest_service(CDN_PATH, static_router(&site_dir.join("crumb")));
        let app = pages
            .merge(api)
            .merge(cdn)
            .fallback_service(static_router(&site_dir))
            .layer(middleware::from_fn_with_state(controls.clone(), log_request));

        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("crumb-e2e: test server stopped: {err}");
            }
        });
        TestServer { base_url: format!("http://{addr}"), state, site_dir, controls, task, _data: data }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// While down, `POST /api/consent` answers 503 without reaching the server.
    pub fn set_endpoint_up(&self, up: bool) {
        self.controls.endpoint_up.store(up, Ordering::SeqCst);
    }

    /// While set, `POST /api/consent` with `Content-Type: application/json` (the widget's `fetch`)
    /// answers 503, and only `text/plain` posts (its `sendBeacon`) reach the server.
    pub fn set_beacons_only(&self, beacons_only: bool) {
        self.controls.beacons_only.store(beacons_only, Ordering::SeqCst);
    }

    /// How many `POST /api/consent` were answered 503 by the switch.
    pub fn refused_posts(&self) -> usize {
        self.controls.refused_posts.load(Ordering::SeqCst)
    }

    /// From now on, `GET path` answers 404 (as a part of the widget that cannot be fetched).
    pub fn make_missing(&self, path: &str) {
        self.controls.missing.lock().unwrap().push(path.to_owned());
    }

    /// From now on, `GET path` waits until the returned handle releases it.
    pub fn hold(&self, path: &str) -> Held {
        let (open, wait) = tokio::sync::watch::channel(false);
        self.controls.held.lock().unwrap().insert(path.to_owned(), wait);
        Held(open)
    }

    /// Every request so far, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.controls.requests.lock().unwrap().clone()
    }

    /// Whether any request asked for `path` (query ignored).
    pub fn was_requested(&self, path: &str) -> bool {
        self.requests().iter().any(|line| {
            let target = line.split_once(' ').map_or("", |(_, t)| t);
            target.split('?').next() == Some(path)
        })
    }

    /// The config of the built demo page, parsed.
    pub fn demo_config(&self) -> Value {
        let html = self.index_html();
        let text = config_text(&html).unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_str(text).expect("the demo page's config is JSON")
    }

    fn index_html(&self) -> String {
        let path = self.site_dir.join("index.html");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Registers `GET /t/{name}`: the demo page with its config edited by `edit`. Returns the path.
    pub fn variant(&self, name: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut config = self.demo_config();
        edit(&mut config);
        let text = serde_json::to_string_pretty(&config).expect("config serializes");
        self.variant_with_config_text(name, &text)
    }

    /// Registers `GET /t/{name}`: the demo page with its config text replaced verbatim.
    pub fn variant_with_config_text(&self, name: &str, config_text: &str) -> String {
        let html = replace_config(&self.index_html(), config_text).unwrap_or_else(|e| panic!("{e}"));
        self.controls.variants.lock().unwrap().insert(name.to_owned(), html);
        format!("/t/{name}")
    }

    /// Registers `GET /t/{name}`: the demo page with its config edited by `edit`, and without the
    /// page's own `<link rel="preload">` / `modulepreload` tags: what the widget fetches by itself.
    pub fn variant_without_preloads(&self, name: &str, edit: impl FnOnce(&mut Value)) -> String {
        let mut config = self.demo_config();
        edit(&mut config);
        let text = serde_json::to_string_pretty(&config).expect("config serializes");
        self.variant_html(name, |html| {
            let html = replace_config(html, &text).unwrap_or_else(|e| panic!("{e}"));
            html.lines()
                .filter(|line| !line.contains("rel=\"preload\"") && !line.contains("rel=\"modulepreload\""))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// Registers `GET /t/{name}`: the demo page's HTML as `edit` rewrites it. Returns the path.
    pub fn variant_html(&self, name: &str, edit: impl FnOnce(&str) -> String) -> String {
        let html = edit(&self.index_html());
        self.controls.variants.lock().unwrap().insert(name.to_owned(), html);
        format!("/t/{name}")
    }

    /// Serves `body` at `/p/{path}` with this content type and extra headers (a `Content-Security-Policy`
    /// say). Returns the URL path.
    pub fn file(&self, path: &str, content_type: &str, headers: &[(&str, &str)], body: &str) -> String {
        let file = TestFile {
            content_type: content_type.to_owned(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.to_owned(),
        };
        self.controls.files.lock().unwrap().insert(path.trim_start_matches('/').to_owned(), file);
        format!("/p/{}", path.trim_start_matches('/'))
    }

    /// Serves an HTML page at `/p/{path}`; returns the URL path.
    pub fn page(&self, path: &str, html: &str) -> String {
        self.file(path, "text/html; charset=utf-8", &[], html)
    }

    /// Serves a JavaScript file at `/p/{path}`; returns the URL path.
    pub fn script(&self, path: &str, js: &str) -> String {
        self.file(path, "text/javascript; charset=utf-8", &[], js)
    }

    /// The stored history of a consent id, oldest first.
    pub async fn records_for(&self, consent_id: &str) -> Vec<ConsentRecord> {
        let state = self.state.clone();
        let id = consent_id.to_owned();
        tokio::task::spawn_blocking(move || state.records_for(&id))
            .await
            .expect("records_for task")
            .unwrap_or_else(|e| panic!("records_for({consent_id}): {e}"))
    }

    /// How many records the server holds in all.
    pub async fn count_records(&self) -> u64 {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || state.count_records())
            .await
            .expect("count_records task")
            .unwrap_or_else(|e| panic!("count_records: {e}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn endpoint_switch(State(controls): State<Controls>, request: Request, next: Next) -> Response {
    let is_record_post = request.method() == Method::POST && request.uri().path() == "/api/consent";
    let is_fetch =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/json"));
    let beacons_only = controls.beacons_only.load(Ordering::SeqCst);
    if is_record_post && (!controls.endpoint_up.load(Ordering::SeqCst) || (beacons_only && is_fetch)) {
        controls.refused_posts.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "endpoint switched off by the test").into_response();
    }
    next.run(request).await
}

async fn log_request(State(controls): State<Controls>, request: Request, next: Next) -> Response {
    let line = format!("{} {}", request.method(), request.uri());
    controls.requests.lock().unwrap().push(line);
    let path = request.uri().path().to_owned();
    if controls.missing.lock().unwrap().contains(&path) {
        return (StatusCode::NOT_FOUND, "made missing by the test").into_response();
    }
    let held = controls.held.lock().unwrap().get(&path).cloned();
    if let Some(mut gate) = held {
        // Released, or the test (and its handle) is gone.
        let _ = gate.wait_for(|open| *open).await;
        // Made missing while it was held: it fails as it is let go.
        if controls.missing.lock().unwrap().contains(&path) {
            return (StatusCode::NOT_FOUND, "made missing by the test").into_response();
        }
    }
    next.run(request).await
}

async fn variant_page(State(controls): State<Controls>, UrlPath(name): UrlPath<String>) -> Response {
    let page = controls.variants.lock().unwrap().get(&name).cloned();
    match page {
        Some(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no page variant `{name}` registered")).into_response(),
    }
}

async fn test_file(State(controls): State<Controls>, UrlPath(path): UrlPath<String>) -> Response {
    let file = controls.files.lock().unwrap().get(&path).cloned();
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, format!("no test file `{path}` registered")).into_response();
    };
    let mut response = file.body.into_response();
    let headers = response.headers_mut();
    let pairs = std::iter::once(("content-type".to_owned(), file.content_type))
        .chain(std::iter::once(("cache-control".to_owned(), "no-store".to_owned())))
        .chain(file.headers);
    for (name, value) in pairs {
        match (header::HeaderName::try_from(name.as_str()), header::HeaderValue::try_from(value.as_str())) {
            (Ok(name), Ok(value)) => {
                headers.insert(name, value);
            }
            _ => panic!("test file `{path}`: bad header `{name}: {value}`"),
        }
    }
    response
}

/// Byte range of the inline config's content (`<script type="application/json" id="crumb-config">`).
fn config_range(html: &str) -> Result<std::ops::Range<usize>, String> {
    let id_at = ["id=\"crumb-config\"", "id='crumb-config'", "id=crumb-config"]
        .iter()
        .find_map(|needle| html.find(needle))
        .ok_or("the page has no element with id `crumb-config`")?;
    let tag_start = html[..id_at].rfind('<').ok_or("malformed page around `crumb-config`")?;
    if !html[tag_start..].to_ascii_lowercase().starts_with("<script") {
        return Err("`#crumb-config` is not a <script> element".into());
    }
    let start = id_at + html[id_at..].find('>').ok_or("unclosed <script id=crumb-config> tag")? + 1;
    let end = start + html[start..].find("</script>").ok_or("no </script> after the config")?;
    Ok(start..end)
}

/// The inline config's text.
pub fn config_text(html: &str) -> Result<&str, String> {
    config_range(html).map(|r| &html[r])
}

/// The page with the inline config's text replaced.
pub fn replace_config(html: &str, config_text: &str) -> Result<String, String> {
    if config_text.contains("</script") {
        return Err("a config text cannot contain `</script`".into());
    }
    let range = config_range(html)?;
    Ok(format!("{}\n{}\n{}", &html[..range.start], config_text, &html[range.end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<head><script type=\"application/json\" id=\"crumb-config\">\n{\"revision\": 1}\n</script>\
                        <script src=/crumb/loader.js></script></head>";

    #[test]
    fn finds_and_replaces_the_inline_config() {
        assert_eq!(config_text(PAGE).unwrap().trim(), "{\"revision\": 1}");
        let page = replace_config(PAGE, "{\"revision\": 2}").unwrap();
        assert_eq!(config_text(&page).unwrap().trim(), "{\"revision\": 2}");
        assert!(page.ends_with("<script src=/crumb/loader.js></script></head>"));
    }

    #[test]
    fn names_what_is_missing() {
        assert!(config_text("<p id=\"crumb-config\">x</p>").unwrap_err().contains("not a <script>"));
        assert!(config_text("<p>nothing</p>").unwrap_err().contains("no element"));
        assert!(replace_config(PAGE, "</script>").is_err());
    }
}
