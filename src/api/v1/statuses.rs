//! `/api/v1/statuses…`

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::status::{Context, StatusEdit, StatusSource};
use crate::api::entities::{Account, Status};
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::statuses::Draft;
use crate::service::{statuses, timelines};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses", post(create).get(index))
        .route(
            "/api/v1/statuses/{id}",
            get(show).delete(destroy).put(update),
        )
        .route("/api/v1/statuses/{id}/context", get(context))
        .route("/api/v1/statuses/{id}/history", get(history))
        .route("/api/v1/statuses/{id}/source", get(source))
        .route("/api/v1/statuses/{id}/favourited_by", get(favourited_by))
        .route("/api/v1/statuses/{id}/reblogged_by", get(reblogged_by))
        .route("/api/v1/statuses/{id}/favourite", post(favourite))
        .route("/api/v1/statuses/{id}/unfavourite", post(unfavourite))
        .route("/api/v1/statuses/{id}/reblog", post(reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(unreblog))
        .route("/api/v1/statuses/{id}/bookmark", post(bookmark))
        .route("/api/v1/statuses/{id}/unbookmark", post(unbookmark))
        .route("/api/v1/statuses/{id}/pin", post(pin))
        .route("/api/v1/statuses/{id}/unpin", post(unpin))
        .route("/api/v1/statuses/{id}/mute", post(mute))
        .route("/api/v1/statuses/{id}/unmute", post(unmute))
}

/// Reading statuses needs no token; a token that is sent must allow reading them.
pub fn reader(auth: &MaybeAuth) -> Result<Option<&crate::model::Account>> {
    match &auth.0 {
        Some(a) => {
            a.require("read:statuses")?;
            Ok(Some(&a.account))
        }
        None => Ok(None),
    }
}

fn render(state: &AppState, auth: &Auth, view: &crate::model::StatusView) -> Json<Status> {
    Json(Status::render(
        view,
        Some(auth.account.id),
        &state.base_url(),
    ))
}

#[derive(Deserialize)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    media_ids: Vec<String>,
    #[serde(default, deserialize_with = "crate::api::v1::media::media_attributes")]
    media_attributes: Vec<crate::service::media::MediaAttributes>,
    #[serde(default)]
    poll: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

impl StatusParams {
    fn into_draft(self) -> Result<Draft> {
        if self.poll.as_ref().is_some_and(|p| !p.is_null()) {
            return Err(Error::invalid(
                "poll",
                "ERR_INVALID",
                "polls are not supported by this server yet",
            ));
        }
        if self.scheduled_at.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(Error::invalid(
                "scheduled_at",
                "ERR_INVALID",
                "scheduled posts are not supported by this server yet",
            ));
        }
        Ok(Draft {
            text: self.status.unwrap_or_default(),
            spoiler_text: self.spoiler_text.unwrap_or_default(),
            sensitive: self.sensitive,
            visibility: self.visibility,
            in_reply_to_id: self.in_reply_to_id,
            language: self.language,
            media_ids: self.media_ids,
            media_attributes: self.media_attributes,
        })
    }
}

/// `POST /api/v1/statuses`
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(p): Params<StatusParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 256);
    let view = statuses::post(
        &state,
        &auth.account,
        &auth.user,
        Some(auth.principal.grant.app_id),
        p.into_draft()?,
        key,
    )
    .await?;
    Ok(render(&state, &auth, &view))
}

#[derive(Deserialize)]
pub struct IdsParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

/// `GET /api/v1/statuses?id[]=`
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<IdsParams>,
) -> Result<Json<Vec<Status>>> {
    let viewer = reader(&auth)?;
    let ids: Vec<i64> = q.id.iter().filter_map(|i| crate::id::parse(i)).collect();
    let views = timelines::many(&state, viewer, &ids).await?;
    let base = state.base_url();
    Ok(Json(
        views
            .iter()
            .map(|v| Status::render(v, viewer.map(|a| a.id), &base))
            .collect(),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    let viewer = reader(&auth)?;
    let view = crate::service::views::one(&state, viewer, path_id(&id)?).await?;
    Ok(Json(Status::render(
        &view,
        viewer.map(|a| a.id),
        &state.base_url(),
    )))
}

/// `DELETE /api/v1/statuses/:id`: answers with the source text, for delete-and-redraft.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = statuses::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Status::render_source(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `PUT /api/v1/statuses/:id`: edit.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<StatusParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = statuses::edit(
        &state,
        &auth.account,
        &auth.user,
        path_id(&id)?,
        p.into_draft()?,
    )
    .await?;
    Ok(render(&state, &auth, &view))
}

