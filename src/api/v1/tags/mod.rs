//! `/api/v1/tags/:name`: one hashtag with its history; `follow.rs` serves `/:name/follow` and
//! `/:name/unfollow`, `feature.rs` `/:name/feature` and `/:name/unfeature`.

pub mod feature;
pub mod follow;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::Tag;
use crate::app::AppState;
use crate::error::Result;
use crate::service::tags;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tags/{name}", get(show))
        .merge(follow::routes())
        .merge(feature::routes())
}

/// `GET /api/v1/tags/:name`: public; a hashtag nobody used is not found.
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(name): Path<String>,
) -> Result<Json<Tag>> {
    let viewer = auth.viewer("read:follows")?;
    let tag = tags::show(&state, viewer, &name).await?;
    Ok(Json(Tag::render(&tag, &state.base_url())))
}
