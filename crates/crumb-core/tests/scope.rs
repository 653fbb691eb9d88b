//! Cookie domain and path arithmetic: which domain covers a host, and every domain and path a
//! cookie visible on a page may carry.

use crumb_core::scope::{domain_covers, erase_domains, erase_paths, mirror_domain};

fn some(list: &[&str]) -> Vec<Option<String>> {
    std::iter::once(None).chain(list.iter().map(|d| Some((*d).to_owned()))).collect()
}

#[test]
fn cookie_domain_covers_itself_and_its_subdomains_only() {
    assert!(domain_covers("example.com", "example.com"));
    assert!(domain_covers("example.com", "shop.example.com"));
    assert!(domain_covers(".example.com", "www.shop.example.com"));
    assert!(domain_covers("Example.COM", "shop.example.com"));
    assert!(!domain_covers("example.com", "badexample.com"));
    assert!(!domain_covers("example.com", "example.com.evil.org"));
    assert!(!domain_covers("shop.example.com", "www.example.com"));
    assert!(!domain_covers("", "example.com"));
    assert!(!domain_covers(".", "example.com"));
}

#[test]
fn on_an_ip_address_only_the_address_covers_it() {
    assert!(domain_covers("127.0.0.1", "127.0.0.1"));
    assert!(!domain_covers("0.0.1", "127.0.0.1"));
    assert!(!domain_covers("0.1", "10.0.0.1"));
    assert!(domain_covers("[::1]", "[::1]"));
    assert!(!domain_covers("1]", "[::1]"));
}

#[test]
fn a_trailing_dot_host_is_a_host_of_its_own() {
    assert!(!domain_covers("example.com", "shop.example.com."));
    assert!(domain_covers("example.com.", "shop.example.com."));
}

#[test]
fn the_mirror_goes_on_the_configured_domain_when_it_covers_the_host() {
    assert_eq!(mirror_domain(".example.com", "shop.example.com").as_deref(), Some("example.com"));
    assert_eq!(mirror_domain("example.com", "example.com").as_deref(), Some("example.com"));
    assert_eq!(mirror_domain("example.com", "example.org"), None);
    assert_eq!(mirror_domain("example.com", "localhost"), None);
}

#[test]
fn parent_domains_stop_below_the_top_level() {
    assert_eq!(erase_domains("shop.example.com"), some(&["shop.example.com", "example.com"]));
    assert_eq!(erase_domains("a.b.example.co.uk"), some(&["a.b.example.co.uk", "b.example.co.uk", "example.co.uk", "co.uk"]));
    assert_eq!(erase_domains("example.com"), some(&["example.com"]));
    assert_eq!(erase_domains("Shop.Example.com"), some(&["shop.example.com", "example.com"]));
}

#[test]
fn ip_addresses_single_labels_and_empty_hosts_are_host_only() {
    for host in ["127.0.0.1", "10.1.2.3", "[::1]", "[2001:db8::1]", "1.2.3", "localhost", "intranet", ""] {
        assert_eq!(erase_domains(host), [None], "{host}");
    }
}

#[test]
fn a_trailing_dot_host_lists_each_domain_with_and_without_its_dot() {
    assert_eq!(erase_domains("shop.example.com."), some(&["shop.example.com.", "shop.example.com", "example.com.", "example.com"]));
    assert_eq!(erase_domains("localhost."), [None]);
    assert_eq!(erase_domains("a..b"), [None], "an empty label is no domain");
}

#[test]
fn paths_cover_root_and_each_prefix_with_and_without_slash() {
    assert_eq!(erase_paths("/p/shop/page.html"), ["/", "/p", "/p/", "/p/shop", "/p/shop/", "/p/shop/page.html", "/p/shop/page.html/"]);
    assert_eq!(erase_paths("/"), ["/"]);
    assert_eq!(erase_paths(""), ["/"]);
    assert_eq!(erase_paths("//a//b/"), ["/", "/a", "/a/", "/a/b", "/a/b/"]);
}
