//! `/api/v1/timelines/…`, `/api/v1/favourites`, `/api/v1/bookmarks`

use axum::extract::{OriginalUri, Path, State};
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::de;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::v1::statuses::reader;
use crate::app::AppState;
use crate::error::Result;
use crate::service::timelines::{self, StatusPage};
use crate::store::timelines::{PublicScope, Reaction};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/timelines/home", get(home))
        .route("/api/v1/timelines/public", get(public))
        .route("/api/v1/timelines/tag/{hashtag}", get(tag))
        .route("/api/v1/favourites", get(favourites))
        .route("/api/v1/bookmarks", get(bookmarks))
}

/// A page of statuses as a response with its `Link` header.
pub fn respond(
    state: &AppState,
    viewer: Option<i64>,
    page: StatusPage,
    uri: &Uri,
) -> Paginated<Status> {
    let base = state.base_url();
    let items = page
        .statuses
        .iter()
        .map(|v| Status::render_with(v, viewer, &base, Some(&state.rendered_accounts)))
        .collect();
    Paginated::new(items, page.cursors, &base, uri)
}

pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    auth.require("read:statuses")?;
    let page = timelines::home(&state, &auth.account, &auth.user, &q.page(STATUS_LIMITS)).await?;
    Ok(respond(&state, Some(auth.account.id), page, &uri))
}

#[derive(Deserialize)]
pub struct PublicParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
}

pub async fn public(
    State(state): State<AppState>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PublicParams>,
) -> Result<Paginated<Status>> {
    let viewer = reader(&auth)?;
    let scope = PublicScope {
        local_only: q.local.unwrap_or(false),
        remote_only: q.remote.unwrap_or(false),
        only_media: q.only_media.unwrap_or(false),
    };
    let page = timelines::public(&state, viewer, scope, &q.page.page(STATUS_LIMITS)).await?;
    Ok(respond(&state, viewer.map(|a| a.id), page, &uri))
}

#[derive(Deserialize)]
pub struct TagParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::string_list")]
    any: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    all: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    none: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
}

pub async fn tag(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(hashtag): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<TagParams>,
) -> Result<Paginated<Status>> {
    let viewer = reader(&auth)?;
    let filter = timelines::TagFilter {
        tag: hashtag,
        any: q.any,
        all: q.all,
        none: q.none,
        local_only: q.local.unwrap_or(false),
    };
    let page = timelines::tag(&state, viewer, &filter, &q.page.page(STATUS_LIMITS)).await?;
    Ok(respond(&state, viewer.map(|a| a.id), page, &uri))
}

pub async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    auth.require("read:favourites")?;
    let page = timelines::reacted(
        &state,
        &auth.account,
        Reaction::Favourites,
        &q.page(STATUS_LIMITS),
    )
    .await?;
    Ok(respond(&state, Some(auth.account.id), page, &uri))
}

pub async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    auth.require("read:bookmarks")?;
    let page = timelines::reacted(
        &state,
        &auth.account,
        Reaction::Bookmarks,
        &q.page(STATUS_LIMITS),
    )
    .await?;
    Ok(respond(&state, Some(auth.account.id), page, &uri))
}
