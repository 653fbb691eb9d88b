//! The audit's report: one finding per rule with its evidence, written as JSON (for CI) and as one
//! self-contained HTML file (no script, a strict CSP in the page itself, screenshots inline), and
//! the exit status a CI job reads.

use std::fmt::Write;

use serde::Serialize;

use crate::rules::Rule;

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The rule does not apply to this site (no close button, not a Crumb site, no Google tag).
    NotApplicable,
    /// The auditor could not check it (the banner was not found, a page failed to load).
    Unchecked,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "not applicable",
            Verdict::Unchecked => "not checked",
        }
    }
}

/// What backs a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A screenshot of the viewport, JPEG bytes as base64.
    Screenshot { caption: String, jpeg_base64: String },
    /// The same screenshot again: it is shown with the finding of rule `shown_with`.
    ScreenshotAgain { caption: String, shown_with: String },
    /// Cookies and storage keys at a moment of the scenario.
    Storage { moment: String, cookies: Vec<String>, local_storage: Vec<String>, session_storage: Vec<String> },
    /// Requests made in a stretch of the scenario.
    Requests { moment: String, urls: Vec<String> },
    /// Anything else worth showing: a measurement, a suggested config entry.
    Note { text: String },
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub verdict: Verdict,
    /// Why, in one or two sentences.
    pub detail: String,
    pub evidence: Vec<Evidence>,
}

/// A whole audit of one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub url: String,
    /// RFC 3339 UTC.
    pub audited_at: String,
    /// Which banner was found (`crumb`, `cookieconsent`, `klaro`, `tarteaucitron`, `selectors`).
    pub banner: String,
    /// How long the audit took, in seconds.
    pub seconds: f64,
    pub findings: Vec<Finding>,
}

impl Report {
    /// The exit status for CI: 1 when a rule failed; else 2 when a rule could not be checked (no
    /// banner found, a scenario stopped), so a CI job does not pass on an audit that did not run;
    /// else 0.
    pub fn exit_code(&self) -> i32 {
        if self.findings.iter().any(|f| f.verdict == Verdict::Fail) {
            1
        } else if self.findings.iter().any(|f| f.verdict == Verdict::Unchecked) {
            2
        } else {
            0
        }
    }

