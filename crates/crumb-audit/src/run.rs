//! The audit itself: five scenarios, each in a fresh headless Chromium profile, and the verdict of
//! every rule from what they saw.
//!
//! 1. **Before any choice** (and the first layer, and the preferences): load, scroll three
//!    screens, wait idle; measure accept and reject; open the preferences and read their switches
//!    and cookie tables.
//! 2. **Reject all**: the refusal, a reload, a second page, and a reload with the page's clock
//!    moved almost six months on.
//! 3. **Accept all**: the cookie scan, the consent's lifetime (and a reload thirteen months on),
//!    Consent Mode's update, and the permanent control that takes the choice back.
//! 4. **Close**, when the first layer has a close button.
//! 5. **Global Privacy Control on** (Crumb sites).

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::browser::{Options, Request, Session};
use crate::buttons::{self, Control, Rgba};
use crate::cookies::{self, Declared, SeenCookie};
use crate::profiles::{self, Profile};
use crate::report::{Evidence, Finding, Report, Verdict};
use crate::rules::{self, Rule};
use crate::trackers;

/// What to audit and how patiently.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The page to audit.
    pub url: String,
    /// More pages of the site (absolute URLs); the first is the "second page" after a refusal.
    /// None given: the first same-origin link of the page.
    pub pages: Vec<String>,
    /// The banner's profile; None: found among the built-in ones.
    pub profile: Option<Profile>,
    /// How long to wait idle before a choice (the ICO waits; 30 s by default).
    pub idle: Duration,
    /// How long to let a page settle after a load or a click when the banner gives no sign of its
    /// own (2 s by default).
    pub settle: Duration,
    /// How long to wait for the banner to show.
    pub banner_timeout: Duration,
    pub browser: Options,
}

impl Settings {
    pub fn new(url: &str) -> Settings {
        Settings {
            url: url.to_owned(),
            pages: Vec::new(),
            profile: None,
            idle: Duration::from_secs(30),
            settle: Duration::from_secs(2),
            banner_timeout: Duration::from_secs(15),
            browser: Options::default(),
        }
    }
}

/// The page's clock is moved this far on to see whether a refusal is still remembered.
const REFUSAL_CHECK: Duration = Duration::from_secs(181 * 86_400);
/// And this far on to see whether a consent has run out.
const CONSENT_CHECK: Duration = Duration::from_secs(396 * 86_400);
/// Screens scrolled before a choice.
const SCREENS: u32 = 3;
/// Hosts of Google's tags, for Consent Mode's order.
const GOOGLE_TAG_HOSTS: &[&str] =
    &["googletagmanager.com", "google-analytics.com", "doubleclick.net", "googleadservices.com", "googlesyndication.com"];

const PAGE_JS: &str = include_str!("page.js");
const RECORDER_JS: &str = include_str!("recorder.js");

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// Audits one site: every rule gets a verdict, none is left out.
pub async fn audit(settings: &Settings) -> Report {
    let started = Instant::now();
    let mut findings = Findings::default();
    let mut banner = String::from("none found");
    let mut known = Known::default();
    match before_choice(settings, &mut findings).await {
        Ok(found) => {
            banner = found.profile.name.clone();
            known = found;
        }
        Err(err) => findings.unreached(&[], &format!("the first visit failed: {err}")),
    }
    if known.banner_shown {
        if let Err(err) = reject(settings, &mut known, &mut findings).await {
            findings.unreached(REJECT_RULES, &format!("the refusal scenario stopped: {err}"));
        }
        if let Err(err) = accept(settings, &known, &mut findings).await {
            findings.unreached(ACCEPT_RULES, &format!("the consent scenario stopped: {err}"));
        }
        if let Err(err) = close(settings, &known, &mut findings).await {
            findings.unreached(&[rules::CLOSE_IS_REFUSAL], &format!("the close scenario stopped: {err}"));
        }
        if let Err(err) = gpc(settings, &known, &mut findings).await {
            findings.unreached(&[rules::GPC_HONOURED], &format!("the Global Privacy Control scenario stopped: {err}"));
        }
    }
    let reason = if known.banner_shown { "not reached" } else { "no cookie banner was found on the page" };
    let mut report = Report {
        url: settings.url.clone(),
        audited_at: rfc3339(now()),
        banner,
        seconds: started.elapsed().as_secs_f64().round(),
        findings: findings.complete(reason),
    };
    report.share_screenshots();
    report
}

const REJECT_RULES: &[Rule] = &[rules::NOTHING_AFTER_REJECT, rules::REFUSAL_REMEMBERED, rules::REJECT_AS_EASY];
const ACCEPT_RULES: &[Rule] = &[
    rules::DECLARED_COOKIES,
    rules::CONSENT_LIFETIME,
    rules::WITHDRAW_CONTROL,
    rules::CONSENT_MODE_DEFAULT,
    rules::CONSENT_MODE_UPDATE,
    rules::RECORD_POSTED,
];

/// The verdicts so far, one per rule.
#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn put(&mut self, rule: Rule, verdict: Verdict, detail: impl Into<String>, evidence: Vec<Evidence>) {
        self.0.retain(|f| f.rule.id != rule.id);
        self.0.push(Finding { rule, verdict, detail: detail.into(), evidence });
    }

    fn result(&mut self, rule: Rule, result: Result<String, String>, evidence: Vec<Evidence>) {
        match result {
            Ok(detail) => self.put(rule, Verdict::Pass, detail, evidence),
            Err(detail) => self.put(rule, Verdict::Fail, detail, evidence),
        }
    }

    fn has(&self, rule: Rule) -> bool {
        self.0.iter().any(|f| f.rule.id == rule.id)
    }

    /// Marks each rule of `rules` (every rule when empty) not yet judged as not checked.
    fn unreached(&mut self, rules: &[Rule], why: &str) {
        let list = if rules.is_empty() { rules::ALL } else { rules };
        for rule in list {
            if !self.has(*rule) {
                self.put(*rule, Verdict::Unchecked, why, Vec::new());
            }
        }
    }

    /// Every rule, in the rules' order.
    fn complete(mut self, reason: &str) -> Vec<Finding> {
        self.unreached(&[], reason);
        rules::ALL.iter().filter_map(|rule| self.0.iter().find(|f| f.rule.id == rule.id).cloned()).collect()
    }
}

/// What the first visit learnt, for the later scenarios.
#[derive(Default)]
struct Known {
    profile: Profile,
    banner_shown: bool,
    /// Cookies the banner declares strictly necessary (allowed before a choice).
    necessary: Vec<Declared>,
    /// Every cookie and key the banner's tables declare.
    declared: Vec<Declared>,
    /// The page a refusal is checked on besides the first.
    second_page: Option<String>,
    /// What the refusal stored: the consent's own cookies and keys.
    consent_cookies: Vec<String>,
    consent_storage: Vec<String>,
    /// Consent Mode: the commands and Google tag requests seen so far.
    consent_mode: Vec<Command>,
    google_requests: Vec<Request>,
}

