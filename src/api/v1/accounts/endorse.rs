//! `POST /api/v1/accounts/:id/endorse` and `/unendorse` (Mastodon 4.4), with the older
//! names they replace, `/pin` and `/unpin`: feature a followed account on one's profile.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::endorsements;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts/{id}/endorse", post(endorse))
        .route("/api/v1/accounts/{id}/unendorse", post(unendorse))
        .route("/api/v1/accounts/{id}/pin", post(endorse))
        .route("/api/v1/accounts/{id}/unpin", post(unendorse))
}

const WRITE: &str = "write:accounts";

/// `POST /api/v1/accounts/:id/endorse`: idempotent; an account not followed is refused.
pub async fn endorse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require(WRITE)?;
    let r = endorsements::endorse(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unendorse`
pub async fn unendorse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require(WRITE)?;
    let r = endorsements::unendorse(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
