//! The shopper's address behind a reverse proxy (`--trusted-proxy`).
//!
//! Behind Caddy or nginx every request comes from the proxy's address, so the rate limit would
//! count all shoppers as one client and `--store-ip` would store the proxy. A request whose peer
//! is a trusted proxy is attributed to the address that proxy put in `X-Forwarded-For` instead.
//!
//! Who could abuse it: any client can send its own `X-Forwarded-For`, with any address in it, to
//! dodge the rate limit or have another address stored. So the header is read only when the
//! connection itself comes from a listed proxy, and then from the right: each trusted proxy
//! appends the address it received the request from, so the rightmost address that is not a
//! trusted proxy is the first one no trusted party vouches for, the client. What a client wrote to
//! the left of that is ignored. Without `--trusted-proxy` the header is never read.

use std::net::IpAddr;

use axum::http::{header::HeaderName, HeaderMap};

/// An address or network whose `X-Forwarded-For` is believed: `127.0.0.1`, `10.0.0.0/8`,
/// `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    /// Parses `ADDR` or `ADDR/PREFIX`; None when it is neither.
    pub fn parse(text: &str) -> Option<TrustedProxy> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= bits)?,
            None => bits,
        };
        Some(TrustedProxy { network, prefix })
    }

    /// Whether `address` is in this network. An IPv4 address mapped into IPv6
    /// (`::ffff:127.0.0.1`, what a dual-stack socket reports) counts as the IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: `peer` itself unless it is a trusted proxy; then the rightmost address
/// of `X-Forwarded-For` (every such header, in order) that is not a trusted proxy. A header that
/// does not parse stops the walk at the last address vouched for, never at anything left of it.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|proxy| proxy.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all(X_FORWARDED_FOR) {
        let Ok(text) = value.to_str() else { return peer };
        hops.extend(text.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// An address as proxies write it: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]` or with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse::<std::net::Ipv4Addr>().ok())).map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn local() -> Vec<TrustedProxy> {
        vec![TrustedProxy::parse("127.0.0.1").unwrap(), TrustedProxy::parse("::1").unwrap()]
    }

    #[test]
    fn parses_addresses_and_networks() {
        assert!(TrustedProxy::parse("10.0.0.0/8").unwrap().contains(ip("10.200.3.4")));
        assert!(!TrustedProxy::parse("10.0.0.0/8").unwrap().contains(ip("11.0.0.1")));
        assert!(TrustedProxy::parse("fd00::/8").unwrap().contains(ip("fd12::7")));
        assert!(TrustedProxy::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        assert!(TrustedProxy::parse("127.0.0.1").unwrap().contains(ip("::ffff:127.0.0.1")));
        assert!(!TrustedProxy::parse("127.0.0.1").unwrap().contains(ip("::1")));
        for bad in ["", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/x", "10.0.0.0/"] {
            assert_eq!(TrustedProxy::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_client_that_is_no_proxy_is_never_believed() {
        // A shopper (or a bot) sends its own header straight to the server: ignored.
        let direct = client_address(ip("203.0.113.7"), &headers(&["198.51.100.1"]), &local());
        assert_eq!(direct, ip("203.0.113.7"));
        // Without --trusted-proxy nothing is believed, also from loopback.
        assert_eq!(client_address(ip("127.0.0.1"), &headers(&["198.51.100.1"]), &[]), ip("127.0.0.1"));
    }

    #[test]
    fn behind_a_proxy_the_rightmost_untrusted_address_is_the_client() {
        assert_eq!(client_address(ip("127.0.0.1"), &headers(&["203.0.113.7"]), &local()), ip("203.0.113.7"));
        // The client wrote a fake first hop; the proxy appended the real address.
        let spoofed = headers(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(client_address(ip("127.0.0.1"), &spoofed, &local()), ip("203.0.113.7"));
        // Two trusted proxies in a row (a CDN's edge in 10/8, then the local one).
        let chain = [TrustedProxy::parse("10.0.0.0/8").unwrap(), TrustedProxy::parse("127.0.0.1").unwrap()];
        let two = headers(&["198.51.100.1, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(client_address(ip("127.0.0.1"), &two, &chain), ip("203.0.113.7"));
        // Ports and brackets as some proxies write them.
        assert_eq!(client_address(ip("::1"), &headers(&["[2001:db8::5]:4711"]), &local()), ip("2001:db8::5"));
        assert_eq!(client_address(ip("::1"), &headers(&["203.0.113.7:4711"]), &local()), ip("203.0.113.7"));
    }

    #[test]
    fn a_proxy_without_a_usable_header_counts_as_the_client() {
        assert_eq!(client_address(ip("127.0.0.1"), &HeaderMap::new(), &local()), ip("127.0.0.1"));
        // Garbage right of the last good hop: stop at what the proxies vouched for.
        assert_eq!(client_address(ip("127.0.0.1"), &headers(&["203.0.113.7, nonsense"]), &local()), ip("127.0.0.1"));
        // Every hop a trusted proxy: the leftmost one is all there is.
        assert_eq!(client_address(ip("127.0.0.1"), &headers(&["127.0.0.1"]), &local()), ip("127.0.0.1"));
    }
}
