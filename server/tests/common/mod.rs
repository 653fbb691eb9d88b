//! What the server's test files share: a server over either database, requests, replies.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use crumb_server::{app, AllowedOrigin, AppState, Database, Settings};
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

pub const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
pub const TOKEN: &str = "test-admin-token-0123456789";
/// The shop's page origin: every request helper below sends it as `Origin`, as a browser does.
pub const ORIGIN: &str = "https://shop.example";

/// The sites a test server declares unless its settings name others: the tests' sites, all on
/// [`ORIGIN`].
pub fn test_sites() -> Vec<AllowedOrigin> {
    ["crumb-demo", "other-shop", "-2-3"].iter().map(|site| AllowedOrigin { site: (*site).to_owned(), origin: ORIGIN.to_owned() }).collect()
}

pub fn valid_record() -> Value {
    json!({
        "schema": 1,
        "consent_id": ID,
        "site": "crumb-demo",
        "revision": 1,
        "action": "accept_all",
        "categories": {"necessary": true, "analytics": true},
        "services": {"demo-analytics": true},
        "language": "en",
        "gpc": false,
        "given_at": "2026-11-22T05:06:43.123Z",
        "updated_at": "2026-11-22T05:06:43.123Z",
        "url_path": "/"
    })
}

/// Which database a test runs against; every suite test runs once per backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body once against SQLite and once against PostgreSQL
/// (`mod <name> { fn sqlite; fn postgres }`).
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($backend: $crate::common::Backend) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { run($crate::common::Backend::Sqlite).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { run($crate::common::Backend::Postgres).await }
            }
        )*
    };
}

/// Where the PostgreSQL tests connect: `CRUMB_TEST_POSTGRES_URL`, which scripts/test.sh sets.
pub fn postgres_url() -> String {
    match std::env::var("CRUMB_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "CRUMB_TEST_POSTGRES_URL is not set: the PostgreSQL half of the server suite needs a server.\n\
             Run the tests through `scripts/postgres.sh cargo test -p crumb-server` (starts a throwaway \
             PostgreSQL 15 on 127.0.0.1 and sets the variable), or `scripts/test.sh` for everything."
        ),
    }
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database on the test server; dropped (forcibly) with the guard.
pub struct ScratchPostgres {
    pub config: postgres::Config,
    name: String,
}

impl ScratchPostgres {
    pub fn create() -> ScratchPostgres {
        let url = postgres_url();
        let name = format!("crumb_t_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::SeqCst));
        let mut admin =
            postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("connect to CRUMB_TEST_POSTGRES_URL ({url}): {e}"));
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).expect("drop an old database");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        let mut config: postgres::Config = url.parse().expect("URL");
        config.dbname(&name);
        ScratchPostgres { config, name }
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let (url, name) = (postgres_url(), self.name.clone());
        // The blocking client may not run on an async worker: its own thread.
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A server under test. Field order matters: the state (and its pool) goes before the database.
pub struct Server {
    pub state: AppState,
    pub app: Router,
    pub backend: Backend,
    database_location: DatabaseLocation,
    pub dir: TempDir,
}

enum DatabaseLocation {
    Sqlite,
    Postgres(Box<ScratchPostgres>),
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("blocking task")
}

pub async fn open_database(backend: Backend, dir: &std::path::Path, scratch: Option<&ScratchPostgres>) -> Arc<Database> {
    let path = dir.join("data/consent.sqlite3");
    let config = scratch.map(|d| d.config.clone());
    blocking(move || {
        Arc::new(match backend {
            Backend::Sqlite => Database::open_sqlite(&path).expect("open SQLite"),
            Backend::Postgres => Database::open_postgres_config(config.expect("a database")).expect("open PostgreSQL"),
        })
    })
    .await
}

pub async fn server(backend: Backend) -> Server {
    server_with(backend, Settings { admin_token: Some(TOKEN.to_owned()), rate_limit_per_minute: 0, ..Settings::default() }).await
}

pub async fn server_with(backend: Backend, mut settings: Settings) -> Server {
    if settings.allowed_origins.is_empty() {
        settings.allowed_origins = test_sites();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let site_dir = dir.path().join("site");
    std::fs::create_dir_all(&site_dir).expect("site dir");
    let location = match backend {
        Backend::Sqlite => DatabaseLocation::Sqlite,
        Backend::Postgres => DatabaseLocation::Postgres(Box::new(blocking(ScratchPostgres::create).await)),
    };
    let database = match &location {
        DatabaseLocation::Postgres(database) => Some(database.as_ref()),
        DatabaseLocation::Sqlite => None,
    };
    let database = open_database(backend, dir.path(), database).await;
    let state = AppState::with_settings(database, &site_dir, settings);
    Server { app: app(state.clone()), state, backend, database_location: location, dir }
}

impl Server {
    pub async fn count(&self) -> u64 {
        let state = self.state.clone();
        blocking(move || state.count_records().expect("count")).await
    }

    /// The database reopened from scratch (a restarted server).
    pub async fn reopen_database(&self) -> Arc<Database> {
        let database = match &self.database_location {
            DatabaseLocation::Postgres(database) => Some(database.as_ref()),
            DatabaseLocation::Sqlite => None,
        };
        open_database(self.backend, self.dir.path(), database).await
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn error(&self) -> String {
        self.json()["error"].as_str().expect("an `error` string").to_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX).await.expect("body").to_vec();
    Reply { status, headers, body }
}

pub async fn post(app: &Router, content_type: &str, body: impl Into<Body>) -> Reply {
    let request = Request::post("/api/consent")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ORIGIN, ORIGIN)
        .body(body.into())
        .expect("request");
    send(app, request).await
}

pub async fn post_json(app: &Router, record: &Value) -> Reply {
    post(app, "application/json", record.to_string()).await
}

/// A POST as if from `peer` (what the real listener attaches to every request).
pub async fn post_from(app: &Router, peer: &str, record: &Value) -> Reply {
    let peer: SocketAddr = peer.parse().expect("socket address");
    let mut request = Request::post("/api/consent")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(record.to_string()))
        .expect("request");
    request.extensions_mut().insert(ConnectInfo(peer));
    send(app, request).await
}

pub async fn get(app: &Router, uri: &str, accept_encoding: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

/// A GET with `Authorization: <authorization>`.
pub async fn get_auth(app: &Router, uri: &str, authorization: &str) -> Reply {
    let request = Request::get(uri).header(header::AUTHORIZATION, authorization).body(Body::empty()).expect("request");
    send(app, request).await
}

pub fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// A record of `consent_id` decided at `updated_at` with `action` and analytics/marketing flags.
pub fn record(consent_id: &str, updated_at: &str, action: &str, analytics: bool, marketing: bool) -> Value {
    let mut record = valid_record();
    record["consent_id"] = json!(consent_id);
    record["given_at"] = json!(updated_at);
    record["updated_at"] = json!(updated_at);
    record["action"] = json!(action);
    record["categories"] = json!({"necessary": true, "analytics": analytics, "marketing": marketing});
    record["services"] = json!({});
    record
}
