//! "Follow from your server": a visitor of a public page names their own account elsewhere
//! (`you@your.server`, or just `your.server`), and is sent to that server's page for
//! interacting with the profile or post they were looking at. The server says where that page
//! is in its WebFinger answer, as an OStatus `subscribe` link with a `{uri}` template (as
//! Mastodon and GoToSocial do); given a server alone, its instance actor (`your.server@your.server`)
//! is asked, as Mastodon does. The template comes from another server and the visitor's
//! browser will follow it, so only a plain https address on a public host is used.

use url::Url;

use crate::app::AppState;
use crate::error::Error;
use crate::federation::fetch::{self, FetchPolicy};

/// The relation of the link that names a server's interaction page.
pub const REL_SUBSCRIBE: &str = "http://ostatus.org/schema/1.0/subscribe";

/// Why a visitor cannot be sent on, in words the page shows them.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("No account by that name was found on that server.")]
    UnknownAccount,
    #[error("That server could not be reached. Check the address, or try again later.")]
    Unreachable,
    #[error("This server does not exchange posts with that one.")]
    Blocked,
    #[error("That server does not say where to follow or interact from it.")]
    NoTemplate,
    #[error("That server named an unsafe address to continue at (not https, or a private network address), so you were not sent there.")]
    UnsafeTemplate,
    /// A failure of this server (the database), not of the visitor's input.
    #[error(transparent)]
    Failed(Error),
}

/// Where `username@domain` interacts with `uri` on their own server: the template of their
/// WebFinger answer, filled with `uri` and checked by [`safe_target`].
#[tracing::instrument(skip(state))]
pub async fn target(
    state: &AppState,
    username: &str,
    domain: &str,
    uri: &str,
) -> Result<Url, Refusal> {
    let jrd = match crate::service::remote::webfinger(state, username, domain).await {
        Ok(Some(jrd)) => jrd,
        Ok(None) | Err(Error::NotFound) => return Err(Refusal::UnknownAccount),
        Err(Error::Unavailable(_)) => return Err(Refusal::Unreachable),
        Err(Error::Validation { .. }) => return Err(Refusal::NoTemplate),
        Err(Error::Forbidden(_)) => return Err(Refusal::Blocked),
        Err(e) => return Err(Refusal::Failed(e)),
    };
    let template = jrd.template(REL_SUBSCRIBE).ok_or(Refusal::NoTemplate)?;
    safe_target(template, uri, domain, &state.fetch_policy()).ok_or_else(|| {
        tracing::info!(template, "refused an interaction template");
        Refusal::UnsafeTemplate
    })
}

/// `template` with `{uri}` filled in, if the result is an address a browser may be sent to:
/// https (plain http only where this instance itself federates over http, in development), no
/// credentials in it, and a public host. A private or loopback host is accepted only where
/// private addresses are allowed and it is the very server (`answered_by`, host and port)
/// whose WebFinger answer named it, as in a test or on a LAN.
pub fn safe_target(
    template: &str,
    uri: &str,
    answered_by: &str,
    policy: &FetchPolicy,
) -> Option<Url> {
    if !template.contains("{uri}") {
        return None;
    }
    let encoded: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    let url = Url::parse(&template.replace("{uri}", &encoded)).ok()?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        _ => return None,
    }
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let private = match url.host()? {
        url::Host::Domain(name) => {
            let name = name.to_ascii_lowercase();
            name == "localhost"
                || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
                || !name.contains('.')
        }
        url::Host::Ipv4(ip) => fetch::is_forbidden(ip.into()),
        url::Host::Ipv6(ip) => fetch::is_forbidden(ip.into()),
    };
    if private {
        let host = url.host_str()?;
        let here = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        if !(policy.allow_private && here.eq_ignore_ascii_case(answered_by)) {
            return None;
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow_private: bool, allow_http: bool) -> FetchPolicy {
        FetchPolicy {
            allow_private,
            allow_http,
            hosts: None,
        }
    }

    const URI: &str = "https://here.example/users/alice";

    #[test]
    fn a_public_https_template_is_filled_in() {
        let url = safe_target(
            "https://their.example/authorize_interaction?uri={uri}",
            URI,
            "their.example",
            &policy(false, false),
        )
        .expect("safe");
        assert_eq!(
            url.as_str(),
            "https://their.example/authorize_interaction?uri=https%3A%2F%2Fhere.example%2Fusers%2Falice"
        );
        assert_eq!(
            url.query_pairs().next().map(|(_, v)| v.into_owned()),
            Some(URI.to_string())
        );
    }

    #[test]
    fn unsafe_templates_are_refused() {
        let strict = policy(false, false);
        for template in [
            "http://their.example/authorize_interaction?uri={uri}",
            "javascript:alert(1)//{uri}",
            "data:text/html,{uri}",
            "ftp://their.example/{uri}",
            "https://user:pass@their.example/{uri}",
            "https://10.0.0.1/authorize_interaction?uri={uri}",
            "https://192.168.1.1/{uri}",
            "https://127.0.0.1/{uri}",
            "https://[::1]/{uri}",
            "https://localhost/{uri}",
            "https://router.local/{uri}",
            "https://intranet/{uri}",
            "https://their.example/no-placeholder",
            "not a url {uri}",
        ] {
            assert!(
                safe_target(template, URI, "their.example", &strict).is_none(),
                "{template}"
            );
        }
    }

    #[test]
    fn a_private_address_passes_only_for_the_server_that_answered_where_allowed() {
        let dev = policy(true, true);
        let template = "http://127.0.0.1:4000/authorize_interaction?uri={uri}";
        assert!(safe_target(template, URI, "127.0.0.1:4000", &dev).is_some());
        assert!(safe_target(template, URI, "127.0.0.1:5000", &dev).is_none());
        assert!(safe_target(template, URI, "127.0.0.1:4000", &policy(false, true)).is_none());
    }
}
