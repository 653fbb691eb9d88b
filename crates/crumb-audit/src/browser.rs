//! Headless Chromium through chromedriver: one fresh profile per session, the network seen through
//! chromedriver's performance log, cookies through the DevTools protocol. Everything returns an
//! error instead of panicking: the auditor reads hostile pages.
//!
//! The end-to-end tests (`tests/src/browser.rs`) start their browsers with the same pieces.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tempfile::TempDir;

/// `tests/chromium-flags.txt`: the flags every headless Chromium of the project starts with (the
/// end-to-end tests, the benchmark and the screenshot script read the same file).
pub const CHROMIUM_FLAGS_FILE: &str = include_str!("../../../tests/chromium-flags.txt");

/// The flags of [`CHROMIUM_FLAGS_FILE`], in order (comment and blank lines left out).
pub fn chromium_flags() -> Vec<&'static str> {
    CHROMIUM_FLAGS_FILE.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
}

/// `$CHROMEDRIVER`, else Debian's `/usr/bin/chromedriver`.
pub fn chromedriver_path() -> PathBuf {
    std::env::var_os("CHROMEDRIVER").map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from)
}

/// `$CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

fn free_port() -> std::io::Result<u16> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port())
}

/// A running chromedriver on a free local port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> std::io::Result<Driver> {
        let port = free_port()?;
        let child = Command::new(chromedriver_path())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(std::io::Error::other(format!("chromedriver exited early ({status}) on port {port}")));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!("chromedriver did not listen on port {port} within 15 s")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Ends a session with a plain blocking request (usable from `Drop`, where the async client
    /// may have no runtime left), so chromedriver also ends its Chromium. Returns once the answer
    /// is complete: chromedriver keeps the connection open after it, so reading to the end would
    /// wait out the read timeout.
    fn delete_session(&self, session_id: &str) -> std::io::Result<()> {
        let port = self.port;
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "DELETE /session/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let read = stream.read(&mut chunk)?;
            if read == 0 {
                return Ok(());
            }
            answer.extend_from_slice(&chunk[..read]);
            if answer_complete(&answer) {
                return Ok(());
            }
        }
    }
}

/// Whether `answer` holds a whole HTTP/1.1 answer: its head, and as many body bytes as its
/// `Content-Length` says (chromedriver always sends one).
fn answer_complete(answer: &[u8]) -> bool {
    let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
    let length =
        head.lines().find_map(|line| line.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0);
    answer.len() >= head_end + 4 + length
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_answer_is_complete_when_its_body_has_arrived() {
        assert!(!super::answer_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 14"));
        assert!(!super::answer_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"value\":"));
        assert!(super::answer_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"value\":null}"));
        assert!(super::answer_complete(b"HTTP/1.1 204 No Content\r\n\r\n"));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `navigator.globalPrivacyControl === true` on every page, defined before any page script.
pub const GPC_SCRIPT: &str = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });";

/// Ends a browser when dropped: the session through chromedriver (so Chromium exits), then
/// chromedriver, then the profile folder (field order is drop order).
pub struct Closer {
    session_id: String,
    driver: Driver,
    _profile: TempDir,
}

impl Drop for Closer {
    fn drop(&mut self) {
        let _ = self.driver.delete_session(&self.session_id);
    }
}

/// Starts chromedriver and a headless Chromium with a fresh profile: the project's flags
/// ([`chromium_flags`]), the profile folder, the window size, then `args`. `capabilities` turns
/// those flags into the session's capabilities. With `gpc`, every page sends Global Privacy
/// Control. Tries three times (chromedriver now and then fails to start on a busy machine).
pub async fn launch(
    window: (u32, u32),
    args: &[String],
    capabilities: impl Fn(Vec<String>) -> Value,
    gpc: bool,
) -> Result<(Client, Closer), String> {
    let mut last_error = String::new();
    for _ in 0..3 {
        match try_launch(window, args, &capabilities, gpc).await {
            Ok(launched) => return Ok(launched),
            Err(err) => last_error = err,
        }
    }
    Err(format!(
        "could not start headless Chromium through chromedriver ({} / {}): {last_error}",
        chromedriver_path().display(),
        chromium_path().display()
    ))
}

