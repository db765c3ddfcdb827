//! `POST /api/v1/accounts/:id/block` and `POST /api/v1/accounts/:id/unblock`

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
    Router::new()
        .route("/api/v1/accounts/{id}/block", post(block))
        .route("/api/v1/accounts/{id}/unblock", post(unblock))
}

const WRITE_BLOCKS: &[&str] = &["write:blocks", "follow"];

/// `POST /api/v1/accounts/:id/block`
pub async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_BLOCKS)?;
    let r = rel::block(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unblock`
pub async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_BLOCKS)?;
    let r = rel::unblock(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
