//! What running crumb-server for real needs (docs/deploy.md): the client's address behind a
//! reverse proxy, a backup taken while records keep arriving, and widget files any page may load.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::*;
use crumb_server::{backup_sqlite, Database, IpMode, Settings, TrustedProxy};
use serde_json::{json, Value};

/// A POST that reached the server from `peer` with the given `X-Forwarded-For` headers.
async fn post_forwarded(app: &Router, peer: &str, forwarded: &[&str], record: &Value) -> Reply {
    let peer: SocketAddr = peer.parse().expect("socket address");
    let mut request = Request::post("/api/consent").header(header::CONTENT_TYPE, "application/json").header(header::ORIGIN, ORIGIN);
    for value in forwarded {
        request = request.header("x-forwarded-for", *value);
    }
    let mut request = request.body(Body::from(record.to_string())).expect("request");
    request.extensions_mut().insert(ConnectInfo(peer));
    send(app, request).await
}

fn nth_record(n: usize) -> Value {
    record(&format!("0f8fad5b-d9cb-469f-a165-{n:012}"), "2026-11-22T05:06:43.123Z", "accept_all", true, false)
}

fn local_proxy() -> Vec<TrustedProxy> {
    vec![TrustedProxy::parse("127.0.0.1").expect("address")]
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_shopper_has_a_rate_limit_of_their_own() {
    let settings = Settings { rate_limit_per_minute: 2, trusted_proxies: local_proxy(), ..Settings::default() };
    let s = server_with(Backend::Sqlite, settings).await;
    // Two shoppers behind the same proxy: the first uses up their own allowance only.
    for n in 0..2 {
        assert_eq!(post_forwarded(&s.app, "127.0.0.1:50000", &["203.0.113.7"], &nth_record(n)).await.status, StatusCode::CREATED);
    }
    assert_eq!(post_forwarded(&s.app, "127.0.0.1:50000", &["203.0.113.7"], &nth_record(2)).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(post_forwarded(&s.app, "127.0.0.1:50001", &["198.51.100.4"], &nth_record(3)).await.status, StatusCode::CREATED);
    // The limited shopper cannot escape by writing a fresh address to the left of the real one.
    let dodge = post_forwarded(&s.app, "127.0.0.1:50002", &["192.0.2.99, 203.0.113.7"], &nth_record(4)).await;
    assert_eq!(dodge.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address() {
    let settings = Settings { rate_limit_per_minute: 2, trusted_proxies: local_proxy(), ..Settings::default() };
    let s = server_with(Backend::Sqlite, settings).await;
    // A bot talking to the server directly sends a new X-Forwarded-For each time: ignored, its
    // own address is limited.
    for n in 0..2 {
        let forged = format!("192.0.2.{n}");
        assert_eq!(post_forwarded(&s.app, "203.0.113.50:4000", &[&forged], &nth_record(n)).await.status, StatusCode::CREATED);
    }
    let third = post_forwarded(&s.app, "203.0.113.50:4000", &["192.0.2.77"], &nth_record(2)).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);

    // Without --trusted-proxy the header is never read, not even from loopback.
    let plain = server_with(Backend::Sqlite, Settings { rate_limit_per_minute: 2, ..Settings::default() }).await;
    for n in 0..2 {
        let forged = format!("192.0.2.{n}");
        assert_eq!(post_forwarded(&plain.app, "127.0.0.1:4000", &[&forged], &nth_record(n)).await.status, StatusCode::CREATED);
    }
    let third = post_forwarded(&plain.app, "127.0.0.1:4000", &["192.0.2.77"], &nth_record(2)).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn store_ip_keeps_the_forwarded_address_truncated() {
    let settings = Settings {
        store_ip: IpMode::Truncated,
        trusted_proxies: local_proxy(),
        admin_token: Some(TOKEN.to_owned()),
        ..Settings::default()
    };
    let s = server_with(Backend::Sqlite, settings).await;
    let reply = post_forwarded(&s.app, "127.0.0.1:50000", &["203.0.113.7"], &valid_record()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let history = get_auth(&s.app, &format!("/api/consent/{ID}"), &bearer()).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text());
    assert_eq!(history.json()[0]["client_ip"], json!("203.0.113.0"), "{}", history.text());
}

#[test]
fn a_backup_taken_while_records_arrive_is_whole_and_reads_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("consent.sqlite3");
    let database = Arc::new(Database::open_sqlite(&path).expect("open"));
    let received = "2026-11-22T05:06:44Z";
    for n in 0..200 {
        let record = serde_json::from_value(nth_record(n)).expect("record");
        assert!(database.insert(&record, received, None).expect("insert"));
    }
    // A writer keeps storing records while the backup runs, as a live server does.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (database, stop) = (database.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 1000;
            while !stop.load(Ordering::SeqCst) && n < 6000 {
                let record = serde_json::from_value(nth_record(n)).expect("record");
                database.insert(&record, received, None).expect("insert during the backup");
                n += 1;
            }
            n - 1000
        })
    };
    let to = dir.path().join("backups/consent-1.sqlite3");
    std::fs::create_dir_all(to.parent().expect("parent")).expect("backup folder");
    let report = backup_sqlite(&path, &to).expect("backup");
    stop.store(true, Ordering::SeqCst);
    let written_meanwhile = writer.join().expect("writer");
    assert!(report.records >= 200 && report.records <= 200 + written_meanwhile as u64, "{report:?}");
    assert_eq!(report.schema_version, crumb_server::SCHEMA_VERSION);
    assert!(!dir.path().join("backups/consent-1.sqlite3.partial").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&to).expect("backup file").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is readable by others: {mode:o}");
    }
    // Restored (opened as the database), it holds what it said, with every record whole.
    let restored = Database::open_sqlite(&to).expect("open the backup");
    assert_eq!(restored.count().expect("count"), report.records);
    let history = restored.history("0f8fad5b-d9cb-469f-a165-000000000007").expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].received_at, received);
    // A second backup to the same name is refused, the first stays.
    let again = backup_sqlite(&path, &to).expect_err("overwrite");
    assert!(again.to_string().contains("never overwrites"), "{again}");
    assert_eq!(Database::open_sqlite(&to).expect("reopen").count().expect("count"), report.records);
}