    /// Keeps each screenshot once, with the first finding that shows it; later findings point
    /// to it (a first layer's screenshot backs a dozen rules).
    pub fn share_screenshots(&mut self) {
        let mut seen: Vec<(String, String)> = Vec::new();
        for finding in &mut self.findings {
            for evidence in &mut finding.evidence {
                if let Evidence::Screenshot { caption, jpeg_base64 } = evidence {
                    match seen.iter().find(|(data, _)| data == jpeg_base64) {
                        Some((_, rule)) => *evidence = Evidence::ScreenshotAgain { caption: caption.clone(), shown_with: rule.clone() },
                        None => seen.push((jpeg_base64.clone(), finding.rule.id.to_owned())),
                    }
                }
            }
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report as one HTML file: no script at all, and a Content-Security-Policy that allows
    /// only its own style block and inline images, so a hostile site's text in the evidence can
    /// do nothing when the report is opened.
    pub fn to_html(&self) -> String {
        let mut html = String::new();
        let failed = self.findings.iter().filter(|f| f.verdict == Verdict::Fail).count();
        let _ = write!(
            html,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>Cookie banner audit: {url}</title>\
             <style>{STYLE}</style></head><body><h1>Cookie banner audit</h1>\
             <p><strong>{url}</strong> · {at} · banner: {banner} · {seconds} s</p><p class=\"{class}\">{summary}</p>\
             <table><thead><tr><th>Rule</th><th>Verdict</th><th>What was found</th></tr></thead><tbody>",
            url = escape(&self.url),
            at = escape(&self.audited_at),
            banner = escape(&self.banner),
            seconds = self.seconds,
            class = if failed == 0 { "ok" } else { "bad" },
            summary = if failed == 0 { "Every rule checked passed.".to_owned() } else { format!("{failed} rule(s) failed.") },
        );
        for finding in &self.findings {
            let _ = write!(
                html,
                "<tr class=\"{verdict_class}\"><td><a href=\"#{id}\">{id}</a></td><td>{verdict}</td><td>{detail}</td></tr>",
                id = escape(finding.rule.id),
                verdict_class = finding.verdict.word().replace(' ', "-"),
                verdict = finding.verdict.word(),
                detail = escape(&finding.detail),
            );
        }
        html.push_str("</tbody></table>");
        for finding in &self.findings {
            let _ = write!(
                html,
                "<section id=\"{id}\"><h2>{id}: {verdict}</h2><p>{statement}</p><p class=\"source\">Source: {source}</p><p>{detail}</p>",
                id = escape(finding.rule.id),
                verdict = finding.verdict.word(),
                statement = escape(finding.rule.statement),
                source = escape(finding.rule.source),
                detail = escape(&finding.detail),
            );
            for evidence in &finding.evidence {
                html.push_str(&evidence_html(evidence));
            }
            html.push_str("</section>");
        }
        html.push_str("</body></html>");
        html
    }
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\
.fail td:nth-child(2),.bad{color:#b00020;font-weight:700}.pass td:nth-child(2),.ok{color:#1b5e20;font-weight:700}\
.source{color:#555}img{max-width:100%;border:1px solid #ccc}code{word-break:break-all}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items.iter().map(|i| format!("<code>{}</code>", escape(i))).collect::<Vec<_>>().join(", ")
}

fn evidence_html(evidence: &Evidence) -> String {
    match evidence {
        Evidence::Screenshot { caption, jpeg_base64 } => {
            // Only base64's own alphabet goes into the data URL.
            let clean: String = jpeg_base64.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
            format!(
                "<figure><img alt=\"{0}\" src=\"data:image/jpeg;base64,{clean}\"><figcaption>{0}</figcaption></figure>",
                escape(caption)
            )
        }
        Evidence::Storage { moment, cookies, local_storage, session_storage } => format!(
            "<p>{}: cookies {}; localStorage {}; sessionStorage {}</p>",
            escape(moment),
            list(cookies),
            list(local_storage),
            list(session_storage)
        ),
        Evidence::ScreenshotAgain { caption, shown_with } => {
            format!("<p>Screenshot: <a href=\"#{0}\">{1}</a> (shown under {0})</p>", escape(shown_with), escape(caption))
        }
        Evidence::Requests { moment, urls } => format!("<p>{}: requests {}</p>", escape(moment), list(urls)),
        Evidence::Note { text } => format!("<p>{}</p>", escape(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    fn report(verdict: Verdict) -> Report {
        Report {
            url: "https://shop.example/?q=<script>".to_owned(),
            audited_at: "2026-12-01T10:00:00Z".to_owned(),
            banner: "crumb".to_owned(),
            seconds: 18.0,
            findings: vec![Finding {
                rule: rules::NO_TRACKERS_BEFORE_CHOICE,
                verdict,
                detail: "1 request to google-analytics.com before any choice".to_owned(),
                evidence: vec![
                    Evidence::Requests {
                        moment: "after load".to_owned(),
                        urls: vec!["https://www.google-analytics.com/g/collect?x=\"><script>alert(1)</script>".to_owned()],
                    },
                    Evidence::Screenshot { caption: "first layer".to_owned(), jpeg_base64: "/9j/4AAQ=\"onerror=\"x".to_owned() },
                ],
            }],
        }
    }

    #[test]
    fn a_screenshot_shared_by_findings_is_kept_once() {
        let mut report = report(Verdict::Fail);
        let mut second = report.findings[0].clone();
        second.rule = rules::NO_COOKIES_BEFORE_CHOICE;
        report.findings.push(second);
        report.share_screenshots();
        assert!(matches!(report.findings[0].evidence[1], Evidence::Screenshot { .. }));
        assert_eq!(
            report.findings[1].evidence[1],
            Evidence::ScreenshotAgain { caption: "first layer".into(), shown_with: "before-choice.no-trackers".into() }
        );
        let html = report.to_html();
        assert_eq!(html.matches("data:image/jpeg").count(), 1);
        assert!(html.contains("<a href=\"#before-choice.no-trackers\">first layer</a>"));
    }

    #[test]
    fn a_failed_rule_fails_the_exit_code() {
        assert_eq!(report(Verdict::Fail).exit_code(), 1);
        assert_eq!(report(Verdict::Pass).exit_code(), 0);
        assert_eq!(report(Verdict::NotApplicable).exit_code(), 0);
        assert_eq!(report(Verdict::Unchecked).exit_code(), 2);
        let json: serde_json::Value = serde_json::from_str(&report(Verdict::Fail).to_json()).unwrap();
        assert_eq!(json["findings"][0]["rule"]["id"], "before-choice.no-trackers");
        assert_eq!(json["findings"][0]["verdict"], "fail");
        assert_eq!(json["findings"][0]["evidence"][0]["kind"], "requests");
    }

    #[test]
    fn the_html_report_runs_nothing_the_audited_site_wrote() {
        let html = report(Verdict::Fail).to_html();
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("src=\"data:image/jpeg;base64,/9j/4AAQ=onerror=x\""), "only base64 characters: {html}");
        assert!(html.contains("1 rule(s) failed."));
    }
}
