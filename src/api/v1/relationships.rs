//! Relationships between accounts: `/api/v1/accounts/:id/{follow,unfollow,block,unblock,mute,
//! unmute,remove_from_followers,followers,following}`, `/api/v1/accounts/relationships`,
//! `/api/v1/blocks`, `/api/v1/mutes` and `/api/v1/follow_requests…`.

use axum::extract::{OriginalUri, Path, State};
use axum::http::Uri;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::relationship::{self, MutedAccount, Relationship};
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships::{self as rel, AccountPage, FollowOptions, MuteOptions};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts/relationships", get(relationships))
        .route("/api/v1/accounts/{id}/follow", post(follow))
        .route("/api/v1/accounts/{id}/unfollow", post(unfollow))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(remove_from_followers),
        )
        .route("/api/v1/accounts/{id}/block", post(block))
        .route("/api/v1/accounts/{id}/unblock", post(unblock))
        .route("/api/v1/accounts/{id}/mute", post(mute))
        .route("/api/v1/accounts/{id}/unmute", post(unmute))
        .route("/api/v1/accounts/{id}/followers", get(followers))
        .route("/api/v1/accounts/{id}/following", get(following))
        .route("/api/v1/blocks", get(blocks))
        .route("/api/v1/mutes", get(mutes))
        .route("/api/v1/follow_requests", get(follow_requests))
        .route("/api/v1/follow_requests/{id}/authorize", post(authorize))
        .route("/api/v1/follow_requests/{id}/reject", post(reject))
}

const WRITE_FOLLOWS: &[&str] = &["write:follows", "follow"];
const WRITE_BLOCKS: &[&str] = &["write:blocks", "follow"];
const WRITE_MUTES: &[&str] = &["write:mutes", "follow"];
const READ_FOLLOWS: &[&str] = &["read:follows", "follow"];

/// A list parameter whose absence differs from an empty list (`languages`).
fn opt_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    de::string_list(d).map(Some)
}

#[derive(Deserialize)]
pub struct RelationshipsParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    with_suspended: Option<bool>,
}

/// `GET /api/v1/accounts/relationships?id[]=…`: unknown and malformed ids are skipped.
pub async fn relationships(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RelationshipsParams>,
) -> Result<Json<Vec<Relationship>>> {
    auth.require_any(READ_FOLLOWS)?;
    let ids: Vec<i64> =
        q.id.iter()
            .filter_map(|raw| crate::id::parse(raw.trim()))
            .collect();
    let found = rel::relationships(
        &state,
        &auth.account,
        &ids,
        q.with_suspended.unwrap_or(false),
    )
    .await?;
    Ok(Json(found.iter().map(Relationship::render).collect()))
}

#[derive(Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    notify: Option<bool>,
    #[serde(default, deserialize_with = "opt_string_list")]
    languages: Option<Vec<String>>,
}

/// `POST /api/v1/accounts/:id/follow`
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_FOLLOWS)?;
    let options = FollowOptions {
        reblogs: p.reblogs,
        notify: p.notify,
        languages: p.languages,
        uri: None,
    };
    let r = rel::follow(&state, &auth.account, path_id(&id)?, options).await?;
    Ok(Json(Relationship::render(&r)))
}

/// Checks one of `scopes`, runs a relationship action on the account in the path, renders
/// the resulting Relationship.
async fn act(
    state: AppState,
    auth: Auth,
    id: String,
    scopes: &[&str],
    action: impl AsyncFnOnce(&AppState, &crate::model::Account, i64) -> Result<rel::Relationship>,
) -> Result<Json<Relationship>> {
    auth.require_any(scopes)?;
    let r = action(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unfollow`
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_FOLLOWS, rel::unfollow).await
}

/// `POST /api/v1/accounts/:id/remove_from_followers`
pub async fn remove_from_followers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_FOLLOWS, rel::remove_from_followers).await
}

/// `POST /api/v1/accounts/:id/block`
pub async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_BLOCKS, rel::block).await
}

/// `POST /api/v1/accounts/:id/unblock`
pub async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_BLOCKS, rel::unblock).await
}

#[derive(Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    duration: Option<i64>,
}

/// `POST /api/v1/accounts/:id/mute` (`notifications` defaults to true; `duration` in seconds,
/// 0 for ever)
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_MUTES)?;
    let options = MuteOptions {
        notifications: p.notifications.unwrap_or(true),
        duration: p.duration,
    };
    let r = rel::mute(&state, &auth.account, path_id(&id)?, options).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unmute`
pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_MUTES, rel::unmute).await
}

/// An account list with its `Link` header.
fn account_list(state: &AppState, page: AccountPage, uri: &Uri) -> Paginated<Account> {
    let base_url = state.base_url();
    Paginated::new(
        relationship::accounts(&page.accounts, &base_url),
        page.cursors,
        &base_url,
        uri,
    )
}

/// `GET /api/v1/accounts/:id/followers`: public; hidden collections are empty for others.
pub async fn followers(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    if let Some(a) = &auth.0 {
        a.require("read:accounts")?;
    }
    let viewer = auth.0.as_ref().map(|a| &a.account);
    let page = rel::followers(&state, viewer, path_id(&id)?, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(account_list(&state, page, &uri))
}

/// `GET /api/v1/accounts/:id/following`: public; hidden collections are empty for others.
pub async fn following(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    if let Some(a) = &auth.0 {
        a.require("read:accounts")?;
    }
    let viewer = auth.0.as_ref().map(|a| &a.account);
    let page = rel::following(&state, viewer, path_id(&id)?, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(account_list(&state, page, &uri))
}

/// `GET /api/v1/blocks`
pub async fn blocks(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require_any(&["read:blocks", "follow"])?;
    let page = rel::blocks(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(account_list(&state, page, &uri))
}

/// `GET /api/v1/mutes`: accounts with `mute_expires_at`.
pub async fn mutes(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<MutedAccount>> {
    auth.require_any(&["read:mutes", "follow"])?;
    let page = rel::mutes(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    let base_url = state.base_url();
    let items = page
        .accounts
        .iter()
        .map(|l| MutedAccount::render(l, &base_url))
        .collect();
    Ok(Paginated::new(items, page.cursors, &base_url, &uri))
}

/// `GET /api/v1/follow_requests`
pub async fn follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require_any(READ_FOLLOWS)?;
    let page = rel::follow_requests(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(account_list(&state, page, &uri))
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
pub async fn authorize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_FOLLOWS, rel::authorize_request).await
}

/// `POST /api/v1/follow_requests/:account_id/reject`
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    act(state, auth, id, WRITE_FOLLOWS, rel::reject_request).await
}
