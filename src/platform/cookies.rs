//! Erasing the cookies of a revoked category: by exact name or by pattern, on this host and its
//! parent domains, on `/` and the current path's prefixes, so cookies set like GA's really go.

use crumb_core::CookieSpec;
use wasm_bindgen::JsCast;

use super::{cookie_pairs, html_document, window};

/// Compiles a JS regular expression, `None` when it is not one (`new RegExp` would throw).
pub fn compile(pattern: &str) -> Option<js_sys::RegExp> {
    let regexp_ctor: js_sys::Function = js_sys::RegExp::new("^$", "").constructor();
    js_sys::Reflect::construct(&regexp_ctor, &js_sys::Array::of1(&pattern.into())).ok()?.dyn_into().ok()
}

/// Whether a cookie name matches a spec (a bad pattern matches nothing; the config check reports it).
pub fn matches(spec: &CookieSpec, name: &str) -> bool {
    match (&spec.name, &spec.pattern) {
        (Some(exact), _) => exact == name,
        (None, Some(pattern)) => compile(pattern).is_some_and(|re| re.test(name)),
        (None, None) => false,
    }
}

fn domains(host: &str) -> Vec<String> {
    let mut list = vec![String::new()];
    let labels: Vec<&str> = host.split('.').collect();
    if host.parse::<std::net::Ipv4Addr>().is_ok() || labels.len() < 2 {
        return list;
    }
    for start in 0..labels.len() - 1 {
        let domain = labels[start..].join(".");
        list.push(format!("; domain={domain}"));
        list.push(format!("; domain=.{domain}"));
    }
    list
}

fn paths(pathname: &str) -> Vec<String> {
    let mut list = vec!["/".to_owned()];
    let mut prefix = String::new();
    for segment in pathname.split('/').filter(|s| !s.is_empty()) {
        prefix.push('/');
        prefix.push_str(segment);
        list.push(prefix.clone());
    }
    list
}

/// Expires every present cookie matching one of the specs. Returns the names erased.
pub fn erase_cookies(specs: &[CookieSpec]) -> Vec<String> {
    let Some(doc) = html_document() else { return Vec::new() };
    let location = window().map(|w| w.location());
    let host = location.as_ref().and_then(|l| l.hostname().ok()).unwrap_or_default();
    let pathname = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let names: Vec<String> =
        cookie_pairs().into_iter().map(|(name, _)| name).filter(|n| specs.iter().any(|s| matches(s, n))).collect();
    for name in &names {
        for domain in domains(&host) {
            for path in paths(&pathname) {
                let _ = doc.set_cookie(&format!("{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0; path={path}{domain}"));
            }
        }
    }
    names
}
