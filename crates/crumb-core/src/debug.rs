//! Where the debug panel may show: the site owner's own machine, or a page that asks for it with
//! `data-debug` on the script tag. A shopper on a production origin never sees it.

/// Host names of the site owner's own machine, as `location.hostname` gives them.
pub const DEBUG_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// True when the debug panel may show on a page at `hostname` (lower case, as
/// `location.hostname` gives it); `data_debug`: the script tag has `data-debug`.
pub fn is_debug_origin(hostname: &str, data_debug: bool) -> bool {
    data_debug || DEBUG_HOSTS.contains(&hostname)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owners_machine_or_data_debug() {
        for host in ["localhost", "127.0.0.1", "[::1]"] {
            assert!(is_debug_origin(host, false), "{host}");
        }
        for host in ["shop.example", "localhost.shop.example", "127.0.0.1.nip.io", "", "::1", "0.0.0.0"] {
            assert!(!is_debug_origin(host, false), "{host}");
            assert!(is_debug_origin(host, true), "{host} with data-debug");
        }
    }
}
