//! Cookie scope arithmetic: which domain a cookie set with `domain=…` reaches, and every
//! domain and path a cookie visible on this page may have been set with, so erasing it really
//! erases it. Typed values only: the widget formats `; domain=…; path=…` itself.
//!
//! A cookie is erased by writing it again, expired, with the same domain and path it was set
//! with; `document.cookie` does not say which, so the widget writes one expired copy per
//! combination of [`erase_domains`] and [`erase_paths`]. A combination the browser refuses is
//! ignored by it, so listing one too many costs nothing, listing one too few leaves a cookie.

/// `document.cookie` (`a=1; b=2`) as `(name, value)` pairs, names and values trimmed; a pair
/// without `=` is a name with an empty value. One reading for the widget's cookie jar and for the
/// apply part, which checks the consent cookie before anything runs.
pub fn cookie_pairs(all: &str) -> Vec<(String, String)> {
    all.split(';')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// Whether `host` is an IP address (`127.0.0.1`, `[::1]`): cookies there are host-only, a
/// `domain` attribute names the address itself or nothing.
fn is_ip(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    // The URL standard reads a host whose last label is numeric as IPv4 (`1.2.3` too).
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    host.parse::<std::net::Ipv4Addr>().is_ok() || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a cookie set with `domain=<domain>` reaches `host`: the domain itself or one of its
/// subdomains, compared without case and without the attribute's leading dot. On an IP address
/// only the address itself covers it.
pub fn domain_covers(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if domain.is_empty() {
        return false;
    }
    if host == domain {
        return true;
    }
    !is_ip(&host) && host.ends_with(&format!(".{domain}"))
}

/// The domain to write the consent cookie mirror on, from the config's `cookie_domain`: the
/// domain without its leading dot when it covers `host`, else `None` (the caller warns, naming
/// both, and keeps the cookie on this host only).
pub fn mirror_domain(cookie_domain: &str, host: &str) -> Option<String> {
    domain_covers(cookie_domain, host).then(|| cookie_domain.trim_start_matches('.').to_ascii_lowercase())
}

/// Every `domain` attribute a cookie visible on `host` may carry, host-only (`None`) first, then
/// the host and each parent domain down to two labels (`shop.example.com`, `example.com`).
///
/// The leading-dot spelling (`.example.com`) is the same cookie to a browser (RFC 6265 drops the
/// dot), so it is not listed. IP addresses (`127.0.0.1`, `[::1]`), single-label hosts
/// (`localhost`) and an empty host have host-only cookies alone. A host written with its
/// trailing dot (`shop.example.com.`) is a host of its own to the browser: its domains are listed
/// with the dot and without, whichever the browser kept.
pub fn erase_domains(host: &str) -> Vec<Option<String>> {
    let mut list = vec![None];
    let host = host.to_ascii_lowercase();
    let bare = host.strip_suffix('.').unwrap_or(&host);
    let labels: Vec<&str> = bare.split('.').collect();
    if is_ip(&host) || labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return list;
    }
    let trailing_dot = bare.len() != host.len();
    for start in 0..labels.len() - 1 {
        let domain = labels[start..].join(".");
        if trailing_dot {
            list.push(Some(format!("{domain}.")));
        }
        list.push(Some(domain));
    }
    list
}

/// Every `path` a cookie visible on a page at `pathname` may carry: `/`, then each prefix of the
/// path with and without its trailing slash (a cookie set without `path` gets the page's folder,
/// and a script may have written either spelling).
pub fn erase_paths(pathname: &str) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::cookie_pairs;

    #[test]
    fn cookie_pairs_parse_like_document_cookie() {
        assert_eq!(
            cookie_pairs("a=1; b=x=y;c; d= "),
            [("a".to_owned(), "1".to_owned()), ("b".into(), "x=y".into()), ("c".into(), String::new()), ("d".into(), String::new())]
        );
    }
}
