//! Who is on the other end: the client's address, from the connection, or from
//! `X-Forwarded-For` only when the connection comes from a configured trusted proxy (a
//! header anyone can write is never believed otherwise).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// The client's address; None when the request did not come through a socket (tests).
pub fn client_ip(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    // Right to left: the nearest hop not a trusted proxy is the client.
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted_proxies.contains(a))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut builder = Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().expect("addr")));
        parts
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let spoofed = parts("203.0.113.9:5000", Some("1.2.3.4"));
        assert_eq!(
            client_ip(&spoofed, &[proxy]),
            Some("203.0.113.9".parse().expect("ip"))
        );
        let proxied = parts("10.0.0.2:5000", Some("1.2.3.4, 198.51.100.7"));
        assert_eq!(
            client_ip(&proxied, &[proxy]),
            Some("198.51.100.7".parse().expect("ip")),
            "the left part is the client's to write"
        );
        let direct = parts("10.0.0.2:5000", None);
        assert_eq!(client_ip(&direct, &[proxy]), Some(proxy));
        let (bare, ()) = Request::builder().body(()).expect("request").into_parts();
        assert_eq!(client_ip(&bare, &[]), None);
    }
}

/// The client's address as an extractor (see [`client_ip`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl axum::extract::FromRequestParts<super::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, &state.trusted_proxies)))
    }
}

impl ClientIp {
    /// The address as text for rate-limit keys.
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "inconnue".to_string(), |ip| ip.to_string())
    }
}
