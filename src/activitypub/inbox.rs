//! The inboxes (`/inbox` and `/users/:name/inbox`): verify, persist, answer 202; the work
//! happens in a `process_inbox` job. Verification order: the signature is verified as every
//! signed request is ([`super::signed::verify`]: domain blocks first, then the key), then the
//! body must be JSON whose `actor` is the signer and whose `id`, if any, lives on the
//! signer's origin. Anything unverifiable is a 401 (senders
//! that try RFC 9421 first fall back to draft-cavage on a 4xx), never a 400 or 500.
//!
//! Then the signer's standing ([`service::inbound::standing`]), before anything is stored: an actor on
//! a refused domain gets a 403; a suspended actor's activity is answered 202 and dropped, as
//! Mastodon does, unless it only takes something back ([`service::inbound::allowed_while_suspended`]).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::signed;
use crate::app::AppState;
use crate::federation::fetch;
use crate::federation::vocab::inbound::Object;
use crate::service;
use crate::service::inbound::{allowed_while_suspended, standing, Standing};
use crate::service::queue::{self, InboxActivity, Job};

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

pub async fn receive(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = match signed::verify(&state, &Method::POST, &uri, &headers, Some(&body)).await {
        Ok(account) => account,
        Err(e) => return e.into_response(),
    };
    let activity: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return refuse(StatusCode::BAD_REQUEST, "an activity must be a JSON object"),
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")),
    };
    // Typed once here for the checks; the job parses the stored document again.
    let parsed: Object = match serde_json::from_value(activity.clone()) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not an activity: {e}")),
    };
    if parsed.actor_id() != Some(account.uri.as_str()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the activity's actor is not the signer",
        );
    }
    if let Some(id) = &parsed.id {
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
    let kind = parsed.kind.as_str();
    match standing(&state, &account).await {
        Ok(Standing::Welcome) => {}
        Ok(Standing::Suspended) if allowed_while_suspended(kind) => {}
        Ok(Standing::Suspended) => {
            // Mastodon's answer: accepted and ignored. Nothing is stored, not even a refresh
            // of the actor's profile.
            tracing::info!(
                actor = %account.uri,
                activity.kind = kind,
                "ignored an activity from a suspended actor"
            );
            return StatusCode::ACCEPTED.into_response();
        }
        Ok(Standing::Refused(why)) => return refuse(StatusCode::FORBIDDEN, why),
        Err(e) => return e.into_response(),
    }
    service::delivery::heard_from(&state, &account).await;
    let mut conn = match state.db.acquire().await {
        Ok(c) => c,
        Err(e) => return crate::error::Error::from(e).into_response(),
    };
    let job = Job::ProcessInbox(InboxActivity {
        signer_id: account.id,
        activity,
    });
    if let Err(e) = queue::enqueue(&mut conn, &job).await {
        return e.into_response();
    }
    StatusCode::ACCEPTED.into_response()
}