/// A Consent Mode command as the recorder saw it.
#[derive(Debug, Clone, serde::Deserialize)]
struct Command {
    /// Milliseconds since the epoch.
    at: f64,
    command: String,
    params: serde_json::Map<String, Value>,
}

/// Cookies and storage at one moment.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    moment: String,
    cookies: Vec<SeenCookie>,
    local: Vec<String>,
    session: Vec<String>,
    idb: Vec<String>,
}

impl Snapshot {
    fn evidence(&self) -> Evidence {
        let cookies = self
            .cookies
            .iter()
            .map(|c| format!("{} ({}, {})", c.name, c.domain, cookies::duration_words(c.expires.map(|e| e - now()))))
            .collect();
        let mut local = self.local.clone();
        local.extend(self.idb.iter().map(|db| format!("IndexedDB {db}")));
        Evidence::Storage { moment: self.moment.clone(), cookies, local_storage: local, session_storage: self.session.clone() }
    }

    /// Cookies that are neither the banner's own nor declared strictly necessary.
    fn non_essential_cookies(&self, known: &Known) -> Vec<String> {
        self.cookies.iter().filter(|c| !essential(known, &c.name)).map(|c| format!("cookie {} ({})", c.name, c.domain)).collect()
    }

    fn non_essential_storage(&self, known: &Known) -> Vec<String> {
        let mut out = Vec::new();
        for (area, keys) in [("localStorage", &self.local), ("sessionStorage", &self.session), ("IndexedDB", &self.idb)] {
            out.extend(keys.iter().filter(|k| !essential(known, k)).map(|k| format!("{area} {k}")));
        }
        out
    }
}

impl Snapshot {
    fn non_essential_everything(&self, known: &Known) -> Vec<String> {
        let mut all = self.non_essential_cookies(known);
        all.extend(self.non_essential_storage(known));
        all
    }
}

/// Each item `items` finds in any of `snapshots`, once, with the moment it was first seen.
fn first_seen(snapshots: &[Snapshot], items: impl Fn(&Snapshot) -> Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for snapshot in snapshots {
        for item in items(snapshot) {
            if !seen.iter().any(|s| s.starts_with(&item)) {
                seen.push(format!("{item} ({})", snapshot.moment));
            }
        }
    }
    seen
}

fn essential(known: &Known, name: &str) -> bool {
    known.profile.is_own(name) || known.necessary.iter().any(|d| d.covers(name))
}

/// A declared name as a cookie table writes it: a regular expression (`^_ga_.*`), a glob
/// (`_ga_*`) or an exact name.
pub fn declared_from_label(label: &str) -> Declared {
    let label = label.trim();
    if label.starts_with('^') || label.ends_with('$') || label.contains(['[', '(', '\\', '|', '+', '?', '{']) {
        Declared::Pattern(label.to_owned())
    } else if label.contains('*') {
        let parts: Vec<String> = label.split('*').map(regex::escape).collect();
        Declared::Pattern(format!("^{}$", parts.join(".*")))
    } else {
        Declared::Name(label.to_owned())
    }
}

/// One browser tab of a scenario, with the profile it audits.
struct Tab<'a> {
    session: Session,
    settings: &'a Settings,
    profile: Profile,
    /// Requests before this index were already judged.
    seen: usize,
}

