//! `crumb-audit <url>`: the regulators' cookie-banner checks against any site, in headless
//! Chromium. Writes `report.html` and `report.json` to `--out` and exits 1 when a rule fails, so a
//! site can run it in its own CI. `crumb-audit --help` lists the options.

use std::process::ExitCode;
use std::time::Duration;

use crumb_audit::profiles::{self, Profile};
use crumb_audit::report::Verdict;
use crumb_audit::run::{self, Settings};

const HELP: &str = "crumb-audit: checks a site's cookie banner the way regulators do (EDPB, ICO, CNIL, Garante, CCPA)

usage: crumb-audit <url> [options]

  --pages /a,/b          more pages of the site; the first is where a refusal is checked again
                         (default: the first same-origin link of the page)
  --out DIR              where report.html and report.json go (default: crumb-audit-report)
  --idle SECONDS         how long to wait idle before a choice (default 30)
  --settle SECONDS       how long a page settles after a load or click when the banner gives no
                         sign of its own (default 2)
  --host-resolver-rules RULES   passed to Chromium (e.g. to audit a staging host)

The banner is found by its markup: Crumb, orestbida's cookieconsent, Klaro and tarteaucitron are
built in. For any other banner, name its controls with CSS selectors (searched in the page and in
open shadow roots):
  --accept SEL  --reject SEL  --settings SEL      the first layer's buttons (--accept is required)
  --close SEL                                      a close button on the first layer
  --prefs SEL  --prefs-accept SEL  --prefs-reject SEL  --prefs-save SEL   the second layer
  --toggles SEL  --necessary SEL                   its switches, and the necessary one
  --withdraw SEL                                   the permanent control shown after a choice
  --cookie-rows SEL  --necessary-rows SEL          the cookie table's rows (name in the first cell)
  --own-keys a,b*                                  the banner's own consent cookies and keys

Exit status: 1 when a rule failed; 2 when the audit could not run or a rule could not be checked
(no banner found); 0 otherwise.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(Some((settings, out))) => run_audit(&settings, &out),
        Ok(None) => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("crumb-audit: {err}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

fn run_audit(settings: &Settings, out: &str) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("crumb-audit: cannot start: {err}");
            return ExitCode::from(2);
        }
    };
    let report = runtime.block_on(run::audit(settings));
    let written = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(format!("{out}/report.json"), report.to_json()))
        .and_then(|()| std::fs::write(format!("{out}/report.html"), report.to_html()));
    println!("{} (banner: {}) in {:.0} s", report.url, report.banner, report.seconds);
    for finding in &report.findings {
        let word = match finding.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => "n/a ",
            Verdict::Unchecked => "??? ",
        };
        println!("  {word}  {:<34} {}", finding.rule.id, finding.detail);
    }
    if let Err(err) = written {
        eprintln!("crumb-audit: could not write the report to {out}: {err}");
        return ExitCode::from(2);
    }
    println!("report: {out}/report.html and {out}/report.json");
    ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(2))
}

/// The settings and the output folder, or None for `--help`.
fn parse(args: &[String]) -> Result<Option<(Settings, String)>, String> {
    let mut url: Option<String> = None;
    let mut out = "crumb-audit-report".to_owned();
    let mut pages: Vec<String> = Vec::new();
    let mut selectors: Vec<(String, String)> = Vec::new();
    let mut idle = 30.0;
    let mut settle = 2.0;
    let mut rules: Option<String> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(None);
        }
        if let Some(name) = arg.strip_prefix("--") {
            let value = iter.next().ok_or(format!("{arg} needs a value"))?.clone();
            match name {
                "out" => out = value,
                "pages" => pages = value.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect(),
                "idle" => idle = seconds(&value, arg)?,
                "settle" => settle = seconds(&value, arg)?,
                "host-resolver-rules" => rules = Some(value),
                "accept" | "reject" | "settings" | "close" | "prefs" | "prefs-accept" | "prefs-reject" | "prefs-save" | "toggles"
                | "necessary" | "withdraw" | "cookie-rows" | "necessary-rows" | "own-keys" => selectors.push((name.to_owned(), value)),
                _ => return Err(format!("unknown option {arg}")),
            }
        } else if url.is_none() {
            url = Some(arg.clone());
        } else {
            return Err(format!("one URL only (got {arg} too)"));
        }
    }
    let url = url.ok_or("which site? give its URL")?;
    let base =
        url::Url::parse(&url).ok().filter(|u| matches!(u.scheme(), "http" | "https")).ok_or(format!("{url} is not an http(s) URL"))?;
    let pages = pages
        .into_iter()
        .map(|page| base.join(&page).map(String::from).map_err(|e| format!("--pages: {page} is not a page of {url}: {e}")))
        .collect::<Result<_, _>>()?;
    let mut settings = Settings::new(&url);
    settings.pages = pages;
    settings.idle = Duration::from_secs_f64(idle);
    settings.settle = Duration::from_secs_f64(settle);
    settings.browser.host_resolver_rules = rules;
    settings.profile = profile(&selectors)?;
    Ok(Some((settings, out)))
}

fn seconds(value: &str, arg: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=3600.0).contains(s))
        .ok_or(format!("{arg} takes seconds (0-3600), not {value}"))
}

/// A profile from the selectors given, or None to find a built-in one.
fn profile(selectors: &[(String, String)]) -> Result<Option<Profile>, String> {
    if selectors.is_empty() {
        return Ok(None);
    }
    let get = |name: &str| selectors.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let accept = get("accept").ok_or("--accept is needed with the other selectors")?;
    let mut profile = profiles::from_selectors(&accept, get("reject").as_deref(), get("settings").as_deref());
    profile.close = get("close");
    profile.prefs = get("prefs");
    profile.prefs_accept = get("prefs-accept");
    profile.prefs_reject = get("prefs-reject");
    profile.prefs_save = get("prefs-save");
    profile.toggles = get("toggles");
    profile.necessary = get("necessary");
    profile.withdraw = get("withdraw");
    profile.cookie_rows = get("cookie-rows");
    profile.necessary_rows = get("necessary-rows");
    profile.own_keys =
        get("own-keys").map(|k| k.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    Ok(Some(profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_read_into_settings_and_bad_ones_are_refused() {
        let (settings, out) =
            parse(&args(&["https://shop.example/a?b", "--pages", "/more, https://x.example/", "--idle", "1", "--out", "r"]))
                .unwrap()
                .unwrap();
        assert_eq!(settings.pages, vec!["https://shop.example/more".to_owned(), "https://x.example/".to_owned()]);
        assert_eq!(settings.idle, Duration::from_secs(1));
        assert_eq!(out, "r");
        assert!(settings.profile.is_none());
        let (settings, _) =
            parse(&args(&["http://a.test", "--accept", "#yes", "--reject", "#no", "--own-keys", "consent, c_*"])).unwrap().unwrap();
        let profile = settings.profile.unwrap();
        assert_eq!((profile.accept.as_str(), profile.reject.as_deref()), ("#yes", Some("#no")));
        assert!(profile.is_own("c_1") && profile.is_own("consent") && !profile.is_own("_ga"));
        assert!(parse(&args(&["ftp://a"])).is_err());
        assert!(parse(&args(&["http://a", "--reject", "#no"])).is_err());
        assert!(parse(&args(&["http://a", "--idle", "-1"])).is_err());
        assert!(parse(&args(&["http://a", "--bogus", "1"])).is_err());
        assert!(parse(&args(&["--help"])).unwrap().is_none());
    }
}
