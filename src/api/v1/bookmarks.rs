//! `GET /api/v1/bookmarks`: what the caller bookmarked, newest first.

use axum::extract::{OriginalUri, State};
use axum::http::Uri;
use axum::routing::get;
use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::model::timeline::Reaction;
use crate::service::timelines;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/bookmarks", get(index))
}

/// `GET /api/v1/bookmarks`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    reacted(
        &state,
        &auth,
        &uri,
        &q,
        Reaction::Bookmarks,
        "read:bookmarks",
    )
    .await
}

/// A page of the statuses the caller reacted to with `reaction`, behind `scope`; the
/// favourites list is the same page of the other reaction.
pub(super) async fn reacted(
    state: &AppState,
    auth: &Auth,
    uri: &Uri,
    q: &PageParams,
    reaction: Reaction,
    scope: &str,
) -> Result<Paginated<Status>> {
    auth.require(scope)?;
    let page = timelines::reacted(state, &auth.account, reaction, &q.page(STATUS_LIMITS)).await?;
    Ok(Paginated::statuses(state, Some(auth.account.id), page, uri))
}
