//! `POST /oauth/revoke` (RFC 7009)

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{basic_credentials, missing};
use crate::api::de;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::service::oauth::{self, OAuthError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/revoke", post(create))
}

#[derive(Deserialize)]
pub struct RevokeRequest {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    token: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<RevokeRequest>,
) -> Result<Json<Value>> {
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (p.client_id, p.client_secret),
    };
    // As on Mastodon (Doorkeeper), a client that fails to authenticate hears that it may not
    // revoke the token, not why.
    let app = oauth::authenticate_client(
        &state,
        client_id.as_deref(),
        client_secret.as_deref(),
        false,
    )
    .await
    .map_err(|e| match e {
        OAuthError::Failed(other) => other,
        _ => OAuthError::UnauthorizedClient.into(),
    })?;
    let token = p
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("token"))?;
    oauth::revoke(&state, &app, &token).await?;
    Ok(Json(json!({})))
}
