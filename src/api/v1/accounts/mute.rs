//! `POST /api/v1/accounts/:id/mute` and `POST /api/v1/accounts/:id/unmute`

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships::{self as rel, MuteOptions};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts/{id}/mute", post(mute))
        .route("/api/v1/accounts/{id}/unmute", post(unmute))
}

const WRITE_MUTES: &[&str] = &["write:mutes", "follow"];

#[derive(Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    duration: Option<i64>,
}

/// `POST /api/v1/accounts/:id/mute` (`notifications` defaults to true; `duration` in seconds,
/// 0 for ever)
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_MUTES)?;
    let options = MuteOptions {
        notifications: p.notifications.unwrap_or(true),
        duration: p.duration,
    };
    let r = rel::mute(&state, &auth.account, path_id(&id)?, options).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unmute`
pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_MUTES)?;
    let r = rel::unmute(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
