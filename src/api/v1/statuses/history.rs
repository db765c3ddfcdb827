//! `GET /api/v1/statuses/:id/history`

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::status::StatusEdit;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::statuses;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/history", get(history))
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first.
pub async fn history(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<StatusEdit>>> {
    let viewer = auth.viewer("read:statuses")?;
    let (view, edits, media) = statuses::history(&state, viewer, path_id(&id)?).await?;
    Ok(Json(StatusEdit::history(
        &view,
        &edits,
        &media,
        &state.base_url(),
    )))
}
