//! Digna behind a reverse proxy: which peers are trusted to say who the client is
//! (`X-Forwarded-For`) and whether she came over HTTPS (`X-Forwarded-Proto`).
//!
//! Only a peer listed in `DIGNA_TRUSTED_PROXIES` is believed; from anyone else these
//! headers are ignored, so a client cannot choose the address the sign-in throttle counts
//! her under, nor mark her cookies Secure. The address is used for nothing but the
//! throttle's keyed hash in memory: never stored, never logged.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The proxies whose forwarding headers are believed: addresses or CIDR blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `DIGNA_TRUSTED_PROXIES`: addresses or CIDRs separated by commas or spaces,
    /// such as `127.0.0.1, ::1, 10.0.0.0/8`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in s.split([',', ' ']).map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{item:?} is not an IP address or a CIDR block such as 10.0.0.0/8"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{item:?}: the prefix length must be a number from 0 to {max}"))?,
            };
            nets.push((addr.to_canonical(), bits));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), *bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), *bits),
            _ => false,
        })
    }

    /// Who the client is and whether she came over HTTPS, for a request from `peer`.
    pub fn forwarded(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Forwarded {
        let Some(peer) = peer.map(|p| p.to_canonical()) else { return Forwarded { client: None, https: false } };
        if !self.contains(peer) {
            return Forwarded { client: Some(peer), https: false };
        }
        // Right to left: each trusted proxy appended the address it saw; the first
        // address that is not a trusted proxy is the client's.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.contains(ip) => client = ip,
                Some(ip) => {
                    client = ip;
                    break;
                }
                None => break,
            }
        }
        // The nearest proxy's word: the last value.
        let https = headers
            .get_all("x-forwarded-proto")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        Forwarded { client: Some(client), https }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    a[..whole] == b[..whole] && (rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0)
}

/// An `X-Forwarded-For` entry: an address, with or without a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip())).ok().map(|ip| ip.to_canonical())
}

/// What the request says of its client, as believed: put in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Forwarded {
    /// The client's address (the peer's, unless a trusted proxy says otherwise).
    pub client: Option<IpAddr>,
    /// A trusted proxy says the client reached it over HTTPS.
    pub https: bool,
}

/// Believes a trusted proxy's forwarding headers for this request (see [`Forwarded`];
/// anyone else's are removed before a handler sees them),
/// and when the request came over HTTPS (Digna's own TLS, `DIGNA_SECURE_COOKIES`, or a
/// trusted proxy's word) marks every cookie of the response Secure and sends HSTS.
pub async fn forwarded(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = state.trusted_proxies.forwarded(peer, req.headers());
    // Handlers that read the forwarding headers themselves see only what is believed.
    let trusted = peer.is_some_and(|p| state.trusted_proxies.contains(p));
    let headers = req.headers_mut();
    headers.remove("forwarded");
    headers.remove("x-forwarded-for");
    headers.remove("x-forwarded-proto");
    if trusted {
        headers.insert("x-forwarded-proto", HeaderValue::from_static(if forwarded.https { "https" } else { "http" }));
    }
    req.extensions_mut().insert(forwarded);
    let mut response = next.run(req).await;
    if state.secure_cookies || forwarded.https {
        secure(response.headers_mut());
    }
    response
}

fn secure(headers: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    if !cookies.is_empty() {
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            let marked = cookie
                .to_str()
                .ok()
                .filter(|c| !c.to_ascii_lowercase().contains("; secure"))
                .and_then(|c| HeaderValue::from_str(&format!("{c}; Secure")).ok());
            headers.append(header::SET_COOKIE, marked.unwrap_or(cookie));
        }
    }
    headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static("max-age=31536000"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_listed_proxies_are_believed() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8 ::1").unwrap();
        assert!(trusted.contains("10.200.3.4".parse().unwrap()));
        assert!(trusted.contains("::ffff:127.0.0.1".parse().unwrap()), "IPv4-mapped");
        assert!(!trusted.contains("11.0.0.1".parse().unwrap()));
        assert!(TrustedProxies::parse("192.168.1.0/20").unwrap().contains("192.168.15.9".parse().unwrap()));
        assert!(!TrustedProxies::parse("192.168.1.0/20").unwrap().contains("192.168.16.1".parse().unwrap()));
        for bad in ["localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse("").unwrap().is_empty());

        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9"), ("x-forwarded-proto", "https")]);
        let proxy = Some("127.0.0.1".parse().unwrap());
        let stranger = Some("198.51.100.1".parse().unwrap());
        let seen = trusted.forwarded(proxy, &h);
        assert_eq!(seen.client, Some("203.0.113.9".parse().unwrap()), "the rightmost untrusted hop");
        assert!(seen.https);
        let direct = trusted.forwarded(stranger, &h);
        assert_eq!(direct.client, stranger, "a client's own headers are ignored");
        assert!(!direct.https);
        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 10.1.1.1"), ("x-forwarded-proto", "https, http")]);
        let seen = trusted.forwarded(proxy, &chain);
        assert_eq!(seen.client, Some("203.0.113.9".parse().unwrap()), "trusted hops are skipped");
        assert!(!seen.https, "the nearest proxy's word counts");
        let none = TrustedProxies::default().forwarded(proxy, &h);
        assert_eq!(none.client, proxy, "nothing is believed without DIGNA_TRUSTED_PROXIES");
    }

    #[test]
    fn cookies_become_secure_once() {
        let mut h = headers(&[("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2; Secure")]);
        secure(&mut h);
        let cookies: Vec<_> = h.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert_eq!(cookies, ["a=1; Path=/; Secure", "b=2; Secure"]);
        assert!(h.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}
