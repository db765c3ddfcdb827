//! `POST /api/v1/tags/:name/feature` and `/unfeature` (Mastodon 4.4): the hashtag is shown
//! on (or taken off) the caller's profile, as `/api/v1/featured_tags` does.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::Tag;
use crate::app::AppState;
use crate::error::Result;
use crate::service::tags;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tags/{name}/feature", post(feature))
        .route("/api/v1/tags/{name}/unfeature", post(unfeature))
}

const WRITE: &str = "write:accounts";

/// `POST /api/v1/tags/:name/feature`: idempotent; an eleventh featured tag is refused.
pub async fn feature(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Tag>> {
    auth.require(WRITE)?;
    let tag = tags::feature(&state, &auth.account, &name).await?;
    Ok(Json(Tag::render(&tag, &state.base_url())))
}

/// `POST /api/v1/tags/:name/unfeature`
pub async fn unfeature(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Tag>> {
    auth.require(WRITE)?;
    let tag = tags::unfeature(&state, &auth.account, &name).await?;
    Ok(Json(Tag::render(&tag, &state.base_url())))
}
