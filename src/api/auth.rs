//! Who is calling: bearer tokens (the `Authorization` header or the `access_token` parameter,
//! as Mastodon accepts both) resolved into a [`Principal`], and per-endpoint scope checks.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Uri};

use crate::app::AppState;
use crate::config::IpNetwork;
use crate::crypto;
use crate::error::{Error, Result};
use crate::model::{Account, User};
use crate::service::oauth::{self, Principal};

fn bearer_token(parts: &Parts) -> Option<String> {
    bearer_token_in(&parts.headers, &parts.uri)
}

/// The bearer token a request carries, in its `Authorization` header or its `access_token`
/// parameter, unchecked.
pub fn bearer_token_in(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            return Some(value[7..].trim().to_string());
        }
    }
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())
}

/// A token the rate limiter already read from the database for this request (it keys the
/// request's bucket on verified tokens only), so the handler does not read it again.
#[derive(Clone)]
pub struct VerifiedToken {
    pub hash: String,
    pub principal: Arc<Principal>,
}

/// Whom `token` speaks for, settled before the handler runs (its effects never rest on a token
/// that turns out revoked): the rate limiter's reading of it in this request if there is one,
/// else [`oauth::authenticate`], which confirms a cached token first.
async fn principal_of(parts: &Parts, state: &AppState, token: &str) -> Result<Arc<Principal>> {
    if let Some(verified) = parts.extensions.get::<VerifiedToken>() {
        if verified.hash == crypto::sha256_hex(token) {
            return Ok(verified.principal.clone());
        }
    }
    oauth::authenticate(state, token).await
}

/// A signed-in person: a user token whose user may act now.
pub struct Auth {
    pub principal: Arc<Principal>,
    pub user: User,
    pub account: Account,
}

/// A signed-in person for a read that confirms a cached token itself: when the cache holds the
/// token, `auth` is what it held and `tentative` is `Some`, and the handler hands that to a
/// service that confirms it with the epoch its own first query reads, before anything acts
/// (`service::timelines::home_if_confirmed`); when that says no, the handler asks
/// [`TentativeAuth::confirmed`]. Otherwise the token is confirmed already, as for [`Auth`].
pub struct TentativeAuth {
    pub auth: Auth,
    pub tentative: Option<oauth::Tentative>,
    token: String,
}

impl TentativeAuth {
    /// The caller, confirmed: read afresh if it was tentative.
    pub async fn confirmed(self, state: &AppState) -> Result<Auth> {
        if self.tentative.is_none() {
            return Ok(self.auth);
        }
        into_auth(oauth::authenticate(state, &self.token).await?)
    }
}

/// Any valid token: a person's, or an app's own (client credentials).
pub struct AppAuth(pub Arc<Principal>);

/// A valid token if one was sent; none is fine, an invalid one is not.
pub struct MaybeAuth(pub Option<Auth>);

fn outside_scopes() -> Error {
    Error::forbidden("This action is outside the authorized scopes")
}

impl Auth {
    /// 403 unless the token grants `scope` (or one that covers it).
    pub fn require(&self, scope: &str) -> Result<()> {
        if self.principal.scopes.allows(scope) {
            Ok(())
        } else {
            Err(outside_scopes())
        }
    }

    /// 403 unless the token grants one of `scopes`.
    pub fn require_any(&self, scopes: &[&str]) -> Result<()> {
        if scopes.iter().any(|s| self.principal.scopes.allows(s)) {
            Ok(())
        } else {
            Err(outside_scopes())
        }
    }
}

impl MaybeAuth {
    /// The signed-in reader, if any. Reading these endpoints needs no token, but a token that
    /// is sent must grant `scope`.
    pub fn viewer(&self, scope: &str) -> Result<Option<&Account>> {
        match &self.0 {
            Some(a) => {
                a.require(scope)?;
                Ok(Some(&a.account))
            }
            None => Ok(None),
        }
    }
}

impl AppAuth {
    pub fn require(&self, scope: &str) -> Result<()> {
        if self.0.scopes.allows(scope) {
            Ok(())
        } else {
            Err(outside_scopes())
        }
    }
}

fn into_auth(principal: Arc<Principal>) -> Result<Auth> {
    match (principal.user.clone(), principal.account.clone()) {
        (Some(user), Some(account)) => {
            if let Some(why) = user.login_refusal() {
                return Err(Error::forbidden(why));
            }
            Ok(Auth {
                principal,
                user,
                account,
            })
        }
        // Mastodon's answer for an app token on an endpoint that needs a person.
        _ => Err(Error::unprocessable(
            "This method requires an authenticated user",
        )),
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(parts)
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        into_auth(principal_of(parts, state, &token).await?)
    }
}

impl FromRequestParts<AppState> for TentativeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(parts)
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        let verified = parts
            .extensions
            .get::<VerifiedToken>()
            .is_some_and(|v| v.hash == crypto::sha256_hex(&token));
        if !verified {
            // A cached principal refused here (an app's token, a user who may not sign in)
            // is refused only once confirmed, so a revoked token still answers 401.
            if let Some(tentative) = oauth::Tentative::of(state, &token) {
                if let Ok(auth) = into_auth(tentative.principal.clone()) {
                    return Ok(TentativeAuth {
                        auth,
                        tentative: Some(tentative),
                        token,
                    });
                }
            }
        }
        let auth = into_auth(principal_of(parts, state, &token).await?)?;
        Ok(TentativeAuth {
            auth,
            tentative: None,
            token,
        })
    }
}

