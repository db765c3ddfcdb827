//! `POST /api/v1/statuses/:id/pin` and `POST /api/v1/statuses/:id/unpin`: one's own status
//! shown first on one's profile.

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
        .route("/api/v1/statuses/{id}/pin", post(pin))
        .route("/api/v1/statuses/{id}/unpin", post(unpin))
}

/// `POST /api/v1/statuses/:id/pin`
pub async fn pin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:accounts")?;
    let view = statuses::pin(&state, &auth.account, path_id(&id)?, true).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/statuses/:id/unpin`
pub async fn unpin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:accounts")?;
    let view = statuses::pin(&state, &auth.account, path_id(&id)?, false).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