impl<'a> Tab<'a> {
    async fn open(settings: &'a Settings, profile: Profile, gpc: bool) -> Result<Tab<'a>, String> {
        let options = Options { gpc, ..settings.browser.clone() };
        let session = Session::start(&options).await?;
        session.add_init_script(RECORDER_JS).await?;
        Ok(Tab { session, settings, profile, seen: 0 })
    }

    async fn call(&self, function: &str, args: Vec<Value>) -> Result<Value, String> {
        self.session.run(&format!("{PAGE_JS}\nreturn audit.{function}(...arguments);"), args).await
    }

    async fn visible(&self, selector: Option<&str>) -> bool {
        match selector {
            Some(selector) => self.call("visible", vec![json!(selector)]).await.ok().and_then(|v| v.as_bool()).unwrap_or(false),
            None => false,
        }
    }

    async fn click(&self, selector: &str) -> Result<(), String> {
        match self.call("click", vec![json!(selector)]).await?.as_bool() {
            Some(true) => Ok(()),
            _ => Err(format!("nothing visible matches `{selector}` to click")),
        }
    }

    /// Waits until `selector` shows (true) or `timeout` passes (false).
    async fn wait_visible(&self, selector: Option<&str>, timeout: Duration) -> bool {
        selector.is_some() && poll(timeout, || self.visible(selector)).await
    }

    /// Waits until neither the first layer nor the preferences show.
    async fn wait_closed(&self) -> bool {
        let (banner, prefs) = (Some(self.profile.banner.as_str()), self.profile.prefs.as_deref());
        poll(self.settings.banner_timeout, || async move { !self.visible(banner).await && !self.visible(prefs).await }).await
    }

    /// Waits for the page to load and the banner to settle: its own sign when the profile has
    /// one, else the settle time.
    async fn settle(&self) {
        let deadline = Instant::now() + self.settings.banner_timeout;
        let loaded = || async move {
            self.call("readyState", vec![]).await.ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref() == Some("complete")
        };
        poll(self.settings.banner_timeout, loaded).await;
        match &self.profile.ready {
            Some(expression) => {
                let script = format!("return {expression};");
                let ready = || async { self.session.run(&script, vec![]).await.ok().and_then(|v| v.as_bool()) == Some(true) };
                poll(deadline.saturating_duration_since(Instant::now()), ready).await;
                // Give a stored choice's effects (scripts it lets run) a moment on top.
                tokio::time::sleep(self.settings.settle.min(Duration::from_millis(500))).await;
            }
            None => tokio::time::sleep(self.settings.settle).await,
        }
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        self.session.goto(url).await?;
        self.settle().await;
        Ok(())
    }

    async fn reload(&self) -> Result<(), String> {
        self.session.reload().await?;
        self.settle().await;
        Ok(())
    }

    /// Reloads with the page's clock moved `by` on; the clock is back to now afterwards.
    async fn reload_later(&self, by: Duration) -> Result<(), String> {
        let script = format!(
            "(() => {{ const shift = {}; const Real = Date; \
             class Later extends Real {{ constructor(...a) {{ if (a.length === 0) super(Real.now() + shift); else super(...a); }} \
             static now() {{ return Real.now() + shift; }} }} window.Date = Later; }})();",
            by.as_millis()
        );
        let id = self.session.add_init_script(&script).await?;
        let result = self.reload().await;
        self.session.remove_init_script(&id).await?;
        result
    }

    async fn snapshot(&self, moment: &str) -> Result<Snapshot, String> {
        let cookies = self
            .session
            .cookies()
            .await?
            .iter()
            .map(|c| SeenCookie {
                name: c["name"].as_str().unwrap_or_default().to_owned(),
                domain: c["domain"].as_str().unwrap_or_default().to_owned(),
                expires: if c["session"].as_bool() == Some(true) { None } else { c["expires"].as_f64().filter(|e| *e > 0.0) },
            })
            .collect();
        let storage = self
            .session
            .run_async(&format!("{PAGE_JS}\naudit.storage().then(arguments[arguments.length - 1]);"), vec![])
            .await
            .unwrap_or(Value::Null);
        let strings =
            |v: &Value| v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default();
        Ok(Snapshot {
            moment: moment.to_owned(),
            cookies,
            local: strings(&storage["local"]),
            session: strings(&storage["session"]),
            idb: strings(&storage["idb"]),
        })
    }

    /// The requests made since the last call.
    async fn new_requests(&mut self) -> Result<Vec<Request>, String> {
        let all = self.session.requests().await?;
        let fresh = all.get(self.seen..).unwrap_or_default().to_vec();
        self.seen = all.len();
        Ok(fresh)
    }

    /// The viewport as a JPEG (a twelfth of a PNG's bytes; a report holds a dozen).
    async fn screenshot(&self, caption: &str) -> Option<Evidence> {
        let shot = self.session.cdp("Page.captureScreenshot", json!({ "format": "jpeg", "quality": 70 })).await.ok()?;
        let data = shot.get("data").and_then(Value::as_str)?;
        Some(Evidence::Screenshot { caption: caption.to_owned(), jpeg_base64: data.to_owned() })
    }

    async fn control(&self, selector: &str) -> Option<Control> {
        let value = self.call("control", vec![json!(selector)]).await.ok()?;
        if value.is_null() {
            return None;
        }
        let colour = |v: &Value| v.as_str().and_then(Rgba::parse);
        // The first opaque background behind it: laid from the outermost ancestor in.
        let mut background = Rgba { r: 255.0, g: 255.0, b: 255.0, a: 1.0 };
        for css in value["backgrounds"].as_array().into_iter().flatten().rev() {
            if let Some(layer) = colour(css).filter(|c| c.a > 0.0) {
                background = layer.over(background);
            }
        }
        Some(Control {
            text: value["text"].as_str().unwrap_or_default().to_owned(),
            tag: value["tag"].as_str().unwrap_or_default().to_owned(),
            role: value["role"].as_str().map(str::to_owned),
            in_running_text: value["in_running_text"].as_bool().unwrap_or(false),
            width: value["width"].as_f64().unwrap_or_default(),
            height: value["height"].as_f64().unwrap_or_default(),
            font_size: value["font_size"].as_f64().unwrap_or_default(),
            font_weight: value["font_weight"].as_f64().unwrap_or(400.0),
            color: colour(&value["color"]).unwrap_or(Rgba { r: 0.0, g: 0.0, b: 0.0, a: 1.0 }),
            background,
        })
    }

    async fn rows(&self, selector: &Option<String>) -> Vec<Declared> {
        let Some(selector) = selector else { return Vec::new() };
        let rows = self.call("rows", vec![json!(selector)]).await.unwrap_or(Value::Null);
        rows.as_array().into_iter().flatten().filter_map(Value::as_str).map(declared_from_label).collect()
    }

    async fn consent_commands(&self) -> Vec<Command> {
        let value = self.call("consentCommands", vec![]).await.unwrap_or(Value::Null);
        serde_json::from_value(value).unwrap_or_default()
    }

    /// Opens the first visit and finds the banner: the profile given, else the first built-in one
    /// whose first layer shows.
    async fn first_visit(settings: &'a Settings, profile: Option<&Profile>, gpc: bool) -> Result<(Tab<'a>, bool), String> {
        let candidates = match profile.or(settings.profile.as_ref()) {
            Some(profile) => vec![profile.clone()],
            None => profiles::builtin(),
        };
        let mut tab = Tab::open(settings, candidates[0].clone(), gpc).await?;
        tab.session.goto(&settings.url).await?;
        let deadline = Instant::now() + settings.banner_timeout;
        loop {
            for candidate in &candidates {
                if tab.visible(Some(&candidate.banner)).await {
                    tab.profile = candidate.clone();
                    if tab.profile.ready.is_none() {
                        // A banner without a sign of its own may wire its buttons after it shows.
                        tokio::time::sleep(settings.settle).await;
                    }
                    return Ok((tab, true));
                }
            }
            if Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // No first layer showed: name the banner whose markup is there (a broken config, a
        // banner hidden from automated browsers), else none.
        let mut found = None;
        for candidate in &candidates {
            if tab.call("exists", vec![json!(candidate.detect)]).await.ok().and_then(|v| v.as_bool()) == Some(true) {
                found = Some(candidate.clone());
                break;
            }
        }
        tab.profile = found.unwrap_or_else(|| Profile { name: "none found".into(), ..candidates[0].clone() });
        Ok((tab, false))
    }
}

/// Checks `ready` every 100 ms until it holds (true) or `timeout` has passed (false).
async fn poll<F, Fut>(timeout: Duration, mut ready: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if ready().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tracker_hits(requests: &[Request]) -> Vec<String> {
    requests.iter().filter_map(|r| trackers::tracker_of(&r.url).map(|host| format!("{} ({host})", r.url))).collect()
}

fn requests_evidence(moment: &str, requests: &[Request]) -> Evidence {
    Evidence::Requests { moment: moment.to_owned(), urls: requests.iter().take(200).map(|r| format!("{} {}", r.method, r.url)).collect() }
}

fn is_google_tag(url: &str) -> bool {
    trackers::host_of(url).is_some_and(|host| GOOGLE_TAG_HOSTS.iter().any(|g| trackers::on_domain(&host, g)))
}

fn listing(items: &[String]) -> String {
    let mut shown: Vec<String> = items.iter().take(12).cloned().collect();
    if items.len() > 12 {
        shown.push(format!("and {} more", items.len() - 12));
    }
    shown.join("; ")
}

/// Scenario 1: before any choice, the first layer, the preferences.
async fn before_choice(settings: &Settings, findings: &mut Findings) -> Result<Known, String> {
    let (mut tab, shown) = Tab::first_visit(settings, None, false).await?;
    let mut known = Known { profile: tab.profile.clone(), banner_shown: shown, ..Known::default() };
    let first_shot = tab.screenshot("the page on arrival").await;
    let mut snapshots = vec![tab.snapshot("after load").await?];
    for _ in 0..SCREENS {
        tab.call("scroll", vec![]).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    snapshots.push(tab.snapshot(&format!("after scrolling {SCREENS} screens")).await?);
    tokio::time::sleep(settings.idle).await;
    snapshots.push(tab.snapshot(&format!("after {} s idle", settings.idle.as_secs())).await?);
    let requests = tab.new_requests().await?;
    known.second_page = match settings.pages.first() {
        Some(page) => Some(page.clone()),
        None => tab
            .call("links", vec![])
            .await
            .ok()
            .and_then(|v| v.as_array().and_then(|a| a.first()).and_then(Value::as_str).map(str::to_owned)),
    };
    known.consent_mode = tab.consent_commands().await;
    known.google_requests = requests.iter().filter(|r| is_google_tag(&r.url)).cloned().collect();

    // The first layer.
    tab.call("scroll", vec![json!(0)]).await.ok();
    let profile = known.profile.clone();
    if shown {
        let accept = tab.control(&profile.accept).await;
        let reject = match &profile.reject {
            Some(selector) => tab.control(selector).await,
            None => None,
        };
        let shot: Vec<Evidence> = first_shot.clone().into_iter().collect();
        match (&accept, &reject) {
            (Some(accept), Some(reject)) => {
                findings.put(
                    rules::REJECT_ON_FIRST_LAYER,
                    Verdict::Pass,
                    format!("\"{}\" and \"{}\" are both on the first layer.", accept.text, reject.text),
                    shot.clone(),
                );
                let compared = buttons::compare(accept, reject);
                let measured =
                    vec![Evidence::Note { text: format!("accept: {accept:?}") }, Evidence::Note { text: format!("reject: {reject:?}") }];
                let with = |mut extra: Vec<Evidence>| {
                    extra.extend(shot.clone());
                    extra
                };
                findings.result(
                    rules::REAL_BUTTONS,
                    compared.real_buttons.map(|()| "Both are buttons.".to_owned()),
                    with(measured.clone()),
                );
                findings.result(
                    rules::EQUAL_SIZE,
                    compared.equal_size.map(|()| format!("Areas {:.0} and {:.0} px².", accept.area(), reject.area())),
                    with(measured.clone()),
                );
                findings.result(
                    rules::EQUAL_FONT,
                    compared.equal_font.map(|()| format!("Both {} px, weight {}.", accept.font_size, accept.font_weight)),
                    with(measured.clone()),
                );
                findings.result(
                    rules::BUTTON_CONTRAST,
                    compared.contrast.map(|()| format!("Contrast {:.1}:1 and {:.1}:1.", accept.contrast(), reject.contrast())),
                    with(measured),
                );
            }
            (Some(accept), None) => {
                findings.put(
                    rules::REJECT_ON_FIRST_LAYER,
                    Verdict::Fail,
                    format!("The first layer offers \"{}\" but no way to reject all.", accept.text),
                    shot,
                );
                for rule in [rules::REAL_BUTTONS, rules::EQUAL_SIZE, rules::EQUAL_FONT, rules::BUTTON_CONTRAST] {
                    findings.put(
                        rule,
                        Verdict::NotApplicable,
                        "There is no reject on the first layer to compare (see first-layer.reject-present).",
                        Vec::new(),
                    );
                }
            }
            (None, _) => findings.put(
                rules::REJECT_ON_FIRST_LAYER,
                Verdict::Fail,
                "The first layer shows no accept control the profile knows.",
                shot,
            ),
        }

        // The preferences.
        let opened = match &profile.settings {
            Some(settings_button) if tab.visible(Some(settings_button)).await => {
                tab.click(settings_button).await?;
                tab.wait_visible(profile.prefs.as_deref(), settings.banner_timeout).await || profile.prefs.is_none()
            }
            _ => false,
        };
        if opened {
            let shot: Vec<Evidence> = tab.screenshot("the preferences as they open").await.into_iter().collect();
            let toggles = match &profile.toggles {
                Some(selector) => tab.call("toggles", vec![json!(selector)]).await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            let toggles = toggles.as_array().cloned().unwrap_or_default();
            let described: Vec<String> = toggles
                .iter()
                .map(|t| {
                    format!(
                        "{}: {}{}",
                        t["label"].as_str().unwrap_or("?"),
                        if t["on"] == true { "on" } else { "off" },
                        if t["locked"] == true { ", locked" } else { "" }
                    )
                })
                .collect();
            let mut evidence = vec![Evidence::Note { text: format!("switches: {}", listing(&described)) }];
            evidence.extend(shot.clone());
            let preticked: Vec<String> = toggles
                .iter()
                .filter(|t| t["on"] == true && t["locked"] != true)
                .map(|t| t["label"].as_str().unwrap_or("?").to_owned())
                .collect();
            if profile.toggles.is_none() {
                findings.put(rules::NO_PRETICKED, Verdict::Unchecked, "The profile names no switches to read.", evidence.clone());
            } else if toggles.is_empty() {
                findings.put(
                    rules::NO_PRETICKED,
                    Verdict::Unchecked,
                    "The preferences show no switch the profile knows.",
                    evidence.clone(),
                );
            } else if preticked.is_empty() {
                findings.put(
                    rules::NO_PRETICKED,
                    Verdict::Pass,
                    format!("{} switches, every optional one off.", toggles.len()),
                    evidence.clone(),
                );
            } else {
                findings.put(
                    rules::NO_PRETICKED,
                    Verdict::Fail,
                    format!("Switched on before any choice: {}.", listing(&preticked)),
                    evidence.clone(),
                );
            }
            // The necessary category: a switch locked on, or a label ("always on") instead of one.
            let necessary = match &profile.necessary {
                Some(selector) => {
                    tab.call("toggles", vec![json!(selector)]).await.ok().and_then(|v| v.as_array().cloned()).unwrap_or_default()
                }
                None => Vec::new(),
            };
            let locked_on = toggles.iter().any(|t| t["on"] == true && t["locked"] == true);
            let switchable: Vec<&Value> =
                necessary.iter().filter(|t| t["control"] == true && !(t["on"] == true && t["locked"] == true)).collect();
            if !switchable.is_empty() {
                findings.put(
                    rules::NECESSARY_LOCKED,
                    Verdict::Fail,
                    "The necessary category's switch is off or can be switched.",
                    evidence.clone(),
                );
            } else if locked_on || !necessary.is_empty() {
                findings.put(rules::NECESSARY_LOCKED, Verdict::Pass, "Strictly necessary cookies are shown always on.", evidence.clone());
            } else {
                findings.put(
                    rules::NECESSARY_LOCKED,
                    Verdict::NotApplicable,
                    "The preferences show no strictly necessary category.",
                    evidence.clone(),
                );
            }
            known.declared = tab.rows(&profile.cookie_rows).await;
            known.necessary = tab.rows(&profile.necessary_rows).await;
        } else {
            let why = if profile.settings.is_none() {
                "The banner has no second layer the profile knows."
            } else {
                "The preferences did not open."
            };
            findings.put(
                rules::NO_PRETICKED,
                if profile.settings.is_none() { Verdict::NotApplicable } else { Verdict::Unchecked },
                why,
                Vec::new(),
            );
            findings.put(
                rules::NECESSARY_LOCKED,
                if profile.settings.is_none() { Verdict::NotApplicable } else { Verdict::Unchecked },
                why,
                Vec::new(),
            );
        }
    } else {
        findings.put(
            rules::REJECT_ON_FIRST_LAYER,
            Verdict::Unchecked,
            "No cookie banner showed within the wait.",
            first_shot.clone().into_iter().collect(),
        );
    }

    // Before any choice (judged now that the necessary cookies are known).
    let mut evidence: Vec<Evidence> = snapshots.iter().map(Snapshot::evidence).collect();
    evidence.extend(first_shot);
    let cookies_found = first_seen(&snapshots, |s| s.non_essential_cookies(&known));
    let storage_found = first_seen(&snapshots, |s| s.non_essential_storage(&known));
    findings.result(
        rules::NO_COOKIES_BEFORE_CHOICE,
        if cookies_found.is_empty() {
            Ok("No cookie but the banner's own and declared necessary ones.".into())
        } else {
            Err(format!("Stored before any choice: {}.", listing(&cookies_found)))
        },
        evidence.clone(),
    );
    findings.result(
        rules::NO_STORAGE_BEFORE_CHOICE,
        if storage_found.is_empty() {
            Ok("No storage key but the banner's own.".into())
        } else {
            Err(format!("Written before any choice: {}.", listing(&storage_found)))
        },
        evidence,
    );
    let hits = tracker_hits(&requests);
    findings.result(
        rules::NO_TRACKERS_BEFORE_CHOICE,
        if hits.is_empty() {
            Ok(format!("{} requests, none to a tracking host.", requests.len()))
        } else {
            Err(format!("Requested before any choice: {}.", listing(&hits)))
        },
        vec![requests_evidence("before any choice", &requests)],
    );
    Ok(known)
}

/// Scenario 2: reject all, a reload, a second page, and a reload almost six months later.
async fn reject(settings: &Settings, known: &mut Known, findings: &mut Findings) -> Result<(), String> {
    let (mut tab, shown) = Tab::first_visit(settings, Some(&known.profile), false).await?;
    if !shown {
        return Err("the banner did not show".into());
    }
    let profile = known.profile.clone();
    let before = tab.snapshot("before the refusal").await?;
    tab.new_requests().await?;
    // The way to reject: the first layer's reject, else the preferences' reject or save.
    let mut clicks = 0;
    let mut layer_clicks = 1;
    if tab.visible(profile.reject.as_deref()).await {
        tab.click(profile.reject.as_deref().unwrap_or_default()).await?;
        clicks += 1;
    } else if let Some(settings_button) =
        profile.settings.clone().filter(|_| profile.prefs_reject.is_some() || profile.prefs_save.is_some())
    {
        tab.click(&settings_button).await?;
        clicks += 1;
        tab.wait_visible(profile.prefs.as_deref(), settings.banner_timeout).await;
        if tab.visible(profile.prefs_reject.as_deref()).await {
            tab.click(profile.prefs_reject.as_deref().unwrap_or_default()).await?;
        } else {
            // Save with every optional switch off: the switches that are on count as clicks.
            if let Some(toggles) = &profile.toggles {
                let value = tab.call("toggles", vec![json!(toggles)]).await?;
                let on = value.as_array().map_or(0, |a| a.iter().filter(|t| t["on"] == true && t["locked"] != true).count());
                layer_clicks += on;
                clicks += on;
                tab.call("untick", vec![json!(toggles)]).await?;
            }
            tab.click(profile.prefs_save.as_deref().unwrap_or_default()).await?;
        }
        clicks += 1;
    } else {
        return Err("the banner offers no way to reject all that the profile knows".into());
    }
    let closed = tab.wait_closed().await;
    let click_time = now();
    tab.settle().await;
    let mut snapshots = vec![tab.snapshot("after reject all").await?];
    let mut requests = tab.new_requests().await?;
    let shot_after: Vec<Evidence> = tab.screenshot("after reject all").await.into_iter().collect();

    // What the refusal stored: the consent's own cookies and keys.
    let stored = &snapshots[0];
    // The refusal's own: the banner's own keys (it may write its cookie before any choice and only
    // change its value), and what is new since the click unless the site declares it necessary
    // (a shop's session cookie may appear at any moment, click or not).
    let site_necessary = |name: &str| known.necessary.iter().any(|d| d.covers(name));
    let stored_by_refusal = |name: &str, before: &[&str]| profile.is_own(name) || (!before.contains(&name) && !site_necessary(name));
    let cookies_before: Vec<&str> = before.cookies.iter().map(|c| c.name.as_str()).collect();
    let keys_before: Vec<&str> = before.local.iter().chain(&before.idb).map(String::as_str).collect();
    let new_cookies: Vec<SeenCookie> = stored.cookies.iter().filter(|c| stored_by_refusal(&c.name, &cookies_before)).cloned().collect();
    let consent_storage: Vec<String> =
        stored.local.iter().chain(&stored.idb).filter(|k| stored_by_refusal(k, &keys_before)).cloned().collect();
    known.consent_cookies = new_cookies.iter().map(|c| c.name.clone()).collect();
    known.consent_storage = consent_storage;

    tab.reload().await?;
    let banner_after_reload = tab.visible(Some(&profile.banner)).await;
    snapshots.push(tab.snapshot("after a reload").await?);
    requests.extend(tab.new_requests().await?);
    let mut banner_on_second = false;
    if let Some(page) = &known.second_page {
        tab.goto(page).await?;
        banner_on_second = tab.visible(Some(&profile.banner)).await;
        snapshots.push(tab.snapshot(&format!("on a second page ({page})")).await?);
        requests.extend(tab.new_requests().await?);
    }

    // reject.nothing-stored
    let mut problems = first_seen(&snapshots, |s| s.non_essential_everything(known));
    // Before the reject's effects the banner's own consent records are fine; trackers are not.
    let hits = tracker_hits(&requests);
    problems.extend(hits.iter().map(|h| format!("request {h}")));
    let mut evidence: Vec<Evidence> = snapshots.iter().map(Snapshot::evidence).collect();
    evidence.push(requests_evidence("after reject all, a reload and a second page", &requests));
    evidence.extend(shot_after.clone());
    findings.result(
        rules::NOTHING_AFTER_REJECT,
        if problems.is_empty() {
            Ok(format!(
                "Nothing non-essential after the refusal, a reload{}.",
                if known.second_page.is_some() { " and a second page" } else { " (no second page found)" }
            ))
        } else {
            Err(format!("After reject all: {}.", listing(&problems)))
        },
        evidence,
    );

    // reject.as-easy-as-accept
    findings.result(
        rules::REJECT_AS_EASY,
        if closed && layer_clicks <= 1 {
            Ok(format!("One click refuses on the layer that offers it ({clicks} click(s) from arrival), as one click accepts."))
        } else if !closed {
            Err(format!("After {clicks} click(s) on reject the banner was still open: refusing needs another step."))
        } else {
            Err(format!("Refusing took {layer_clicks} clicks on the layer where accepting takes one."))
        },
        shot_after.clone(),
    );

    // reject.remembered
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if known.consent_cookies.is_empty() && known.consent_storage.is_empty() {
        problems.push("the refusal stored no cookie and no storage key".to_owned());
    }
    for cookie in &new_cookies {
        let lifetime = cookie.expires.map(|e| e - click_time);
        notes.push(format!("{} lasts {}", cookie.name, cookies::duration_words(lifetime)));
        if lifetime.is_none_or(|l| l < cookies::MIN_REFUSAL_SECONDS - 86_400.0) {
            problems.push(format!("cookie {} lasts {}", cookie.name, cookies::duration_words(lifetime)));
        }
    }
    if banner_after_reload {
        problems.push("the banner asked again after a reload".into());
    }
    if banner_on_second {
        problems.push("the banner asked again on the second page".into());
    }
    tab.goto(&settings.url).await?;
    tab.reload_later(REFUSAL_CHECK).await?;
    if tab.visible(Some(&profile.banner)).await {
        problems.push("the banner asked again with the page's clock 181 days later".into());
    }
    let mut evidence = vec![Evidence::Note {
        text: format!("the refusal stored: cookies {:?}, storage {:?}; {}", known.consent_cookies, known.consent_storage, notes.join("; ")),
    }];
    evidence.extend(tab.screenshot("181 days after the refusal").await);
    findings.result(
        rules::REFUSAL_REMEMBERED,
        if problems.is_empty() {
            Ok("The refusal holds after a reload, on a second page and 181 days later.".into())
        } else {
            Err(format!("{}.", problems.join("; ")))
        },
        evidence,
    );
    known.consent_mode.extend(tab.consent_commands().await);
    records_check(&mut tab, known, "reject_all", findings).await;
    Ok(())
}

/// Scenario 3: accept all, the cookie scan, the lifetime, Consent Mode's update, withdrawal.
async fn accept(settings: &Settings, known: &Known, findings: &mut Findings) -> Result<(), String> {
    let (mut tab, shown) = Tab::first_visit(settings, Some(&known.profile), false).await?;
    if !shown {
        return Err("the banner did not show".into());
    }
    let profile = known.profile.clone();
    let before_commands = tab.consent_commands().await.len();
    let click_time = now();
    tab.click(&profile.accept).await?;
    let closed = tab.wait_closed().await;
    tab.settle().await;
    let after_click = tab.consent_commands().await;
    let mut snapshots = vec![tab.snapshot("after accept all").await?];
    tab.reload().await?;
    snapshots.push(tab.snapshot("after a reload").await?);
    if let Some(page) = &known.second_page {
        tab.goto(page).await?;
        snapshots.push(tab.snapshot("on a second page").await?);
        tab.goto(&settings.url).await?;
    }
    let requests = tab.new_requests().await?;
    let shot: Vec<Evidence> = tab.screenshot("after accept all").await.into_iter().collect();
    if !closed {
        findings.put(rules::REJECT_AS_EASY, Verdict::Fail, "Even accept all left the banner open.", shot.clone());
    }

    // accept.declared-cookies: every cookie and key seen after accept, against the tables.
    let host = trackers::host_of(&settings.url).unwrap_or_default();
    let mut seen: Vec<SeenCookie> = Vec::new();
    for snapshot in &snapshots {
        for cookie in &snapshot.cookies {
            if !seen.iter().any(|s| s.name == cookie.name) && !profile.is_own(&cookie.name) {
                seen.push(cookie.clone());
            }
        }
        for key in snapshot.local.iter().chain(&snapshot.session).chain(&snapshot.idb) {
            if !seen.iter().any(|s| &s.name == key) && !profile.is_own(key) {
                seen.push(SeenCookie { name: key.clone(), domain: host.clone(), expires: None });
            }
        }
    }
    let suggestions = cookies::undeclared(&seen, &known.declared, &host, now());
    let mut evidence: Vec<Evidence> = snapshots.iter().map(Snapshot::evidence).collect();
    evidence.push(Evidence::Note {
        text: format!("declared by the banner: {}", listing(&known.declared.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>())),
    });
    for suggestion in &suggestions {
        evidence.push(Evidence::Note { text: format!("undeclared {}: suggested entry {}", suggestion.cookie, suggestion.entry) });
    }
    findings.result(
        rules::DECLARED_COOKIES,
        if suggestions.is_empty() {
            Ok(format!("{} cookies and keys seen after accept all, each declared.", seen.len()))
        } else {
            Err(format!(
                "Not in the banner's cookie table: {}.",
                listing(&suggestions.iter().map(|s| s.cookie.clone()).collect::<Vec<_>>())
            ))
        },
        evidence,
    );

    // consent.lifetime
    let last = snapshots.last().cloned().unwrap_or_default();
    let consent_names: Vec<String> = if known.consent_cookies.is_empty() && known.consent_storage.is_empty() {
        last.cookies.iter().map(|c| c.name.clone()).chain(last.local.clone()).filter(|n| profile.is_own(n)).collect()
    } else {
        known.consent_cookies.iter().chain(&known.consent_storage).cloned().collect()
    };
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for cookie in last.cookies.iter().filter(|c| consent_names.contains(&c.name)) {
        let lifetime = cookie.expires.map(|e| e - click_time);
        notes.push(format!("{} lasts {}", cookie.name, cookies::duration_words(lifetime)));
        if lifetime.is_some_and(|l| l > cookies::MAX_CONSENT_SECONDS + 86_400.0) {
            problems.push(format!("cookie {} lasts {}", cookie.name, cookies::duration_words(lifetime)));
        }
    }
    let unexpiring: Vec<&String> = consent_names.iter().filter(|n| last.local.contains(n) || last.idb.contains(n)).collect();
    let mut evidence = Vec::new();
    if !unexpiring.is_empty() {
        tab.reload_later(CONSENT_CHECK).await?;
        if !tab.visible(Some(&profile.banner)).await {
            problems.push(format!("kept in storage that does not expire ({unexpiring:?}), and the banner did not ask again with the page's clock 396 days later"));
        } else {
            notes.push(format!("kept in storage without expiry too ({unexpiring:?}); 396 days later the banner asks again"));
        }
        evidence.extend(tab.screenshot("396 days after the consent").await);
        tab.reload().await?;
    }
    evidence.insert(0, Evidence::Note { text: notes.join("; ") });
    evidence.insert(1, last.evidence());
    findings.result(
        rules::CONSENT_LIFETIME,
        if consent_names.is_empty() {
            Err("No consent cookie or key was found to measure.".into())
        } else if problems.is_empty() {
            Ok(format!("The consent lasts at most 13 months: {}.", notes.join("; ")))
        } else {
            Err(format!("{}.", problems.join("; ")))
        },
        evidence,
    );

    // Consent Mode.
    let mut commands = known.consent_mode.clone();
    commands.extend(after_click.iter().cloned());
    let mut google: Vec<Request> = known.google_requests.clone();
    google.extend(requests.iter().filter(|r| is_google_tag(&r.url)).cloned());
    let default = commands.iter().filter(|c| c.command == "default").find(|c| c.params.values().any(|v| v == "denied"));
    let first_google = google.iter().map(|r| r.wall_time).fold(f64::INFINITY, f64::min);
    let mut evidence = vec![Evidence::Note {
        text: format!(
            "Consent Mode commands: {}",
            listing(&commands.iter().map(|c| format!("{} {}", c.command, Value::Object(c.params.clone()))).collect::<Vec<_>>())
        ),
    }];
    evidence.push(requests_evidence("requests to Google tag hosts", &google));
    if google.is_empty() && commands.is_empty() {
        findings.put(
            rules::CONSENT_MODE_DEFAULT,
            Verdict::NotApplicable,
            "The site loads no Google tag and uses no Consent Mode.",
            evidence.clone(),
        );
        findings.put(
            rules::CONSENT_MODE_UPDATE,
            Verdict::NotApplicable,
            "The site loads no Google tag and uses no Consent Mode.",
            evidence,
        );
    } else {
        findings.result(
            rules::CONSENT_MODE_DEFAULT,
            match default {
                Some(d) if d.at / 1000.0 <= first_google => Ok(if google.is_empty() {
                    "A denied default is set; no Google tag was requested.".into()
                } else {
                    "A denied default is set before the first Google tag request.".into()
                }),
                Some(_) => Err("A Google tag was requested before the denied default was set.".into()),
                None => Err(if google.is_empty() {
                    "Consent Mode is used but no denied default was set.".into()
                } else {
                    "A Google tag is requested with no denied default in dataLayer.".into()
                }),
            },
            evidence.clone(),
        );
        let update = after_click.iter().skip(before_commands).find(|c| c.command == "update" && c.at / 1000.0 >= click_time - 1.0);
        findings.result(
            rules::CONSENT_MODE_UPDATE,
            match update {
                Some(u) if u.params.values().any(|v| v == "granted") => {
                    Ok(format!("Accept all is followed by an update: {}.", Value::Object(u.params.clone())))
                }
                Some(u) => Err(format!("The update after accept all grants nothing: {}.", Value::Object(u.params.clone()))),
                None => Err("No Consent Mode update followed accept all.".into()),
            },
            evidence,
        );
    }

    records_check(&mut tab, known, "accept_all", findings).await;

    // withdraw.permanent-control
    tab.goto(&settings.url).await?;
    let shot_before: Vec<Evidence> = tab.screenshot("after the choice, the page again").await.into_iter().collect();
    let withdraw = profile.withdraw.clone();
    let mut clicks = 0;
    let mut result: Result<String, String> = Err("After a choice no permanent control the profile knows brings it back.".into());
    if tab.visible(withdraw.as_deref()).await {
        tab.click(withdraw.as_deref().unwrap_or_default()).await?;
        clicks += 1;
        let deadline = Instant::now() + settings.banner_timeout;
        let mut reject_at: Option<String> = None;
        while Instant::now() < deadline && reject_at.is_none() {
            for candidate in [&profile.prefs_reject, &profile.reject] {
                if tab.visible(candidate.as_deref()).await {
                    reject_at = candidate.clone();
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        result = match reject_at {
            Some(selector) => {
                tab.click(&selector).await?;
                clicks += 1;
                if tab.wait_closed().await {
                    Ok(format!(
                        "\"{}\" reopens the choice and reject all is the second click.",
                        tab.call("text", vec![json!(withdraw)]).await.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                    ))
                } else {
                    Err("Reject all after reopening did not close the choice.".into())
                }
            }
            None => Err("The permanent control opens no reject all within one more click.".into()),
        };
    }
    let mut evidence = shot_before;
    evidence.extend(tab.screenshot("after withdrawing").await);
    evidence.insert(0, Evidence::Note { text: format!("{clicks} click(s)") });
    findings.result(rules::WITHDRAW_CONTROL, result, evidence);
    Ok(())
}

/// Crumb: the categories the consent in force grants.
async fn crumb_categories(tab: &Tab<'_>) -> BTreeSet<String> {
    let script = "const c = window.Crumb && window.Crumb.getConsent && window.Crumb.getConsent(); \
                  return c && c.categories ? Object.keys(c.categories).filter((k) => c.categories[k] === true) : [];";
    let value = tab.session.run(script, vec![]).await.unwrap_or(Value::Null);
    value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// crumb.records-posted: a Crumb site posted a record of this choice with what the proof needs.
async fn records_check(tab: &mut Tab<'_>, known: &Known, action: &str, findings: &mut Findings) {
    if known.profile.name != "crumb" {
        findings.put(rules::RECORD_POSTED, Verdict::NotApplicable, "Not a Crumb site: its records, if any, are its own.", Vec::new());
        return;
    }
    if findings.0.iter().any(|f| f.rule.id == rules::RECORD_POSTED.id && f.verdict == Verdict::Fail) {
        return;
    }
    let all: Vec<Request> = tab.session.requests().await.map(|r| r.to_vec()).unwrap_or_default();
    let posted: Vec<(Request, Value)> = all
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| r.post_data.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()).map(|v| (r.clone(), v)))
        .flat_map(|(r, v)| match v {
            Value::Array(items) => items.into_iter().map(|i| (r.clone(), i)).collect::<Vec<_>>(),
            other => vec![(r, other)],
        })
        .filter(|(_, v)| v.get("consent_id").is_some())
        .collect();
    const FIELDS: &[&str] =
        &["consent_id", "site", "revision", "action", "categories", "given_at", "updated_at", "language", "gpc", "url_path"];
    let evidence: Vec<Evidence> =
        posted.iter().map(|(r, v)| Evidence::Note { text: format!("POST {} → {}: {v}", r.url, r.status) }).collect();
    let this = posted.iter().find(|(_, v)| v["action"] == action);
    let result = match this {
        None => Err(format!("No consent record with action `{action}` was posted.")),
        Some((request, record)) => {
            let missing: Vec<&str> = FIELDS.iter().copied().filter(|f| record.get(*f).is_none_or(Value::is_null)).collect();
            if !missing.is_empty() {
                Err(format!("The `{action}` record lacks {missing:?}."))
            } else if !(200..300).contains(&request.status) {
                Err(format!("The `{action}` record was posted to {} but not accepted (status {}).", request.url, request.status))
            } else {
                Ok(format!("Each choice was posted with the fields the proof needs (last: `{action}` to {}).", request.url))
            }
        }
    };
    findings.result(rules::RECORD_POSTED, result, evidence);
}

/// Scenario 4: the first layer's close button, if any, must record a refusal.
async fn close(settings: &Settings, known: &Known, findings: &mut Findings) -> Result<(), String> {
    let Some(close) = known.profile.close.clone() else {
        findings.put(rules::CLOSE_IS_REFUSAL, Verdict::NotApplicable, "The profile knows no close button on the first layer.", Vec::new());
        return Ok(());
    };
    let (mut tab, shown) = Tab::first_visit(settings, Some(&known.profile), false).await?;
    if !shown {
        return Err("the banner did not show".into());
    }
    if !tab.visible(Some(&close)).await {
        findings.put(rules::CLOSE_IS_REFUSAL, Verdict::NotApplicable, "The first layer shows no close button.", Vec::new());
        return Ok(());
    }
    tab.new_requests().await?;
    tab.click(&close).await?;
    tab.wait_closed().await;
    tab.settle().await;
    let after = tab.snapshot("after closing the banner").await?;
    tab.reload().await?;
    let asked_again = tab.visible(Some(&known.profile.banner)).await;
    let reloaded = tab.snapshot("after a reload").await?;
    let requests = tab.new_requests().await?;
    let mut problems = first_seen(&[after.clone(), reloaded.clone()], |s| s.non_essential_everything(known));
    problems.extend(tracker_hits(&requests).into_iter().map(|h| format!("request {h}")));
    if asked_again {
        problems.push("the banner asked again after a reload: closing stored no refusal".into());
    }
    let mut evidence = vec![after.evidence(), reloaded.evidence(), requests_evidence("after closing and a reload", &requests)];
    evidence.extend(tab.screenshot("after closing and a reload").await);
    findings.result(
        rules::CLOSE_IS_REFUSAL,
        if problems.is_empty() {
            Ok("Closing the banner is remembered as a refusal.".into())
        } else {
            Err(format!("After closing: {}.", listing(&problems)))
        },
        evidence,
    );
    Ok(())
}

/// Scenario 5: with Global Privacy Control on (Crumb declares which categories sell or share).
async fn gpc(settings: &Settings, known: &Known, findings: &mut Findings) -> Result<(), String> {
    if known.profile.name != "crumb" {
        findings.put(
            rules::GPC_HONOURED,
            Verdict::NotApplicable,
            "Only a Crumb site declares which categories sell or share data; other banners are not judged on the signal.",
            Vec::new(),
        );
        return Ok(());
    }
    // Without the signal, nothing is granted before a choice.
    let (plain, _) = Tab::first_visit(settings, Some(&known.profile), false).await?;
    plain.settle().await;
    let granted_without = crumb_categories(&plain).await;
    let accepted_without = {
        plain.click(&known.profile.accept).await?;
        plain.wait_closed().await;
        crumb_categories(&plain).await
    };
    let config = plain
        .session
        .run_async(&format!("{PAGE_JS}\naudit.crumbConfig().then(arguments[arguments.length - 1]);"), vec![])
        .await
        .unwrap_or(Value::Null);
    drop(plain);
    // The categories that sell or share: marked `sale_or_share`, or called `marketing` unmarked.
    let sale_or_share: BTreeSet<String> = config["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["required"] != true && (c["sale_or_share"] == true || (c["sale_or_share"].is_null() && c["id"] == "marketing")))
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    if config.is_null() {
        findings.put(rules::GPC_HONOURED, Verdict::Unchecked, "The page's Crumb config could not be read.", Vec::new());
        return Ok(());
    }
    if sale_or_share.is_empty() {
        findings.put(rules::GPC_HONOURED, Verdict::NotApplicable, "The site declares no category that sells or shares data.", Vec::new());
        return Ok(());
    }
    let (tab, shown) = Tab::first_visit(settings, Some(&known.profile), true).await?;
    if !shown {
        return Err("the banner did not show".into());
    }
    tab.settle().await;
    let notice =
        tab.call("text", vec![json!(r#"[data-crumb-part="banner"] .crumb-gpc"#)]).await.ok().and_then(|v| v.as_str().map(str::to_owned));
    let granted_before = crumb_categories(&tab).await;
    let mut evidence: Vec<Evidence> = tab.screenshot("the banner with Global Privacy Control on").await.into_iter().collect();
    tab.click(&known.profile.accept).await?;
    tab.wait_closed().await;
    let accepted_with = crumb_categories(&tab).await;
    let granted_anyway: Vec<&String> = sale_or_share.intersection(&accepted_with).collect();
    evidence.insert(
        0,
        Evidence::Note {
            text: format!(
                "sale or share: {sale_or_share:?}; accept all grants {accepted_without:?} without the signal and {accepted_with:?} with it"
            ),
        },
    );
    let mut problems = Vec::new();
    if !granted_without.is_empty() || !granted_before.is_empty() {
        problems.push(format!("granted before any choice: {granted_without:?} {granted_before:?}"));
    }
    if config["honor_gpc"] == false {
        problems.push("the config switches the signal off (`honor_gpc: false`)".into());
    }
    if notice.is_none() {
        problems.push("the banner does not say the signal was honoured".into());
    }
    if !granted_anyway.is_empty() {
        problems.push(format!("with the signal on, accept all still grants {granted_anyway:?}"));
    }
    findings.result(
        rules::GPC_HONOURED,
        if problems.is_empty() {
            Ok(format!("The banner says \"{}\"; {sale_or_share:?} stay off even after accept all.", notice.unwrap_or_default()))
        } else {
            Err(format!("{}.", problems.join("; ")))
        },
        evidence,
    );
    Ok(())
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-12-01T10:00:00Z`).
fn rfc3339(seconds: f64) -> String {
    let secs = seconds.max(0.0) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3_600, rest % 3_600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_table_label_reads_as_a_name_a_glob_or_a_pattern() {
        assert_eq!(declared_from_label(" _ga "), Declared::Name("_ga".into()));
        assert_eq!(declared_from_label("_ga_*"), Declared::Pattern("^_ga_.*$".into()));
        assert_eq!(declared_from_label("^_hj.*"), Declared::Pattern("^_hj.*".into()));
        assert!(declared_from_label("_ga_*").covers("_ga_ABC123"));
        assert!(!declared_from_label("_ga_*").covers("x_ga_1"));
    }

    #[test]
    fn google_tag_hosts_and_dates() {
        assert!(is_google_tag("https://www.googletagmanager.com/gtag/js?id=G-1"));
        assert!(!is_google_tag("https://googletagmanager.com.evil.example/x"));
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_083_200.0), "2026-12-01T00:00:00Z");
    }
}
