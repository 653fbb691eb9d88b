//! The page's cookies behind [`CookieJar`], and erasing what a revoked service stored: cookies by
//! exact name or by pattern, on this host and its parent domains, on `/` and the current path's
//! prefixes (so cookies set like GA's, on `.example.com`, really go).

use crumb_core::Map;
use std::cell::RefCell;

use crumb_core::CookieSpec;
use wasm_bindgen::JsCast;

use super::dom::html_document;

/// Reads and writes `document.cookie`.
pub trait CookieJar {
    /// The cookies this page can see, as `(name, value)` pairs, in `document.cookie` order.
    fn pairs(&self) -> Vec<(String, String)>;
    /// Writes one `document.cookie` line (`name=value; attributes`).
    fn write(&self, line: &str);
}

/// The page's `document.cookie`.
pub struct DocumentCookies;

impl CookieJar for DocumentCookies {
    fn pairs(&self) -> Vec<(String, String)> {
        crumb_core::cookie_pairs(&html_document().and_then(|d| d.cookie().ok()).unwrap_or_default())
    }

    fn write(&self, line: &str) {
        if let Some(doc) = html_document() {
            let _ = doc.set_cookie(line);
        }
    }
}

/// A jar in memory for tests: one cookie per name (domains and paths are not modelled); a line
/// with `max-age=0` (or a negative one) removes the cookie. Every line written is kept.
#[derive(Default)]
pub struct FakeCookieJar {
    cookies: RefCell<Map<String>>,
    /// Every line written, in order.
    pub lines: RefCell<Vec<String>>,
}

impl CookieJar for FakeCookieJar {
    fn pairs(&self) -> Vec<(String, String)> {
        self.cookies.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn write(&self, line: &str) {
        self.lines.borrow_mut().push(line.to_owned());
        let mut parts = line.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let expired = parts.any(|a| a.trim().strip_prefix("max-age=").is_some_and(|n| n.trim().starts_with('-') || n.trim() == "0"));
        if expired {
            self.cookies.borrow_mut().remove(name.trim());
        } else {
            self.cookies.borrow_mut().insert(name.trim().to_owned(), value.to_owned());
        }
    }
}

/// Compiles a JS regular expression, `None` when it is not one (`new RegExp` would throw).
pub fn compile(pattern: &str) -> Option<js_sys::RegExp> {
    let regexp_ctor: js_sys::Function = js_sys::RegExp::new("^$", "").constructor();
    js_sys::Reflect::construct(&regexp_ctor, &js_sys::Array::of1(&pattern.into())).ok()?.dyn_into().ok()
}

/// Whether a name matches an exact name or a pattern (a bad pattern matches nothing; the config
/// check reports it). Patterns were checked at validation not to backtrack catastrophically.
pub fn name_matches(exact: Option<&str>, pattern: Option<&str>, name: &str) -> bool {
    match (exact, pattern) {
        (Some(exact), _) => exact == name,
        (None, Some(pattern)) => compile(pattern).is_some_and(|re| re.test(name)),
        (None, None) => false,
    }
}

/// Whether a cookie name matches a spec.
pub fn matches(spec: &CookieSpec, name: &str) -> bool {
    name_matches(spec.name.as_deref(), spec.pattern.as_deref(), name)
}

/// Expires every present cookie matching one of the specs, on every domain and path it may have
/// been set on. Returns the names erased.
pub fn erase_cookies(jar: &dyn CookieJar, host: &str, path: &str, specs: &[CookieSpec]) -> Vec<String> {
    erase_cookies_where(jar, host, path, |name| specs.iter().any(|s| matches(s, name)))
}

/// Expires every present cookie of this name, whatever its domain and path.
pub fn erase_cookie(jar: &dyn CookieJar, host: &str, path: &str, name: &str) {
    erase_cookies_where(jar, host, path, |present| present == name);
}

fn erase_cookies_where(jar: &dyn CookieJar, host: &str, path: &str, erase: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = jar.pairs().into_iter().map(|(name, _)| name).filter(|n| erase(n)).collect();
    names.dedup();
    let domains = crumb_core::scope::erase_domains(host);
    let paths = crumb_core::scope::erase_paths(path);
    for name in &names {
        for domain in &domains {
            let domain = domain.as_ref().map(|d| format!("; domain={d}")).unwrap_or_default();
            for path in &paths {
                jar.write(&format!("{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; path={path}{domain}"));
            }
        }
    }
    names
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn spec(name: Option<&str>, pattern: Option<&str>) -> CookieSpec {
        CookieSpec {
            name: name.map(str::to_owned),
            pattern: pattern.map(str::to_owned),
            provider: None,
            purpose: "test".into(),
            duration: crumb_core::config::CookieDuration::Session,
            party: crumb_core::Party::First,
        }
    }

    #[wasm_bindgen_test]
    fn cookies_by_pattern_go_on_every_domain_and_path() {
        let jar = FakeCookieJar::default();
        jar.write("_ga_TEST=1; path=/");
        jar.write("other_cookie=1; path=/");
        assert_eq!(erase_cookies(&jar, "shop.example.com", "/p/", &[spec(None, Some("^_ga(_.*)?$"))]), ["_ga_TEST"]);
        let left: Vec<String> = jar.pairs().into_iter().map(|(n, _)| n).collect();
        assert_eq!(left, ["other_cookie"]);
        let lines = jar.lines.borrow();
        for expected in ["path=/; domain=example.com", "path=/p/; domain=shop.example.com", "path=/p"] {
            assert!(lines.iter().any(|l| l.starts_with("_ga_TEST=;") && l.ends_with(expected)), "{expected} in {lines:?}");
        }
    }

    #[wasm_bindgen_test]
    fn the_real_jar_erases_a_cookie_by_pattern() {
        let jar = DocumentCookies;
        jar.write("_ga_REAL=1; path=/");
        jar.write("other_real=1; path=/");
        let host = web_sys::window().unwrap().location().hostname().unwrap();
        assert_eq!(erase_cookies(&jar, &host, "/", &[spec(None, Some("^_ga_REAL$"))]), ["_ga_REAL"]);
        let left: Vec<String> = jar.pairs().into_iter().map(|(n, _)| n).collect();
        assert!(!left.contains(&"_ga_REAL".to_owned()) && left.contains(&"other_real".to_owned()), "{left:?}");
        jar.write("other_real=; max-age=0; path=/");
    }
}
