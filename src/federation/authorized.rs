//! Signed GETs of the documents Rookery serves.
//!
//! A GET is verified like an inbox POST (draft-cavage, `(request-target)`, `host` and `date`
//! covered, Mastodon's time window, the key looked up or fetched and refetched once when it
//! does not verify) but without a body. Verification is lazy: a public note needs no signer,
//! so its signature is checked only when something depends on who asks — a followers-only or
//! direct object, or every document when `federation.authorized_fetch` is on (then
//! the [`SignedGet`] extractor verifies before the handler runs).
//!
//! A signature that is present but cannot be verified is a 401, never a 400 or 500, so that
//! senders that try RFC 9421 first fall back to draft-cavage.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::documents::wants_activity_json;
use super::signature::{self, SignatureError, VerifyingKey};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Account;
use crate::{service, store};

/// What a GET handler needs to find out, when it must, who signed the request.
pub struct SignedGet {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    verified: Option<Account>,
}

/// In authorized-fetch mode, an ActivityPub GET that is not signed by a remote actor is
/// refused here with 401 (browsers asking for HTML are not affected); otherwise nothing is
/// checked until a handler asks for [`SignedGet::signer`].
impl FromRequestParts<AppState> for SignedGet {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut signed = SignedGet {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            verified: None,
        };
        if state.config.federation.authorized_fetch && wants_activity_json(&parts.headers) {
            match verify(state, &parts.method, &parts.uri, &parts.headers).await {
                Ok(account) => signed.verified = Some(account),
                Err(e) => {
                    tracing::info!(reason = %e, "authorized fetch refused a GET");
                    return Err(Error::unauthorized(e.to_string()).into_response());
                }
            }
        }
        Ok(signed)
    }
}

impl SignedGet {
    /// The verified signer: `None` for an unsigned request, 401 for a signature that does not
    /// verify.
    pub async fn signer(&self, state: &AppState) -> Result<Option<Account>, Error> {
        if let Some(account) = &self.verified {
            return Ok(Some(account.clone()));
        }
        if !self.headers.contains_key("signature") {
            return Ok(None);
        }
        verify(state, &self.method, &self.uri, &self.headers)
            .await
            .map(Some)
            .map_err(|e| {
                tracing::info!(reason = %e, "refused a signed GET");
                Error::unauthorized(e.to_string())
            })
    }

    /// Whether a signature was already verified for this request.
    pub fn is_verified(&self) -> bool {
        self.verified.is_some()
    }
}

/// The account behind a key id: known already, or fetched (`refresh` fetches a known one
/// again, for rotated keys).
async fn key_owner(state: &AppState, key_id: &str, refresh: bool) -> Option<Account> {
    if !refresh {
        if let Ok(Some(known)) = store::accounts::by_public_key_id(&state.db, key_id).await {
            return Some(known);
        }
    }
    let actor_url = key_id.split('#').next().unwrap_or(key_id);
    match service::remote::fetch_actor(state, actor_url).await {
        Ok(_) => store::accounts::by_public_key_id(&state.db, key_id)
            .await
            .ok()
            .flatten(),
        Err(e) => {
            tracing::info!(error = %e, key.id = %key_id, "cannot fetch the signer's key");
            None
        }
    }
}

fn check(
    account: &Account,
    params: &signature::SignatureParams,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), SignatureError> {
    let key = VerifyingKey::from_pem(&account.public_key_pem)?;
    signature::verify_request(
        params,
        method.as_str(),
        uri.path(),
        uri.query(),
        headers,
        None,
        &key,
        Utc::now(),
    )
}

/// Verifies the signature of a bodiless request and returns the remote account that made it.
pub async fn verify(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Account, SignatureError> {
    let raw = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(SignatureError::Missing)?;
    let params = signature::parse_signature_header(raw)?;
    let Some(mut account) = key_owner(state, params.key_id(), false).await else {
        return Err(SignatureError::InvalidKey(
            "the signing key could not be found",
        ));
    };
    if account.is_local() {
        return Err(SignatureError::InvalidKey(
            "a local key cannot sign a remote request",
        ));
    }
    if let Err(first) = check(&account, &params, method, uri, headers) {
        if first != SignatureError::BadSignature {
            return Err(first);
        }
        account = key_owner(state, params.key_id(), true)
            .await
            .ok_or(first.clone())?;
        check(&account, &params, method, uri, headers)?;
    }
    if account.is_suspended() {
        return Err(SignatureError::InvalidKey("the signer is suspended"));
    }
    Ok(account)
}
