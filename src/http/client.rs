//! Who is asking: the client's address, for throttling and rate limits.
//!
//! It is the socket's address, unless that is one of `TRUSTED_PROXIES`: then
//! it is the rightmost `X-Forwarded-For` entry that is not a trusted proxy.
//! Entries to the left of that one were written by the client and prove
//! nothing, so a stranger cannot pick the address they are counted under.

use std::future::{Ready, ready};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, X_FORWARDED_FOR};
use actix_web::{FromRequest, HttpRequest, web};
use ipnet::IpNet;

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// The client's address as `TRUSTED_PROXIES` lets us know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequest for ClientAddr {
    type Error = ApiError;
    type Future = Ready<Result<ClientAddr, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map_or(&[][..], |state| &state.settings.trusted_proxies[..]);
        ready(Ok(ClientAddr(client_addr(peer, req.headers(), trusted))))
    }
}

/// The rightmost untrusted hop of the chain `X-Forwarded-For, peer`.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    let forwarded: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in forwarded.iter().rev() {
        // A hop we cannot read ends the chain: what lies left of it is unknown.
        let Some(ip) = parse_hop(entry) else {
            return client;
        };
        client = ip;
        if !is_trusted(&client) {
            return client;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

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

    #[test]
    fn picks_the_rightmost_untrusted_hop() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let cases = [
            (
                "no proxies trusted",
                "127.0.0.1",
                vec!["1.2.3.4"],
                &[][..],
                "127.0.0.1",
            ),
            (
                "an untrusted peer's header is ignored",
                "198.51.100.9",
                vec!["1.2.3.4"],
                &trusted[..],
                "198.51.100.9",
            ),
            (
                "one proxy",
                "10.0.0.2",
                vec!["203.0.113.7"],
                &trusted[..],
                "203.0.113.7",
            ),
            (
                "a forged entry on the left",
                "10.0.0.2",
                vec!["6.6.6.6, 203.0.113.7"],
                &trusted[..],
                "203.0.113.7",
            ),
            (
                "two proxies",
                "10.0.0.2",
                vec!["203.0.113.7, 10.0.0.5"],
                &trusted[..],
                "203.0.113.7",
            ),
            (
                "split across headers",
                "10.0.0.2",
                vec!["6.6.6.6", "203.0.113.7,10.1.1.1"],
                &trusted[..],
                "203.0.113.7",
            ),
            (
                "with a port",
                "10.0.0.2",
                vec!["[2001:db8::1]:443"],
                &trusted[..],
                "2001:db8::1",
            ),
            (
                "garbage stops at the last proxy",
                "10.0.0.2",
                vec!["203.0.113.7, nonsense"],
                &trusted[..],
                "10.0.0.2",
            ),
            ("no header", "10.0.0.2", vec![], &trusted[..], "10.0.0.2"),
            (
                "only proxies",
                "10.0.0.2",
                vec!["10.9.9.9"],
                &trusted[..],
                "10.9.9.9",
            ),
        ];
        for (what, peer, values, trusted, expected) in cases {
            let found = client_addr(ip(peer), &headers(&values), trusted);
            assert_eq!(found, ip(expected), "{what}");
        }
    }
}
