//! Cookies and storage keys seen in the browser, compared with what a banner declares: which are
//! undeclared, and the config entry that would declare each (a cookie scanner); and the
//! lifetimes the regulators bound.

use serde::{Deserialize, Serialize};

/// One cookie as the browser holds it (CDP `Network.getAllCookies`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenCookie {
    pub name: String,
    /// `example.com` or `.example.com`.
    pub domain: String,
    /// Seconds since the epoch; None for a session cookie.
    pub expires: Option<f64>,
}

/// A declared cookie: an exact name or a JavaScript regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Declared {
    Name(String),
    Pattern(String),
}

impl Declared {
    /// Whether the declared entry covers a cookie or key called `name`. A pattern is read with the
    /// `regex` crate, whose syntax is JavaScript's for what cookie tables write (`^_ga(_.*)?$`,
    /// `[A-Z0-9]+`, `\d`); one it cannot read covers nothing, so an odd pattern makes a cookie
    /// look undeclared, never declared by mistake.
    pub fn covers(&self, name: &str) -> bool {
        match self {
            Declared::Name(exact) => exact == name,
            Declared::Pattern(pattern) => regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().is_ok_and(|re| re.is_match(name)),
        }
    }
}

/// Which party reads a cookie: the site's own (its host or a parent domain of it) or another.
pub fn party(cookie_domain: &str, site_host: &str) -> &'static str {
    let domain = cookie_domain.trim_start_matches('.').to_ascii_lowercase();
    if crate::trackers::on_domain(&site_host.to_ascii_lowercase(), &domain) {
        "first"
    } else {
        "third"
    }
}

/// A lifetime in seconds as a Crumb config duration (`session`, `30 days`, `13 months`, `2 years`),
/// rounded to the nearest whole unit a cookie table would state.
pub fn duration_words(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds.filter(|s| *s > 0.0) else { return "session".to_owned() };
    let days = seconds / 86_400.0;
    let (n, unit) = if days >= 360.0 {
        ((days / 365.0).round(), "year")
    } else if days >= 28.0 {
        ((days / 30.44).round(), "month")
    } else if days >= 1.0 {
        (days.round(), "day")
    } else if seconds >= 3_600.0 {
        ((seconds / 3_600.0).round(), "hour")
    } else {
        ((seconds / 60.0).round().max(1.0), "minute")
    };
    let n = n.max(1.0) as u64;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The name a cookie table would give a family of cookies: trailing ids (digits, hex, upper-case
/// container ids such as `_ga_ABC123`) become a pattern; other names stay exact.
pub fn declared_name(name: &str) -> Declared {
    let escape = |s: &str| {
        s.chars().flat_map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { vec![c] } else { vec!['\\', c] }).collect::<String>()
    };
    if let Some((stem, tail)) = name.rsplit_once('_') {
        let id_like = tail.len() >= 4
            && tail.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && tail.chars().any(|c| c.is_ascii_digit());
        let hex_like = tail.len() >= 8 && tail.chars().all(|c| c.is_ascii_hexdigit());
        if !stem.is_empty() && (id_like || hex_like) {
            let class = if hex_like && !id_like { "[0-9a-f]+" } else { "[A-Z0-9]+" };
            return Declared::Pattern(format!("^{}_{class}$", escape(stem)));
        }
    }
    Declared::Name(name.to_owned())
}

/// An undeclared cookie and the config entry that would declare it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub cookie: String,
    /// The config's cookie entry: `name` or `pattern`, `duration`, `party`, and a `purpose` to
    /// write.
    pub entry: serde_json::Value,
}

/// The cookies seen that no declared entry covers, each with a suggested entry; a family of
/// cookies with one pattern is suggested once.
pub fn undeclared(seen: &[SeenCookie], declared: &[Declared], site_host: &str, now: f64) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let mut suggested: Vec<Declared> = Vec::new();
    for cookie in seen {
        if declared.iter().any(|d| d.covers(&cookie.name)) || suggested.iter().any(|d| d.covers(&cookie.name)) {
            continue;
        }
        let name = declared_name(&cookie.name);
        let lifetime = cookie.expires.map(|expires| expires - now);
        let mut entry = serde_json::Map::new();
        match &name {
            Declared::Name(n) => entry.insert("name".into(), n.clone().into()),
            Declared::Pattern(p) => entry.insert("pattern".into(), p.clone().into()),
        };
        entry.insert("purpose".into(), "TODO: what this cookie is for".into());
        entry.insert("duration".into(), duration_words(lifetime).into());
        entry.insert("party".into(), party(&cookie.domain, site_host).into());
        out.push(Suggestion { cookie: cookie.name.clone(), entry: serde_json::Value::Object(entry) });
        suggested.push(name);
    }
    out
}

