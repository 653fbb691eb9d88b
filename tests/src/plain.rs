//! A plain static file server, as a site owner's own web server or a CDN would be: files from one
//! folder with their content type and nothing else (no compression, no CORS, no Crumb routes).
//! The release journeys serve the installed npm package from it, on an origin of its own.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::task::JoinHandle;

/// A running plain server; stops when dropped.
pub struct PlainServer {
    base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

#[derive(Clone)]
struct Site {
    root: Arc<Path>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl PlainServer {
    /// Serves `root` on `127.0.0.1:0`.
    pub async fn start(root: PathBuf) -> PlainServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let site = Site { root: Arc::from(root.as_path()), requests: requests.clone() };
        let app = Router::new().fallback(serve_file).with_state(site);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("crumb-e2e: plain server stopped: {err}");
            }
        });
        PlainServer { base_url: format!("http://{addr}"), requests, task }
    }

    /// `http://127.0.0.1:<port>`: the origin of the pages it serves.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Every path requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for PlainServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

async fn serve_file(State(site): State<Site>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    site.requests.lock().unwrap().push(path.clone());
    let mut file = site.root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => return StatusCode::NOT_FOUND.into_response(),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(body) => {
            let mut response = body.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
            response
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
