//! Cookie domain and path arithmetic (placeholder until the rules helper's version lands).

/// Whether a cookie set with `domain=<domain>` reaches `host`: the domain itself or a subdomain.
pub fn domain_covers(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.');
    !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
}

/// The `domain` attributes a cookie of `host` may have been set with: `None` (host-only) first.
pub fn erase_domains(host: &str) -> Vec<Option<String>> {
    let mut list = vec![None];
    let labels: Vec<&str> = host.split('.').collect();
    if host.parse::<std::net::Ipv4Addr>().is_ok() || labels.len() < 2 {
        return list;
    }
    for start in 0..labels.len() - 1 {
        let domain = labels[start..].join(".");
        list.push(Some(domain.clone()));
        list.push(Some(format!(".{domain}")));
    }
    list
}

/// `/`, then each prefix of the path with and without its trailing slash.
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
