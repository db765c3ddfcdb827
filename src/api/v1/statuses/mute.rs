//! `POST /api/v1/statuses/:id/mute` and `POST /api/v1/statuses/:id/unmute`: no more
//! notifications from a conversation.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::statuses;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}/mute", post(mute))
        .route("/api/v1/statuses/{id}/unmute", post(unmute))
}

/// `POST /api/v1/statuses/:id/mute`
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:mutes")?;
    let view = statuses::mute_conversation(&state, &auth.account, path_id(&id)?, true).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/statuses/:id/unmute`
pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:mutes")?;
    let view = statuses::mute_conversation(&state, &auth.account, path_id(&id)?, false).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
