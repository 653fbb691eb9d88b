//! crumb-audit proves Crumb and itself (issue 14): the demo shop and the five shop demos pass every
//! rule; each deliberately broken fixture page (`tests/audit/fixtures/`) fails its own rule and
//! nothing else, with evidence; and the built-in profiles for cookieconsent, Klaro and
//! tarteaucitron (installed from npm) report what each library really does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crumb_audit::browser::Options;
use crumb_audit::profiles::{self, Profile};
use crumb_audit::report::{Evidence, Report, Verdict};
use crumb_audit::run::{self, Settings};
use crumb_e2e::TestServer;

/// Every host but the test server's fails to resolve: requests to trackers are still seen (and
/// judged) without leaving the machine.
const OFFLINE: &str = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "text/javascript; charset=utf-8",
    }
}

/// Serves `tests/audit/<folder>/*` at `/p/audit/<folder>/…`. Each folder's `shop.html` is a
/// template: the fixtures' is the page of every flaw (`{{flaw}}` becomes each name of [`FLAWS`]),
/// the libraries' takes each library's parts; each page is also served at a second path
/// (`<name>-more.html`), with the npm files it names at `/p/audit/npm/…`.
fn serve(server: &TestServer, folder: &str) {
    let dir = repo().join("tests/audit").join(folder);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a file name").to_owned();
        let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if body.contains("{{flaw}}") {
            for flaw in FLAWS {
                let page = body.replace("{{flaw}}", flaw);
                server.file(&format!("audit/{folder}/{flaw}.html"), content_type(&path), &[], &page);
                server.file(&format!("audit/{folder}/{flaw}-more.html"), content_type(&path), &[], &page);
            }
            continue;
        }
        if body.contains("{{lib}}") {
            for library in ["cookieconsent", "klaro", "tarteaucitron"] {
                let page = library_page(&body, &dir, library);
                server.file(&format!("audit/{folder}/{library}.html"), content_type(&path), &[], &page);
                server.file(&format!("audit/{folder}/{library}-more.html"), content_type(&path), &[], &page);
                serve_npm(server, &page);
            }
            continue;
        }
        server.file(&format!("audit/{folder}/{name}"), content_type(&path), &[], &body);
    }
}

/// The libraries' shop page (`tests/audit/libs/shop.html`) with one library's parts
/// (`<library>.parts.html`: its head, its settings control, its footer link).
fn library_page(template: &str, dir: &Path, library: &str) -> String {
    let file = dir.join(format!("{library}.parts.html"));
    let parts = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let part = |name: &str| {
        let marker = format!("<!-- {name} -->\n");
        let start = parts.find(&marker).unwrap_or_else(|| panic!("{}: no {marker}", file.display())) + marker.len();
        let rest = &parts[start..];
        rest[..rest.find("\n<!-- ").unwrap_or(rest.len())].trim_end_matches('\n').to_owned()
    };
    template
        .replace("{{head}}", &part("head"))
        .replace("{{settings}}", &part("settings"))
        .replace("{{footer}}", &part("footer"))
        .replace("{{lib}}", library)
}

/// Serves the npm packages a page names at `/p/audit/npm/<package>/…`.
fn serve_npm(server: &TestServer, page: &str) {
    let mut rest = page;
    while let Some(at) = rest.find("/p/audit/npm/") {
        let tail = &rest[at + "/p/audit/npm/".len()..];
        let package = tail.split('/').next().unwrap_or_default();
        serve_package(server, package);
        rest = &tail[package.len()..];
    }
}

/// Serves every script and style sheet of an npm package at `/p/audit/npm/<package>/…`: a library
/// may load its language and style files from next to itself.
fn serve_package(server: &TestServer, package: &str) {
    let root = repo().join("node_modules").join(package);
    let mut folders = vec![root.clone()];
    let mut served = 0;
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{} (run scripts/setup.sh): {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "node_modules") {
                    folders.push(path);
                }
                continue;
            }
            if !matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "css")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let relative = path.strip_prefix(&root).expect("inside the package").to_string_lossy().replace('\\', "/");
            server.file(&format!("audit/npm/{package}/{relative}"), content_type(&path), &[], &text);
            served += 1;
        }
    }
    assert!(served > 0, "npm package {package} has no script (run scripts/setup.sh)");
}

/// The fixture pages: the clean one and one a flaw (`tests/audit/fixtures/shop.html`).
const FLAWS: &[&str] =
    &["clean", "second-layer-reject", "preticked", "tracker-before-consent", "grey-reject", "undeclared-cookie", "consent-two-years"];

fn settings(server: &TestServer, path: &str, profile: Option<Profile>) -> Settings {
    let mut settings = Settings::new(&server.url(path));
    settings.idle = Duration::from_secs(1);
    settings.settle = Duration::from_secs(1);
    settings.profile = profile;
    settings.browser = Options { host_resolver_rules: Some(OFFLINE.to_owned()), ..Options::default() };
    settings
}

fn verdicts(report: &Report) -> BTreeMap<&'static str, Verdict> {
    report.findings.iter().map(|f| (f.rule.id, f.verdict)).collect()
}