async fn try_launch(
    window: (u32, u32),
    args: &[String],
    capabilities: &impl Fn(Vec<String>) -> Value,
    gpc: bool,
) -> Result<(Client, Closer), String> {
    let profile = tempfile::tempdir().map_err(|e| format!("profile folder: {e}"))?;
    let driver = Driver::start().map_err(|e| e.to_string())?;
    let mut flags: Vec<String> = chromium_flags().into_iter().map(str::to_owned).collect();
    flags.push(format!("--user-data-dir={}", profile.path().display()));
    flags.push(format!("--window-size={},{}", window.0, window.1));
    flags.extend(args.iter().cloned());
    let Value::Object(capabilities) = capabilities(flags) else { return Err("capabilities must be an object".into()) };
    let capabilities: Capabilities = capabilities;
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .map_err(|e| format!("new session: {e}"))?;
    let session_id = client.session_id().await.map_err(|e| format!("session id: {e}"))?.ok_or("chromedriver gave no session id")?;
    let closer = Closer { session_id, driver, _profile: profile };
    if gpc {
        client
            .issue_cmd(Cdp { cmd: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": GPC_SCRIPT }) })
            .await
            .map_err(|e| format!("CDP addScriptToEvaluateOnNewDocument: {e}"))?;
    }
    Ok((client, closer))
}

/// chromedriver's `POST /session/{id}/se/log` for one log type (`browser`, `performance`).
#[derive(Debug)]
pub struct Log(pub &'static str);

impl WebDriverCompatibleCommand for Log {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": self.0 }).to_string()))
    }
}

/// chromedriver's DevTools passthrough: `POST /session/{id}/goog/cdp/execute` with `{cmd, params}`.
#[derive(Debug)]
pub struct Cdp {
    pub cmd: &'static str,
    pub params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// How the auditor's browser presents itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Window size in CSS pixels (0 × 0: 1280 × 900).
    pub window: (u32, u32),
    /// Chromium's `--host-resolver-rules` (`MAP * ~NOTFOUND, EXCLUDE 127.0.0.1` keeps a test
    /// offline while its requests are still seen).
    pub host_resolver_rules: Option<String>,
    /// Sends Global Privacy Control (`navigator.globalPrivacyControl === true`) before any page
    /// script runs.
    pub gpc: bool,
}

/// One request the page made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Request {
    pub url: String,
    pub method: String,
    /// Seconds since the epoch when the browser started it.
    pub wall_time: f64,
    /// The body of a POST when the browser reports it.
    pub post_data: Option<String>,
    /// The answer's status, once one came (0: none seen).
    pub status: u16,
    #[serde(skip)]
    id: String,
}

/// A browser session for one scenario: chromedriver + Chromium with a fresh profile.
pub struct Session {
    // Field order is drop order: the browser is ended before the client goes.
    _closer: Closer,
    pub client: Client,
    requests: Vec<Request>,
}

impl Session {
    pub async fn start(options: &Options) -> Result<Session, String> {
        let window = if options.window.0 == 0 { (1280, 900) } else { options.window };
        let mut args = vec![
            "--lang=en-US".to_owned(),
            // One renderer for the page and its frames, so the performance log sees every request.
            "--disable-site-isolation-trials".to_owned(),
        ];
        if let Some(rules) = &options.host_resolver_rules {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        let capabilities = |args: Vec<String>| {
            json!({
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
                "goog:chromeOptions": {
                    "binary": chromium_path(),
                    "args": args,
                    "perfLoggingPrefs": { "enableNetwork": true, "enablePage": false },
                },
            })
        };
        let (client, closer) = launch(window, &args, capabilities, options.gpc).await?;
        Ok(Session { _closer: closer, client, requests: Vec::new() })
    }

    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value, String> {
        self.client.issue_cmd(Cdp { cmd, params }).await.map_err(|e| format!("CDP {cmd}: {e}"))
    }

    /// Runs `source` in every page and frame from the next navigation on, before the page's own
    /// scripts; returns its identifier for [`Session::remove_init_script`].
    pub async fn add_init_script(&self, source: &str) -> Result<String, String> {
        let answer = self.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await?;
        Ok(answer.get("identifier").and_then(Value::as_str).unwrap_or_default().to_owned())
    }

    pub async fn remove_init_script(&self, identifier: &str) -> Result<(), String> {
        self.cdp("Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": identifier })).await.map(|_| ())
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client.goto(url).await.map_err(|e| format!("open {url}: {e}"))
    }

    pub async fn reload(&self) -> Result<(), String> {
        self.client.refresh().await.map_err(|e| format!("reload: {e}"))
    }

    pub async fn current_url(&self) -> Result<String, String> {
        self.client.current_url().await.map(|u| u.to_string()).map_err(|e| format!("current url: {e}"))
    }

    /// Runs a script (its `arguments` are `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client.execute(script, args).await.map_err(|e| format!("script: {e}"))
    }

    /// Runs an async script: it resolves by calling `arguments[arguments.length - 1]`.
    pub async fn run_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client.execute_async(script, args).await.map_err(|e| format!("script: {e}"))
    }

    /// Every cookie the browser holds, for every site (CDP `Network.getAllCookies`).
    pub async fn cookies(&self) -> Result<Vec<Value>, String> {
        let answer = self.cdp("Network.getAllCookies", json!({})).await?;
        Ok(answer.get("cookies").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    /// Every request since the session started, in order, read from the performance log
    /// (chromedriver hands each entry out once; they are kept here).
    pub async fn requests(&mut self) -> Result<&[Request], String> {
        let entries = self.client.issue_cmd(Log("performance")).await.map_err(|e| format!("performance log: {e}"))?;
        for entry in entries.as_array().into_iter().flatten() {
            let Some(message) = entry.get("message").and_then(Value::as_str) else { continue };
            let Ok(message) = serde_json::from_str::<Value>(message) else { continue };
            let event = &message["message"];
            let params = &event["params"];
            let id = params["requestId"].as_str().unwrap_or_default().to_owned();
            match event["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    let request = &params["request"];
                    self.requests.push(Request {
                        url: request["url"].as_str().unwrap_or_default().to_owned(),
                        method: request["method"].as_str().unwrap_or_default().to_owned(),
                        wall_time: params["wallTime"].as_f64().unwrap_or_default(),
                        post_data: request["postData"].as_str().map(str::to_owned),
                        status: 0,
                        id,
                    });
                }
                Some("Network.responseReceived") => {
                    let status = params["response"]["status"].as_u64().unwrap_or_default();
                    if let Some(request) = self.requests.iter_mut().rev().find(|r| r.id == id) {
                        request.status = u16::try_from(status).unwrap_or_default();
                    }
                }
                _ => {}
            }
        }
        Ok(&self.requests)
    }
}
