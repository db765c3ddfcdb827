//! The inboxes (`/inbox` and `/users/:name/inbox`): verify, persist, answer 202; the work
//! happens in a `process_inbox` job. Verification order: the signature header is read, the
//! key found (known, or fetched from the signer's actor document) and checked (refetched once
//! on failure, for rotated keys), then the body must be JSON whose `actor` is the signer and
//! whose `id`, if any, lives on the signer's origin. Anything unverifiable is a 401 (senders
//! that try RFC 9421 first fall back to draft-cavage on a 4xx), never a 400 or 500.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use super::fetch;
use super::signature::{self, SignatureError, VerifyingKey};
use crate::app::AppState;
use crate::model::Account;
use crate::{jobs, service, store};

/// Largest activity accepted.
pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", post(receive))
        .route("/users/{username}/inbox", post(receive))
        .layer(DefaultBodyLimit::max(MAX_ACTIVITY_BYTES))
}

fn refuse(status: StatusCode, why: impl std::fmt::Display) -> Response {
    tracing::info!(reason = %why, "inbox refused an activity");
    (status, Json(json!({ "error": why.to_string() }))).into_response()
}

/// The account behind a key id: known already, or fetched (`refresh` fetches even a known one).
async fn signer(state: &AppState, key_id: &str, refresh: bool) -> Option<Account> {
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
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), SignatureError> {
    let key = VerifyingKey::from_pem(&account.public_key_pem)?;
    signature::verify_request(
        params,
        "POST",
        uri.path(),
        uri.query(),
        headers,
        Some(body),
        &key,
        Utc::now(),
    )
}

pub async fn receive(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(raw) = headers.get("signature").and_then(|v| v.to_str().ok()) else {
        return refuse(StatusCode::UNAUTHORIZED, SignatureError::Missing);
    };
    let params = match signature::parse_signature_header(raw) {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e),
    };
    // Before any fetch of the key: a refused domain costs nothing and leaves nothing.
    if let Some(refused) =
        crate::service::moderation::domains::inbox_refusal(&state, params.key_id()).await
    {
        return refused;
    }
    let Some(mut account) = signer(&state, params.key_id(), false).await else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the signing key could not be found",
        );
    };
    if account.is_local() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "a local key cannot sign for a remote request",
        );
    }
    if let Err(first) = check(&account, &params, &uri, &headers, &body) {
        // The key may have been rotated: fetch it once more, but only for a bad signature.
        if first != SignatureError::BadSignature {
            return refuse(StatusCode::UNAUTHORIZED, first);
        }
        match signer(&state, params.key_id(), true).await {
            Some(fresh) => account = fresh,
            None => return refuse(StatusCode::UNAUTHORIZED, first),
        }
        if let Err(e) = check(&account, &params, &uri, &headers, &body) {
            return refuse(StatusCode::UNAUTHORIZED, e);
        }
    }
    let activity: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return refuse(StatusCode::BAD_REQUEST, "an activity must be a JSON object"),
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")),
    };
    let actor = activity
        .get("actor")
        .and_then(|a| a.as_str().or_else(|| a.get("id").and_then(Value::as_str)));
    if actor != Some(account.uri.as_str()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the activity's actor is not the signer",
        );
    }
    if let Some(id) = activity.get("id").and_then(Value::as_str) {
        let same = match (url::Url::parse(id), url::Url::parse(&account.uri)) {
            (Ok(a), Ok(b)) => fetch::origin(&a) == fetch::origin(&b),
            _ => false,
        };
        if !same {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "the activity's id is not on the signer's origin",
            );
        }
    }
    service::delivery::heard_from(&state, &account).await;
    let mut conn = match state.db.acquire().await {
        Ok(c) => c,
        Err(e) => return crate::error::Error::from(e).into_response(),
    };
    if let Err(e) = jobs::enqueue(
        &mut conn,
        jobs::inbox::KIND,
        jobs::inbox::payload(account.id, &activity),
    )
    .await
    {
        return e.into_response();
    }
    StatusCode::ACCEPTED.into_response()
}
