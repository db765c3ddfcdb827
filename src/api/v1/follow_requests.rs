//! `GET /api/v1/follow_requests`, and `POST /api/v1/follow_requests/:account_id/authorize`
//! and `/reject`: the requests to follow a locked account.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::entities::Account;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::Query;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/follow_requests", get(index))
        .route("/api/v1/follow_requests/{id}/authorize", post(authorize))
        .route("/api/v1/follow_requests/{id}/reject", post(reject))
}

const WRITE_FOLLOWS: &[&str] = &["write:follows", "follow"];

/// `GET /api/v1/follow_requests`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Account>> {
    auth.require_any(&["read:follows", "follow"])?;
    let page = rel::follow_requests(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    Ok(Paginated::accounts(&state, page, &uri))
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
pub async fn authorize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_FOLLOWS)?;
    let r = rel::authorize_request(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/follow_requests/:account_id/reject`
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_FOLLOWS)?;
    let r = rel::reject_request(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
