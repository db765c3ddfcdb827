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

use super::documents::wants_activity_json;
use super::signed;
use crate::app::AppState;
use crate::error::Error;
use crate::model::Account;

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
                Err(e) => return Err(e.into_response()),
            }
        }
        Ok(signed)
    }
}

impl SignedGet {
    /// The verified signer: `None` for an unsigned request, 401 for a signature that does not
    /// verify, 403 for a signer on a domain this instance does not federate with.
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
    }

    /// Whether a signature was already verified for this request.
    pub fn is_verified(&self) -> bool {
        self.verified.is_some()
    }
}

/// Verifies the signature of a bodiless request and returns the remote account that made it
/// (a suspended one is refused). A blocked domain is refused before its key is fetched.
pub async fn verify(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Account, Error> {
    let account = signed::verify(state, method, uri, headers, None).await?;
    if account.is_suspended() {
        tracing::info!(signer = %account.uri, "refused a signed GET by a suspended actor");
        return Err(Error::unauthorized("the signer is suspended"));
    }
    Ok(account)
}
