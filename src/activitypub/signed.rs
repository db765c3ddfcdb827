//! Verification of signed requests, one path for inbox POSTs and signed GETs: the
//! `Signature` header is read, the `Host` checked to be this instance's (a signature made
//! for another server must not replay here), the signer's domain checked against the domain
//! blocks (and allowlist mode) *before* its key is fetched, the key found (known, or fetched
//! from the signer's actor document) and checked, and refetched once when it does not verify,
//! for rotated keys.
//!
//! A refused domain is a 403, as Mastodon answers; anything unverifiable a 401 (senders that
//! try RFC 9421 first fall back to draft-cavage on a 4xx), never a 400 or 500.

use axum::http::{HeaderMap, Method, Uri};
use chrono::Utc;

use crate::app::AppState;
use crate::config::Config;
use crate::error::Error;
use crate::federation::signature::{self, HeaderLookup, SignatureError, VerifyingKey};
use crate::model::Account;
use crate::service;
use crate::service::moderation::domains;

/// The remote account that signed a request (`body` is `Some` for a POST, whose digest
/// must then match it). Suspended signers are returned too: whoever calls decides whether
/// they may act (see [`service::inbound::standing`]).
pub async fn verify(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<Account, Error> {
    let raw = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unverified(SignatureError::Missing))?;
    let params = signature::parse_signature_header(raw).map_err(unverified)?;
    // The signature must cover `host` (checked with the key below), so the value read here is
    // the one the signer meant: another server's name means the request was made for it.
    if let Some(host) = headers.header("host") {
        if !is_own_host(&host, &state.config) {
            return Err(unverified("the request was signed for another host"));
        }
    }
    // Before any fetch of the key: a refused domain costs nothing and leaves nothing.
    if let Some(why) = domains::refusal_for_url(state, params.key_id()).await? {
        tracing::info!(key.id = %params.key_id(), reason = why, "refused a request from a blocked domain");
        return Err(Error::forbidden(why));
    }
    let check = |account: &Account| -> Result<(), SignatureError> {
        let key = VerifyingKey::from_pem(&account.public_key_pem)?;
        signature::verify_request(
            &params,
            method.as_str(),
            uri.path(),
            uri.query(),
            headers,
            body,
            &key,
            Utc::now(),
        )
    };
    let Some(mut account) = service::remote::key_owner(state, params.key_id(), false).await else {
        return Err(unverified("the signing key could not be found"));
    };
    if account.is_local() {
        return Err(unverified("a local key cannot sign a remote request"));
    }
    if let Err(first) = check(&account) {
        // The key may have been rotated: fetch it once more, but only for a bad signature.
        if first != SignatureError::BadSignature {
            return Err(unverified(first));
        }
        account = service::remote::key_owner(state, params.key_id(), true)
            .await
            .ok_or_else(|| unverified(&first))?;
        check(&account).map_err(unverified)?;
    }
    Ok(account)
}

/// Whether a `Host` header names this instance: its configured domain (any case; the scheme's
/// default port written out or not). Anything else in the value (a path, user info, a second
/// value) makes it another host.
fn is_own_host(value: &str, config: &Config) -> bool {
    let authority = |raw: &str| -> Option<(String, u16)> {
        let url =
            url::Url::parse(&format!("{}://{}/", config.protocol.as_str(), raw.trim())).ok()?;
        let bare = url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        if !bare {
            return None;
        }
        Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
    };
    match (authority(value), authority(&config.domain)) {
        (Some(asked), Some(own)) => asked == own,
        _ => false,
    }
}

/// A 401 for a signature that cannot be verified, logged once here.
fn unverified(why: impl std::fmt::Display) -> Error {
    tracing::info!(reason = %why, "refused an unverifiable signature");
    Error::unauthorized(why.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(domain: &str, https: bool) -> Config {
        let mut c = Config::defaults();
        c.domain = domain.into();
        c.protocol = if https {
            crate::config::Protocol::Https
        } else {
            crate::config::Protocol::Http
        };
        c
    }

    #[test]
    fn own_host_is_the_configured_domain() {
        let https = config("social.example", true);
        for own in [
            "social.example",
            "Social.Example",
            "social.example:443",
            " social.example ",
        ] {
            assert!(is_own_host(own, &https), "{own}");
        }
        for other in [
            "other.example",
            "social.example:8443",
            "social.example.evil",
            "evil@social.example",
            "social.example/x",
            "social.example?x",
            "social.example, other.example",
            "social.example.",
            "",
        ] {
            assert!(!is_own_host(other, &https), "{other}");
        }
        let test = config("127.0.0.1:8080", false);
        assert!(is_own_host("127.0.0.1:8080", &test));
        assert!(!is_own_host("127.0.0.1", &test));
        assert!(!is_own_host("127.0.0.1:8081", &test));
        assert!(!is_own_host("localhost:8080", &test));
    }
}
