//! `POST /api/v1/accounts/:id/remove_from_followers`

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/accounts/{id}/remove_from_followers",
        post(remove_from_followers),
    )
}

/// `POST /api/v1/accounts/:id/remove_from_followers`
pub async fn remove_from_followers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(&["write:follows", "follow"])?;
    let r = rel::remove_from_followers(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
