//! `GET|POST /oauth/userinfo` (Mastodon 4.4): the signed-in account's OpenID Connect claims,
//! for tokens with the `profile` scope.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::account::default_avatar;
use crate::app::AppState;
use crate::error::Result;

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/userinfo", get(show).post(show))
}

/// The claims: issuer, subject (the actor's URI), names, profile page and picture.
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>> {
    auth.require("profile")?;
    let base = state.base_url();
    let a = &auth.account;
    Ok(Json(json!({
        "iss": format!("{base}/"),
        "sub": a.uri,
        "name": a.display_name,
        "preferred_username": a.username,
        "profile": a.profile_url(),
        "picture": a.avatar_url.clone().unwrap_or_else(|| default_avatar(&base)),
    })))
}
