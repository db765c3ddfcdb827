//! `POST /api/v1/statuses/:id/favourite` and `POST /api/v1/statuses/:id/unfavourite`

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
        .route("/api/v1/statuses/{id}/favourite", post(favourite))
        .route("/api/v1/statuses/{id}/unfavourite", post(unfavourite))
}

/// `POST /api/v1/statuses/:id/favourite`
pub async fn favourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:favourites")?;
    let view = statuses::favourite(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/statuses/:id/unfavourite`
pub async fn unfavourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:favourites")?;
    let view = statuses::unfavourite(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
