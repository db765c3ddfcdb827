//! `GET /api/v1/statuses/:id/quotes` and `POST /api/v1/statuses/:id/quotes/:quoting_id/revoke`:
//! the quotes of one's own status (Mastodon 4.5).

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::quotes;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}/quotes", get(index))
        .route(
            "/api/v1/statuses/{id}/quotes/{quoting_id}/revoke",
            post(revoke),
        )
}

/// `GET /api/v1/statuses/:id/quotes`: accepted quotes of one's own status, newest first.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Status>> {
    auth.require("read:statuses")?;
    let (views, cursors) =
        quotes::quotes_of(&state, &auth.account, path_id(&id)?, &q.page(STATUS_LIMITS)).await?;
    let base = state.base_url();
    Ok(Paginated::new(
        views
            .iter()
            .map(|v| Status::render(v, Some(auth.account.id), &base))
            .collect(),
        cursors,
        &base,
        &uri,
    ))
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_id/revoke`: withdraws the approval of one
/// quote of one's status; answers with the quoting status.
pub async fn revoke(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, quoting_id)): Path<(String, String)>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = quotes::revoke(&state, &auth.account, path_id(&id)?, path_id(&quoting_id)?).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