#[tokio::test]
async fn widget_files_can_be_loaded_by_any_page_but_pages_are_not_shared() {
    let s = server(Backend::Sqlite).await;
    let site = s.dir.path().join("site");
    std::fs::create_dir_all(site.join("crumb/i18n")).expect("widget folder");
    for (file, body) in [
        ("crumb/loader.js", "/* loader */"),
        ("crumb/crumb_bg.wasm", "\0asm"),
        ("crumb/crumb.css", ":host{}"),
        ("crumb/i18n/en.json", "{}"),
        ("index.html", "<!doctype html><p>private intranet page"),
    ] {
        std::fs::write(site.join(file), body).expect("write");
    }
    for path in ["/crumb/loader.js", "/crumb/crumb_bg.wasm", "/crumb/crumb.css", "/crumb/i18n/en.json"] {
        let reply = get(&s.app, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        // A cross-origin page (or a sandboxed frame, origin `null`) may load the widget's files.
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"), "{path}");
        assert_eq!(reply.header(header::HeaderName::from_static("cross-origin-resource-policy")), Some("cross-origin"), "{path}");
    }
    // Pages are not: another origin's script cannot read them through a visitor's browser.
    let page = get(&s.app, "/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[cfg(unix)]
#[test]
fn a_new_database_and_its_journal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data/consent.sqlite3");
    let database = Database::open_sqlite(&path).expect("open");
    let record = serde_json::from_value(nth_record(1)).expect("record");
    database.insert(&record, "2026-11-22T05:06:44Z", None).expect("insert");
    for file in ["consent.sqlite3", "consent.sqlite3-wal", "consent.sqlite3-shm"] {
        let file = dir.path().join("data").join(file);
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o077, 0, "{} is readable by others", file.display());
        }
    }
    assert!(std::fs::metadata(&path).is_ok());
}

#[tokio::test]
async fn api_answers_are_never_sniffed() {
    let s = server(Backend::Sqlite).await;
    for path in ["/api/health", "/api/consent/not-an-id", "/api/export?site=crumb-demo"] {
        let reply = get(&s.app, path, None).await;
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{path}: {}", reply.status);
    }
}
