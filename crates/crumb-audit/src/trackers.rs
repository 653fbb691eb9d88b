//! Known tracking hosts (`trackers.txt`, kept in this repository), and whether a request goes to
//! one.

/// The list, one entry a line: a domain (matches it and its subdomains), or a domain and a path
/// prefix (`facebook.com/tr`).
pub const LIST: &str = include_str!("../trackers.txt");

/// The list's entries, comments and blank lines left out.
pub fn entries() -> impl Iterator<Item = &'static str> {
    LIST.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// A URL's host, lower case and without a trailing dot; None when it has none.
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().as_ref().and_then(host)
}

fn host(parsed: &url::Url) -> Option<String> {
    parsed.host_str().map(|host| host.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether `host` is `domain` or one of its subdomains (`notexample.com` is neither).
pub fn on_domain(host: &str, domain: &str) -> bool {
    host == domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
}

/// The entry a request URL matches, if it goes to a known tracking host.
pub fn tracker_of(url: &str) -> Option<&'static str> {
    let parsed = url::Url::parse(url).ok()?;
    let host = host(&parsed)?;
    let path = parsed.path().trim_start_matches('/');
    entries().find(|entry| {
        let (domain, prefix) = entry.split_once('/').map_or((*entry, None), |(d, p)| (d, Some(p)));
        on_domain(&host, domain) && prefix.is_none_or(|prefix| path.starts_with(prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_match_by_registrable_domain_and_path() {
        assert_eq!(tracker_of("https://www.google-analytics.com/g/collect?v=2"), Some("google-analytics.com"));
        assert_eq!(tracker_of("https://region1.google-analytics.com/g/collect"), Some("google-analytics.com"));
        assert_eq!(tracker_of("https://www.facebook.com/tr?id=1&ev=PageView"), Some("facebook.com/tr"));
        assert_eq!(tracker_of("https://www.facebook.com/sharer.php"), None, "only the pixel path");
        assert_eq!(tracker_of("https://notgoogle-analytics.com/x"), None, "a suffix is not a subdomain");
        assert_eq!(tracker_of("https://user@static.hotjar.com:443/c/hotjar.js"), Some("hotjar.com"));
        assert_eq!(tracker_of("https://shop.example/analytics.js"), None);
    }

    #[test]
    fn the_list_has_entries_and_no_duplicates() {
        let all: Vec<&str> = entries().collect();
        assert!(all.len() > 30);
        for (i, entry) in all.iter().enumerate() {
            assert!(!all[..i].contains(entry), "{entry} twice");
            assert_eq!(entry.to_ascii_lowercase(), *entry);
        }
    }
}
