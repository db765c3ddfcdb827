//! `POST /api/v1/statuses/:id/bookmark` and `POST /api/v1/statuses/:id/unbookmark`

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
        .route("/api/v1/statuses/{id}/bookmark", post(bookmark))
        .route("/api/v1/statuses/{id}/unbookmark", post(unbookmark))
}

/// `POST /api/v1/statuses/:id/bookmark`
pub async fn bookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:bookmarks")?;
    let view = statuses::bookmark(&state, &auth.account, path_id(&id)?, true).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/statuses/:id/unbookmark`
pub async fn unbookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:bookmarks")?;
    let view = statuses::bookmark(&state, &auth.account, path_id(&id)?, false).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
