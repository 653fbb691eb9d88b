//! The server through its router: records in and out, limits, content types, static files.

use std::io::Read;
use std::path::Path;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use crumb_server::{app, precompress, AppState, ServerConfig};
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn valid_record() -> Value {
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

struct Server {
    _dir: TempDir,
    state: AppState,
    app: Router,
}

fn server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let site_dir = dir.path().join("site");
    std::fs::create_dir_all(&site_dir).expect("site dir");
    let config = ServerConfig { database: dir.path().join("data/consent.sqlite3"), site_dir };
    let state = AppState::open(&config).expect("open store");
    Server { app: app(state.clone()), state, _dir: dir }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn error(&self) -> String {
        self.json()["error"].as_str().expect("an `error` string").to_owned()
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX).await.expect("body").to_vec();
    Reply { status, headers, body }
}

async fn post(app: &Router, content_type: &str, body: impl Into<Body>) -> Reply {
    let request = Request::post("/api/consent").header(header::CONTENT_TYPE, content_type).body(body.into()).expect("request");
    send(app, request).await
}

async fn post_json(app: &Router, record: &Value) -> Reply {
    post(app, "application/json", record.to_string()).await
}

async fn get(app: &Router, uri: &str, accept_encoding: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn a_record_is_stored_once() {
    let s = server();
    let first = post_json(&s.app, &valid_record()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.json(), json!({"stored": true}));

    let again = post_json(&s.app, &valid_record()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json(), json!({"stored": false}));

    // The same instant written without milliseconds is the same decision.
    let mut same_instant = valid_record();
    same_instant["given_at"] = json!("2026-11-22T05:06:43Z");
    same_instant["updated_at"] = json!("2026-11-22T05:06:43.000Z");
    assert_eq!(post_json(&s.app, &same_instant).await.status, StatusCode::CREATED);
    same_instant["updated_at"] = json!("2026-11-22T05:06:43Z");
    assert_eq!(post_json(&s.app, &same_instant).await.json(), json!({"stored": false}));

    assert_eq!(s.state.count_records().expect("count"), 2);
    let history = s.state.records_for(ID).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(serde_json::to_value(&history[1]).expect("json"), valid_record());
}

#[tokio::test]
async fn sendbeacon_text_plain_is_accepted() {
    let s = server();
    let reply = post(&s.app, "text/plain;charset=UTF-8", valid_record().to_string()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(s.state.count_records().expect("count"), 1);
    let reply = post(&s.app, "application/json; charset=utf-8", valid_record().to_string()).await;
    assert_eq!(reply.json(), json!({"stored": false}));
}

#[tokio::test]
async fn other_content_types_are_415() {
    let s = server();
    let reply = post(&s.app, "application/xml", valid_record().to_string()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(reply.error().contains("Content-Type"));
    let request = Request::post("/api/consent").body(Body::from(valid_record().to_string())).expect("request");
    assert_eq!(send(&s.app, request).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(s.state.count_records().expect("count"), 0);
}

#[tokio::test]
async fn invalid_records_are_400_naming_the_field() {
    let s = server();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut record = valid_record();
    record["schema"] = json!(2);
    cases.push((record, "schema"));
    let mut record = valid_record();
    record["consent_id"] = json!("short");
    cases.push((record, "consent_id"));
    let mut record = valid_record();
    record["consent_id"] = json!("0f8fad5b'; DROP TABLE consent_records; --");
    cases.push((record, "consent_id"));
    let mut record = valid_record();
    record["ip"] = json!("203.0.113.7");
    cases.push((record, "ip"));
    let mut record = valid_record();
    record["updated_at"] = json!("2099-01-01T00:00:00.000Z");
    cases.push((record, "updated_at"));
    let mut record = valid_record();
    record["action"] = json!("accept_some");
    cases.push((record, "action"));
    let mut record = valid_record();
    record["categories"] = json!({"Analytics!": true});
    cases.push((record, "categories"));
    let mut record = valid_record();
    record.as_object_mut().expect("object").remove("site");
    cases.push((record, "site"));

    for (record, field) in cases {
        let reply = post_json(&s.app, &record).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{record}");
        let error = reply.error();
        assert!(error.contains(field), "error for `{field}` does not name it: {error}");
    }
    for body in ["", "not json", "[]", &format!("{} {{}}", valid_record())] {
        let reply = post(&s.app, "application/json", body.to_owned()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(!reply.error().is_empty());
    }
    assert_eq!(s.state.count_records().expect("count"), 0);
}

#[tokio::test]
async fn bodies_over_16_kb_are_413() {
    let s = server();
    let mut record = valid_record();
    record["url_path"] = json!(format!("/{}", "a".repeat(17 * 1024)));
    let reply = post_json(&s.app, &record).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!reply.error().is_empty());
    assert_eq!(s.state.count_records().expect("count"), 0);
}

#[tokio::test]
async fn history_is_in_updated_at_order() {
    let s = server();
    let mut later = valid_record();
    later["action"] = json!("withdraw");
    later["categories"] = json!({"necessary": true, "analytics": false});
    later["updated_at"] = json!("2026-11-22T06:00:00.000Z");
    let mut other = valid_record();
    other["consent_id"] = json!("11111111-2222-3333-4444-555555555555");
    // Posted out of order: the history still follows `updated_at`.
    for record in [&later, &other, &valid_record()] {
        assert_eq!(post_json(&s.app, record).await.status, StatusCode::CREATED);
    }
    let reply = get(&s.app, &format!("/api/consent/{ID}"), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!([valid_record(), later]));
    assert_eq!(s.state.count_records().expect("count"), 3);
}

#[tokio::test]
async fn unknown_id_is_404() {
    let s = server();
    post_json(&s.app, &valid_record()).await;
    let reply = get(&s.app, "/api/consent/99999999-2222-3333-4444-555555555555", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!reply.error().is_empty());
    assert_eq!(get(&s.app, "/api/consent/bad%20id", None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn health_is_ok() {
    let s = server();
    let reply = get(&s.app, "/api/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, b"ok");
}

#[tokio::test]
async fn records_survive_reopening_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = ServerConfig { database: dir.path().join("consent.sqlite3"), site_dir: dir.path().to_owned() };
    {
        let state = AppState::open(&config).expect("open");
        assert_eq!(post_json(&app(state), &valid_record()).await.status, StatusCode::CREATED);
    }
    let state = AppState::open(&config).expect("reopen");
    assert_eq!(state.count_records().expect("count"), 1);
    assert_eq!(post_json(&app(state), &valid_record()).await.status, StatusCode::OK);
}

fn write_site(site: &Path) -> String {
    let script = "console.log('crumb');\n".repeat(200);
    std::fs::write(site.join("index.html"), "<!doctype html><title>shop</title>").expect("write");
    std::fs::write(site.join("app.js"), &script).expect("write");
    std::fs::write(site.join("app_bg.wasm"), [0u8, 97, 115, 109, 1, 0, 0, 0].repeat(100)).expect("write");
    std::fs::create_dir_all(site.join("i18n")).expect("dir");
    std::fs::write(site.join("i18n/en.json"), r#"{"title":"Cookies"}"#).expect("write");
    std::fs::write(site.join("logo.png"), [0x89, b'P', b'N', b'G']).expect("write");
    script
}

#[tokio::test]
async fn precompressed_files_are_served_when_accepted() {
    let s = server();
    let site = s.state.site_dir().to_owned();
    let script = write_site(&site);
    let report = precompress(&site).expect("precompress");
    assert_eq!((report.files, report.written), (4, 8));
    assert!(site.join("i18n/en.json.br").is_file() && site.join("app.js.gz").is_file());
    assert!(!site.join("logo.png.br").exists());
    assert_eq!(precompress(&site).expect("again").written, 0, "fresh files are not rewritten");

    let reply = get(&s.app, "/app.js", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("br"));
    assert_eq!(reply.header(header::VARY), Some("accept-encoding"));
    assert!(reply.header(header::CONTENT_TYPE).is_some_and(|t| t.contains("javascript")));
    let mut decoded = String::new();
    brotli::Decompressor::new(&reply.body[..], 4096).read_to_string(&mut decoded).expect("brotli");
    assert_eq!(decoded, script);
    assert!(reply.body.len() < script.len() / 10);

    let reply = get(&s.app, "/app.js", Some("gzip")).await;
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("gzip"));
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&reply.body[..]).read_to_string(&mut decoded).expect("gzip");
    assert_eq!(decoded, script);

    let reply = get(&s.app, "/app.js", None).await;
    assert_eq!(reply.header(header::CONTENT_ENCODING), None);
    assert_eq!(reply.body, script.as_bytes());

    let reply = get(&s.app, "/app_bg.wasm", Some("br")).await;
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/wasm"));
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("br"));
}

#[tokio::test]
async fn documents_are_revalidated() {
    let s = server();
    let site = s.state.site_dir().to_owned();
    write_site(&site);
    let index = get(&s.app, "/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(index.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(index.body, b"<!doctype html><title>shop</title>");
    let json = get(&s.app, "/i18n/en.json", None).await;
    assert_eq!(json.header(header::CACHE_CONTROL), Some("no-cache"));
    let script = get(&s.app, "/app.js", None).await;
    assert_eq!(script.header(header::CACHE_CONTROL), None);
    assert_eq!(get(&s.app, "/missing.js", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&s.app, "/../Cargo.toml", None).await.status, StatusCode::NOT_FOUND);
}

/// Over a real socket: the limit holds for chunked bodies that announce no length.
#[tokio::test]
async fn real_listener_accepts_records_and_limits_chunked_bodies() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let s = server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let service = s.app.clone();
    tokio::spawn(async move { axum::serve(listener, service).await });

    async fn exchange(address: std::net::SocketAddr, request: Vec<u8>) -> String {
        let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
        stream.write_all(&request).await.expect("write");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        String::from_utf8_lossy(&response).into_owned()
    }

    let body = valid_record().to_string();
    let request = format!(
        "POST /api/consent HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = exchange(address, request.into_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    let mut request = b"POST /api/consent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..17 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b' '; 0x400]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let response = exchange(address, request).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert_eq!(s.state.count_records().expect("count"), 1);
}
