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
    erase_cookies_where(|name| specs.iter().any(|s| matches(s, name)))
}

/// Expires every present cookie of this name, whatever its domain and path.
pub fn erase_cookie(name: &str) {
    erase_cookies_where(|present| present == name);
}

fn erase_cookies_where(erase: impl Fn(&str) -> bool) -> Vec<String> {
    let Some(doc) = html_document() else { return Vec::new() };
    let location = window().map(|w| w.location());
    let host = location.as_ref().and_then(|l| l.hostname().ok()).unwrap_or_default();
    let pathname = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let names: Vec<String> = cookie_pairs().into_iter().map(|(name, _)| name).filter(|n| erase(n)).collect();
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
    let Some(storage) = super::storage::local_storage() else { return Vec::new() };
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn parent_domains_stop_below_the_top_level_and_skip_ip_addresses() {
        assert_eq!(
            domains("shop.example.com"),
            ["", "; domain=shop.example.com", "; domain=.shop.example.com", "; domain=example.com", "; domain=.example.com"]
        );
        assert_eq!(domains("127.0.0.1"), [""]);
        assert_eq!(domains("localhost"), [""]);
    }

    #[wasm_bindgen_test]
    fn paths_cover_root_and_each_prefix_with_and_without_slash() {
        assert_eq!(paths("/p/shop/page.html"), ["/", "/p", "/p/", "/p/shop", "/p/shop/", "/p/shop/page.html", "/p/shop/page.html/"]);
        assert_eq!(paths("/"), ["/"]);
    }

    #[wasm_bindgen_test]
    fn storage_keys_by_name_and_pattern_never_crumbs_own() {
        let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        for key in ["ga_client", "_ga_session", "_ga_other", "keep_me", "crumb_outbox"] {
            storage.set_item(key, "1").unwrap();
        }
        let keys = [
            StorageKey { name: Some("ga_client".into()), pattern: None },
            StorageKey { name: None, pattern: Some("^(_ga_|crumb)".into()) },
            StorageKey { name: None, pattern: Some("([".into()) },
        ];
        let mut erased = erase_storage(&keys);
        erased.sort();
        assert_eq!(erased, ["_ga_other", "_ga_session", "ga_client"]);
        assert_eq!(storage.get_item("keep_me").unwrap().as_deref(), Some("1"));
        assert_eq!(storage.get_item("crumb_outbox").unwrap().as_deref(), Some("1"), "Crumb's own keys are never erased");
        storage.remove_item("keep_me").unwrap();
        storage.remove_item("crumb_outbox").unwrap();
    }

    #[wasm_bindgen_test]
    fn cookies_by_pattern_on_the_page_path() {
        let doc = html_document().unwrap();
        doc.set_cookie("_ga_TEST=1; path=/").unwrap();
        doc.set_cookie("other_cookie=1; path=/").unwrap();
        let spec = CookieSpec {
            name: None,
            pattern: Some("^_ga(_.*)?$".into()),
            provider: None,
            purpose: "test".into(),
            duration: crumb_core::config::CookieDuration::Session,
            party: crumb_core::Party::First,
        };
        assert_eq!(erase_cookies(&[spec]), ["_ga_TEST"]);
        let left: Vec<String> = cookie_pairs().into_iter().map(|(n, _)| n).collect();
        assert!(!left.contains(&"_ga_TEST".to_owned()) && left.contains(&"other_cookie".to_owned()), "{left:?}");
        doc.set_cookie("other_cookie=; max-age=0; path=/").unwrap();
    }

    #[wasm_bindgen_test]
    fn bad_patterns_in_cookies_and_local_storage_are_named_by_path() {
        let config = r#"{"site": "t", "revision": 1, "categories": [
            {"id": "necessary", "required": true},
            {"id": "analytics", "services": [{"id": "ga", "name": "GA",
                "cookies": [{"name": "_ok", "purpose": "p", "duration": "session", "party": "first"},
                            {"pattern": "([", "purpose": "p", "duration": "session", "party": "first"}],
                "local_storage": [{"pattern": "^fine$"}, {"pattern": "*bad"}]}]}]}"#;
        let Err(crate::error::CrumbError::Config(errors)) = crate::boot::read_config(config) else {
            panic!("bad patterns were accepted")
        };
        assert!(errors.names("categories[1].services[0].cookies[1].pattern"), "{errors}");
        assert!(errors.names("categories[1].services[0].local_storage[1].pattern"), "{errors}");
        assert_eq!(errors.0.len(), 2, "{errors}");
    }
}
