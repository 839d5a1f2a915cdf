//! Where a webhook may be sent: an `http` or `https` URL whose host is not
//! on a loopback, private, link-local or otherwise local address, unless
//! `WEBHOOK_ALLOW_PRIVATE` allows it. A name is checked as it resolves at
//! each delivery ([`PublicOnly`]), so a name turned local later is still
//! refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// Whether `ip` is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), unspecified, broadcast, multicast or
/// documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// Why an endpoint's URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Not a URL.
    #[error("is not a URL")]
    NotAUrl,
    /// Another scheme than http or https.
    #[error("must be an http or https URL")]
    Scheme,
    /// User and password in the URL.
    #[error("must not hold a user name or password")]
    Credentials,
    /// Longer than 2,000 characters.
    #[error("must be at most 2000 characters")]
    TooLong,
    /// A loopback, private or link-local address, not allowed here.
    #[error("is on a loopback, private or link-local address, which this server does not send to")]
    Private,
}

/// `url` checked as an endpoint's address; a name is checked when it is
/// resolved, at each delivery.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, UrlProblem> {
    if url.chars().count() > 2000 {
        return Err(UrlProblem::TooLong);
    }
    let parsed = Url::parse(url).map_err(|_| UrlProblem::NotAUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlProblem::Scheme);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    let local = match parsed.host() {
        None => return Err(UrlProblem::NotAUrl),
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if local && !allow_private {
        return Err(UrlProblem::Private);
    }
    Ok(parsed)
}

/// A resolver for deliveries that keeps only public addresses (all of them
/// when private ones are allowed): a name that resolves only to local ones
/// fails to connect.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    /// Keep private addresses too.
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{} has no address this server sends webhooks to",
                    name.as_str()
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(check_url(url, false), Err(UrlProblem::Private), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        for url in [
            "https://hooks.example.org/balint",
            "http://93.184.215.14/",
            "https://[2606:4700::1111]/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn only_http_urls_without_credentials() {
        assert_eq!(
            check_url("ftp://example.org/", true),
            Err(UrlProblem::Scheme)
        );
        assert_eq!(check_url("not a url", true), Err(UrlProblem::NotAUrl));
        assert_eq!(
            check_url("https://user:pw@example.org/", true),
            Err(UrlProblem::Credentials)
        );
    }
}