impl FromRequestParts<AppState> for AppAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(parts)
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        Ok(AppAuth(principal_of(parts, state, &token).await?))
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        match bearer_token(parts) {
            None => Ok(MaybeAuth(None)),
            Some(token) => {
                let principal = principal_of(parts, state, &token).await?;
                if principal.user.is_none() {
                    return Ok(MaybeAuth(None));
                }
                Ok(MaybeAuth(Some(into_auth(principal)?)))
            }
        }
    }
}

/// The caller's IP address, as [`client_ip`] finds it.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        Ok(ClientIp(client_ip(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The caller's IP address, the one rule for rate limits, sign-ins and sign-ups alike.
///
/// The peer's address, unless the peer is a `trusted` proxy: then `X-Forwarded-For` is read
/// from the right, where each proxy appends the address that called it. An address appended
/// by a trusted proxy is believed; if it is a trusted proxy too, the one before it is read,
/// and so on; the first address that is not a trusted proxy is the client (anything left of
/// it was written by the client and proves nothing). Without that header, `X-Real-IP`. An
/// unreadable entry stops the walk at the last trusted hop, which is then the client.
pub fn client_ip(extensions: &Extensions, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    // Without connection info (a request not from the network) the caller is this machine.
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |ci| ci.0.ip().to_canonical());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<&HeaderValue> = headers.get_all("x-forwarded-for").iter().collect();
    if forwarded.is_empty() {
        return headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_hop)
            .unwrap_or(peer);
    }
    let mut client = peer;
    // Several header lines are one list, in order.
    for line in forwarded.iter().rev() {
        let Ok(line) = line.to_str() else {
            return client;
        };
        for hop in line.rsplit(',').map(str::trim).filter(|h| !h.is_empty()) {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !is_trusted(ip) {
                return ip;
            }
        }
    }
    client
}

/// One address of a forwarding header; some proxies add the port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn from(peer: &str, headers: &[(&str, &str)], trusted: &[&str]) -> IpAddr {
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::new(ip(peer), 4711)));
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        let trusted: Vec<IpNetwork> = trusted
            .iter()
            .map(|t| t.parse().expect("network"))
            .collect();
        client_ip(&extensions, &map, &trusted)
    }

    #[test]
    fn forwarding_headers_only_from_trusted_proxies() {
        let local = &["127.0.0.0/8", "::1"];
        let xff = |v| [("x-forwarded-for", v)];
        // Anyone else's headers are ignored.
        assert_eq!(
            from("198.51.100.1", &xff("203.0.113.9"), local),
            ip("198.51.100.1")
        );
        assert_eq!(
            from("198.51.100.1", &[("x-real-ip", "203.0.113.9")], local),
            ip("198.51.100.1")
        );
        assert_eq!(from("127.0.0.1", &xff("203.0.113.9"), &[]), ip("127.0.0.1"));
        // From a trusted proxy: the right-most address that is not a trusted proxy.
        assert_eq!(
            from("127.0.0.1", &xff("203.0.113.9"), local),
            ip("203.0.113.9")
        );
        assert_eq!(
            from("127.0.0.1", &xff("6.6.6.6, 203.0.113.9"), local),
            ip("203.0.113.9")
        );
        let chain = &["127.0.0.1", "10.0.0.0/8"];
        assert_eq!(
            from("127.0.0.1", &xff("6.6.6.6, 203.0.113.9, 10.0.0.2"), chain),
            ip("203.0.113.9")
        );
        assert_eq!(
            from(
                "127.0.0.1",
                &[
                    ("x-forwarded-for", "6.6.6.6, 203.0.113.9"),
                    ("x-forwarded-for", "10.0.0.2")
                ],
                chain
            ),
            ip("203.0.113.9")
        );
        // A hop added with its port, an IPv4 peer seen through a dual-stack socket.
        assert_eq!(
            from("::ffff:127.0.0.1", &xff("[2001:db8::7]:4711"), local),
            ip("2001:db8::7")
        );
        // Only trusted hops: the farthest one. Garbage stops the walk at the last trusted hop.
        assert_eq!(
            from("127.0.0.1", &xff("10.0.0.3, 10.0.0.2"), chain),
            ip("10.0.0.3")
        );
        assert_eq!(
            from("127.0.0.1", &xff("6.6.6.6, nonsense, 10.0.0.2"), chain),
            ip("10.0.0.2")
        );
        assert_eq!(from("127.0.0.1", &xff("nonsense"), local), ip("127.0.0.1"));
        // X-Real-IP only without X-Forwarded-For.
        assert_eq!(
            from("127.0.0.1", &[("x-real-ip", "203.0.113.9")], local),
            ip("203.0.113.9")
        );
        assert_eq!(
            from(
                "127.0.0.1",
                &[("x-real-ip", "6.6.6.6"), ("x-forwarded-for", "203.0.113.9")],
                local
            ),
            ip("203.0.113.9")
        );
        assert_eq!(
            from("127.0.0.1", &[("x-real-ip", "nonsense")], local),
            ip("127.0.0.1")
        );
    }
}
