//! Issue 12, the site folder: only files inside it are served (no symlink out, no dotfile, never
//! the database), every redirect stays on this server, and precompression never writes through a
//! planted symlink. Real files and symlinks in a temporary folder; the site does not depend on the
//! database kind, so these run on SQLite only.
#![cfg(unix)]

mod common;

use std::fs;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use axum::http::{header, StatusCode};
use crumb_server::{app, precompress, AppState, ServerConfig, Settings};

use common::*;

const SECRET: &str = "the secret outside the site";

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("folder");
    }
    fs::write(path, contents).expect("write");
}

/// A server whose SQLite database is `database` (relative to the temporary folder) and whose site
/// is `site/`.
fn server_at(dir: &Path, database: &str) -> axum::Router {
    let config = ServerConfig { database: dir.join(database), site_dir: dir.join("site") };
    let state = AppState::open_with(&config, Settings { rate_limit_per_minute: 0, ..Settings::default() }).expect("open");
    app(state)
}

#[tokio::test]
async fn symlinks_out_of_the_site_and_dotfiles_are_404() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (site, outside) = (dir.path().join("site"), dir.path().join("outside"));
    write(&site.join("index.html"), "<!doctype html><title>shop</title>");
    write(&site.join("ok.js"), "console.log('ok');");
    write(&site.join("app.js"), "console.log('app');");
    write(&site.join(".env"), SECRET);
    write(&site.join(".git/config"), SECRET);
    write(&site.join("sub/.hidden.txt"), SECRET);
    write(&site.join(".well-known/security.txt"), SECRET);
    write(&outside.join("secret.txt"), SECRET);
    write(&outside.join("folder/page.html"), SECRET);
    symlink(outside.join("secret.txt"), site.join("leak.txt")).expect("symlink");
    symlink("../outside/secret.txt", site.join("relative-leak.txt")).expect("symlink");
    symlink(outside.join("folder"), site.join("linked")).expect("symlink");
    symlink(site.join(".env"), site.join("public.txt")).expect("symlink");
    symlink(outside.join("secret.txt"), site.join("app.js.br")).expect("symlink");
    symlink(site.join("ok.js"), site.join("alias.js")).expect("symlink");
    let app = server_at(dir.path(), "data/consent.sqlite3");

    for path in [
        "/leak.txt",
        "/relative-leak.txt",
        "/linked/page.html",
        "/linked/",
        "/public.txt",
        "/.env",
        "/%2eenv",
        "/.git/config",
        "/sub/.hidden.txt",
        "/sub/%2Ehidden.txt",
        "/.well-known/security.txt",
        "/missing.js",
    ] {
        let reply = get(&app, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text());
        assert!(!reply.text().contains(SECRET), "{path}");
    }
    let reply = get(&app, "/app.js", Some("br")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "a .br sibling linked out of the site is never sent");
    assert!(!reply.text().contains(SECRET));

    // What stays inside the folder is served, symlinks within it too.
    for (path, body) in [("/ok.js", "console.log('ok');"), ("/alias.js", "console.log('ok');")] {
        let reply = get(&app, path, None).await;
        assert_eq!((reply.status, reply.text().as_str()), (StatusCode::OK, body), "{path}");
    }
    assert_eq!(get(&app, "/", None).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/index.html", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_database_inside_the_site_folder_is_never_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    write(&site.join("index.html"), "<!doctype html><title>shop</title>");
    write(&site.join("data/consent-2026-11-30.sqlite3"), "a backup kept beside the database");
    let app = server_at(dir.path(), "site/data/consent.sqlite3");
    assert!(site.join("data/consent.sqlite3").is_file(), "the database was created in the site folder");
    for path in [
        "/data/consent.sqlite3",
        "/data/consent.sqlite3-wal",
        "/data/consent.sqlite3-shm",
        "/data/consent-2026-11-30.sqlite3",
        "/data/",
        "/data",
    ] {
        let reply = get(&app, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(get(&app, "/", None).await.status, StatusCode::OK, "the rest of the site is served");

    // Directly in the site folder: the database's own files are refused, the site is not.
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    write(&site.join("index.html"), "<!doctype html><title>shop</title>");
    write(&site.join("consent.sqlite3.bak"), "a copy");
    let app = server_at(dir.path(), "site/consent.sqlite3");
    for path in ["/consent.sqlite3", "/consent.sqlite3-wal", "/consent.sqlite3-shm", "/consent.sqlite3.bak"] {
        assert_eq!(get(&app, path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(get(&app, "/", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn folder_redirects_never_leave_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("site/demo/index.html"), "<!doctype html><title>demo</title>");
    let app = server_at(dir.path(), "data/consent.sqlite3");
    for (path, expected) in [("/demo", "/demo/"), ("//demo", "/demo/"), ("///demo?lang=nl", "/demo/?lang=nl")] {
        let reply = get(&app, path, None).await;
        assert!(reply.status.is_redirection(), "{path}: {}", reply.status);
        assert_eq!(reply.header(header::LOCATION), Some(expected), "{path}");
    }
    assert_eq!(get(&app, "/demo/", None).await.status, StatusCode::OK);
    // The site router on its own (without the API) keeps redirects on this server too.
    let site = crumb_server::static_router(&dir.path().join("site"));
    assert_eq!(get(&site, "//demo", None).await.header(header::LOCATION), Some("/demo/"));
}

#[tokio::test]
async fn precompression_never_writes_through_a_planted_symlink() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (site, outside) = (dir.path().join("site"), dir.path().join("outside"));
    let script = "console.log('crumb');\n".repeat(200);
    write(&site.join("x.js"), &script);
    fs::set_permissions(site.join("x.js"), fs::Permissions::from_mode(0o640)).expect("chmod");
    write(&site.join("y.css"), &"body { color: red }\n".repeat(100));
    write(&outside.join("victim.txt"), "untouched");
    write(&outside.join("fresh-victim.txt"), "untouched");
    write(&outside.join("evil.js"), &script);
    // The old fixed temporary names, and a `.br` planted as a link newer than its source.
    symlink(outside.join("victim.txt"), site.join("x.js.gz.tmp")).expect("symlink");
    symlink(outside.join("victim.txt"), site.join("x.js.br.tmp")).expect("symlink");
    symlink(outside.join("fresh-victim.txt"), site.join("y.css.br")).expect("symlink");
    // A source file linked out of the site.
    symlink(outside.join("evil.js"), site.join("out.js")).expect("symlink");

    let report = precompress(&site).expect("precompress");
    assert_eq!((report.files, report.written, report.skipped), (2, 4, 1), "{report:?}");
    assert_eq!(fs::read_to_string(outside.join("victim.txt")).expect("read"), "untouched");
    assert_eq!(fs::read_to_string(outside.join("fresh-victim.txt")).expect("read"), "untouched");
    assert!(!outside.join("evil.js.br").exists() && !site.join("out.js.br").exists() && !site.join("out.js.gz").exists());

    for compressed in ["x.js.gz", "x.js.br", "y.css.br", "y.css.gz"] {
        let metadata = fs::symlink_metadata(site.join(compressed)).expect(compressed);
        assert!(metadata.file_type().is_file(), "{compressed} is a file of its own, not a link");
    }
    let mode = |name: &str| fs::metadata(site.join(name)).expect(name).permissions().mode() & 0o777;
    assert_eq!(mode("x.js.gz"), 0o640, "as public as its source");
    assert_eq!(mode("x.js.br"), 0o640);
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&fs::read(site.join("x.js.gz")).expect("read")[..]).read_to_string(&mut decoded).expect("gzip");
    assert_eq!(decoded, script);
    let leftovers: Vec<_> = fs::read_dir(&site)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind: {leftovers:?}");
    // The planted links are still links to untouched files; the server never serves them.
    assert!(fs::symlink_metadata(site.join("x.js.gz.tmp")).expect("link").file_type().is_symlink());
}
