//! `POST /oauth/revoke` (RFC 7009)

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::basic_credentials;
use crate::api::de;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::oauth;

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
    let unauthorized = || {
        Error::oauth(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "You are not authorized to revoke this token",
        )
    };
    let app = oauth::authenticate_client(
        &state,
        client_id.as_deref(),
        client_secret.as_deref(),
        false,
    )
    .await
    .map_err(|e| match e {
        Error::OAuth { .. } => unauthorized(),
        other => other,
    })?;
    let token = p.token.filter(|t| !t.is_empty()).ok_or_else(|| {
        Error::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: token.",
        )
    })?;
    oauth::revoke(&state, &app, &token).await?;
    Ok(Json(json!({})))
}
