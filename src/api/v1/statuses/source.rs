//! `GET /api/v1/statuses/:id/source`

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::status::StatusSource;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::statuses;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/source", get(source))
}

/// `GET /api/v1/statuses/:id/source`: the text of one's own status, for editing.
pub async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<StatusSource>> {
    auth.require("read:statuses")?;
    let status = statuses::source(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(StatusSource {
        id: status.id.to_string(),
        text: status.text,
        spoiler_text: status.spoiler_text,
    }))
}
