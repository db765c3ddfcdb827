//! Remote servers' host names, normalised in one place. Every comparison of hosts (domain
//! blocks and allows, delivery health, handles, rate-limit keys) goes through [`Host`], so one
//! server cannot be spelled two ways: `Evil.Example.` is `evil.example`, `bücher.example` is
//! `xn--bcher-kva.example`, and the port is kept apart from the name.

use url::Url;

/// A server's host as Rookery names it: lower case, in IDNA's ASCII form, without a trailing
/// dot, with the port (if any) apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    name: String,
    /// The port written in the URL, when it is not the scheme's default.
    port: Option<u16>,
    /// The port a connection goes to: the written one or the scheme's default.
    effective_port: Option<u16>,
}

impl Host {
    /// The host of a parsed URL; `None` for a URL without one.
    pub fn of_url(url: &Url) -> Option<Host> {
        let name = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        Some(Host {
            name,
            port: url.port(),
            effective_port: url.port_or_known_default(),
        })
    }

    /// The host of a URL given as text.
    pub fn parse_url(raw: &str) -> Option<Host> {
        Host::of_url(&Url::parse(raw).ok()?)
    }

    /// A domain as a person types it (`https://Spam.Example/`, `*.spam.example`,
    /// `spam.example.`, `bücher.example`, `127.0.0.1:8080`); `None` for anything that is not a
    /// host name or an IPv4 address.
    pub fn parse_domain(raw: &str) -> Option<Host> {
        let raw = raw.trim();
        let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.strip_prefix("*.").unwrap_or(authority);
        if authority.is_empty() || authority.contains(['@', ' ']) {
            return None;
        }
        let host = Host::parse_url(&format!("http://{authority}/"))?;
        let valid = host.name.len() <= 253
            && host
                .name
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        valid.then_some(host)
    }

    /// The name alone, without any port.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `name`, or `name:port` when a port other than the scheme's default was written: the
    /// form accounts record as their domain and blocks are written in.
    pub fn domain(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.name),
            None => self.name.clone(),
        }
    }

    /// `name:port` with the scheme's default port spelled out: one key per server that a
    /// connection reaches (instances on one machine differ only by port).
    pub fn with_port(&self) -> Option<String> {
        Some(format!("{}:{}", self.name, self.effective_port?))
    }
}

/// Whether `raw` is an absolute http(s) URL with a host: the only links Rookery takes from a
/// remote document (never `javascript:`, `data:` or a relative path).
pub fn is_web_url(raw: &str) -> bool {
    Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(raw: &str) -> Option<String> {
        Host::parse_domain(raw).map(|h| h.domain())
    }

    #[test]
    fn one_spelling_per_server() {
        for spelling in [
            "https://Evil.Example./x",
            "https://evil.example/",
            "https://EVIL.EXAMPLE.:443/a",
            "https://evil.example../",
        ] {
            let host = Host::parse_url(spelling);
            assert_eq!(
                host.as_ref().map(Host::domain).as_deref(),
                Some("evil.example")
            );
            assert_eq!(
                host.and_then(|h| h.with_port()).as_deref(),
                Some("evil.example:443"),
                "{spelling}"
            );
        }
        assert_eq!(
            Host::parse_url("http://127.0.0.1:8080/users/a").map(|h| h.domain()),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(
            Host::parse_url("https://bücher.example/").map(|h| h.domain()),
            Some("xn--bcher-kva.example".into())
        );
        assert_eq!(Host::parse_url("mailto:a@b.example"), None);
    }

    #[test]
    fn web_urls_only() {
        assert!(is_web_url("https://a.example/@x"));
        assert!(is_web_url("HTTP://a.example"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,x",
            "/oauth/authorize",
            "//evil.example/x",
            "ftp://a.example/",
            "",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }

    #[test]
    fn typed_domains() {
        assert_eq!(domain(" Spam.Example. ").as_deref(), Some("spam.example"));
        assert_eq!(domain("https://a.example/x").as_deref(), Some("a.example"));
        assert_eq!(domain("*.b.example").as_deref(), Some("b.example"));
        assert_eq!(domain("127.0.0.1:8080").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(
            domain("Bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(domain("bad domain"), None);
        assert_eq!(domain("user@host.example"), None);
        assert_eq!(domain(""), None);
        assert_eq!(domain("."), None);
    }
}
