//! `GET /api/v1/followed_tags`: the hashtags the caller follows, newest follow first.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::Tag;
use crate::api::pagination::{PageParams, Paginated};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::tags;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/followed_tags", get(index))
}

/// `GET /api/v1/followed_tags`: 100 by default, 200 at most, paged by the follow.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Tag>> {
    auth.require("read:follows")?;
    let page = tags::followed(&state, &auth.account, &q.page((100, 200))).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        Tag::render_all(&page.tags, &base),
        page.cursors,
        &base,
        &uri,
    ))
}
