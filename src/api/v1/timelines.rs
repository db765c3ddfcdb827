//! `/api/v1/timelines/home`, `/api/v1/timelines/list/:id`, `/api/v1/timelines/public`,
//! `/api/v1/timelines/tag/:hashtag` and `/api/v1/timelines/link`.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::api::auth::{Auth, MaybeAuth, TentativeAuth};
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::model::timeline::PublicScope;
use crate::service::timelines;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/timelines/home", get(home))
        .route("/api/v1/timelines/list/{id}", get(list))
        .route("/api/v1/timelines/public", get(public))
        .route("/api/v1/timelines/tag/{hashtag}", get(tag))
        .route("/api/v1/timelines/link", get(link))
}

/// `GET /api/v1/timelines/home`. The most read endpoint: a token the cache holds is
/// confirmed by the feed's own query rather than one of its own (see [`TentativeAuth`]).
pub async fn home(
    State(state): State<AppState>,
    caller: TentativeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    let page = q.page(STATUS_LIMITS);
    if let Some(tentative) = &caller.tentative {
        // Scopes are the token's own and never change; a refusal waits for the confirmation.
        if caller.auth.require("read:statuses").is_ok() {
            let auth = &caller.auth;
            if let Some(found) =
                timelines::home_if_confirmed(&state, &auth.account, &auth.user, &page, tentative)
                    .await?
            {
                return Ok(Paginated::statuses(
                    &state,
                    Some(auth.account.id),
                    found,
                    &uri,
                ));
            }
        }
    }
    let auth = caller.confirmed(&state).await?;
    auth.require("read:statuses")?;
    let found = timelines::home(&state, &auth.account, &auth.user, &page).await?;
    Ok(Paginated::statuses(
        &state,
        Some(auth.account.id),
        found,
        &uri,
    ))
}

/// `GET /api/v1/timelines/list/:id`: the caller's own lists only.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    auth.require("read:lists")?;
    let page =
        timelines::list(&state, &auth.account, path_id(&id)?, &q.page(STATUS_LIMITS)).await?;
    Ok(Paginated::statuses(
        &state,
        Some(auth.account.id),
        page,
        &uri,
    ))
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

/// `GET /api/v1/timelines/public`: public; a token that is sent must allow reading.
pub async fn public(
    State(state): State<AppState>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PublicParams>,
) -> Result<Paginated<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let scope = PublicScope {
        local_only: q.local.unwrap_or(false),
        remote_only: q.remote.unwrap_or(false),
        only_media: q.only_media.unwrap_or(false),
    };
    let page = timelines::public(&state, viewer, scope, &q.page.page(STATUS_LIMITS)).await?;
    Ok(Paginated::statuses(
        &state,
        viewer.map(|a| a.id),
        page,
        &uri,
    ))
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

/// `GET /api/v1/timelines/tag/:hashtag`: public, as the public timeline.
pub async fn tag(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(hashtag): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<TagParams>,
) -> Result<Paginated<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let filter = timelines::TagFilter {
        tag: hashtag,
        any: q.any,
        all: q.all,
        none: q.none,
        local_only: q.local.unwrap_or(false),
    };
    let page = timelines::tag(&state, viewer, &filter, &q.page.page(STATUS_LIMITS)).await?;
    Ok(Paginated::statuses(
        &state,
        viewer.map(|a| a.id),
        page,
        &uri,
    ))
}

#[derive(Deserialize)]
pub struct LinkParams {
    #[serde(flatten)]
    page: PageParams,
    url: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
}

/// `GET /api/v1/timelines/link?url=`: public statuses showing the preview card of `url`
/// (Mastodon 4.3); public, as the public timeline. 404 for a URL with no card.
pub async fn link(
    State(state): State<AppState>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<LinkParams>,
) -> Result<Paginated<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let url = q
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| crate::error::Error::invalid("url", "ERR_BLANK", "can't be blank"))?;
    let scope = PublicScope {
        local_only: q.local.unwrap_or(false),
        remote_only: q.remote.unwrap_or(false),
        only_media: q.only_media.unwrap_or(false),
    };
    let page = timelines::link(&state, viewer, url, scope, &q.page.page(STATUS_LIMITS)).await?;
    Ok(Paginated::statuses(
        &state,
        viewer.map(|a| a.id),
        page,
        &uri,
    ))
}
