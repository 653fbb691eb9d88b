//! Erasing what a revoked service stored: cookies by exact name or by pattern, on this host and its
//! parent domains, on `/` and the current path's prefixes (so cookies set like GA's, on
//! `.example.com`, really go), and localStorage keys by name or pattern.

use crumb_core::{CookieSpec, StorageKey};
use wasm_bindgen::JsCast;

use super::{cookie_pairs, html_document, window};

/// Compiles a JS regular expression, `None` when it is not one (`new RegExp` would throw).
pub fn compile(pattern: &str) -> Option<js_sys::RegExp> {
    let regexp_ctor: js_sys::Function = js_sys::RegExp::new("^$", "").constructor();
    js_sys::Reflect::construct(&regexp_ctor, &js_sys::Array::of1(&pattern.into())).ok()?.dyn_into().ok()
}

/// Whether a name matches an exact name or a pattern (a bad pattern matches nothing; the config
/// check reports it).
fn name_matches(exact: Option<&str>, pattern: Option<&str>, name: &str) -> bool {
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

/// `/`, then each prefix of the current path with and without its trailing slash (a cookie set
/// without `path` gets the page's folder).
fn paths(pathname: &str) -> Vec<String> {
    let mut list = vec!["/".to_owned()];
    let mut prefix = String::new();
    for segment in pathname.split('/').filter(|s| !s.is_empty()) {
        prefix.push('/');
        prefix.push_str(segment);
        list.push(prefix.clone());
        list.push(format!("{prefix}/"));
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

/// Removes every localStorage key matching one of the specs. Returns the keys removed.
pub fn erase_storage(keys: &[StorageKey]) -> Vec<String> {
    let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) else { return Vec::new() };
    let count = storage.length().unwrap_or(0);
    let names: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key != "crumb" && !key.starts_with("crumb_"))
        .filter(|key| keys.iter().any(|k| name_matches(k.name.as_deref(), k.pattern.as_deref(), key)))
        .collect();
    for name in &names {
        let _ = storage.remove_item(name);
    }
    names
}
