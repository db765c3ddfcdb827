//! `POST /api/v1/statuses/:id/reblog` and `POST /api/v1/statuses/:id/unreblog`

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::statuses;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}/reblog", post(reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(unreblog))
}

#[derive(Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
}

/// `POST /api/v1/statuses/:id/reblog`: answers with the boost, the original inside it.
pub async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ReblogParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = statuses::reblog(
        &state,
        &auth.account,
        path_id(&id)?,
        p.visibility.as_deref(),
    )
    .await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/statuses/:id/unreblog`
pub async fn unreblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = statuses::unreblog(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
