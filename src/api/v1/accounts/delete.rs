//! `POST /api/v1/accounts/delete`: the caller deletes their own account, confirming with
//! their `password` (GoToSocial's endpoint; Mastodon offers this only on its web pages).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::service::account_deletion;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/delete", post(delete))
}

#[derive(Deserialize)]
pub struct DeleteParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
}

/// `POST /api/v1/accounts/delete` (`write:accounts`): 202 once the account is suspended and
/// its deletion under way; 400 for a missing or wrong password.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DeleteParams>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    auth.require("write:accounts")?;
    let password = p.password.unwrap_or_default();
    account_deletion::delete_own(&state, &auth.account, &auth.user, &password).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "message": "accepted" })),
    ))
}