/// 13 months, the longest a consent may last (CNIL), in seconds (395 days).
pub const MAX_CONSENT_SECONDS: f64 = 395.0 * 86_400.0;
/// 6 months, the shortest a refusal should be remembered (CNIL, Garante), in seconds (182 days).
pub const MIN_REFUSAL_SECONDS: f64 = 182.0 * 86_400.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_patterns_match_as_javascript_would() {
        let cases = [
            ("^_ga(_.*)?$", "_ga", true),
            ("^_ga(_.*)?$", "_ga_X1", true),
            ("^_ga(_.*)?$", "_gat", false),
            ("(unclosed", "(unclosed", false),
            ("^_ga_[A-Z0-9]+$", "_ga_ABC123", true),
            ("^_ga_[A-Z0-9]+$", "_ga_abc", false),
            ("^_ga_[A-Z0-9]+$", "_ga_ABC123x", false),
            ("^_hj.*", "_hjSession_123", true),
            ("_fbp", "x_fbp_y", true),
            ("^_gcl_\\w+$", "_gcl_au", true),
            ("^sess\\d+$", "sess42", true),
            ("^sess\\d+$", "sess", false),
            ("^a.b$", "axb", true),
            ("^colou?r$", "color", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(Declared::Pattern(pattern.to_owned()).covers(name), expected, "{pattern} on {name}");
        }
        assert!(Declared::Name("_fbp".into()).covers("_fbp") && !Declared::Name("_fbp".into()).covers("_fbp2"));
    }

    #[test]
    fn lifetimes_read_as_a_table_states_them() {
        let day = 86_400.0;
        assert_eq!(duration_words(None), "session");
        assert_eq!(duration_words(Some(30.0 * 60.0)), "30 minutes");
        assert_eq!(duration_words(Some(day)), "1 day");
        assert_eq!(duration_words(Some(90.0 * day)), "3 months");
        assert_eq!(duration_words(Some(395.0 * day)), "1 year");
        assert_eq!(duration_words(Some(2.0 * 365.0 * day + 3_600.0)), "2 years");
    }

    #[test]
    fn undeclared_cookies_get_one_suggestion_per_family() {
        let now = 1_800_000_000.0;
        let seen = [
            SeenCookie { name: "crumb_consent".into(), domain: "shop.example".into(), expires: Some(now + 182.0 * 86_400.0) },
            SeenCookie { name: "_ga_ABC123".into(), domain: ".shop.example".into(), expires: Some(now + 730.0 * 86_400.0) },
            SeenCookie { name: "_ga_XYZ789".into(), domain: ".shop.example".into(), expires: Some(now + 730.0 * 86_400.0) },
            SeenCookie { name: "IDE".into(), domain: ".doubleclick.net".into(), expires: Some(now + 390.0 * 86_400.0) },
            SeenCookie { name: "cart".into(), domain: "shop.example".into(), expires: None },
        ];
        let declared = [Declared::Name("crumb_consent".into()), Declared::Name("cart".into())];
        let found = undeclared(&seen, &declared, "www.shop.example", now);
        let names: Vec<&str> = found.iter().map(|s| s.cookie.as_str()).collect();
        assert_eq!(names, ["_ga_ABC123", "IDE"]);
        assert_eq!(
            found[0].entry,
            serde_json::json!({"pattern": "^_ga_[A-Z0-9]+$", "purpose": "TODO: what this cookie is for", "duration": "2 years", "party": "first"})
        );
        assert_eq!(found[1].entry["party"], "third");
        assert_eq!(found[1].entry["name"], "IDE");
        // A suggested pattern is a pattern the matcher itself understands.
        let Declared::Pattern(pattern) = declared_name("_ga_ABC123") else { panic!("a pattern") };
        assert!(Declared::Pattern(pattern).covers("_ga_XYZ789"));
        assert_eq!(declared_name("session_id"), Declared::Name("session_id".into()));
    }
}
