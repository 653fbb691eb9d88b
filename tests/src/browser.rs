//! One headless Chromium for one test: its own chromedriver on a free port, its own fresh profile,
//! browser console logging on. Dropping it closes the session and stops chromedriver.

use std::sync::Mutex;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde::Deserialize;
use serde_json::{json, Value};

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

pub use crumb_audit::browser::{chromium_flags, CHROMIUM_FLAGS_FILE};
use crumb_audit::browser::{chromium_path, Cdp, Closer, Log};

/// A browser session (chromedriver + Chromium with a fresh profile).
pub struct Browser {
    // Field order is drop order: the session, chromedriver and the profile folder end first.
    _closer: Closer,
    pub client: Client,
    console: Mutex<Vec<ConsoleEntry>>,
}

impl Browser {
    pub async fn start(options: BrowserOptions) -> Browser {
        let accept_languages = options.languages.join(",");
        let first_language = options.languages.first().cloned().unwrap_or_else(|| "en-US".into());
        let mut args = vec![format!("--lang={first_language}"), format!("--accept-lang={accept_languages}")];
        if let Some(rules) = &options.host_resolver_rules {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        let capabilities = |args: Vec<String>| {
            json!({
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:loggingPrefs": { "browser": "ALL" },
                "goog:chromeOptions": {
                    "binary": chromium_path(),
                    "args": args,
                    "prefs": { "intl": { "accept_languages": accept_languages } },
                },
            })
        };
        match crumb_audit::browser::launch(options.window, &args, capabilities, options.gpc).await {
            Ok((client, closer)) => Browser { _closer: closer, client, console: Mutex::new(Vec::new()) },
            Err(err) => panic!("{err}"),
        }
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
