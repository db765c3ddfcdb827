//! `GET /api/v1/favourites`: what the caller favourited, newest first.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::model::timeline::Reaction;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/favourites", get(index))
}

/// `GET /api/v1/favourites`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    super::bookmarks::reacted(
        &state,
        &auth,
        &uri,
        &q,
        Reaction::Favourites,
        "read:favourites",
    )
    .await
}
