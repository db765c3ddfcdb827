//! `/api/v1/notifications/requests…`: the filtered notifications of each sender, accepted or
//! dismissed one request or several at a time.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::notification_policy::NotificationRequest;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::notifications::policy;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications/requests", get(index))
        .route("/api/v1/notifications/requests/merged", get(merged))
        .route("/api/v1/notifications/requests/accept", post(accept_many))
        .route("/api/v1/notifications/requests/dismiss", post(dismiss_many))
        .route("/api/v1/notifications/requests/{id}", get(show))
        .route("/api/v1/notifications/requests/{id}/accept", post(accept))
        .route("/api/v1/notifications/requests/{id}/dismiss", post(dismiss))
}

/// `GET /api/v1/notifications/requests`: 40 by default, 80 at most, newest first.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<NotificationRequest>> {
    auth.require("read:notifications")?;
    let (items, cursors) = policy::requests(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        items
            .iter()
            .map(|r| NotificationRequest::render(r, auth.account.id, &base))
            .collect(),
        cursors,
        &base,
        &uri,
    ))
}

/// `GET /api/v1/notifications/requests/:id`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<NotificationRequest>> {
    auth.require("read:notifications")?;
    let request = policy::request(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(NotificationRequest::render(
        &request,
        auth.account.id,
        &state.base_url(),
    )))
}

/// `POST /api/v1/notifications/requests/:id/accept`
pub async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    policy::accept(&state, &auth.account, &[path_id(&id)?], true).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/notifications/requests/:id/dismiss`
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    policy::dismiss(&state, &auth.account, &[path_id(&id)?], true).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub struct ManyParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

impl ManyParams {
    /// The ids asked for: at least one; malformed ones are refused, as nothing could match.
    fn ids(self) -> Result<Vec<i64>> {
        if self.id.is_empty() {
            return Err(Error::invalid("id", "ERR_BLANK", "can't be blank"));
        }
        self.id
            .iter()
            .map(|raw| {
                crate::id::parse(raw)
                    .ok_or_else(|| Error::invalid("id", "ERR_INVALID", "is not an id"))
            })
            .collect()
    }
}

/// `POST /api/v1/notifications/requests/accept` with `id[]`: ids that are not the caller's
/// pending requests are skipped.
pub async fn accept_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(q): Params<ManyParams>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    policy::accept(&state, &auth.account, &q.ids()?, false).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/notifications/requests/dismiss` with `id[]`.
pub async fn dismiss_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(q): Params<ManyParams>,
) -> Result<Json<Value>> {
    auth.require("write:notifications")?;
    policy::dismiss(&state, &auth.account, &q.ids()?, false).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/notifications/requests/merged`: whether accepted requests' notifications
/// are all back in the normal list.
pub async fn merged(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>> {
    auth.require("read:notifications")?;
    let merged = policy::merged(&state, &auth.account).await?;
    Ok(Json(json!({ "merged": merged })))
}
