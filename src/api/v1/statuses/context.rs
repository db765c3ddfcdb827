//! `GET /api/v1/statuses/:id/context`

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::status::Context;
use crate::api::entities::Status;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::timelines;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/context", get(context))
}

/// `GET /api/v1/statuses/:id/context`: the thread around a status, as the viewer may see it.
pub async fn context(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Context>> {
    let viewer = auth.viewer("read:statuses")?;
    let (up, down) = timelines::context(&state, viewer, path_id(&id)?).await?;
    let base = state.base_url();
    let me = viewer.map(|a| a.id);
    Ok(Json(Context {
        ancestors: up.iter().map(|v| Status::render(v, me, &base)).collect(),
        descendants: down.iter().map(|v| Status::render(v, me, &base)).collect(),
    }))
}
