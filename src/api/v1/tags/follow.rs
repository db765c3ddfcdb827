//! `POST /api/v1/tags/:name/follow` and `/unfollow`: the hashtag's public posts enter (or
//! stop entering) the caller's home feed.

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
        .route("/api/v1/tags/{name}/follow", post(follow))
        .route("/api/v1/tags/{name}/unfollow", post(unfollow))
}

const WRITE: &str = "write:follows";

/// `POST /api/v1/tags/:name/follow`: idempotent, as since Mastodon 4.1.
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Tag>> {
    auth.require(WRITE)?;
    let tag = tags::follow(&state, &auth.account, &name).await?;
    Ok(Json(Tag::render(&tag, &state.base_url())))
}

/// `POST /api/v1/tags/:name/unfollow`
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Tag>> {
    auth.require(WRITE)?;
    let tag = tags::unfollow(&state, &auth.account, &name).await?;
    Ok(Json(Tag::render(&tag, &state.base_url())))
}