pub async fn context(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Context>> {
    let viewer = reader(&auth)?;
    let (up, down) = timelines::context(&state, viewer, path_id(&id)?).await?;
    let base = state.base_url();
    let me = viewer.map(|a| a.id);
    Ok(Json(Context {
        ancestors: up.iter().map(|v| Status::render(v, me, &base)).collect(),
        descendants: down.iter().map(|v| Status::render(v, me, &base)).collect(),
    }))
}

pub async fn history(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<StatusEdit>>> {
    let viewer = reader(&auth)?;
    let (view, edits, media) = statuses::history(&state, viewer, path_id(&id)?).await?;
    Ok(Json(StatusEdit::history(
        &view,
        &edits,
        &media,
        &state.base_url(),
    )))
}

/// `GET /api/v1/statuses/:id/source`: the text of one's own status, for editing.
pub async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<StatusSource>> {
    auth.require("read:statuses")?;
    let view = crate::service::views::one(&state, Some(&auth.account), path_id(&id)?).await?;
    if view.status.account_id != auth.account.id {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(Json(StatusSource {
        id: view.status.id.to_string(),
        text: view.status.text.clone(),
        spoiler_text: view.status.spoiler_text.clone(),
    }))
}

async fn reactors(
    state: AppState,
    auth: MaybeAuth,
    id: String,
    uri: axum::http::Uri,
    q: PageParams,
    favourites: bool,
) -> Result<Paginated<Account>> {
    let viewer = match &auth.0 {
        Some(a) => {
            a.require("read:accounts")?;
            Some(&a.account)
        }
        None => None,
    };
    let page = q.page(ACCOUNT_LIMITS);
    let (accounts, cursors) =
        timelines::reactors(&state, viewer, path_id(&id)?, favourites, &page).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        accounts.iter().map(|a| Account::render(a, &base)).collect(),
        cursors,
        &base,
        &uri,
    ))
}

pub async fn favourited_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    reactors(state, auth, id, uri, q, true).await
}

pub async fn reblogged_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    reactors(state, auth, id, uri, q, false).await
}

/// Runs one action on a status after checking its scope, and renders the result.
async fn act(
    state: AppState,
    auth: Auth,
    id: String,
    scope: &str,
    action: impl AsyncFnOnce(&AppState, &crate::model::Account, i64) -> Result<crate::model::StatusView>,
) -> Result<Json<Status>> {
    auth.require(scope)?;
    let view = action(&state, &auth.account, path_id(&id)?).await?;
    Ok(render(&state, &auth, &view))
}

type Action = Result<Json<Status>>;

pub async fn favourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Action {
    act(state, auth, id, "write:favourites", statuses::favourite).await
}

pub async fn unfavourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Action {
    act(state, auth, id, "write:favourites", statuses::unfavourite).await
}

#[derive(Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
}

pub async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ReblogParams>,
) -> Action {
    act(state, auth, id, "write:statuses", async |s, a, i| {
        statuses::reblog(s, a, i, p.visibility.as_deref()).await
    })
    .await
}

pub async fn unreblog(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:statuses", statuses::unreblog).await
}

pub async fn bookmark(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:bookmarks", async |s, a, i| {
        statuses::bookmark(s, a, i, true).await
    })
    .await
}

pub async fn unbookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Action {
    act(state, auth, id, "write:bookmarks", async |s, a, i| {
        statuses::bookmark(s, a, i, false).await
    })
    .await
}

pub async fn pin(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:accounts", async |s, a, i| {
        statuses::pin(s, a, i, true).await
    })
    .await
}

pub async fn unpin(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:accounts", async |s, a, i| {
        statuses::pin(s, a, i, false).await
    })
    .await
}

pub async fn mute(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:mutes", async |s, a, i| {
        statuses::mute_conversation(s, a, i, true).await
    })
    .await
}

pub async fn unmute(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Action {
    act(state, auth, id, "write:mutes", async |s, a, i| {
        statuses::mute_conversation(s, a, i, false).await
    })
    .await
}
