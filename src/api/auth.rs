//! Who is calling: bearer tokens (the `Authorization` header or the `access_token` parameter,
//! as Mastodon accepts both) resolved into a [`Principal`], and per-endpoint scope checks.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, User};
use crate::service::cache;
use crate::service::oauth::{self, Principal};

fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            return Some(value[7..].trim().to_string());
        }
    }
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())
}

/// A signed-in person: a user token whose user may act now.
pub struct Auth {
    pub principal: Arc<Principal>,
    pub user: User,
    pub account: Account,
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
        into_auth(oauth::authenticate(state, &token).await?)
    }
}

impl FromRequestParts<AppState> for AppAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(parts)
            .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
        Ok(AppAuth(oauth::authenticate(state, &token).await?))
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        match bearer_token(parts) {
            None => Ok(MaybeAuth(None)),
            Some(token) => {
                let principal = oauth::authenticate(state, &token).await?;
                if principal.user.is_none() {
                    return Ok(MaybeAuth(None));
                }
                Ok(MaybeAuth(Some(into_auth(principal)?)))
            }
        }
    }
}

/// Lets a read take its token from the cache without a query to confirm it first: the page it
/// reads learns the database's epoch anyway, and the token is confirmed then (or, if nothing
/// did, before the answer leaves). If the cache cannot vouch for the token by the end, the
/// request is run again with the token read from the database, so no answer ever rests on a
/// revoked token or a changed account. Only requests that cannot change anything qualify:
/// GET and HEAD without a body (so running one twice is harmless and needs nothing kept).
pub async fn confirm_deferred(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let bodiless = !request.headers().contains_key(header::TRANSFER_ENCODING)
        && request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_none_or(|l| l.as_bytes() == b"0");
    // Without a token there is nothing to confirm (and no need to keep the request's parts).
    let has_token = request.headers().contains_key(header::AUTHORIZATION)
        || request
            .uri()
            .query()
            .is_some_and(|q| q.contains("access_token"));
    if !(has_token && bodiless && matches!(*request.method(), Method::GET | Method::HEAD)) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let again = parts.clone();
    let (answer, confirmed) = cache::with_deferred_confirmation(async {
        let answer = next.clone().run(Request::from_parts(parts, body)).await;
        (
            answer,
            cache::settle_deferred(&state.cache, &state.db).await,
        )
    })
    .await;
    if confirmed {
        return answer;
    }
    drop(answer);
    tracing::debug!("cached token not confirmed; answering again from the database");
    next.run(Request::from_parts(again, Body::empty())).await
}

/// The caller's IP address: the peer, or, when the peer is a reverse proxy on this machine,
/// the address it forwards in `X-Forwarded-For` / `X-Real-IP`.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        if peer.is_loopback() {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next_back())
                .or_else(|| parts.headers.get("x-real-ip").and_then(|v| v.to_str().ok()))
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        Ok(ClientIp(peer))
    }
}
