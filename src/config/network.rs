//! Address blocks (`10.0.0.0/8`, `fd00::/8`) as configuration values.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// A block of addresses, `10.0.0.0/8` or `fd00::/8`, or one address (`127.0.0.1`, `::1`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub struct IpNetwork {
    /// With the bits past `prefix` cleared.
    addr: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Whether `ip` is in the block; an IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as a
    /// dual-stack socket reports IPv4 peers) counts as the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNetwork {
    type Err = String;

    fn from_str(raw: &str) -> Result<IpNetwork, String> {
        let bad = || format!("{raw:?} is not an IP address or a CIDR block such as 10.0.0.0/8");
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (raw.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        // Peers are compared in their canonical form, so a mapped IPv4 block is kept as IPv4.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        let addr = match addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::from(std::net::Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::from(std::net::Ipv6Addr::from(u128::from(v6) & mask))
            }
        };
        Ok(IpNetwork { addr, prefix })
    }
}

impl TryFrom<String> for IpNetwork {
    type Error = String;

    fn try_from(raw: String) -> Result<IpNetwork, String> {
        raw.parse()
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl From<IpNetwork> for String {
    fn from(net: IpNetwork) -> String {
        net.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn trusted_proxies_parse_and_match() {
        let net = |s: &str| s.parse::<IpNetwork>();
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        let block = net("10.1.2.3/8").expect("v4 block");
        assert_eq!(block.to_string(), "10.0.0.0/8");
        assert!(block.contains(ip("10.200.0.1")));
        assert!(block.contains(ip("::ffff:10.0.0.1")));
        assert!(!block.contains(ip("11.0.0.1")));
        let one = net("192.0.2.7").expect("one address");
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        let v6 = net("fd00::/8").expect("v6 block");
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        assert!(net("::1").expect("loopback").contains(ip("::1")));
        assert!(net("::ffff:127.0.0.0/104")
            .expect("mapped block")
            .contains(ip("127.0.0.1")));
        assert!(net("0.0.0.0/0")
            .expect("everything")
            .contains(ip("203.0.113.1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "example.com",
            "10.0.0.0/-1",
        ] {
            assert!(net(bad).is_err(), "{bad:?}");
        }
        let defaults = Config::defaults().trusted_proxies;
        assert!(defaults.iter().any(|n| n.contains(ip("127.0.0.1"))));
        assert!(defaults.iter().any(|n| n.contains(ip("::1"))));
        assert!(!defaults.iter().any(|n| n.contains(ip("10.0.0.1"))));
    }
}
