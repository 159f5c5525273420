//! Who the client is when newsdesk runs behind a reverse proxy (nginx, a load balancer): the
//! address and scheme the proxies forwarded, believed only from peers the operator named with
//! `--trusted-proxy`. With no trusted proxy (the default) the forwarding headers are ignored, so a
//! server reached directly cannot be told a false address.
//!
//! The client is the right-most address of the forwarding chain that is not a trusted proxy: every
//! hop appends the address it received the request from, so entries left of the first untrusted one
//! were written by the client itself and prove nothing.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Proxies in these networks.
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    /// Parses `--trusted-proxy` values: networks (`10.0.0.0/8`) or single addresses (`127.0.0.1`).
    pub fn parse(value: &str) -> Result<IpNet, String> {
        let value = value.trim();
        value
            .parse::<IpNet>()
            .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| {
                format!("{value:?} is not an IP address or network (CIDR, e.g. 10.0.0.0/8)")
            })
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request that came from `peer`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_chain(headers);
        // From the right: skip our own proxies; the first address they did not write is the client.
        let mut client = peer;
        for hop in chain.iter().rev() {
            client = *hop;
            if !self.trusts(*hop) {
                break;
            }
        }
        client
    }

    /// The scheme the client used (`https` or `http`): `X-Forwarded-Proto` (or `Forwarded`'s
    /// `proto=`) from a trusted peer, else `http`, which is what the listener speaks.
    pub fn scheme(&self, peer: IpAddr, headers: &HeaderMap) -> &'static str {
        if !self.trusts(peer) {
            return "http";
        }
        let forwarded_proto = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.rsplit(',')
                    .next()
                    .unwrap_or(v)
                    .trim()
                    .to_ascii_lowercase()
            })
            .or_else(|| {
                forwarded_pairs(headers)
                    .filter(|(k, _)| k == "proto")
                    .map(|(_, v)| v.to_ascii_lowercase())
                    .last()
            });
        match forwarded_proto.as_deref() {
            Some("https") => "https",
            _ => "http",
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as a dual-stack listener reports IPv4 peers)
/// compare as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The forwarding chain, client first: `Forwarded` (RFC 7239) `for=` values if present, else
/// `X-Forwarded-For`, else `X-Real-IP`. Entries that are not addresses (`unknown`, obfuscated
/// identifiers) end the chain there, as nothing left of them can be trusted either.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let parse_all = |items: Vec<String>| -> Vec<IpAddr> {
        let mut out = Vec::new();
        for item in items {
            match parse_node(&item) {
                Some(ip) => out.push(canonical(ip)),
                None => out.clear(),
            }
        }
        out
    };
    let forwarded: Vec<String> = forwarded_pairs(headers)
        .filter(|(k, _)| k == "for")
        .map(|(_, v)| v)
        .collect();
    if !forwarded.is_empty() {
        return parse_all(forwarded);
    }
    let xff: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if !xff.is_empty() {
        return parse_all(xff);
    }
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_node)
        .map(canonical)
        .into_iter()
        .collect()
}

/// `key=value` pairs of every `Forwarded` header, in order, keys lower-cased, quotes removed.
fn forwarded_pairs(headers: &HeaderMap) -> impl Iterator<Item = (String, String)> + '_ {
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.rsplit_once(':')
        .and_then(|(host, port)| port.parse::<u16>().ok().and(host.parse::<IpAddr>().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                *k,
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .filter_map(|n| TrustedProxies::parse(n).ok())
                .collect(),
        )
    }

    #[test]
    fn headers_are_ignored_unless_the_peer_is_trusted() {
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("203.0.113.9"), &h), ip("203.0.113.9"));
        assert_eq!(none.scheme(ip("203.0.113.9"), &h), "http");
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(p.client_ip(ip("203.0.113.9"), &h), ip("203.0.113.9"));
        assert_eq!(p.client_ip(ip("10.0.0.2"), &h), ip("1.2.3.4"));
        assert_eq!(p.scheme(ip("10.0.0.2"), &h), "https");
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client claimed 6.6.6.6 itself; 198.51.100.7 is who reached our first proxy.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.1.1")]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        let h = headers(&[
            (
                "forwarded",
                "for=6.6.6.6;proto=http, for=\"[2001:db8::17]:4711\";proto=https",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        assert_eq!(p.client_ip(ip("10.0.0.1"), &h), ip("2001:db8::17"));
        assert_eq!(p.scheme(ip("10.0.0.1"), &h), "https");
        let h = headers(&[("x-real-ip", "198.51.100.8")]);
        assert_eq!(p.client_ip(ip("10.0.0.1"), &h), ip("198.51.100.8"));
        // All hops trusted: the left-most is as far as we can see.
        let h = headers(&[("x-forwarded-for", "10.2.2.2, 10.3.3.3")]);
        assert_eq!(p.client_ip(ip("10.0.0.1"), &h), ip("10.2.2.2"));
        // Garbage is never an address; the trusted peer's own view is kept.
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(p.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        let h = headers(&[("x-forwarded-for", "::ffff:198.51.100.9")]);
        assert_eq!(p.client_ip(ip("::ffff:10.0.0.1"), &h), ip("198.51.100.9"));
    }

    #[test]
    fn networks_and_single_addresses_parse() {
        assert!(TrustedProxies::parse("10.0.0.0/8").is_ok());
        assert!(TrustedProxies::parse("127.0.0.1").is_ok());
        assert!(TrustedProxies::parse("::1").is_ok());
        assert!(TrustedProxies::parse("localhost").is_err());
    }
}
