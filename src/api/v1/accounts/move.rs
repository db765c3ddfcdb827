//! `POST /api/v1/accounts/move`: the caller's account moves to another, in GoToSocial's shape.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/move", post(move_account))
}

#[derive(Deserialize)]
pub struct MoveParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    /// The new account: its actor URL (or a `user@domain` address).
    #[serde(default, deserialize_with = "de::opt_string")]
    moved_to_uri: Option<String>,
}

/// `POST /api/v1/accounts/move`: 202 once the move is under way (400 for a wrong password,
/// 422 for a target that does not alias this account or a second move within 30 days).
pub async fn move_account(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<MoveParams>,
) -> Result<(StatusCode, Json<Value>)> {
    auth.require("write:accounts")?;
    service::moves::move_out(
        &state,
        &auth.user,
        &auth.account,
        p.password.as_deref().unwrap_or_default(),
        p.moved_to_uri.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "message": "accepted" }))))
}
