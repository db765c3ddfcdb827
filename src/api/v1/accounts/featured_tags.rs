//! `GET /api/v1/accounts/:id/featured_tags`: the hashtags an account features (public).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::tag::FeaturedTag;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::tags;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/featured_tags", get(index))
}

/// `GET /api/v1/accounts/:id/featured_tags`: unknown and suspended accounts are not found.
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<FeaturedTag>>> {
    auth.viewer("read:accounts")?;
    let (account, featured) = tags::featured_of(&state, path_id(&id)?).await?;
    Ok(Json(FeaturedTag::render_all(&featured, &account)))
}
