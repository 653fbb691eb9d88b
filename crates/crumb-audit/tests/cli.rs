//! The command line as a site's CI runs it: `crumb-audit <url>` with a banner's selectors against a
//! fixture page served from `tests/audit/fixtures/` (a tiny static server here), in headless
//! Chromium. The exit status fails the build, and both reports are written.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/audit/fixtures")
}

/// Serves `tests/audit/fixtures/<file>` at `/p/audit/fixtures/<file>` (query strings ignored) on a
/// free port, on a thread, for the rest of the test process.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/").to_owned();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                        break;
                    }
                }
                // `<flaw>.html` is the shop page with its flaw; other names are files as they are.
                let name = path.strip_prefix("/p/audit/fixtures/").filter(|n| !n.contains("..") && !n.contains('/'));
                let file = name.and_then(|n| match n.strip_suffix(".html") {
                    Some(flaw) => std::fs::read_to_string(fixtures().join("shop.html"))
                        .ok()
                        .map(|page| ("text/html; charset=utf-8", page.replace("{{flaw}}", flaw).into_bytes())),
                    None => std::fs::read(fixtures().join(n))
                        .ok()
                        .map(|body| (if n.ends_with(".css") { "text/css" } else { "text/javascript" }, body)),
                });
                let (status, kind, body) = match file {
                    Some((kind, body)) => ("200 OK", kind, body),
                    None => ("404 Not Found", "text/plain", b"not found".to_vec()),
                };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}

fn audit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crumb-audit")).args(args).output().expect("crumb-audit runs")
}

#[test]
fn a_failing_rule_fails_the_build_and_both_reports_are_written() {
    let port = serve();
    let out = tempfile::tempdir().expect("a temp dir");
    let out_dir = out.path().join("report");
    let url = format!("http://127.0.0.1:{port}/p/audit/fixtures/grey-reject.html");
    let output = audit(&[
        &url,
        "--idle",
        "0",
        "--settle",
        "1",
        "--host-resolver-rules",
        "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--out",
        out_dir.to_str().expect("a UTF-8 path"),
        "--accept",
        "#fx-accept",
        "--reject",
        "#fx-reject",
        "--settings",
        "#fx-settings",
        "--prefs",
        "#fx-prefs",
        "--prefs-reject",
        "#fx-prefs-reject",
        "--toggles",
        "#fx-prefs input[type=checkbox]",
        "--withdraw",
        "#fx-withdraw",
        "--cookie-rows",
        "#fx-prefs table tr.fx-cookie",
        "--own-keys",
        "fx_consent",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("FAIL  first-layer.contrast"), "{stdout}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).expect("report.json")).expect("JSON");
    let failed: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["verdict"] == "fail")
        .filter_map(|f| f["rule"]["id"].as_str())
        .collect();
    assert_eq!(failed, vec!["first-layer.contrast"], "{stdout}");
    assert_eq!(json["banner"], "selectors");

    // The HTML report runs nothing and loads nothing: its own CSP, no script, screenshots inline.
    let html = std::fs::read_to_string(out_dir.join("report.html")).expect("report.html");
    assert!(html.contains("default-src 'none'"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("src=\"data:image/jpeg;base64,"));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(audit(&["--help"]).status.code(), Some(0));
    assert_eq!(audit(&[]).status.code(), Some(2));
    assert_eq!(audit(&["file:///etc/passwd"]).status.code(), Some(2));
    assert_eq!(audit(&["http://127.0.0.1:9/", "--idle", "forever"]).status.code(), Some(2));
}

#[test]
fn a_page_without_a_banner_is_not_a_pass() {
    let port = serve();
    let out = tempfile::tempdir().expect("a temp dir");
    // banner.css alone: a page with no banner at all.
    let url = format!("http://127.0.0.1:{port}/p/audit/fixtures/banner.css");
    let output = audit(&[
        &url,
        "--idle",
        "0",
        "--settle",
        "0",
        "--host-resolver-rules",
        "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--out",
        out.path().to_str().expect("a UTF-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("banner: none found"), "{stdout}");
}
