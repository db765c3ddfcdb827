//! The address guard: which addresses Rookery never calls, the DNS resolver that enforces it
//! for every address dialled, and the client built on it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::FetchError;

/// Whether an address is one a server on the internet should never make Rookery call.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return forbidden_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site local (deprecated) fec0::/10
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                // NAT64, well-known 64:ff9b::/96 and local-use 64:ff9b:1::/48 alike: a
                // translator could reach any IPv4 address, so the whole /32 is refused.
                || (seg[0] == 0x0064 && seg[1] == 0xff9b)
                || seg[0] == 0x2002 // 6to4 can embed a private v4
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
/// (`::ffff:0:a.b.c.d`, SIIT, RFC 2765) or IPv4-compatible (`::a.b.c.d`) IPv6 address.
/// (NAT64 and 6to4 prefixes are refused whole by [`is_forbidden`].)
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = v6.segments();
    let mapped = seg[..5].iter().all(|s| *s == 0) && seg[5] == 0xffff;
    // A translator on the path turns these into the IPv4 address itself.
    let translated = seg[..4].iter().all(|s| *s == 0) && seg[4] == 0xffff && seg[5] == 0;
    let compatible = seg[..6].iter().all(|s| *s == 0) && !(seg[6] == 0 && seg[7] <= 1);
    if mapped || translated || compatible {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        Some(Ipv4Addr::new(a, b, c, d))
    } else {
        None
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

/// A DNS resolver that never returns a forbidden address.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || !is_forbidden(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(FetchError::ForbiddenAddress(host))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The client every outgoing federation request goes through.
pub fn client(user_agent: &str, allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::federation::fetch::{check_url, FetchPolicy};

    #[test]
    fn forbidden_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::ffff:169.254.169.254",
            "ff02::1",
            "2002:7f00:1::",
        ] {
            assert!(
                is_forbidden(bad.parse().expect("ip")),
                "{bad} should be forbidden"
            );
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(
                !is_forbidden(good.parse().expect("ip")),
                "{good} should be allowed"
            );
        }
    }

    #[test]
    fn translated_and_nat64_addresses_are_forbidden() {
        // SIIT's IPv4-translated form embeds the address like the mapped form does.
        for bad in [
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "::ffff:0:169.254.169.254",
            "::ffff:0:192.168.0.1",
            "::ffff:0:0.0.0.0",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::5db8:d822",
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::1",
        ] {
            let ip: IpAddr = bad.parse().expect("ip");
            assert!(is_forbidden(ip), "{bad} should be forbidden");
        }
        assert_eq!(
            embedded_v4("::ffff:0:93.184.216.34".parse().expect("ip")),
            Some(Ipv4Addr::new(93, 184, 216, 34))
        );
        assert!(!is_forbidden("::ffff:0:93.184.216.34".parse().expect("ip")));
        let strict = FetchPolicy {
            allow_private: false,
            allow_http: false,
            hosts: None,
        };
        let url = Url::parse("https://[::ffff:0:7f00:1]/users/a").expect("url");
        assert!(matches!(
            check_url(&url, &strict),
            Err(FetchError::ForbiddenAddress(_))
        ));
    }
}
