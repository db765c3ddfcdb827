//! `POST /oauth/token`

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::{basic_credentials, missing};
use crate::api::auth::ClientIp;
use crate::api::de;
use crate::api::entities::application::Token;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::oauth;

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/token", post(create))
}

#[derive(Deserialize)]
pub struct TokenRequest {
    #[serde(default, deserialize_with = "de::opt_string")]
    grant_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scope: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(p): Params<TokenRequest>,
) -> Result<Json<Token>> {
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (p.client_id, p.client_secret),
    };
    let grant_type = p.grant_type.ok_or_else(|| missing("grant_type"))?;
    let issued = match grant_type.as_str() {
        "authorization_code" => {
            let code = p
                .code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| missing("code"))?;
            oauth::exchange_code(
                &state,
                client_id.as_deref(),
                client_secret.as_deref(),
                &code,
                p.redirect_uri.as_deref(),
                p.code_verifier.as_deref(),
            )
            .await?
        }
        "password" => {
            let limits = &state.config.rate_limits;
            state.limiter.hit(
                "sign_in",
                &ip.to_string(),
                limits.sign_ins_per_ip,
                Duration::from_secs(limits.sign_ins_window_secs),
            )?;
            let app = oauth::authenticate_client(
                &state,
                client_id.as_deref(),
                client_secret.as_deref(),
                false,
            )
            .await?;
            let username = p
                .username
                .filter(|u| !u.is_empty())
                .ok_or_else(|| missing("username"))?;
            let password = p
                .password
                .filter(|u| !u.is_empty())
                .ok_or_else(|| missing("password"))?;
            oauth::password_grant(&state, &app, &username, &password, p.scope.as_deref()).await?
        }
        "client_credentials" => {
            let app = oauth::authenticate_client(
                &state,
                client_id.as_deref(),
                client_secret.as_deref(),
                false,
            )
            .await?;
            oauth::client_credentials_grant(&state, &app, p.scope.as_deref()).await?
        }
        "refresh_token" => {
            let refresh = p
                .refresh_token
                .filter(|r| !r.is_empty())
                .ok_or_else(|| missing("refresh_token"))?;
            let app = oauth::authenticate_client(
                &state,
                client_id.as_deref(),
                client_secret.as_deref(),
                true,
            )
            .await?;
            oauth::refresh_grant(&state, &app, &refresh).await?
        }
        _ => {
            return Err(Error::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ))
        }
    };
    Ok(Json(Token::render(&issued)))
}