fn summary(report: &Report) -> String {
    report.findings.iter().map(|f| format!("  {:?} {}: {}", f.verdict, f.rule.id, f.detail)).collect::<Vec<_>>().join("\n")
}

/// Every rule has a verdict; none failed and none went unchecked.
fn assert_passes(report: &Report) {
    assert_eq!(report.findings.len(), crumb_audit::rules::ALL.len());
    let bad: Vec<_> = report.findings.iter().filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Unchecked)).collect();
    assert!(bad.is_empty(), "{} should pass every rule:\n{}", report.url, summary(report));
    assert_eq!(report.exit_code(), 0);
}

async fn audit_demo(path: &str) {
    let server = TestServer::start().await;
    let report = run::audit(&settings(&server, path, None)).await;
    assert_eq!(report.banner, "crumb", "{}", summary(&report));
    assert_passes(&report);
    // A Crumb site is judged on its records and (when it sells or shares) on GPC too.
    assert_eq!(verdicts(&report)["crumb.records-posted"], Verdict::Pass, "{}", summary(&report));
    eprintln!("audit of {path}: {} s", report.seconds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_the_demo_shop() {
    audit_demo("/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_121time() {
    audit_demo("/demo/121time/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_contrado() {
    audit_demo("/demo/contrado/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_onto_object() {
    audit_demo("/demo/onto-object/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_swedish_b2b() {
    audit_demo("/demo/swedish-b2b/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_passes_timelux() {
    audit_demo("/demo/timelux/").await;
}

/// The fixture banner's selectors, as a site owner would pass them on the command line.
fn fixture_profile() -> Profile {
    let mut profile = profiles::from_selectors("#fx-accept", Some("#fx-reject"), Some("#fx-settings"));
    profile.detect = "#fx-banner".into();
    profile.banner = "#fx-banner".into();
    profile.close = Some("#fx-close".into());
    profile.prefs = Some("#fx-prefs".into());
    profile.prefs_accept = Some("#fx-prefs-accept".into());
    profile.prefs_reject = Some("#fx-prefs-reject".into());
    profile.prefs_save = Some("#fx-save".into());
    profile.toggles = Some("#fx-prefs input[type=checkbox]".into());
    profile.necessary = Some("#fx-prefs input.fx-necessary".into());
    profile.withdraw = Some("#fx-withdraw".into());
    profile.cookie_rows = Some("#fx-prefs table tr.fx-cookie".into());
    profile.necessary_rows = Some("#fx-prefs table tr.fx-necessary-row".into());
    profile.own_keys = vec!["fx_consent".into()];
    profile
}

/// Audits a fixture page; returns its report and the rules that failed.
async fn audit_fixture(name: &str) -> (Report, Vec<&'static str>) {
    let server = TestServer::start().await;
    serve(&server, "fixtures");
    let report = run::audit(&settings(&server, &format!("/p/audit/fixtures/{name}.html"), Some(fixture_profile()))).await;
    eprintln!("audit of fixture {name}: {} s", report.seconds);
    let unchecked: Vec<_> = report.findings.iter().filter(|f| f.verdict == Verdict::Unchecked).map(|f| f.rule.id).collect();
    assert!(unchecked.is_empty(), "{name}: unchecked {unchecked:?}\n{}", summary(&report));
    let failed = report.findings.iter().filter(|f| f.verdict == Verdict::Fail).map(|f| f.rule.id).collect();
    (report, failed)
}

/// The page fails `rule` and only it, with evidence, and the exit status says so.
async fn fails_only(name: &str, rule: &str, evidence_contains: &str) -> Report {
    let (report, failed) = audit_fixture(name).await;
    assert_eq!(failed, vec![rule], "{name}:\n{}", summary(&report));
    let finding = report.findings.iter().find(|f| f.rule.id == rule).expect("the finding");
    let notes: Vec<&Evidence> = finding.evidence.iter().filter(|e| !matches!(e, Evidence::Screenshot { .. })).collect();
    let shown = format!("{} {notes:?}", finding.detail);
    assert!(
        finding.evidence.iter().any(|e| !matches!(e, Evidence::Note { .. })),
        "{name}: {rule} has no screenshot, storage or network evidence"
    );
    assert!(shown.contains(evidence_contains), "{name}: the evidence does not name `{evidence_contains}`: {shown}");
    assert_eq!(report.exit_code(), 1);
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_clean_passes_every_rule() {
    let (report, failed) = audit_fixture("clean").await;
    assert!(failed.is_empty(), "{}", summary(&report));
    let verdicts = verdicts(&report);
    // The fixture has a close button that records a refusal: the rule is really checked.
    assert_eq!(verdicts["close.is-refusal"], Verdict::Pass);
    assert_eq!(verdicts["withdraw.permanent-control"], Verdict::Pass);
    assert_eq!(verdicts["crumb.records-posted"], Verdict::NotApplicable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_reject_only_on_the_second_layer() {
    let report = fails_only("second-layer-reject", "first-layer.reject-present", "no way to reject all").await;
    assert_eq!(verdicts(&report)["first-layer.equal-size"], Verdict::NotApplicable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_preticked_box() {
    fails_only("preticked", "preferences.no-preticked", "Analytics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_tracker_before_consent() {
    fails_only("tracker-before-consent", "before-choice.no-trackers", "connect.facebook.net").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_grey_reject() {
    fails_only("grey-reject", "first-layer.contrast", "2.32:1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_undeclared_cookie() {
    let report = fails_only("undeclared-cookie", "accept.declared-cookies", "_fx_extra").await;
    // The scanner suggests a config entry for it, with its observed lifetime and party.
    let finding = report.findings.iter().find(|f| f.rule.id == "accept.declared-cookies").expect("the finding");
    let suggestion = finding.evidence.iter().find_map(|e| match e {
        Evidence::Note { text } if text.starts_with("undeclared _fx_extra") => Some(text.clone()),
        _ => None,
    });
    let suggestion = suggestion.unwrap_or_else(|| panic!("no suggested entry: {:?}", finding.evidence));
    assert!(
        suggestion.contains("\"name\":\"_fx_extra\"") && suggestion.contains("\"party\":\"first\"") && suggestion.contains("1 year"),
        "{suggestion}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_fixture_consent_cookie_lasting_two_years() {
    // Chromium caps a cookie at 400 days: what the browser keeps is still over 13 months.
    fails_only("consent-two-years", "consent.lifetime", "fx_consent lasts 1 year").await;
}

/// A library's page, audited with its built-in profile (found by its markup, not named).
async fn audit_library(page: &str, expected_banner: &str) -> Report {
    let server = TestServer::start().await;
    serve(&server, "libs");
    let report = run::audit(&settings(&server, &format!("/p/audit/libs/{page}.html"), None)).await;
    assert_eq!(report.banner, expected_banner, "{}", summary(&report));
    eprintln!("audit of {page}: {} s\n{}", report.seconds, summary(&report));
    report
}

/// The rules a library fails (what `docs/compliance.md` reports of it).
fn failed(report: &Report) -> Vec<&'static str> {
    report.findings.iter().filter(|f| f.verdict == Verdict::Fail).map(|f| f.rule.id).collect()
}

// cookieconsent keeps every rule on a page that adds the settings element its documentation asks
// for (`data-cc="show-preferencesModal"`): that is the permanent control.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_profile_cookieconsent() {
    let report = audit_library("cookieconsent", "cookieconsent").await;
    assert_eq!(failed(&report), Vec::<&str>::new(), "{}", summary(&report));
    assert_eq!(verdicts(&report)["withdraw.permanent-control"], Verdict::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_profile_klaro() {
    let report = audit_library("klaro", "klaro").await;
    assert_eq!(
        failed(&report),
        vec!["first-layer.contrast", "accept.declared-cookies", "withdraw.permanent-control"],
        "{}",
        summary(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_profile_tarteaucitron() {
    let report = audit_library("tarteaucitron", "tarteaucitron").await;
    assert_eq!(
        failed(&report),
        vec!["accept.declared-cookies", "withdraw.permanent-control", "consent-mode.update"],
        "{}",
        summary(&report)
    );
}

// The audited site is the attacker. A page that names its cookies, storage keys and buttons with
// markup cannot put a script into the report, and a page that breaks `dataLayer` and throws
// cannot stop the audit: every rule still gets a verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_a_hostile_page_cannot_script_the_report_or_stop_the_audit() {
    let server = TestServer::start().await;
    serve(&server, "fixtures");
    server.script(
        "audit/hostile.js",
        r#"document.cookie = "x<img src=x onerror=alert(1)>=1; max-age=600; path=/";
           localStorage.setItem("</code><script>alert(2)</script>", "1");
           window.dataLayer = "not an array";
           document.title = "<script>alert(3)</script>";
           setInterval(() => { throw new Error("<script>alert(4)</script>"); }, 50);"#,
    );
    let clean = std::fs::read_to_string(repo().join("tests/audit/fixtures/shop.html"))
        .expect("the fixtures' shop page")
        .replace("{{flaw}}", "clean");
    let hostile = clean.replace("</head>", "<script src=\"/p/audit/hostile.js\"></script>\n</head>");
    server.page("audit/hostile.html", &hostile);
    let report = run::audit(&settings(&server, "/p/audit/hostile.html", Some(fixture_profile()))).await;
    assert_eq!(report.findings.len(), crumb_audit::rules::ALL.len());
    assert!(report.findings.iter().all(|f| f.verdict != Verdict::Unchecked), "{}", summary(&report));
    // What it stored before any choice is reported, by its (hostile) name.
    let storage = report.findings.iter().find(|f| f.rule.id == "before-choice.no-storage").expect("the finding");
    assert_eq!(storage.verdict, Verdict::Fail);
    assert!(storage.detail.contains("</code><script>alert(2)</script>"), "{}", storage.detail);
    let html = report.to_html().to_ascii_lowercase();
    assert!(!html.contains("<script") && !html.contains("<img src=x"), "markup from the page reached the report");
    assert!(html.contains("&lt;/code&gt;&lt;script&gt;alert(2)"));
}
