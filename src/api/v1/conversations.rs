//! `/api/v1/conversations`: the caller's direct-message conversations, one per set of other
//! participants; `DELETE /:id` hides one for the caller alone, `POST /:id/read` marks it read.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::conversation::Conversation;
use crate::api::pagination::{PageParams, Paginated, STATUS_LIMITS};
use crate::api::params::Query;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::conversations;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations", get(index))
        .route("/api/v1/conversations/{id}", delete(remove))
        .route("/api/v1/conversations/{id}/read", post(read))
}

/// `GET /api/v1/conversations`: newest last status first, paged by last status.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Conversation>> {
    auth.require("read:statuses")?;
    let page = conversations::list(&state, &auth.account, &q.page(STATUS_LIMITS)).await?;
    let base = state.base_url();
    let items = page
        .conversations
        .iter()
        .map(|c| Conversation::render(c, &auth.account, &base))
        .collect();
    Ok(Paginated::new(items, page.cursors, &base, &uri))
}

/// `DELETE /api/v1/conversations/:id`: answers `{}`.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:conversations")?;
    conversations::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/conversations/:id/read`
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Conversation>> {
    auth.require("write:conversations")?;
    let view = conversations::mark_read(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Conversation::render(
        &view,
        &auth.account,
        &state.base_url(),
    )))
}
