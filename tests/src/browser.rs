//! One headless Chromium for one test: its own chromedriver on a free port, its own fresh profile,
//! browser console logging on. Dropping it closes the session and stops chromedriver.

use std::sync::Mutex;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde::Deserialize;
use serde_json::{json, Value};
use tempfile::TempDir;

/// How the browser presents itself.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// The browser's languages, most wanted first (`navigator.languages`), e.g. `["nl"]`.
    pub languages: Vec<String>,
    /// Window size in CSS pixels.
    pub window: (u32, u32),
    /// Chromium's `--host-resolver-rules`, e.g. `MAP *.crumb.test 127.0.0.1`, so pages can be
    /// opened on real-looking (sub)domains that carry domain cookies (127.0.0.1 cannot).
    pub host_resolver_rules: Option<String>,
    /// Sends Global Privacy Control: `navigator.globalPrivacyControl === true` on every page,
    /// defined before any page script runs.
    pub gpc: bool,
}

impl Default for BrowserOptions {
    fn default() -> BrowserOptions {
        BrowserOptions { languages: vec!["en-US".into(), "en".into()], window: (1280, 900), host_resolver_rules: None, gpc: false }
    }
}

impl BrowserOptions {
    pub fn languages(languages: &[&str]) -> BrowserOptions {
        BrowserOptions { languages: languages.iter().map(|l| l.to_string()).collect(), ..BrowserOptions::default() }
    }
}

/// One entry of the browser console, as chromedriver reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE` (console.error, uncaught errors, failed loads), `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    pub message: String,
    #[serde(default)]
    pub source: String,
}

use crumb_audit::browser::{chromedriver_path, chromium_path, Cdp, Driver, Log};
pub use crumb_audit::browser::{chromium_flags, CHROMIUM_FLAGS_FILE};

/// A browser session (chromedriver + Chromium with a fresh profile).
pub struct Browser {
    pub client: Client,
    session_id: String,
    console: Mutex<Vec<ConsoleEntry>>,
    // Field order is drop order: the session is closed in `Drop`, then chromedriver stops, then
    // the profile folder goes.
    driver: Driver,
    _profile: TempDir,
}

impl Browser {
    pub async fn start(options: BrowserOptions) -> Browser {
        let mut last_error = String::new();
        for _ in 0..3 {
            match Browser::try_start(&options).await {
                Ok(browser) => return browser,
                Err(err) => last_error = err,
            }
        }
        panic!(
            "could not start headless Chromium through chromedriver ({} / {}): {last_error}",
            chromedriver_path().display(),
            chromium_path().display()
        );
    }

    async fn try_start(options: &BrowserOptions) -> Result<Browser, String> {
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let driver = Driver::start().map_err(|e| e.to_string())?;
        let accept_languages = options.languages.join(",");
        let first_language = options.languages.first().cloned().unwrap_or_else(|| "en-US".into());
        let mut args: Vec<String> = chromium_flags().into_iter().map(str::to_owned).collect();
        args.extend([
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", options.window.0, options.window.1),
            format!("--lang={first_language}"),
            format!("--accept-lang={accept_languages}"),
        ]);
        if let Some(rules) = &options.host_resolver_rules {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium_path(),
                "args": args,
                "prefs": { "intl": { "accept_languages": accept_languages } },
            },
        });
        let (client, session_id) = crumb_audit::browser::connect(&driver, capabilities).await?;
        let browser = Browser { client, session_id, console: Mutex::new(Vec::new()), driver, _profile: profile };
        if options.gpc {
            browser
                .add_init_script(
                    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });",
                )
                .await?;
        }
        Ok(browser)
    }

    /// Runs `source` in every page (and frame) from the next navigation on, before any of the
    /// page's own scripts (CDP `Page.addScriptToEvaluateOnNewDocument` through chromedriver).
    pub async fn add_init_script(&self, source: &str) -> Result<(), String> {
        let command = Cdp { cmd: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": source }) };
        self.client.issue_cmd(command).await.map(|_| ()).map_err(|e| format!("CDP addScriptToEvaluateOnNewDocument: {e}"))
    }

    /// Empties the HTTP cache (CDP `Network.clearBrowserCache`): the next page view fetches every
    /// file from the server again, where a test can see and hold it. Cookies and storage stay.
    pub async fn clear_cache(&self) -> Result<(), String> {
        let command = Cdp { cmd: "Network.clearBrowserCache", params: json!({}) };
        self.client.issue_cmd(command).await.map(|_| ()).map_err(|e| format!("CDP Network.clearBrowserCache: {e}"))
    }

    /// Every console entry since the session started (chromedriver hands each out once; they are
    /// kept here).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let fresh = match self.client.issue_cmd(Log("browser")).await {
            Ok(value) => serde_json::from_value::<Vec<ConsoleEntry>>(value).unwrap_or_default(),
            Err(err) => vec![ConsoleEntry {
                level: "HARNESS".into(),
                message: format!("could not read the browser log: {err}"),
                source: String::new(),
            }],
        };
        let mut all = self.console.lock().unwrap();
        all.extend(fresh);
        all.clone()
    }

    /// Whether a console entry so far contains `needle`.
    pub async fn console_has(&self, needle: &str) -> bool {
        self.console().await.iter().any(|e| e.message.contains(needle))
    }

    /// Any Chrome DevTools Protocol command, through chromedriver (viewport and media emulation).
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value, String> {
        self.client.issue_cmd(Cdp { cmd, params }).await.map_err(|e| format!("CDP {cmd}: {e}"))
    }

    /// The accessible name Chromium computes for `element` (WebDriver's Get Computed Label):
    /// what a screen reader announces.
    pub async fn computed_label(&self, element: &fantoccini::elements::Element) -> Result<String, String> {
        let command = ComputedLabel(element.element_id().to_string());
        let value = self.client.issue_cmd(command).await.map_err(|e| format!("computed label: {e}"))?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The console as text, one entry a line, for failure messages.
    pub async fn console_text(&self) -> String {
        self.console().await.iter().map(|e| format!("  [{}] {}", e.level, e.message)).collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Browser {
    /// Closes the session with a plain blocking request (the async client may have no runtime left
    /// when a test panics), so chromedriver also ends its Chromium.
    fn drop(&mut self) {
        let _ = self.driver.delete_session(&self.session_id);
    }
}

/// WebDriver's Get Computed Label: `GET /session/{id}/element/{element}/computedlabel`.
#[derive(Debug)]
struct ComputedLabel(String);

impl WebDriverCompatibleCommand for ComputedLabel {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/element/{}/computedlabel", session_id.unwrap_or_default(), self.0))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}
